import * as E from 'fp-ts/Either';
import type { EventDecodeError } from '../events/decodeEvent';
import type { ExpectedRevision } from './eventStore';

/** The stream was not at the expected revision; nothing was written. */
export type ConcurrencyConflict = {
  readonly kind: 'ConcurrencyConflict';
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  /** The stream's revision found, -1 when it does not exist. */
  readonly actual: number;
  readonly message: string;
};

/** An event to append is not a valid ledger event; nothing was written. */
export type InvalidEvent = {
  readonly kind: 'InvalidEvent';
  readonly streamId: string;
  /** The 0-based index of the offending event in the batch. */
  readonly index: number;
  readonly error: EventDecodeError;
  readonly message: string;
};

/** An event id is already recorded in another stream, or twice in one batch; nothing was written. */
export type EventIdConflict = {
  readonly kind: 'EventIdConflict';
  readonly streamId: string;
  readonly eventId: string;
  readonly message: string;
};

/** The store could not be reached or failed; nothing is known to be written (retry is safe: appends are idempotent). */
export type StoreUnavailable = {
  readonly kind: 'StoreUnavailable';
  readonly message: string;
  readonly cause?: unknown;
};

/** The expected revision is not one (a revision from -1, 'noStream', 'streamExists' or 'any'); nothing was written. */
export type InvalidExpectedRevision = {
  readonly kind: 'InvalidExpectedRevision';
  readonly streamId: string;
  /** The value given. */
  readonly expected: unknown;
  readonly message: string;
};

/** A read option (`after`, `pageSize`, `fromRevision`) is not a whole number in its range. */
export type InvalidReadOptions = {
  readonly kind: 'InvalidReadOptions';
  readonly field: 'after' | 'pageSize' | 'fromRevision';
  readonly value: unknown;
  readonly message: string;
};

/** A stream id that no store can hold the same way: empty, too long, with control characters or a lone surrogate; nothing was written or read. */
export type InvalidStreamId = {
  readonly kind: 'InvalidStreamId';
  /** The value given. */
  readonly streamId: unknown;
  readonly message: string;
};

export type EventStoreError =
  | ConcurrencyConflict
  | InvalidEvent
  | EventIdConflict
  | StoreUnavailable
  | InvalidExpectedRevision
  | InvalidReadOptions
  | InvalidStreamId;

/** Longest stream id a store takes (a person's stream: a prefix and an id of up to 128 characters). */
export const MAX_STREAM_ID_LENGTH = 256;

/**
 * The stream id as given, or why no store could hold it. Every store checks it first, so that
 * the same id is refused the same way everywhere: before, `''` was a stream in every store and a
 * NUL character an "outage" in PostgreSQL (its text cannot hold one).
 */
export const checkStreamId = (streamId: unknown): E.Either<InvalidStreamId, string> => {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > MAX_STREAM_ID_LENGTH)
    return E.left({ kind: 'InvalidStreamId', streamId, message: `streamId ${showValue(streamId)} is not a stream id (text of 1 to ${MAX_STREAM_ID_LENGTH} characters)` });
  for (let i = 0; i < streamId.length; i++) {
    const c = streamId.charCodeAt(i);
    if (c < 0x20 || c === 0x7f)
      return E.left({ kind: 'InvalidStreamId', streamId, message: `streamId ${showValue(streamId)} has a control character (U+${c.toString(16).toUpperCase().padStart(4, '0')}) at ${i}` });
    // A surrogate must be half of a pair: high then low.
    const high = c >= 0xd800 && c <= 0xdbff;
    const next = high ? streamId.charCodeAt(i + 1) : 0;
    if (high && next >= 0xdc00 && next <= 0xdfff) i++;
    else if (high || (c >= 0xdc00 && c <= 0xdfff))
      return E.left({ kind: 'InvalidStreamId', streamId, message: `streamId ${showValue(streamId)} has a lone surrogate at ${i}: not text a store can keep` });
  }
  return E.right(streamId);
};

const describeExpected = (expected: ExpectedRevision): string =>
  typeof expected === 'number' ? `revision ${expected}` : expected === 'noStream' ? 'no stream' : expected === 'streamExists' ? 'an existing stream' : 'any revision';

export const concurrencyConflict = (streamId: string, expected: ExpectedRevision, actual: number): ConcurrencyConflict => ({
  kind: 'ConcurrencyConflict',
  streamId,
  expected,
  actual,
  message: `stream ${streamId}: expected ${describeExpected(expected)}, found ${actual < 0 ? 'no stream' : `revision ${actual}`}; nothing was written`,
});

export const invalidEvent = (streamId: string, index: number, error: EventDecodeError): InvalidEvent => ({
  kind: 'InvalidEvent',
  streamId,
  index,
  error,
  message: `stream ${streamId}, event ${index}: ${error.message}; nothing was written`,
});

export const eventIdConflict = (streamId: string, eventId: string, where: string): EventIdConflict => ({
  kind: 'EventIdConflict',
  streamId,
  eventId,
  message: `stream ${streamId}: event id ${eventId} ${where}; nothing was written`,
});

/** True when the current revision satisfies the expectation. */
export const matchesExpectedRevision = (expected: ExpectedRevision, actual: number): boolean =>
  expected === 'any' ? true : expected === 'noStream' ? actual === -1 : expected === 'streamExists' ? actual >= 0 : expected === actual;

const showValue = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/**
 * The expected revision as given, or why it is none. A number must be a safe integer from -1
 * (-1, like a read's `currentRevision`, means no stream); anything else (NaN, 1.5, -2, 2^60, an
 * unknown word) would otherwise surface as a conflict, or as a database error, not as bad input.
 */
export const checkExpectedRevision = (streamId: string, expected: unknown): E.Either<InvalidExpectedRevision, ExpectedRevision> =>
  (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= -1) ||
  expected === 'noStream' ||
  expected === 'streamExists' ||
  expected === 'any'
    ? E.right(expected)
    : E.left({
        kind: 'InvalidExpectedRevision',
        streamId,
        expected,
        message: `stream ${streamId}: expectedRevision ${showValue(expected)} is not a revision (a whole number from -1), 'noStream', 'streamExists' or 'any'; nothing was written`,
      });

const invalidReadOptions = (field: InvalidReadOptions['field'], value: unknown, expected: string): InvalidReadOptions => ({
  kind: 'InvalidReadOptions',
  field,
  value,
  message: `${field}: ${showValue(value)} is not ${expected}`,
});

/** `fromRevision` of a stream read: a safe integer (below 0 reads from the start). */
export const checkFromRevision = (value: unknown): E.Either<InvalidReadOptions, number> =>
  typeof value === 'number' && Number.isSafeInteger(value) ? E.right(Math.max(0, value)) : E.left(invalidReadOptions('fromRevision', value, 'a whole number'));

/** What every store checks first on an append: the stream id, then the expected revision. */
export const checkAppendTarget = (streamId: unknown, expected: unknown): E.Either<InvalidStreamId | InvalidExpectedRevision, ExpectedRevision> => {
  const id = checkStreamId(streamId);
  return E.isLeft(id) ? id : checkExpectedRevision(id.right, expected);
};

/** What every store checks first on a stream read: the stream id, then `fromRevision` (below 0 reads from the start). */
export const checkReadTarget = (streamId: unknown, fromRevision: unknown): E.Either<InvalidStreamId | InvalidReadOptions, number> => {
  const id = checkStreamId(streamId);
  return E.isLeft(id) ? id : checkFromRevision(fromRevision);
};

/** The thrown form, where the port has no Either (readAll, subscribe): an Error that is also an InvalidReadOptions. */
export type InvalidReadOptionsError = Error & InvalidReadOptions;

/**
 * `after` and `pageSize` of readAll and subscribe, checked before anything is read: `after` a
 * safe integer (below 0 reads from the start), `pageSize` a whole number from 1. A page size of
 * 0 would read empty pages forever, and a NaN position would read nothing, as if caught up.
 */
export const checkReadAllOptions = (after: unknown, pageSize: unknown): { readonly after: number; readonly pageSize: number } => {
  const failure =
    typeof after !== 'number' || !Number.isSafeInteger(after)
      ? invalidReadOptions('after', after, 'a whole number (a global position)')
      : typeof pageSize !== 'number' || !Number.isSafeInteger(pageSize) || pageSize < 1
        ? invalidReadOptions('pageSize', pageSize, 'a whole number from 1')
        : undefined;
  if (failure !== undefined) throw Object.assign(new Error(failure.message), failure) as InvalidReadOptionsError;
  return { after: Math.max(0, after as number), pageSize: pageSize as number };
};
