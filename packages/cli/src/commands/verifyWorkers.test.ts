import { availableParallelism } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { VerifyOptions } from '@grade-ledger/archive';
import { runCli } from '../index';
import { defaultVerifyWorkers } from './verify';

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
  it('hands the count to verifyArchive: the default one per core (at most 8), 0 for one thread', async () => {
    const file = join(dir, 'empty.gla');
    await writeFile(file, '');
    const io = { out: () => undefined, err: () => undefined };
    for (const argv of [[], ['--workers', '0'], ['--workers', '3']]) await runCli(['verify', file, ...argv], io);
    expect(seen.options.map((o) => o?.workers)).toEqual([defaultVerifyWorkers(availableParallelism()), 0, 3]);
  }, 60_000);
});
