import type * as E from 'fp-ts/Either';
import type { LedgerEvent } from '../events/registry';
import type { EventStoreError } from './errors';

/**
 * The revision a stream is expected to be at when appending (optimistic concurrency).
 * A number is the revision of the stream's last event (revisions count from 0).
 */
export type ExpectedRevision = number | 'noStream' | 'streamExists' | 'any';

/** An event as a store recorded it: the event and where it stands. */
export type RecordedEvent = {
  readonly event: LedgerEvent;
  readonly streamId: string;
  /** 0-based position of the event within its stream. */
  readonly streamRevision: number;
  /** 1-based position in the store's one global order. */
  readonly globalPosition: number;
};

export type AppendResult = {
  /** The stream's revision after the append. */
  readonly nextExpectedRevision: number;
  /** The global position of the batch's last event. */
  readonly lastGlobalPosition: number;
  /** False when every event id was already in the stream: an idempotent re-send wrote nothing. */
  readonly written: boolean;
};

export type ReadStreamOptions = {
  /** Read from this revision on (included). Default 0. */
  readonly fromRevision?: number;
};

export type ReadStreamResult = {
  readonly events: ReadonlyArray<RecordedEvent>;
  /** The stream's current revision, or -1 when the stream does not exist. */
  readonly currentRevision: number;
};

export type ReadAllOptions = {
  /** Read the events after this global position (excluded). Default 0: from the start. */
  readonly after?: number;
  /** How many events a page holds at most. Default 1,000. */
  readonly pageSize?: number;
};

export type SubscribeOptions = {
  /** Deliver the events after this global position. Default 0: from the start. */
  readonly after?: number;
  readonly pageSize?: number;
  /**
   * Called with each page of events, in global order, one call at a time; the next page waits
   * for the returned promise. A thrown error stops the subscription (see `Subscription.done`).
   */
  readonly onEvents: (events: ReadonlyArray<RecordedEvent>) => void | Promise<void>;
};

export type Subscription = {
  /** Resolves once every event present at the start has been delivered. */
  readonly caughtUp: Promise<void>;
  /** Resolves when the subscription stops: by `stop()`, or with the handler's error. */
  readonly done: Promise<E.Either<unknown, void>>;
  readonly stop: () => Promise<void>;
};

/**
 * The store port: every store (in-memory, PostgreSQL, EventStoreDB) offers the same
 * operations and passes the same contract suite.
 *
 * - Appends to one stream are atomic: all of a batch or nothing.
 * - A conflict on the expected revision is a typed error, and nothing is written.
 * - Re-sending events whose ids are already in the stream, with the same content (all but
 *   `metadata.recordedAt`), writes nothing and succeeds; another content under those ids is an
 *   EventIdConflict.
 * - `readAll` returns every event once, in one global order that all readers agree on.
 */
export type EventStore = {
  readonly appendToStream: (
    streamId: string,
    events: ReadonlyArray<LedgerEvent>,
    options: { readonly expectedRevision: ExpectedRevision },
  ) => Promise<E.Either<EventStoreError, AppendResult>>;
  readonly readStream: (streamId: string, options?: ReadStreamOptions) => Promise<E.Either<EventStoreError, ReadStreamResult>>;
  /** Pages of events in global order; a page is never empty. */
  readonly readAll: (options?: ReadAllOptions) => AsyncIterable<ReadonlyArray<RecordedEvent>>;
  /** Catch up from a position, then follow new events as they are appended. */
  readonly subscribe: (options: SubscribeOptions) => Subscription;
};

/**
 * Where a subscription's progress is kept, so that a restarted process resumes from the last
 * position it finished, not from the start.
 */
export type CheckpointStore = {
  readonly load: (subscriptionId: string) => Promise<number | undefined>;
  readonly save: (subscriptionId: string, position: number) => Promise<void>;
};
