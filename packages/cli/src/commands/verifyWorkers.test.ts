import { availableParallelism } from 'node:os';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { VerifyOptions } from '@grade-ledger/archive';
import { runCli } from '../index';
import { defaultVerifyWorkers, WORKERS_FROM_BYTES } from './verify';

// The options `verify` hands to verifyArchive, seen through a wrapper around the real function.
const seen = vi.hoisted(() => ({ options: [] as Array<VerifyOptions | undefined> }));
vi.mock('@grade-ledger/archive', async (importOriginal) => {
  const real = await importOriginal<typeof import('@grade-ledger/archive')>();
  return {
    ...real,
    verifyArchive: (source: Parameters<typeof real.verifyArchive>[0], options?: VerifyOptions) => {
      seen.options.push(options);
      return real.verifyArchive(source, options);
    },
  };
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-cli-workers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('grade-ledger verify --workers', () => {
  it('hands the count to verifyArchive: by default one per core (at most 8) from 32 MiB on, none below; 0 for one thread', async () => {
    const small = join(dir, 'small.gla');
    await writeFile(small, 'not an archive\n');
    // A large file (sparse: its size, not its bytes, matters here; it is no archive, so verify stops at its findings).
    const large = join(dir, 'large.gla');
    await writeFile(large, '');
    await truncate(large, WORKERS_FROM_BYTES);
    const io = { out: () => undefined, err: () => undefined };
    for (const argv of [[small], [large], [small, '--workers', '0'], [small, '--workers', '3']]) await runCli(['verify', ...argv, '--no-domain'], io);
    expect(seen.options.map((o) => o?.workers)).toEqual([0, defaultVerifyWorkers(availableParallelism(), WORKERS_FROM_BYTES), 0, 3]);
  }, 120_000);
});
