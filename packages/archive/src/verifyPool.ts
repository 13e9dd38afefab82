import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { transferablesOfRequest, type BatchRequest, type BatchVerdicts } from './verifyBatch';

/*
 * The worker threads of a parallel verify. The worker's entry sits beside this module: built,
 * dist/verifyWorker.js (ESM) or dist/verifyWorker.cjs (CJS); from the sources (tests, the
 * benchmarks), src/verifyWorker.ts, which Node 20 cannot run by itself, so the thread first
 * registers tsx's loader (a dev dependency) and resolves the workspace packages to their sources.
 */

/** This module's own file (in the CJS build, tsup's shim makes import.meta.url from __filename). */
const thisFile = (): string => fileURLToPath(import.meta.url);

/** The worker entry beside this module, in its form (.ts, .js or .cjs). */
const workerEntry = (): string => {
  const here = thisFile();
  return join(dirname(here), `verifyWorker${extname(here)}`);
};

const workerOf = (entry: string): Worker => {
  const extension = extname(entry);
  if (extension !== '.ts') return new Worker(entry);
  const tsxApi = join(dirname(createRequire(entry).resolve('tsx')), 'esm', 'api', 'index.mjs');
  const bootstrap = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return new Worker(bootstrap, { eval: true, execArgv: ['--conditions=source'] });
};

type Waiting = { readonly resolve: (answer: unknown) => void; readonly reject: (error: Error) => void };
type Slot = { readonly worker: Worker | undefined; readonly waiting: Map<number, Waiting>; failed: boolean; ready: boolean };

export type VerifyPool = {
  /**
   * Sends a batch (made only then: its lines copied into the buffer handed over) to the next
   * worker ready; undefined when none is (still starting, or failed): check it on this thread.
   */
  readonly check: (request: () => BatchRequest) => Promise<BatchVerdicts> | undefined;
  /**
   * Sends a message (made only then, with the buffers it hands over) to the next worker ready:
   * its answer (`{ id, ... }`), rejected when the worker fails or sends an error back; undefined
   * when no worker is ready (for other work than verify's, e.g. a re-export's batches).
   */
  readonly submit: <A>(message: () => { readonly message: { readonly id: number }; readonly transfer: ReadonlyArray<ArrayBuffer> }) => Promise<A> | undefined;
  /** The same, to worker `index` (the one that holds the batch's streams); undefined when it is not ready or failed. */
  readonly checkOn: (index: number, request: () => BatchRequest) => Promise<BatchVerdicts> | undefined;
  /** Sends a message to worker `index`, ready or still starting (it is queued); false when it failed. */
  readonly post: (index: number, message: unknown, transfer?: ReadonlyArray<ArrayBuffer>) => boolean;
  /** Sends a message with an id to worker `index`: its answer (`{ id, ... }`), rejected when the worker fails. */
  readonly ask: <A>(index: number, message: { readonly id: number }) => Promise<A>;
  /** Whether worker `index` has started and not failed. */
  readonly isRunning: (index: number) => boolean;
  /** Whether any worker could not start or failed. */
  readonly anyFailed: () => boolean;
  /** Resolves once every worker is ready or has failed, or after `timeoutMs` (a worker that neither starts nor fails must not hang verify). */
  readonly started: (timeoutMs: number) => Promise<void>;
  /** The workers that started and did not fail (from when a worker is ready, every batch goes to a worker). */
  readonly running: () => number;
  /** Stops every worker. */
  readonly close: () => Promise<void>;
};

/**
 * Starts `count` workers (running `entry`, by default the verify worker beside this module). One
 * that cannot start or fails rejects its batches, and gets no more.
 */
export const verifyPool = (count: number, entry: string = workerEntry()): VerifyPool => {
  let closing = false;
  let onStart: Array<() => void> = [];
  const settled = (): boolean => slots.every((s) => s.ready || s.failed);
  const maybeStarted = (): void => {
    if (!settled()) return;
    for (const resolve of onStart) resolve();
    onStart = [];
  };
  const fail = (slot: Slot, error: Error): void => {
    slot.failed = true;
    for (const waiting of slot.waiting.values()) waiting.reject(error);
    slot.waiting.clear();
    maybeStarted();
  };
  const slots: Slot[] = Array.from({ length: count }, () => {
    let worker: Worker | undefined;
    try {
      worker = workerOf(entry);
    } catch {
      return { worker: undefined, waiting: new Map(), failed: true, ready: false };
    }
    const slot: Slot = { worker, waiting: new Map(), failed: false, ready: false };
    worker.on('message', (answer: { readonly id: number } | { readonly id: number; readonly error: string } | { readonly ready: true }) => {
      if ('ready' in answer) {
        slot.ready = true;
        maybeStarted();
        return;
      }
      const waiting = slot.waiting.get(answer.id);
      slot.waiting.delete(answer.id);
      if ('error' in answer) waiting?.reject(new Error(answer.error));
      else waiting?.resolve(answer);
    });
    worker.on('error', (error) => fail(slot, error));
    worker.on('exit', (code) => {
      if (!closing) fail(slot, new Error(`a verify worker stopped (exit code ${code})`));
    });
    return slot;
  });
  let next = 0;
  const usable = (slot: Slot | undefined): slot is Slot & { readonly worker: Worker } => slot !== undefined && !slot.failed && slot.worker !== undefined;
  const send = <A>(slot: Slot & { readonly worker: Worker }, id: number, message: unknown, transfer: ReadonlyArray<ArrayBuffer>): Promise<A> =>
    new Promise<A>((resolve, reject) => {
      slot.waiting.set(id, { resolve: resolve as (answer: unknown) => void, reject });
      slot.worker.postMessage(message, transfer as ArrayBuffer[]);
    });
  const submit: VerifyPool['submit'] = <A>(messageOf: () => { readonly message: { readonly id: number }; readonly transfer: ReadonlyArray<ArrayBuffer> }) => {
    for (let tried = 0; tried < slots.length; tried++) {
      const slot = slots[(next + tried) % slots.length] as Slot;
      if (slot.failed || !slot.ready || slot.worker === undefined) continue;
      next = (next + tried + 1) % slots.length;
      const { message, transfer } = messageOf();
      return send<A>(slot as Slot & { readonly worker: Worker }, message.id, message, transfer);
    }
    return undefined;
  };
  return {
    checkOn: (index, requestOf) => {
      const slot = slots[index];
      if (!usable(slot) || !slot.ready) return undefined;
      const request = requestOf();
      return send<BatchVerdicts>(slot, request.id, request, transferablesOfRequest(request));
    },
    post: (index, message, transfer = []) => {
      const slot = slots[index];
      if (!usable(slot)) return false;
      slot.worker.postMessage(message, transfer as ArrayBuffer[]);
      return true;
    },
    ask: <A>(index: number, message: { readonly id: number }) => {
      const slot = slots[index];
      return usable(slot) ? send<A>(slot, message.id, message, []) : Promise.reject(new Error('the verify worker failed'));
    },
    isRunning: (index) => slots[index]?.ready === true && !slots[index].failed,
    anyFailed: () => slots.some((s) => s.failed),
    submit,
    check: (requestOf) =>
      submit<BatchVerdicts>(() => {
        const request = requestOf();
        return { message: request, transfer: transferablesOfRequest(request) };
      }),
    started: (timeoutMs) =>
      settled()
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            onStart.push(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
    running: () => slots.filter((s) => s.ready && !s.failed).length,
    close: async () => {
      closing = true;
      await Promise.all(slots.map((s) => s.worker?.terminate()));
    },
  };
};
