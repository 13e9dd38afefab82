import type { LedgerEvent } from '@grade-ledger/core';
import { lineVerdict, type Finding, type LineVerdict } from './verifyLine';

/*
 * What goes between verify's main thread and its workers: a batch of lines as one ArrayBuffer
 * (transferred, not copied) with their end offsets and line numbers, and back the verdicts in
 * columns (typed arrays, transferred; strings interned per batch), the rare parts (findings,
 * manifests, rule-set ids) sparse: a batch of valid lines costs the main thread a few typed
 * arrays and short strings to receive, not an object per line.
 */

export type BatchRequest = {
  readonly id: number;
  /** The lines' bytes, one after the other. */
  readonly bytes: ArrayBuffer;
  /** Where each line ends in `bytes` (the next starts there). */
  readonly ends: Uint32Array;
  readonly lineNumbers: Float64Array;
  /** The number of the line the input ended without a newline after, or 0. */
  readonly unterminatedLine: number;
  /** Send the decoded events back (for the domain check). */
  readonly keepEvents: boolean;
  /**
   * Keep the decoded events in the worker, by line, for its shard of the domain check (they are
   * not sent back): the main thread then says which of them the check takes (verifyShard.ts).
   */
  readonly holdEvents: boolean;
};

const KIND_OTHER = 0;
const KIND_MANIFEST = 1;
const KIND_EVENT = 2;

export type BatchVerdicts = {
  readonly id: number;
  readonly kinds: Uint8Array;
  /** NaN where the position is not a whole number from 1. */
  readonly positions: Float64Array;
  /** NaN where the stream id or revision is not valid. */
  readonly revisions: Float64Array;
  readonly strings: ReadonlyArray<string>;
  readonly typeRefs: Uint32Array;
  /** Index into `strings`, meaningful where the revision is not NaN. */
  readonly streamRefs: Uint32Array;
  /** 1 where the event decoded. */
  readonly decoded: Uint8Array;
  readonly ruleSetIds: ReadonlyArray<readonly [number, ReadonlyArray<string>]>;
  /** Each line's event id where it decoded ('' elsewhere): the main thread finds repeated ids. */
  readonly eventIds: ReadonlyArray<string>;
  readonly findings: ReadonlyArray<readonly [number, ReadonlyArray<Finding>]>;
  readonly manifests: ReadonlyArray<readonly [number, Record<string, unknown>]>;
  readonly events: ReadonlyArray<LedgerEvent | undefined> | undefined;
};

/** The lines of a batch as the main thread sends them: copied once into one buffer. */
export const batchRequest = (
  id: number,
  lines: ReadonlyArray<{ readonly lineNumber: number; readonly bytes: Uint8Array; readonly unterminated: boolean }>,
  keepEvents: boolean,
  holdEvents = false,
): BatchRequest => {
  let total = 0;
  for (const line of lines) total += line.bytes.length;
  const bytes = new Uint8Array(total);
  const ends = new Uint32Array(lines.length);
  const lineNumbers = new Float64Array(lines.length);
  let at = 0;
  let unterminatedLine = 0;
  lines.forEach((line, i) => {
    bytes.set(line.bytes, at);
    at += line.bytes.length;
    ends[i] = at;
    lineNumbers[i] = line.lineNumber;
    if (line.unterminated) unterminatedLine = line.lineNumber;
  });
  return { id, bytes: bytes.buffer, ends, lineNumbers, unterminatedLine, keepEvents, holdEvents };
};

/** The buffers a request or an answer hands over rather than copies. */
export const transferablesOfRequest = (request: BatchRequest): ArrayBuffer[] => [request.bytes, request.ends.buffer as ArrayBuffer, request.lineNumbers.buffer as ArrayBuffer];
export const transferablesOfVerdicts = (v: BatchVerdicts): ArrayBuffer[] =>
  [v.kinds, v.positions, v.revisions, v.typeRefs, v.streamRefs, v.decoded].map((a) => a.buffer as ArrayBuffer);

/**
 * Strings sent back with a batch's answer once each (stream ids, event types repeat line after
 * line): `intern` gives a string's index in `strings`.
 */
export const stringTable = (): { readonly strings: string[]; readonly intern: (text: string) => number } => {
  const strings: string[] = [];
  const interned = new Map<string, number>();
  return {
    strings,
    intern: (text) => {
      let ref = interned.get(text);
      if (ref === undefined) {
        ref = strings.length;
        strings.push(text);
        interned.set(text, ref);
      }
      return ref;
    },
  };
};

/**
 * The worker's side: every line's verdict, in columns. With `holdEvents`, each decoded event of
 * a line with a valid position, stream id and revision (those the domain check may take) is
 * handed to `hold` instead of being sent back.
 */
export const verdictsOfBatch = (request: BatchRequest, hold?: (line: number, streamId: string, event: LedgerEvent) => void): BatchVerdicts => {
  const decodeEvents = request.keepEvents || request.holdEvents;
  const count = request.ends.length;
  const all = new Uint8Array(request.bytes);
  const kinds = new Uint8Array(count);
  const positions = new Float64Array(count);
  const revisions = new Float64Array(count);
  const typeRefs = new Uint32Array(count);
  const streamRefs = new Uint32Array(count);
  const decoded = new Uint8Array(count);
  const { strings, intern } = stringTable();
  const ruleSetIds: Array<readonly [number, ReadonlyArray<string>]> = [];
  const eventIds = new Array<string>(count).fill('');
  const findings: Array<readonly [number, ReadonlyArray<Finding>]> = [];
  const manifests: Array<readonly [number, Record<string, unknown>]> = [];
  const events: Array<LedgerEvent | undefined> | undefined = request.keepEvents ? new Array<LedgerEvent | undefined>(count) : undefined;
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = request.ends[i] as number;
    const n = request.lineNumbers[i] as number;
    const verdict = lineVerdict(all.subarray(start, end), n, n === request.unterminatedLine, decodeEvents);
    start = end;
    if (verdict.findings.length > 0) findings.push([i, verdict.findings]);
    if (verdict.kind === 'other') {
      kinds[i] = KIND_OTHER;
      continue;
    }
    if (verdict.kind === 'manifest') {
      kinds[i] = KIND_MANIFEST;
      manifests.push([i, verdict.parsed]);
      continue;
    }
    kinds[i] = KIND_EVENT;
    typeRefs[i] = intern(verdict.type);
    positions[i] = verdict.position ?? Number.NaN;
    revisions[i] = verdict.streamRevision ?? Number.NaN;
    if (verdict.streamId !== undefined) streamRefs[i] = intern(verdict.streamId);
    if (verdict.ruleSetIds !== undefined) {
      decoded[i] = 1;
      eventIds[i] = verdict.eventId as string;
      if (verdict.ruleSetIds.length > 0) ruleSetIds.push([i, verdict.ruleSetIds]);
    }
    if (events !== undefined) events[i] = verdict.event;
    if (request.holdEvents && verdict.event !== undefined && verdict.streamId !== undefined && verdict.position !== undefined) hold?.(n, verdict.streamId, verdict.event);
  }
  return { id: request.id, kinds, positions, revisions, strings, typeRefs, streamRefs, decoded, ruleSetIds, eventIds, findings, manifests, events };
};

const NO_FINDINGS: ReadonlyArray<Finding> = [];
const NO_IDS: ReadonlyArray<string> = [];

/** The main thread's side: the verdicts of a batch, one per line again. */
export const linesOfVerdicts = (v: BatchVerdicts): ReadonlyArray<LineVerdict> => {
  const count = v.kinds.length;
  const findingsAt = new Map(v.findings);
  const manifestsAt = new Map(v.manifests);
  const idsAt = new Map(v.ruleSetIds);
  const out = new Array<LineVerdict>(count);
  for (let i = 0; i < count; i++) {
    const findings = findingsAt.get(i) ?? NO_FINDINGS;
    const kind = v.kinds[i];
    if (kind === KIND_OTHER) out[i] = { kind: 'other', findings };
    else if (kind === KIND_MANIFEST) out[i] = { kind: 'manifest', findings, parsed: manifestsAt.get(i) as Record<string, unknown> };
    else {
      const position = v.positions[i] as number;
      const revision = v.revisions[i] as number;
      const streamValid = !Number.isNaN(revision);
      out[i] = {
        kind: 'event',
        findings,
        type: v.strings[v.typeRefs[i] as number] as string,
        position: Number.isNaN(position) ? undefined : position,
        streamId: streamValid ? v.strings[v.streamRefs[i] as number] : undefined,
        streamRevision: streamValid ? revision : undefined,
        ruleSetIds: v.decoded[i] === 1 ? (idsAt.get(i) ?? NO_IDS) : undefined,
        eventId: v.decoded[i] === 1 ? v.eventIds[i] : undefined,
        event: v.events?.[i],
        parsedEvent: undefined,
      };
    }
  }
  return out;
};
