import { availableParallelism } from 'node:os';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as E from 'fp-ts/Either';
import { archiveBytes, archiveEventSource, fileSource, pseudonymizer, writeTextFile, type Pseudonymizer, type ReexportOptions, type VerifyOptions } from '@grade-ledger/archive';
import { runCli } from '../index';
import { defaultVerifyWorkers, WORKERS_FROM_BYTES } from './verify';

// What `export --from` hands to verifyArchive and archiveBytesOfArchive, seen through wrappers around the real functions.
const seen = vi.hoisted(() => ({ verify: [] as Array<{ readonly opener: boolean; readonly workers: number | undefined }>, reexport: [] as Array<ReexportOptions> }));
vi.mock('@grade-ledger/archive', async (importOriginal) => {
  const real = await importOriginal<typeof import('@grade-ledger/archive')>();
  return {
    ...real,
    verifyArchive: (source: Parameters<typeof real.verifyArchive>[0], options?: VerifyOptions) => {
      seen.verify.push({ opener: typeof source === 'function', workers: options?.workers });
      return real.verifyArchive(source, options);
    },
    archiveBytesOfArchive: (source: Parameters<typeof real.archiveBytesOfArchive>[0], options: ReexportOptions) => {
      seen.reexport.push(options);
      return real.archiveBytesOfArchive(source, options);
    },
  };
});

const run = async (argv: ReadonlyArray<string>) => {
  const err: string[] = [];
  const code = await runCli(argv, { out: () => undefined, err: (line) => err.push(line) });
  return { code, err };
};

let dir: string;
let archive: string;
let key: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-cli-export-workers-'));
  archive = join(dir, 'school.gla');
  key = join(dir, 'export.key');
  await writeFile(key, Buffer.alloc(32, 7));
  const generated = await run(['generate', '--seed', '5', '--since', '2024', '--until', '2024', '--scale', '0.1', '--grade-levels', '5-5', '--subjects', '3', '--pupils', '8', '--out', archive]);
  expect(generated.code).toBe(0);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('grade-ledger export --from ARCHIVE --workers', () => {
  it('checks and re-exports on N worker threads, writing the bytes one thread writes; by default as verify (one per core from 32 MiB on); a bad count is a usage error', async () => {
    // The re-export as it was made on one thread: archiveBytes over archiveEventSource.
    const made = pseudonymizer(Buffer.alloc(32, 7)) as Pseudonymizer;
    const expected = join(dir, 'expected.gla');
    const lines = archiveBytes(archiveEventSource(fileSource(archive)), { pseudonymizer: made });
    await writeTextFile(expected, lines.chunks);
    expect(E.isRight(await lines.result)).toBe(true);
    for (const workers of [undefined, '0', '2']) {
      const out = join(dir, `out-${workers ?? 'default'}.gla`);
      seen.verify.length = 0;
      seen.reexport.length = 0;
      const exported = await run(['export', '--from', archive, '--out', out, '--actor', 'auditor-01', '--key-file', key, ...(workers === undefined ? [] : ['--workers', workers])]);
      expect(exported.err).toEqual([]);
      expect(exported.code).toBe(0);
      const count = workers === undefined ? 0 : Number(workers);
      expect(seen.verify).toEqual([{ opener: true, workers: count }]);
      expect(seen.reexport.map((o) => o.workers)).toEqual([count]);
      expect(await readFile(out)).toEqual(await readFile(expected));
    }
    // A large file (sparse: its size, not its bytes, matters; it is no archive, so the check stops it): the default count.
    const large = join(dir, 'large.gla');
    await writeFile(large, '');
    await truncate(large, WORKERS_FROM_BYTES);
    seen.verify.length = 0;
    expect((await run(['export', '--from', large, '--out', join(dir, 'never.gla'), '--actor', 'auditor-01', '--key-file', key])).code).toBe(1);
    expect(seen.verify).toEqual([{ opener: true, workers: defaultVerifyWorkers(availableParallelism(), WORKERS_FROM_BYTES) }]);
    for (const bad of [['--from', archive, '--workers', '65'], ['--from', archive, '--workers', 'two'], ['--postgres', 'postgres://nowhere', '--school', 'school-1', '--workers', '2']]) {
      const refused = await run(['export', ...bad, '--out', join(dir, 'never.gla'), '--actor', 'auditor-01', '--key-file', key]);
      expect([bad, refused.code]).toEqual([bad, 2]);
      expect(refused.err.join('\n')).toMatch(/--workers/);
    }
  }, 180_000);
});
