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

/** Where an event id is already recorded. */
export type RecordedAt = { readonly streamId: string; readonly streamRevision: number; readonly globalPosition: number };

/**
 * What to do with a batch, given what the store holds now: write it (`undefined`), answer
 * without writing (an idempotent re-send, or an empty batch), or refuse it. In this order:
 * 1. every id already in this stream: a re-send, written before: nothing to write;
 * 2. an id recorded elsewhere, or twice in the batch: EventIdConflict;
 * 3. the stream not at the expected revision: ConcurrencyConflict;
 * 4. an empty batch: nothing to write.
 */
export const checkAppend = (input: {
  readonly streamId: string;
  readonly eventIds: ReadonlyArray<string>;
  /** For each id of the batch, where the store already holds it, if anywhere. */
  readonly recorded: ReadonlyArray<RecordedAt | undefined>;
  readonly expectedRevision: ExpectedRevision;
  /** The stream's current revision, -1 when it does not exist. */
  readonly actual: number;
  /** The store's last global position. */
  readonly head: number;
}): E.Either<EventStoreError, AppendResult | undefined> => {
  const { streamId, eventIds, recorded, expectedRevision, actual, head } = input;
  const last = recorded[recorded.length - 1];
  if (eventIds.length > 0 && last !== undefined && recorded.every((r) => r !== undefined && r.streamId === streamId))
    return E.right({ nextExpectedRevision: actual, lastGlobalPosition: last.globalPosition, written: false });
  const batchIds = new Set<string>();
  for (const [index, id] of eventIds.entries()) {
    const there = recorded[index];
    if (there !== undefined)
      return E.left(eventIdConflict(streamId, id, `is already recorded in stream ${there.streamId} at revision ${there.streamRevision}`));
    if (batchIds.has(id)) return E.left(eventIdConflict(streamId, id, 'appears twice in the batch'));
    batchIds.add(id);
  }
  if (!matchesExpectedRevision(expectedRevision, actual)) return E.left(concurrencyConflict(streamId, expectedRevision, actual));
  if (eventIds.length === 0) return E.right({ nextExpectedRevision: actual, lastGlobalPosition: head, written: false });
  return E.right(undefined);
};
