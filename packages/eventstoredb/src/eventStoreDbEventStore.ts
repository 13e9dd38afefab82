import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  START,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import * as E from 'fp-ts/Either';
import {
  checkAppendTarget,
  checkResend,
  checkReadAllOptions,
  checkReadTarget,
  concurrencyConflict,
  decodeBatch,
  decodeEventFast,
  eventIdConflict,
  matchesExpectedRevision,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type EventStoreError,
  type LedgerEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '@grade-ledger/core';
import {
  checkpointStreamName,
  conflictOf,
  globalPositionOf,
  ledgerRecordedEvent,
  ledgerRevision,
  reservationStreamName,
  schoolPrefix,
  serverEventData,
  serverExpectedRevision,
  serverPosition,
  serverStreamName,
  unavailableOf,
  type ServerRecordedEvent,
} from './translation';

/**
 * The client calls the adapter makes: @eventstore/db-client's client has them, and a successor
 * client (@kurrent/kurrentdb-client) can be passed through a thin wrapper with the same shape.
 */
export type LedgerServerClient = Pick<EventStoreDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

export type EventStoreDbTarget = (
  | { readonly client: LedgerServerClient; readonly connectionString?: undefined }
  | { readonly connectionString: string; readonly client?: undefined }
) & {
  /** The school (tenant): its streams are `grade-ledger/<school>/<stream>` on the server. */
  readonly schoolId: string;
};

export type EventStoreDbEventStoreOptions = EventStoreDbTarget & {
  /** Decode every appended event before writing (default true). */
  readonly validate?: boolean;
};

export type EventStoreDbEventStore = EventStore & {
  readonly schoolId: string;
  readonly client: LedgerServerClient;
  /** Disposes of the client the store made from a connection string; a given client is left open. */
  readonly close: () => Promise<void>;
};

const DEFAULT_PAGE_SIZE = 1_000;
const MAX_APPEND_ATTEMPTS = 10;
const SCHOOL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

type Reservation = { readonly streamId: string; readonly reserved: boolean; readonly revision: bigint };

const isNotFound = (error: unknown): boolean => (error as { type?: unknown } | null)?.type === 'stream-not-found';

const clientOf = (target: EventStoreDbTarget): { readonly client: LedgerServerClient; readonly owned: boolean } => {
  if (!SCHOOL_ID_PATTERN.test(target.schoolId))
    throw new Error(`schoolId: "${target.schoolId}" is not an opaque id ([A-Za-z0-9._:-], 1-128 characters)`);
  return target.client !== undefined
    ? { client: target.client, owned: false }
    : { client: EventStoreDBClient.connectionString(target.connectionString), owned: true };
};

/** Reads a whole server stream forwards from a revision; a missing stream reads as empty. */
const readServerStream = async (client: LedgerServerClient, name: string, fromRevision = 0n): Promise<ReadonlyArray<ResolvedEvent>> => {
  const events: ResolvedEvent[] = [];
  try {
    for await (const resolved of client.readStream(name, { fromRevision, direction: FORWARDS })) events.push(resolved);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return events;
};

const lastOf = async (client: LedgerServerClient, name: string): Promise<ResolvedEvent | undefined> => {
  try {
    for await (const resolved of client.readStream(name, { fromRevision: END, direction: BACKWARDS, maxCount: 1 })) return resolved;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return undefined;
};

/** The event of a server stream at a revision, if there is one. */
const eventAt = async (client: LedgerServerClient, name: string, revision: bigint): Promise<ResolvedEvent | undefined> => {
  for await (const resolved of client.readStream(name, { fromRevision: revision, direction: FORWARDS, maxCount: 1 })) return resolved;
  return undefined;
};

const asServerEvent = (resolved: ResolvedEvent | AllStreamResolvedEvent): ServerRecordedEvent | undefined => resolved.event;

/**
 * The EventStoreDB / KurrentDB store of one school. EventStoreDB has no event ids unique across
 * streams, so the adapter reserves each ledger event id in a stream of its own before
 * appending (docs/eventstoredb.md); the expected revision is the server's, and its
 * WrongExpectedVersionError is the port's ConcurrencyConflict.
 */
export const eventStoreDbEventStore = (options: EventStoreDbEventStoreOptions): EventStoreDbEventStore => {
  const { client, owned } = clientOf(options);
  const { schoolId } = options;
  const validate = options.validate ?? true;
  const prefix = schoolPrefix(schoolId);

  const toRecorded = (resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined => {
    const event = asServerEvent(resolved);
    if (event === undefined) return undefined;
    const recorded = ledgerRecordedEvent(schoolId, event);
    if (recorded === undefined) return undefined;
    if (E.isLeft(recorded)) throw new Error(`not a ledger event on the server: ${recorded.left}`);
    return recorded.right;
  };

  const reservationOf = async (eventId: string): Promise<Reservation | undefined> => {
    const last = await lastOf(client, reservationStreamName(schoolId, eventId));
    const event = last?.event;
    if (event === undefined) return undefined;
    const data = event.data as { streamId?: unknown };
    return { streamId: String(data.streamId), reserved: event.type === 'EventIdReserved', revision: event.revision };
  };

  const reserve = async (eventId: string, streamId: string, previous: Reservation | undefined): Promise<boolean> => {
    try {
      await client.appendToStream(
        reservationStreamName(schoolId, eventId),
        jsonEvent({ type: 'EventIdReserved', data: { streamId } }),
        { expectedRevision: previous === undefined ? 'no_stream' : previous.revision },
      );
      return true;
    } catch (error) {
      if (conflictOf(error, '', 'any') !== undefined) return false;
      throw error;
    }
  };

  // A reservation taken for a batch that was then refused is released, so the id stays free.
  const release = async (eventId: string, streamId: string): Promise<void> => {
    await client
      .appendToStream(reservationStreamName(schoolId, eventId), jsonEvent({ type: 'EventIdReleased', data: { streamId } }))
      .catch(() => undefined);
  };

  const appendOnce = async (
    streamId: string,
    events: ReadonlyArray<LedgerEvent>,
    expectedRevision: Parameters<EventStore['appendToStream']>[2]['expectedRevision'],
  ): Promise<E.Either<EventStoreError, AppendResult> | 'retry'> => {
    const name = serverStreamName(schoolId, streamId);
    const reservations = await Promise.all(events.map((event) => reservationOf(event.metadata.eventId)));
    const ours = reservations.map((r) => r !== undefined && r.reserved && r.streamId === streamId);
    // Ids reserved for this stream may be in it already (a re-send) or not yet (an interrupted append).
    const inStream = new Map<string, RecordedEvent>();
    let current = -1;
    if (ours.some(Boolean)) {
      const recorded = (await readServerStream(client, name)).map(toRecorded).filter((r): r is RecordedEvent => r !== undefined);
      for (const r of recorded) inStream.set(r.event.metadata.eventId, r);
      current = recorded.length - 1;
      // The shared rule: the same content is a re-send (nothing written), another content under
      // a recorded id is refused; the server's events were decoded (upcast) as a reader gets them.
      const resend = checkResend(streamId, events, events.map((event) => inStream.get(event.metadata.eventId)), current);
      if (resend !== undefined) return resend;
    }
    const batchIds = new Set<string>();
    for (const event of events) {
      const id = event.metadata.eventId;
      if (batchIds.has(id)) return E.left(eventIdConflict(streamId, id, 'appears twice in the batch'));
      batchIds.add(id);
    }
    for (const [index, event] of events.entries()) {
      const id = event.metadata.eventId;
      const reservation = reservations[index];
      const there = inStream.get(id);
      if (there !== undefined) return E.left(eventIdConflict(streamId, id, `is already recorded in stream ${streamId} at revision ${there.streamRevision}`));
      if (reservation !== undefined && reservation.reserved && reservation.streamId !== streamId)
        return E.left(eventIdConflict(streamId, id, `is already recorded in stream ${reservation.streamId}`));
    }

    const toReserve = events.flatMap((event, index) => (ours[index] === true ? [] : [{ event, previous: reservations[index] }]));
    const taken = await Promise.all(toReserve.map(({ event, previous }) => reserve(event.metadata.eventId, streamId, previous)));
    const releaseTaken = () =>
      Promise.all(toReserve.flatMap(({ event }, index) => (taken[index] === true ? [release(event.metadata.eventId, streamId)] : [])));
    if (taken.some((ok) => !ok)) {
      // Another append reserved one of the ids meanwhile: look again.
      await releaseTaken();
      return 'retry';
    }
    try {
      const result = await client.appendToStream(name, events.map((event) => serverEventData(schoolId, event)), {
        expectedRevision: serverExpectedRevision(expectedRevision),
      });
      // The batch's own last event, at the revision the append ended on: the stream's last event
      // may already be another writer's (with 'any', or a later append of another process).
      const last = await eventAt(client, name, result.nextExpectedRevision);
      const lastGlobalPosition = globalPositionOf(last?.event?.position);
      if (lastGlobalPosition === undefined) throw new Error(`${name}: the server gave no log position for the appended events`);
      return E.right({ nextExpectedRevision: Number(result.nextExpectedRevision), lastGlobalPosition, written: true });
    } catch (error) {
      const conflict = conflictOf(error, streamId, expectedRevision);
      if (conflict === undefined) throw error;
      await releaseTaken();
      return E.left(conflict);
    }
  };

  const appendToStream: EventStore['appendToStream'] = async (streamId, events, options) => {
    const expected = checkAppendTarget(streamId, options.expectedRevision);
    if (E.isLeft(expected)) return expected;
    const expectedRevision = expected.right;
    // The same check as every store; the batch is serialized at once, so the fast path (no copy) is safe.
    const decoded = decodeBatch(streamId, events, validate, decodeEventFast);
    if (E.isLeft(decoded)) return decoded;
    const checked = decoded.right;
    const what = `appending ${checked.length} event(s) to stream ${streamId}`;
    try {
      if (checked.length === 0) {
        const last = await lastOf(client, serverStreamName(schoolId, streamId));
        const actual = last?.event === undefined ? -1 : Number(last.event.revision);
        if (!matchesExpectedRevision(expectedRevision, actual)) return E.left(concurrencyConflict(streamId, expectedRevision, actual));
        return E.right({ nextExpectedRevision: actual, lastGlobalPosition: globalPositionOf(last?.event?.position) ?? 0, written: false });
      }
      for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
        const outcome = await appendOnce(streamId, checked, expectedRevision);
        if (outcome !== 'retry') return outcome;
      }
      return E.left(unavailableOf(what, new Error('event id reservations kept changing; try again'), 'maybe'));
    } catch (error) {
      return E.left(unavailableOf(what, error, 'maybe'));
    }
  };

  const readStream: EventStore['readStream'] = async (streamId, { fromRevision = 0 } = {}) => {
    const checkedFrom = checkReadTarget(streamId, fromRevision);
    if (E.isLeft(checkedFrom)) return checkedFrom;
    const name = serverStreamName(schoolId, streamId);
    try {
      const last = await lastOf(client, name);
      if (last?.event === undefined) return E.right({ events: [], currentRevision: -1 });
      const currentRevision = Number(last.event.revision);
      const from = checkedFrom.right;
      const events =
        from > currentRevision
          ? []
          : (await readServerStream(client, name, BigInt(from))).map(toRecorded).filter((r): r is RecordedEvent => r !== undefined);
      return E.right({ events, currentRevision: Math.max(currentRevision, events[events.length - 1]?.streamRevision ?? -1) });
    } catch (error) {
      return E.left(unavailableOf(`reading stream ${streamId}`, error));
    }
  };

  /** One page of this school's events after a position; `end` when `$all` has nothing more now. */
  const readPage = async (
    after: number,
    size: number,
  ): Promise<{ readonly events: ReadonlyArray<RecordedEvent>; readonly position: number; readonly end: boolean }> => {
    const requested = size + 1; // the read starts at `after` itself, which is excluded
    const raw: Array<AllStreamResolvedEvent> = [];
    try {
      for await (const resolved of client.readAll({
        fromPosition: after <= 0 ? START : serverPosition(after),
        maxCount: requested,
        direction: FORWARDS,
      }))
        raw.push(resolved);
    } catch (error) {
      throw Object.assign(new Error(unavailableOf(`reading all events after ${after}`, error).message, { cause: error }), {
        kind: 'StoreUnavailable' as const,
      });
    }
    const fresh = raw
      .map((resolved) => ({ resolved, position: globalPositionOf(resolved.event?.position) ?? Number(resolved.commitPosition ?? 0n) }))
      .filter(({ position }) => position > after)
      .slice(0, size);
    const events = fresh.map(({ resolved }) => toRecorded(resolved)).filter((r): r is RecordedEvent => r !== undefined);
    const position = fresh.length === 0 ? after : (fresh[fresh.length - 1] as { position: number }).position;
    return { events, position, end: raw.length < requested };
  };

  async function* readAll(options: ReadAllOptions = {}): AsyncIterable<ReadonlyArray<RecordedEvent>> {
    const { after, pageSize: size } = checkReadAllOptions(options.after ?? 0, options.pageSize ?? DEFAULT_PAGE_SIZE);
    let position = after;
    for (;;) {
      const page = await readPage(position, size);
      if (page.events.length > 0) yield page.events;
      if (page.end || page.position === position) return;
      position = page.position;
    }
  }

  /**
   * Catch up by pages of `$all`, then follow the server's live catch-up subscription on `$all`
   * (filtered to the school's prefix) from the last delivered position.
   */
  const subscribe = ({ after: from = 0, pageSize = DEFAULT_PAGE_SIZE, onEvents }: SubscribeOptions): Subscription => {
    const { after, pageSize: size } = checkReadAllOptions(from, pageSize);
    let stopped = false;
    let position = after;
    let markCaughtUp: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
    let interrupt: () => void = () => undefined;
    const stopping = new Promise<void>((resolve) => (interrupt = resolve));
    let live: ReturnType<LedgerServerClient['subscribeToAll']> | undefined;

    const run = async (): Promise<E.Either<unknown, void>> => {
      try {
        for (;;) {
          if (stopped) return E.right(undefined);
          const page = await readPage(position, size);
          if (stopped) return E.right(undefined);
          if (page.events.length > 0) await onEvents(page.events);
          position = page.position;
          if (page.end) break;
        }
        markCaughtUp();
        const buffer: RecordedEvent[] = [];
        let wake: () => void = () => undefined;
        let failure: unknown;
        live = client.subscribeToAll({
          fromPosition: position <= 0 ? START : serverPosition(position),
          filter: streamNameFilter({ prefixes: [prefix] }),
        });
        live.on('data', (resolved: AllStreamResolvedEvent) => {
          try {
            const recorded = toRecorded(resolved);
            if (recorded !== undefined && recorded.globalPosition > position) buffer.push(recorded);
          } catch (error) {
            failure = error;
          }
          wake();
        });
        live.on('error', (error: unknown) => {
          failure = unavailableOf('following $all', error);
          wake();
        });
        while (!stopped) {
          if (failure !== undefined) throw failure;
          if (buffer.length === 0) {
            await Promise.race([new Promise<void>((resolve) => (wake = resolve)), stopping]);
            continue;
          }
          const next = buffer.splice(0, size);
          await onEvents(next);
          position = (next[next.length - 1] as RecordedEvent).globalPosition;
        }
        return E.right(undefined);
      } catch (error) {
        return E.left(error);
      } finally {
        markCaughtUp();
        await live?.unsubscribe().catch(() => undefined);
      }
    };
    const done = run();
    return {
      caughtUp,
      done,
      stop: async () => {
        stopped = true;
        interrupt();
        await done;
      },
    };
  };

  return {
    appendToStream,
    readStream,
    readAll,
    subscribe,
    schoolId,
    client,
    close: async () => {
      if (owned) await client.dispose();
    },
  };
};

/** Checkpoints of one school in server streams `grade-ledger-checkpoints/<school>/<subscription>` (the last event wins). */
export const eventStoreDbCheckpointStore = (target: EventStoreDbTarget): CheckpointStore & { readonly close: () => Promise<void> } => {
  const { client, owned } = clientOf(target);
  return {
    load: async (subscriptionId) => {
      const last = await lastOf(client, checkpointStreamName(target.schoolId, subscriptionId));
      const position = (last?.event?.data as { position?: unknown } | undefined)?.position;
      return typeof position === 'number' ? position : undefined;
    },
    save: async (subscriptionId, position) => {
      await client.appendToStream(checkpointStreamName(target.schoolId, subscriptionId), jsonEvent({ type: 'CheckpointSaved', data: { position } }));
    },
    close: async () => {
      if (owned) await client.dispose();
    },
  };
};
