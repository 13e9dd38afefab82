import * as E from 'fp-ts/Either';
import { decodeEventFast, type RecordedEvent } from '@grade-ledger/core';
import { canonicalBytesWriter } from './canonicalJson';
import { chainHasher, DIGEST_PREFIX, DIGEST_PREFIX_LENGTH } from './format';
import { isKeyError, pseudonymizer, type Pseudonymizer } from './pseudonymize';
import { stringTable } from './verifyBatch';
import { ruleSetIdsOf, writeEventBody } from './writer';

/*
 * What goes between a re-export's main thread (reexport.ts) and its workers: a batch of the
 * source archive's lines as one ArrayBuffer (transferred) with their end offsets, the digest
 * the line before the batch states, and the pseudonymization key; back, for each line the
 * worker wrote, the body of its line in the new archive (one buffer, transferred) and, in
 * columns, what the writer's checks and counts need. A line the worker does not write is one
 * the main thread reads and writes itself, with the one-thread code: whatever is unusual about
 * it (a broken chain, a line that is not JSON, an event that does not decode, the manifest, a
 * position not a whole number from 1...), the outcome is then the one-thread path's by construction.
 */

export type ReexportRequest = {
  readonly id: number;
  readonly reexport: true;
  /** The lines' bytes, one after the other. */
  readonly bytes: ArrayBuffer;
  /** Where each line ends in `bytes` (the next starts there). */
  readonly ends: Uint32Array;
  /** The digest (hex) the line before the batch states (the header's digest before line 2). */
  readonly previous: string;
  /** The pseudonymization key (a copy), or null for an identified archive. */
  readonly key: Uint8Array | null;
};

export type ReexportAnswer = {
  readonly id: number;
  /** 1 where the worker wrote the line, 0 where the main thread reads and writes it itself. */
  readonly written: Uint8Array;
  /** The written lines' bodies, one after the other (the others take no bytes). */
  readonly bodies: ArrayBuffer;
  /** Where each line's body ends in `bodies`. */
  readonly bodyEnds: Uint32Array;
  readonly positions: Float64Array;
  readonly revisions: Float64Array;
  /** Indexes into `strings`: the stream id as written (pseudonymized where the archive is) and the event's type. */
  readonly streamRefs: Uint32Array;
  readonly typeRefs: Uint32Array;
  readonly strings: ReadonlyArray<string>;
  /** The rule-set ids of the written lines that name any. */
  readonly ruleSetIds: ReadonlyArray<readonly [number, ReadonlyArray<string>]>;
};

/** The lines of a batch, copied once into one buffer. */
export const reexportRequest = (id: number, lines: ReadonlyArray<Uint8Array>, previous: string, key: Uint8Array | null): ReexportRequest => {
  let total = 0;
  for (const line of lines) total += line.length;
  const bytes = new Uint8Array(total);
  const ends = new Uint32Array(lines.length);
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as Uint8Array;
    bytes.set(line, at);
    at += line.length;
    ends[i] = at;
  }
  return { id, reexport: true, bytes: bytes.buffer, ends, previous, key: key === null ? null : Uint8Array.from(key) };
};

export const transferablesOfReexportRequest = (request: ReexportRequest): ArrayBuffer[] => [request.bytes, request.ends.buffer as ArrayBuffer];
export const transferablesOfReexportAnswer = (answer: ReexportAnswer): ArrayBuffer[] =>
  [answer.bodies, ...[answer.written, answer.bodyEnds, answer.positions, answer.revisions, answer.streamRefs, answer.typeRefs].map((a) => a.buffer as ArrayBuffer)];

/** The digest a chained line (from `start` in `bytes`) states: its fixed prefix's hex digits, as latin1. */
export const statedDigest = (bytes: Buffer, start = 0): string => bytes.toString('latin1', start + DIGEST_PREFIX.length, start + DIGEST_PREFIX.length + 64);

/** What a thread keeps from batch to batch: the last key's pseudonymizer, a chain hasher, a writer with its memory of shapes. */
export const reexportScratch = () => ({
  keyHex: undefined as string | undefined,
  pseudonymizer: null as Pseudonymizer | null,
  hasher: chainHasher(),
  out: canonicalBytesWriter(),
});
export type ReexportScratch = ReturnType<typeof reexportScratch>;

const pseudonymizerOf = (scratch: ReexportScratch, key: Uint8Array | null): Pseudonymizer | null => {
  if (key === null) return null;
  const hex = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
  if (scratch.keyHex !== hex) {
    const made = pseudonymizer(key);
    if (isKeyError(made)) throw new Error(made.message);
    scratch.keyHex = hex;
    scratch.pseudonymizer = made;
  }
  return scratch.pseudonymizer;
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The worker's side (also run on the main thread for a batch no worker took): each line read as
 * `readLine` reads it (JSON, the chain from the digest the line before states, the schema) and
 * written as `archiveWriter.event` writes it (pseudonymized, `writeEventBody`); a line with
 * anything unusual is left to the main thread. The order checks need the lines before: they are
 * the main thread's.
 */
export const reexportBatch = (request: ReexportRequest, scratch: ReexportScratch): ReexportAnswer => {
  const count = request.ends.length;
  const all = Buffer.from(request.bytes);
  const pseudonymizing = pseudonymizerOf(scratch, request.key);
  const { hasher } = scratch;
  const out = scratch.out;
  out.truncate(0);
  const written = new Uint8Array(count);
  const bodyEnds = new Uint32Array(count);
  const positions = new Float64Array(count);
  const revisions = new Float64Array(count);
  const streamRefs = new Uint32Array(count);
  const typeRefs = new Uint32Array(count);
  const { strings, intern } = stringTable();
  const ruleSetIds: Array<readonly [number, ReadonlyArray<string>]> = [];
  let previous = request.previous;
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = request.ends[i] as number;
    const line = all.subarray(start, end);
    start = end;
    bodyEnds[i] = out.position();
    // The next line follows from the digest this one states: should this one be wrong, reading stops at it anyway.
    const stated = previous;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.toString('utf8'));
    } catch {
      previous = line.length > DIGEST_PREFIX_LENGTH ? statedDigest(line) : previous;
      continue;
    }
    const digest = isRecord(parsed) && typeof parsed.digest === 'string' && line.length > DIGEST_PREFIX_LENGTH ? hasher.follows(stated, line) : undefined;
    previous = digest ?? (line.length > DIGEST_PREFIX_LENGTH ? statedDigest(line) : previous);
    if (digest === undefined || !isRecord(parsed) || parsed.digest !== digest || parsed.kind === 'manifest') continue;
    const { position, streamId, streamRevision } = parsed;
    // What archiveEventSource skips (a position from 0 down) or the writer refuses is left to the main thread too.
    if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 1 || typeof streamId !== 'string' || typeof streamRevision !== 'number' || !Number.isSafeInteger(streamRevision)) continue;
    const decoded = decodeEventFast(parsed.event);
    if (E.isLeft(decoded)) continue;
    const source: RecordedEvent = { event: decoded.right, streamId, streamRevision, globalPosition: position };
    const bodyStart = out.position();
    let recorded: RecordedEvent;
    try {
      recorded = pseudonymizing === null ? source : pseudonymizing.recorded(source);
      writeEventBody(out, recorded);
    } catch {
      out.truncate(bodyStart);
      continue;
    }
    written[i] = 1;
    bodyEnds[i] = out.position();
    positions[i] = position;
    revisions[i] = streamRevision;
    streamRefs[i] = intern(recorded.streamId);
    typeRefs[i] = intern(recorded.event.type);
    const ids = ruleSetIdsOf(recorded.event);
    if (ids.length > 0) ruleSetIds.push([i, ids]);
  }
  // The next batch's buffer about this one's size: it seldom grows.
  const bodies = out.take(Math.max(64 * 1024, Math.ceil(out.position() * 1.25)));
  // A buffer of its own (a large allocation always is), handed over whole.
  const owned = bodies.byteOffset === 0 && bodies.buffer.byteLength === bodies.length ? bodies.buffer : Uint8Array.prototype.slice.call(bodies).buffer;
  return { id: request.id, written, bodies: owned as ArrayBuffer, bodyEnds, positions, revisions, streamRefs, typeRefs, strings, ruleSetIds };
};
