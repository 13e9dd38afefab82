import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyArchive, type VerifyReport } from './index';
import { smallSchool, textOf } from './testSupport';

// The pool's workers run an entry the test chooses: one that cannot start, or stops midway.
const entry = vi.hoisted(() => ({ path: '' }));
vi.mock('./verifyPool', async (importOriginal) => {
  const real = await importOriginal<typeof import('./verifyPool')>();
  return { ...real, verifyPool: (count: number) => real.verifyPool(count, entry.path) };
});

let text: string;
let dir: string;
beforeAll(async () => {
  text = await textOf((await smallSchool(5)).store);
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-verify-fallback-'));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const withoutWorkers = ({ workers: _workers, ...rest }: VerifyReport): Omit<VerifyReport, 'workers'> => rest;

describe('verify with workers that fail', () => {
  it('answers on this thread, with the same report and 0 workers, when they cannot start, stop midway, or never start', async () => {
    await writeFile(join(dir, 'broken.mjs'), 'this is not JavaScript');
    await writeFile(join(dir, 'silent.mjs'), 'setInterval(() => {}, 1000);');
    await writeFile(join(dir, 'quitter.mjs'), "import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(3)); parentPort.postMessage({ ready: true });");
    // A damaged archive, so that the report has findings to compare.
    const lines = text.split('\n');
    const once = [...lines.slice(0, 10), lines[12], lines[11], ...lines.slice(13)].join('\n');
    // Three times over (text after the manifest is a finding too), in 256 KiB pieces: over 1 MiB, so that each worker is sent a batch.
    const damaged = `${once}\n${once}\n${once}`;
    const pieces = Array.from({ length: Math.ceil(damaged.length / 262_144) }, (_, i) => damaged.slice(i * 262_144, (i + 1) * 262_144));
    const expected = await verifyArchive(pieces);
    expect(expected.findings.length).toBeGreaterThan(0);
    for (const [name, waitForWorkers] of [['broken.mjs', true], ['quitter.mjs', true], ['missing.mjs', true], ['silent.mjs', false]] as const) {
      entry.path = join(dir, name);
      const report = await verifyArchive(pieces, { workers: 2, waitForWorkers });
      expect(report.workers).toBe(0);
      expect(withoutWorkers(report)).toStrictEqual(withoutWorkers(expected));
    }
  }, 60_000);
});
