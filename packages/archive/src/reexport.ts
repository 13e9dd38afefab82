import * as E from 'fp-ts/Either';
import { canonicalBytesWriter } from './canonicalJson';
import { endOfReading, failedAfter, readingState, readLine } from './archiveReading';
import { DIGEST_PREFIX_LENGTH, genesisDigest, type ArchiveManifest } from './format';
import { rawLineBatches, type ByteSource, type RawLine } from './lines';
import type { Pseudonymizer } from './pseudonymize';
import { keyOf } from './pseudonymizerKey';
import { reexportBatch, reexportRequest, reexportScratch, statedDigest, transferablesOfReexportRequest, type ReexportAnswer } from './reexportBatch';
import { verifyPool } from './verifyPool';
import { archiveWriter, type ArchiveChunks, type ArchiveWriteError } from './writer';

/*
 * A re-export: an archive written anew from an archive's lines (pseudonymized, say), on worker
 * threads. `archiveBytes(archiveEventSource(open), { pseudonymizer })` does it on one thread at
 * some 19 µs a line, nearly all of it per line and independent of the lines before: the JSON,
 * the chain's hash, the schema, the pseudonymization and the new line's canonical JSON. Here
 * batches of the source's raw lines go to workers (the verify pool's threads, verifyPool.ts),
 * which do that much (reexportBatch.ts: the chain of each line checked against the digest the
 * line before it states) and send back each new line's body; this thread reads and splits the
 * lines, and in line order runs what follows from the lines before: the order checks and counts
 * of `archiveWriter`, the new archive's chain (one hash a line, into the chunk), the manifest. A
 * line a worker left alone (anything unusual about it) is read and written here by the
 * one-thread code, so the outcome is the one-thread path's by construction; so is the error
 * that wins where both reading and writing fail (see `admit`).
 */

/** Lines archiveEventSource reads into one page for archiveBytes (which asks for pages of 2,000). */
const PAGE_SIZE = 2_000;
/** The bytes of lines gathered into one message to a worker. */
const BATCH_BYTES = 1024 * 1024;
/** Batches a worker may have waiting. */
const IN_FLIGHT_PER_WORKER = 3;
const MAX_WORKERS = 64;
/** How long `waitForWorkers` waits at most for a worker that neither starts nor fails. */
const WORKER_START_WAIT_MS = 60_000;
/** Chunks handed over: about archiveBytes' (256 KiB of whole lines). */
const CHUNK_BYTES = 256 * 1024;
const CHUNK_CAPACITY = CHUNK_BYTES + 64 * 1024;

export type ReexportOptions = {
  readonly pseudonymizer: Pseudonymizer | null;
  /**
   * Worker threads (default 0: all on this thread). Until a worker has started (a fraction of a
   * second), and for the batches of one that could not start or failed, this thread does their
   * work itself; the bytes are the same. A pseudonymizer not made by `pseudonymizer(key)` cannot
   * be made again in a worker: then none is started. At most 64.
   */
  readonly workers?: number;
  /** Wait until the workers have started (or failed) before reading (default false). */
  readonly waitForWorkers?: boolean;
  /** The bytes of lines gathered into one message to a worker (default 1 MiB). */
  readonly workerBatchBytes?: number;
  /** Called every 10,000 lines read and at the end. */
  readonly onProgress?: (progress: { readonly lines: number; readonly bytes: number }) => void;
};

/** The Left of archiveBytes when its source (archiveEventSource) stops: what archiveBytes makes of the error that source throws. */
const sourceFailed = (message: string): ArchiveWriteError => ({ kind: 'ArchiveWriteError', position: undefined, message: `reading the source failed: ${message}` });
const isWriteError = (error: unknown): error is ArchiveWriteError => typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === 'ArchiveWriteError';
const writeFailure = (error: unknown): ArchiveWriteError => (isWriteError(error) ? error : sourceFailed(error instanceof Error ? error.message : String(error)));

type Batch = {
  readonly lines: ReadonlyArray<RawLine>;
  /** The lines sent to a worker: all but line 1 and those cut for being too long. */
  readonly sent: ReadonlyArray<Uint8Array>;
  readonly previous: string;
  /** A worker's answer; undefined (no worker was ready, or it failed): done on this thread. */
  answer: Promise<ReexportAnswer | undefined> | undefined;
};

const NO_IDS: ReadonlyArray<string> = [];

/** A line a worker may take: not the header, not cut. */
const sendable = (line: RawLine): boolean => line.lineNumber > 1 && !line.tooLong;

/**
 * The archive made anew from an archive's bytes (e.g. `fileSource(path)`, or the bytes
 * themselves): the very bytes and the very outcome of `archiveBytes(archiveEventSource(open),
 * options)`, the same Left for any input that does not read or cannot be written (the line
 * named), with the per-line work on `workers` threads. Streamed: a few batches of lines in flight
 * (three a worker, 1 MiB each) and the current chunk are held.
 */
export const archiveBytesOfArchive = (source: ByteSource | (() => ByteSource), options: ReexportOptions): ArchiveChunks<Buffer> & { readonly workers: () => number } => {
  let used = 0;
  let settleResult: (result: E.Either<ArchiveWriteError, ArchiveManifest>) => void = () => undefined;
  const result = new Promise<E.Either<ArchiveWriteError, ArchiveManifest>>((resolve) => (settleResult = resolve));
  const { pseudonymizer } = options;
  // A pseudonymizer made otherwise cannot be made again in a worker: its lines are all written here.
  const key = pseudonymizer === null ? null : keyOf(pseudonymizer);
  const batchable = key !== undefined;
  const workers = batchable ? Math.min(MAX_WORKERS, Math.max(0, Math.floor(options.workers ?? 0))) : 0;

  async function* chunks(): AsyncIterable<Buffer> {
    const out = canonicalBytesWriter(CHUNK_CAPACITY);
    const writer = archiveWriter(pseudonymizer, out);
    out.text(writer.headerLine);
    const state = readingState();
    const scratch = reexportScratch();
    // The chain of the source stands at the digest this line (the last one a worker read) states; undefined when `state.previous` has it.
    let lastWorked: Buffer | undefined;
    // The events archiveEventSource would have handed over so far, and the first write error (its page's number).
    let accepted = 0;
    let pending: { readonly error: ArchiveWriteError; readonly page: number } | undefined;
    let outcome: ArchiveWriteError | undefined;
    const full: Buffer[] = [];

    /*
     * Each event as archiveEventSource hands it over in pages to archiveBytes' writer: on one
     * thread a write error counts only once its page is full (or the source ends well); a
     * reading error before that wins, the page never being handed over. `admit` before writing
     * (whether to write: no write error yet), `failed` when writing threw, `admitted` after.
     */
    const admit = (): boolean => {
      accepted += 1;
      return pending === undefined;
    };
    const failed = (error: unknown): void => {
      pending = { error: writeFailure(error), page: Math.floor((accepted - 1) / PAGE_SIZE) };
    };
    const admitted = (): void => {
      if (pending !== undefined && accepted === (pending.page + 1) * PAGE_SIZE) outcome = pending.error;
      if (out.position() >= CHUNK_BYTES) full.push(out.take(CHUNK_CAPACITY));
    };

    /** A line read and written here by the one-thread code. */
    const byThisThread = (line: RawLine): void => {
      if (lastWorked !== undefined) {
        state.previous = statedDigest(lastWorked);
        lastWorked = undefined;
      }
      let read;
      try {
        read = readLine(state, line);
      } catch (error) {
        outcome = sourceFailed(failedAfter(state.lines, error).message);
        return;
      }
      if (read === undefined) return;
      const { line: _line, ...recorded } = read;
      // archiveEventSource reads after position 0.
      if (recorded.globalPosition <= 0) return;
      if (admit())
        try {
          writer.event(recorded);
        } catch (error) {
          failed(error);
        }
      admitted();
    };

    /** A batch's lines in line order, with a worker's answer (or this thread's for them). */
    const settle = (batch: Batch, given: ReexportAnswer | undefined): void => {
      const answer = given ?? (batchable && batch.sent.length > 0 ? reexportBatch(reexportRequest(0, batch.sent, batch.previous, key), scratch) : undefined);
      const bodies = answer === undefined ? undefined : Buffer.from(answer.bodies);
      const ruleSetIds = new Map(answer?.ruleSetIds);
      let k = 0;
      for (const line of batch.lines) {
        if (outcome !== undefined) return;
        const i = sendable(line) ? k++ : -1;
        // A line after the manifest is read here: reading stops at it.
        if (i < 0 || answer === undefined || answer.written[i] !== 1 || state.manifest !== undefined) {
          byThisThread(line);
          continue;
        }
        state.lines = line.lineNumber;
        lastWorked = line.bytes;
        const from = i === 0 ? 0 : (answer.bodyEnds[i - 1] as number);
        if (admit())
          try {
            writer.serializedEvent(
              {
                position: answer.positions[i] as number,
                streamId: answer.strings[answer.streamRefs[i] as number] as string,
                streamRevision: answer.revisions[i] as number,
                type: answer.strings[answer.typeRefs[i] as number] as string,
                ruleSetIds: ruleSetIds.get(i) ?? NO_IDS,
              },
              bodies as Buffer,
              from,
              answer.bodyEnds[i] as number,
            );
          } catch (error) {
            failed(error);
          }
        admitted();
      }
    };

    const pool = workers > 0 ? verifyPool(workers) : undefined;
    try {
      if (pool !== undefined && options.waitForWorkers === true) await pool.started(WORKER_START_WAIT_MS);
      const inFlight: Batch[] = [];
      let id = 0;
      /** Sends a batch to the next worker ready: its answer, or undefined when none is (the batch is then done on this thread). */
      const submitted = (sent: ReadonlyArray<Uint8Array>, previous: string): Promise<ReexportAnswer | undefined> | undefined =>
        sent.length === 0
          ? undefined
          : pool
              ?.submit<ReexportAnswer>(() => {
                const request = reexportRequest(id++, sent, previous, key ?? null);
                return { message: request, transfer: transferablesOfReexportRequest(request) };
              })
              ?.then(
                (a) => a,
                () => undefined,
              );
      const settleOldest = async (): Promise<void> => {
        const oldest = inFlight.shift();
        if (oldest === undefined) return;
        if (oldest.answer === undefined)
          // This thread is to do a batch itself (no worker was ready for it): the later ones none took go to those ready by now.
          for (const later of inFlight) later.answer ??= submitted(later.sent, later.previous);
        settle(oldest, await oldest.answer);
      };
      let gathered: RawLine[] = [];
      let gatheredBytes = 0;
      // The last line read before the gathered ones: the chain of the next batch starts from it.
      let before: RawLine | undefined;
      const dispatch = (): void => {
        const sent = gathered.filter(sendable).map((line) => line.bytes);
        // The line before the first one sent: the header (line 1) or a chained line.
        const first = gathered.findIndex(sendable);
        const last = first > 0 ? gathered[first - 1] : before;
        const previous = last === undefined ? '' : last.lineNumber === 1 ? genesisDigest(last.bytes).toString('hex') : last.bytes.length > DIGEST_PREFIX_LENGTH ? statedDigest(last.bytes) : '';
        inFlight.push({ lines: gathered, sent, previous, answer: submitted(sent, previous) });
        before = gathered.at(-1);
        gathered = [];
        gatheredBytes = 0;
      };
      const batchBytes = Math.max(1, options.workerBatchBytes ?? BATCH_BYTES);
      const inFlightLimit = pool === undefined ? 0 : IN_FLIGHT_PER_WORKER * workers;
      let lines = 0;
      let bytes = 0;
      let sourceError: { readonly error: unknown } | undefined;
      try {
        for await (const batch of rawLineBatches(typeof source === 'function' ? source() : source)) {
          for (const line of batch) {
            lines = line.lineNumber;
            bytes += line.bytes.length + (line.unterminated ? 0 : 1);
            if (lines % 10_000 === 0) options.onProgress?.({ lines, bytes });
            gathered.push(line);
            gatheredBytes += line.bytes.length;
            // (A large piece of input makes several batches: the workers share it.)
            if (gatheredBytes >= batchBytes) dispatch();
          }
          while (inFlight.length > inFlightLimit && outcome === undefined) {
            await settleOldest();
            yield* full.splice(0);
          }
          if (outcome !== undefined) break;
        }
      } catch (error) {
        sourceError = { error };
      }
      if (gathered.length > 0 && outcome === undefined) dispatch();
      while (inFlight.length > 0 && outcome === undefined) {
        await settleOldest();
        yield* full.splice(0);
      }
      options.onProgress?.({ lines, bytes });
      if (outcome === undefined && sourceError !== undefined) outcome = sourceFailed(failedAfter(state.lines, sourceError.error).message);
      if (outcome === undefined)
        try {
          endOfReading(state);
        } catch (error) {
          outcome = sourceFailed(failedAfter(state.lines, error).message);
        }
      // The source read well: archiveEventSource hands over its last page, and a write error in it counts.
      if (outcome === undefined && pending !== undefined) outcome = pending.error;
      if (outcome !== undefined) {
        settleResult(E.left(outcome));
        return;
      }
      out.text(writer.manifestLine());
      yield out.take(0);
      settleResult(E.right(writer.manifest()));
    } catch (error) {
      settleResult(E.left(writeFailure(error)));
    } finally {
      used = pool?.running() ?? 0;
      await pool?.close();
      // A consumer that stopped early: no result.
      settleResult(E.left(sourceFailed('the re-export was stopped before its end')));
    }
  }
  return {
    chunks: chunks(),
    result,
    /** Once `result` has settled: the worker threads that started and did not fail (0: all on this thread). */
    workers: () => used,
  };
};
