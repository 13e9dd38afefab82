import * as E from 'fp-ts/Either';
import { decodeEvent, type EventDecodeError } from '../events/decodeEvent';
import type { LedgerEvent } from '../events/registry';
import { concurrencyConflict, eventIdConflict, invalidEvent, matchesExpectedRevision, type EventStoreError, type InvalidEvent } from './errors';
import type { AppendResult, ExpectedRevision } from './eventStore';

/*
 * The append rules every store applies, shared so that the stores cannot drift apart: the
 * contract suite checks the outcome, these functions are the one place that decides it.
 */

/**
 * Decodes every event of a batch (upcasting old versions); the first bad one refuses the batch.
 * `decode` is `decodeEvent` by default, which gives the store its own copy of each event; a store
 * that serializes the batch at once (PostgreSQL) may pass `decodeEventFast`, which returns an
 * already valid event as it is, without a copy.
 */
export const decodeBatch = (
  streamId: string,
  events: ReadonlyArray<LedgerEvent>,
  validate: boolean,
  decode: (raw: unknown) => E.Either<EventDecodeError, LedgerEvent> = decodeEvent,
): E.Either<InvalidEvent, ReadonlyArray<LedgerEvent>> => {
  if (!validate) return E.right(events);
  const decoded: LedgerEvent[] = [];
  for (const [index, event] of events.entries()) {
    const result = decode(event);
    if (E.isLeft(result)) return E.left(invalidEvent(streamId, index, result.left));
    decoded.push(result.right);
  }
  return E.right(decoded);
};

/** Where an event id is already recorded, and the event recorded under it. */
export type RecordedAt = {
  readonly streamId: string;
  readonly streamRevision: number;
  readonly globalPosition: number;
  readonly event: LedgerEvent;
};

/**
 * Deep equality of two plain JSON values, as canonical JSON would compare them: key order does
 * not count, and a member whose value is undefined counts as absent (JSON drops it).
 */
const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => sameJson(item, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = (o: Record<string, unknown>) => Object.keys(o).filter((key) => o[key] !== undefined);
  const leftKeys = keys(left);
  if (leftKeys.length !== keys(right).length) return false;
  return leftKeys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && sameJson(left[key], right[key]));
};

/**
 * What differs between a re-sent event and the one recorded under its id, if anything. Compared:
 * the type, the schema version, the data, and the metadata except `recordedAt`. `recordedAt` is
 * the writer's clock read at the append, read again on a retry (the command handler does so), so
 * it may differ on an honest re-send; everything else of the metadata (occurredAt, actor,
 * correlationId, causationId, reason) comes from the command and says who did what, when and
 * why, so a difference there is another event reusing the id, not a re-send.
 */
export const contentDifference = (resent: LedgerEvent, stored: LedgerEvent): string | undefined => {
  if (resent.type !== stored.type) return `type ${resent.type} instead of ${stored.type}`;
  if (resent.schemaVersion !== stored.schemaVersion) return `schema version ${resent.schemaVersion} instead of ${stored.schemaVersion}`;
  if (!sameJson(resent.data, stored.data)) return 'data';
  const { recordedAt: _resentAt, ...resentMetadata } = resent.metadata;
  const { recordedAt: _storedAt, ...storedMetadata } = stored.metadata;
  if (!sameJson(resentMetadata, storedMetadata)) return 'metadata';
  return undefined;
};

/**
 * The answer to a re-send: when every id of a non-empty batch is already in this stream, once
 * each, and each event is the one recorded under its id, nothing is written and the answer is the
 * original last position; when one differs in content, EventIdConflict naming it (a client
 * reusing ids would otherwise lose its new event silently). `undefined` when the batch is no
 * re-send. The content is compared only here, so a batch of new events costs nothing more.
 */
export const checkResend = (
  streamId: string,
  events: ReadonlyArray<LedgerEvent>,
  recorded: ReadonlyArray<RecordedAt | undefined>,
  actual: number,
): E.Either<EventStoreError, AppendResult> | undefined => {
  const last = recorded[recorded.length - 1];
  if (events.length === 0 || last === undefined || !recorded.every((r) => r !== undefined && r.streamId === streamId)) return undefined;
  // [a, a] with a in the stream is a batch naming an id twice, refused as such below, not a re-send.
  if (new Set(events.map((event) => event.metadata.eventId)).size < events.length) return undefined;
  for (const [index, event] of events.entries()) {
    const stored = recorded[index] as RecordedAt;
    const difference = contentDifference(event, stored.event);
    if (difference !== undefined)
      return E.left(
        eventIdConflict(
          streamId,
          event.metadata.eventId,
          `is already recorded in stream ${streamId} at revision ${stored.streamRevision} with different content (${difference} differs)`,
        ),
      );
  }
  return E.right({ nextExpectedRevision: actual, lastGlobalPosition: last.globalPosition, written: false });
};

/**
 * What to do with a batch, given what the store holds now: write it (`undefined`), answer
 * without writing (an idempotent re-send, or an empty batch), or refuse it. In this order:
 * 1. every id already in this stream, once each in the batch: a re-send; the same content
 *    (checkResend): nothing to write; a different content: EventIdConflict;
 * 2. an id twice in the batch, or recorded elsewhere: EventIdConflict;
 * 3. the stream not at the expected revision: ConcurrencyConflict;
 * 4. an empty batch: nothing to write.
 */
export const checkAppend = (input: {
  readonly streamId: string;
  readonly events: ReadonlyArray<LedgerEvent>;
  /** For each event of the batch, where the store already holds its id, if anywhere. */
  readonly recorded: ReadonlyArray<RecordedAt | undefined>;
  readonly expectedRevision: ExpectedRevision;
  /** The stream's current revision, -1 when it does not exist. */
  readonly actual: number;
  /** The store's last global position. */
  readonly head: number;
}): E.Either<EventStoreError, AppendResult | undefined> => {
  const { streamId, events, recorded, expectedRevision, actual, head } = input;
  const resend = checkResend(streamId, events, recorded, actual);
  if (resend !== undefined) return resend;
  const batchIds = new Set<string>();
  let firstRecorded: number | undefined;
  for (const [index, event] of events.entries()) {
    const id = event.metadata.eventId;
    if (batchIds.has(id)) return E.left(eventIdConflict(streamId, id, 'appears twice in the batch'));
    batchIds.add(id);
    if (firstRecorded === undefined && recorded[index] !== undefined) firstRecorded = index;
  }
  if (firstRecorded !== undefined) {
    const there = recorded[firstRecorded] as RecordedAt;
    const id = (events[firstRecorded] as LedgerEvent).metadata.eventId;
    return E.left(eventIdConflict(streamId, id, `is already recorded in stream ${there.streamId} at revision ${there.streamRevision}`));
  }
  if (!matchesExpectedRevision(expectedRevision, actual)) return E.left(concurrencyConflict(streamId, expectedRevision, actual));
  if (events.length === 0) return E.right({ nextExpectedRevision: actual, lastGlobalPosition: head, written: false });
  return E.right(undefined);
};
