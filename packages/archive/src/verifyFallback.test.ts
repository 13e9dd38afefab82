import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
// A worker entry in TypeScript (the real worker, stopped after some messages) runs through tsx, which it must find from there.
let tsDir: string;
beforeAll(async () => {
  text = await textOf((await smallSchool(5)).store);
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-verify-fallback-'));
  tsDir = await mkdtemp(join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.verify-fallback-'));
  // Under node_modules a file's package scope is its own folder's: ES modules, as the sources are.
  await writeFile(join(tsDir, 'package.json'), '{"type":"module"}');
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(tsDir, { recursive: true, force: true });
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
    // Read once (a generator): the domain check stays on this thread, which checks a failed worker's lines itself.
    entry.path = join(dir, 'quitter.mjs');
    const readOnce = await verifyArchive(
      (function* () {
        yield* pieces;
      })(),
      { workers: 2, waitForWorkers: true },
    );
    expect(readOnce.workers).toBe(0);
    expect(withoutWorkers(readOnce)).toStrictEqual(withoutWorkers(expected));
  }, 60_000);

  it('redoes the verify on this thread when a worker holding a shard of the domain check stops midway (and from an opener, opened again)', async () => {
    const worker = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'verifyWorker.ts')).href;
    const lines = text.split('\n');
    const damaged = [...lines.slice(0, 300), lines[302], lines[301], ...lines.slice(303)].join('\n');
    const expected = await verifyArchive([damaged]);
    expect(expected.findings.some((f) => f.check === 'domain')).toBe(true);
    // Never stopping (the control: the entry does run the real worker), then stopping at its 3rd, 8th, 20th message.
    for (const after of [0, 3, 8, 20]) {
      // The real worker, which stops at its `after`-th message: after some batches and commits (a shard folded in part).
      const path = join(tsDir, `midway${after}.ts`);
      // (Its listener comes after the worker's own: the first one attached starts the messages.)
      await writeFile(path, `import { parentPort } from 'node:worker_threads';\nawait import(${JSON.stringify(worker)});\nlet seen = 0;\nparentPort?.on('message', () => { seen += 1; if (seen === ${after}) process.exit(3); });\n`);
      entry.path = path;
      let opened = 0;
      const open = () => {
        opened += 1;
        // In 16 KiB pieces: a batch (and a commit) per piece.
        return Array.from({ length: Math.ceil(damaged.length / 16_384) }, (_, i) => damaged.slice(i * 16_384, (i + 1) * 16_384));
      };
      const report = await verifyArchive(open, { workers: 2, waitForWorkers: true, workerBatchBytes: 10_000 });
      expect([after, opened]).toStrictEqual([after, after === 0 ? 1 : 2]);
      expect(report.workers).toBe(after === 0 ? 2 : 0);
      expect(withoutWorkers(report)).toStrictEqual(withoutWorkers(expected));
    }
  }, 120_000);
});
