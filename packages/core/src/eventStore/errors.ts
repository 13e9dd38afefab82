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

export type EventStoreError = ConcurrencyConflict | InvalidEvent | EventIdConflict | StoreUnavailable;

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
