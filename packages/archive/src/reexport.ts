import * as E from 'fp-ts/Either';
import { canonicalBytesWriter } from './canonicalJson';
import { endOfReading, failedAfter, readingState, readLine } from './archiveReading';
import { DIGEST_PREFIX_LENGTH, genesisDigest, type ArchiveManifest } from './format';
import { rawLineBatches, type ByteSource, type RawLine } from './lines';
import type { Pseudonymizer } from './pseudonymize';
import { keyOf } from './pseudonymizerKey';
import { reexportBatch, reexportScratch, statedDigest, transferablesOfReexportRequest, type ReexportAnswer, type ReexportRequest } from './reexportBatch';
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

/**
 * Lines read, gathered for a worker: their bytes copied one after the other into one buffer
 * (this thread keeps it; a worker is sent a copy), so that no object per line outlives its read
 * chunk. The header and a line cut for being too long are kept as read, and not sent.
 */
type Batch = {
  /** The number of the batch's first line (the others follow). */
  readonly first: number;
  readonly bytes: Buffer;
  /** Where each line ends in `bytes` (a line kept aside takes no bytes). */
  readonly ends: Uint32Array;
  /** The lines kept aside, by their index in the batch. */
  readonly aside: ReadonlyMap<number, RawLine>;
  /** The index of the line the input ended without a newline after, or -1. */
  readonly unterminated: number;
  /** The digest (hex) the line before the first line sent states. */
  readonly previous: string;
  /** The ends of the lines sent (all but those aside). */
  readonly sentEnds: Uint32Array;
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
 * (three a worker, 1 MiB each, copied once more for the worker) and the current chunk are held.
 * The API: a function of its own rather than an option of `archiveEventSource` (which yields
 * decoded events, too late for the workers); `exportLedger` takes it as `options.bytes`.
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
    let lastWorked: { readonly bytes: Buffer; readonly start: number } | undefined;
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
        state.previous = statedDigest(lastWorked.bytes, lastWorked.start);
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

    /** A request for a batch's lines sent (their bytes copied: this thread keeps its own). */
    const requestOf = (id: number, batch: Batch): ReexportRequest => {
      const length = batch.sentEnds.length === 0 ? 0 : (batch.sentEnds[batch.sentEnds.length - 1] as number);
      return { id, reexport: true, bytes: Uint8Array.prototype.slice.call(batch.bytes, 0, length).buffer as ArrayBuffer, ends: batch.sentEnds.slice(), previous: batch.previous, key: key === null || key === undefined ? null : Uint8Array.from(key) };
    };

    /** A batch's lines in line order, with a worker's answer (or this thread's for them). */
    const settle = (batch: Batch, given: ReexportAnswer | undefined): void => {
      // Done here: on this thread's copy of the lines.
      const here = (): ReexportAnswer => reexportBatch({ id: 0, reexport: true, bytes: batch.bytes.buffer as ArrayBuffer, ends: batch.sentEnds, previous: batch.previous, key: key ?? null }, scratch);
      const answer = given ?? (batchable && batch.sentEnds.length > 0 ? here() : undefined);
      const bodies = answer === undefined ? undefined : Buffer.from(answer.bodies);
      const ruleSetIds = new Map(answer?.ruleSetIds);
      const { bytes, ends, aside } = batch;
      let k = 0;
      for (let i = 0; i < ends.length; i++) {
        if (outcome !== undefined) return;
        const start = i === 0 ? 0 : (ends[i - 1] as number);
        const kept = aside.size === 0 ? undefined : aside.get(i);
        const sent = kept === undefined ? k++ : -1;
        // A line after the manifest is read here: reading stops at it.
        if (sent < 0 || answer === undefined || answer.written[sent] !== 1 || state.manifest !== undefined) {
          byThisThread(kept ?? { lineNumber: batch.first + i, bytes: bytes.subarray(start, ends[i]), tooLong: false, unterminated: i === batch.unterminated });
          continue;
        }
        state.lines = batch.first + i;
        lastWorked = { bytes, start };
        const from = sent === 0 ? 0 : (answer.bodyEnds[sent - 1] as number);
        if (admit())
          try {
            writer.serializedEvent(
              {
                position: answer.positions[sent] as number,
                streamId: answer.strings[answer.streamRefs[sent] as number] as string,
                streamRevision: answer.revisions[sent] as number,
                type: answer.strings[answer.typeRefs[sent] as number] as string,
                ruleSetIds: ruleSetIds.get(sent) ?? NO_IDS,
              },
              bodies as Buffer,
              from,
              answer.bodyEnds[sent] as number,
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
      const submitted = (batch: Batch): Promise<ReexportAnswer | undefined> | undefined =>
        batch.sentEnds.length === 0
          ? undefined
          : pool
              ?.submit<ReexportAnswer>(() => {
                const request = requestOf(id++, batch);
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
          for (const later of inFlight) later.answer ??= submitted(later);
        settle(oldest, await oldest.answer);
      };
      // The lines gathered for the next batch: their bytes, ends, those kept aside.
      let gathered = new Uint8Array(64 * 1024);
      let gatheredBytes = 0;
      let gatheredEnds: number[] = [];
      let aside = new Map<number, RawLine>();
      let first = 0;
      let unterminated = -1;
      // The digest the last line gathered states (the header's digest after line 1; '' after a line that states none).
      let stated = '';
      let previous = '';
      const gather = (line: RawLine): void => {
        if (gatheredEnds.length === 0) {
          first = line.lineNumber;
          previous = stated;
        }
        if (line.unterminated) unterminated = gatheredEnds.length;
        if (!sendable(line)) {
          aside.set(gatheredEnds.length, line);
          gatheredEnds.push(gatheredBytes);
          stated = line.lineNumber === 1 ? genesisDigest(line.bytes).toString('hex') : '';
          // The first line sent follows this one.
          if (gatheredEnds.length === aside.size) previous = stated;
          return;
        }
        const { bytes } = line;
        if (gatheredBytes + bytes.length > gathered.length) {
          const larger = new Uint8Array(Math.max(gatheredBytes + bytes.length, gathered.length * 2));
          larger.set(gathered.subarray(0, gatheredBytes));
          gathered = larger;
        }
        gathered.set(bytes, gatheredBytes);
        gatheredBytes += bytes.length;
        gatheredEnds.push(gatheredBytes);
        stated = bytes.length > DIGEST_PREFIX_LENGTH ? statedDigest(bytes as Buffer, 0) : '';
      };
      const dispatch = (): void => {
        const ends = Uint32Array.from(gatheredEnds);
        const sentEnds = aside.size === 0 ? ends : ends.filter((_, i) => !aside.has(i));
        const batch: Batch = { first, bytes: Buffer.from(gathered.buffer, 0, gatheredBytes), ends, aside, unterminated, previous, sentEnds, answer: undefined };
        batch.answer = submitted(batch);
        inFlight.push(batch);
        gathered = new Uint8Array(gathered.length);
        gatheredBytes = 0;
        gatheredEnds = [];
        aside = new Map();
        unterminated = -1;
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
            gather(line);
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
      if (gatheredEnds.length > 0 && outcome === undefined) dispatch();
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
