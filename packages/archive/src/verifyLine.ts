import * as E from 'fp-ts/Either';
import { decodeEventFast, type LedgerEvent } from '@grade-ledger/core';
import { canonicalJson, isCertainlyCanonical } from './canonicalJson';
import { ruleSetIdsOf } from './writer';

/*
 * The checks of one archive line that need nothing but the line itself: UTF-8, JSON, canonical
 * form, the members of an event line, the form of its position, stream id and revision, and its
 * event's schema. They are what a verify worker runs (verifyWorker.ts); the main thread runs
 * what follows from the lines before (the chain, the order, the manifest, the domain) on their
 * verdicts, in line order. The single-threaded verify runs the same function, so that both give
 * the same report by construction.
 */

/** What a check found wrong, at a 1-based line of the (uncompressed) archive. */
export type Finding = {
  readonly line: number;
  /**
   * - format: not a line of this format (not UTF-8, not JSON, not canonical, wrong members);
   * - chain: the line's digest does not follow from the line before it (changed, removed, inserted, reordered);
   * - order: positions not increasing, or a stream's revisions not 0, 1, 2, ..., or an event id repeated;
   * - schema: the event does not decode with its codec;
   * - manifest: the manifest does not match what was read, or is missing (cut short);
   * - domain: the ledger's rules refuse the command the event came from, or it would record another payload;
   * - grade: a finalized grade the rules compute otherwise, without an override reason, or with a wrong recorded recommendation.
   */
  readonly check: 'format' | 'chain' | 'order' | 'schema' | 'manifest' | 'domain' | 'grade';
  readonly message: string;
  /** The field at fault (a dotted path), where one is. */
  readonly field?: string;
  readonly eventId?: string;
};

/**
 * What one line (from line 2 on) says by itself. Findings are the format and schema findings of
 * the line alone, in the order the checks ran. The rest is what the sequential checks need.
 */
export type LineVerdict =
  /** Not UTF-8, not JSON, not an object, or a header after line 1: findings only. */
  | { readonly kind: 'other'; readonly findings: ReadonlyArray<Finding> }
  | { readonly kind: 'manifest'; readonly findings: ReadonlyArray<Finding>; readonly parsed: Record<string, unknown> }
  | {
      readonly kind: 'event';
      readonly findings: ReadonlyArray<Finding>;
      /** The event's type, or "(no type)". */
      readonly type: string;
      /** Present only when a whole number from 1. */
      readonly position: number | undefined;
      /** Both present only when a non-empty string and a whole number from 0. */
      readonly streamId: string | undefined;
      readonly streamRevision: number | undefined;
      /** The rule-set ids the event names; undefined when it did not decode. */
      readonly ruleSetIds: ReadonlyArray<string> | undefined;
      /** The event's id (metadata.eventId); undefined when it did not decode. */
      readonly eventId: string | undefined;
      /** The decoded event (when it decoded and was asked for). */
      readonly event: LedgerEvent | undefined;
      /** The event as parsed, before decoding (on the thread that parsed only). */
      readonly parsedEvent: unknown;
    };

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export const EVENT_LINE_KEYS: ReadonlyArray<string> = ['digest', 'event', 'position', 'streamId', 'streamRevision'];

export const fatalDecoder = new TextDecoder('utf-8', { fatal: true });

const NO_FINDINGS: ReadonlyArray<Finding> = [];

/**
 * The verdict on a line from line 2 on (not cut for being too long). `keepEvent`: return the
 * decoded event (the domain check and `onEvent` need it; a worker sends it only when asked).
 */
export const lineVerdict = (bytes: Uint8Array, n: number, unterminated: boolean, keepEvent: boolean): LineVerdict => {
  let findings: Finding[] | undefined;
  const add = (finding: Finding): void => {
    (findings ??= []).push(finding);
  };
  let text: string;
  try {
    text = fatalDecoder.decode(bytes);
  } catch {
    return { kind: 'other', findings: [{ line: n, check: 'format', message: `line ${n} is not valid UTF-8` }] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: 'other', findings: [{ line: n, check: 'format', message: `line ${n} is not JSON (${error instanceof Error ? error.message : String(error)})${unterminated ? ': the archive looks cut short' : ''}` }] };
  }
  if (!isRecord(parsed)) return { kind: 'other', findings: [{ line: n, check: 'format', message: `line ${n} is not a JSON object` }] };
  // One pass over the bytes settles the usual line; anything unusual is re-serialized.
  if (!isCertainlyCanonical(bytes)) {
    const canonical = canonicalJson(parsed);
    if (E.isLeft(canonical)) add({ line: n, check: 'format', field: canonical.left.path, message: `line ${n}: ${canonical.left.message}` });
    else if (canonical.right !== text) add({ line: n, check: 'format', message: `line ${n} is not in canonical JSON form (sorted members, no spaces)` });
  }
  if (parsed.kind === 'manifest') return { kind: 'manifest', findings: findings ?? NO_FINDINGS, parsed };
  if (parsed.kind === 'header') {
    add({ line: n, check: 'format', message: `line ${n}: a header is only allowed on line 1` });
    return { kind: 'other', findings: findings ?? NO_FINDINGS };
  }

  const keys = Object.keys(parsed);
  // The usual line has exactly the five members, in their canonical order.
  const exact = keys.length === EVENT_LINE_KEYS.length && keys.every((k, i) => k === EVENT_LINE_KEYS[i]);
  const extra = exact ? [] : keys.filter((k) => !EVENT_LINE_KEYS.includes(k));
  const missing = exact ? [] : EVENT_LINE_KEYS.filter((k) => !(k in parsed));
  if (extra.length > 0 || missing.length > 0)
    add({ line: n, check: 'format', field: missing[0] ?? extra[0], message: `line ${n}: an event line has exactly the members ${EVENT_LINE_KEYS.join(', ')}${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}${extra.length > 0 ? `; unexpected ${extra.join(', ')}` : ''}` });
  const { position, streamId, streamRevision, event } = parsed;
  const type = isRecord(event) && typeof event.type === 'string' ? event.type : '(no type)';
  const positionValid = typeof position === 'number' && Number.isSafeInteger(position) && position >= 1;
  if (!positionValid) add({ line: n, check: 'format', field: 'position', message: `line ${n}: position ${JSON.stringify(position)} is not a whole number from 1` });
  const streamValid = typeof streamId === 'string' && streamId.length > 0 && typeof streamRevision === 'number' && Number.isSafeInteger(streamRevision) && streamRevision >= 0;
  if (!streamValid)
    add({ line: n, check: 'format', field: typeof streamId !== 'string' || streamId.length === 0 ? 'streamId' : 'streamRevision', message: `line ${n}: streamId ${JSON.stringify(streamId)} / streamRevision ${JSON.stringify(streamRevision)}: expected a stream id and a whole number from 0` });
  const decoded = decodeEventFast(event);
  if (E.isLeft(decoded)) {
    const first = decoded.left.issues[0];
    add({ line: n, check: 'schema', field: first === undefined ? 'event' : `event.${first.path}`, eventId: isRecord(event) && isRecord(event.metadata) && typeof event.metadata.eventId === 'string' ? event.metadata.eventId : undefined, message: `line ${n}: ${decoded.left.message}` });
  }
  return {
    kind: 'event',
    findings: findings ?? NO_FINDINGS,
    type,
    position: positionValid ? (position as number) : undefined,
    streamId: streamValid ? (streamId as string) : undefined,
    streamRevision: streamValid ? (streamRevision as number) : undefined,
    ruleSetIds: E.isRight(decoded) ? ruleSetIdsOf(decoded.right) : undefined,
    eventId: E.isRight(decoded) ? decoded.right.metadata.eventId : undefined,
    event: keepEvent && E.isRight(decoded) ? decoded.right : undefined,
    parsedEvent: event,
  };
};
