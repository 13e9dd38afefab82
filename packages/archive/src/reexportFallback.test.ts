import * as E from 'fp-ts/Either';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { archiveBytes, archiveBytesOfArchive, archiveEventSource, pseudonymizer, type Pseudonymizer } from './index';
import { drained, smallSchool, textOf } from './testSupport';

// The pool's workers run an entry the test chooses: one that cannot start, fails, or stops midway.
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
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-reexport-fallback-'));
  tsDir = await mkdtemp(join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.reexport-fallback-'));
  // Under node_modules a file's package scope is its own folder's: ES modules, as the sources are.
  await writeFile(join(tsDir, 'package.json'), '{"type":"module"}');
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(tsDir, { recursive: true, force: true });
});

describe('re-export with workers that fail', () => {
  it('writes the same archive on this thread when the workers cannot start, fail, answer errors, never start, or stop midway', async () => {
    const key = pseudonymizer(Buffer.from('0123456789abcdef0123456789abcdef')) as Pseudonymizer;
    // The sound archive, and one with two lines swapped (reading stops there: the same Left expected).
    const lines = text.split('\n');
    const swapped = [...lines.slice(0, 300), lines[302], lines[301], ...lines.slice(303)].join('\n');
    await writeFile(join(dir, 'broken.mjs'), 'this is not JavaScript');
    await writeFile(join(dir, 'silent.mjs'), 'setInterval(() => {}, 1000);');
    await writeFile(join(dir, 'quitter.mjs'), "import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(3)); parentPort.postMessage({ ready: true });");
    await writeFile(join(dir, 'refuser.mjs'), "import { parentPort } from 'node:worker_threads'; parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, error: 'no' })); parentPort.postMessage({ ready: true });");
    const worker = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'verifyWorker.ts')).href;
    const midway = join(tsDir, 'midway.ts');
    // The real worker, which stops at its 4th message: some batches answered, the rest not.
    await writeFile(midway, `import { parentPort } from 'node:worker_threads';\nawait import(${JSON.stringify(worker)});\nlet seen = 0;\nparentPort?.on('message', () => { seen += 1; if (seen === 4) process.exit(3); });\n`);
    for (const archive of [text, swapped]) {
      const expected = await drained(archiveBytes(archiveEventSource(() => [archive]), { pseudonymizer: key }));
      for (const [name, waitForWorkers, running] of [
        [join(dir, 'broken.mjs'), true, 0],
        [join(dir, 'quitter.mjs'), true, 0],
        [join(dir, 'refuser.mjs'), true, 2],
        [join(dir, 'missing.mjs'), true, 0],
        [join(dir, 'silent.mjs'), false, 0],
        [midway, true, 0],
      ] as const) {
        entry.path = name;
        const parallel = archiveBytesOfArchive(() => [archive], { pseudonymizer: key, workers: 2, waitForWorkers, workerBatchBytes: 20_000 });
        const got = await drained(parallel);
        expect([name, got.result]).toStrictEqual([name, expected.result]);
        if (E.isRight(expected.result)) expect(got.bytes.equals(expected.bytes)).toBe(true);
        // A worker that answers with errors still runs; the others stopped or never started.
        if (archive === text) expect([name, parallel.workers()]).toStrictEqual([name, running]);
      }
      expect(E.isRight(expected.result)).toBe(archive === text);
    }
  }, 180_000);
});
