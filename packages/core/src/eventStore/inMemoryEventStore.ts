import * as E from 'fp-ts/Either';
import type { LedgerEvent } from '../events/registry';
import { checkAppend, decodeBatch } from './appendChecks';
import { checkAppendTarget, checkReadAllOptions, checkReadTarget, type EventStoreError } from './errors';
import type {
  AppendResult,
  CheckpointStore,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  ReadStreamResult,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from './eventStore';

export type InMemoryEventStoreOptions = {
  /**
   * Decode every appended event with its codec before writing (default true). Turn it off
   * only for trusted bulk loads (e.g. a benchmark's generated history).
   */
  readonly validate?: boolean;
};

const DEFAULT_PAGE_SIZE = 1_000;

/**
 * Freezes a value and everything in it. The store keeps the appended objects themselves (a
 * decoded event shares its data and metadata with the caller's), so without this a caller
 * changing its event after the append, or a reader changing one it was given, would rewrite the
 * history every other reader sees. Freezing allocates nothing.
 */
const deepFreeze = <A>(value: A): A => {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
};

/**
 * The embedded default store: all events in one process's memory, in one global order.
 * Each call to this function makes an independent store (no shared state between stores).
 */
export const inMemoryEventStore = (options: InMemoryEventStoreOptions = {}): EventStore & {
  /** Every recorded event in global order (read-only view, for tests and the demo). */
  readonly allEvents: () => ReadonlyArray<RecordedEvent>;
} => {
  const validate = options.validate ?? true;
  const log: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  const byEventId = new Map<string, RecordedEvent>();
  let wakeUp: Array<() => void> = [];

  const notify = (): void => {
    const waiting = wakeUp;
    wakeUp = [];
    for (const resolve of waiting) resolve();
  };

  const appendToStream = async (
    streamId: string,
    events: ReadonlyArray<LedgerEvent>,
    { expectedRevision }: { readonly expectedRevision: ExpectedRevision },
  ): Promise<E.Either<EventStoreError, AppendResult>> => {
    const expected = checkAppendTarget(streamId, expectedRevision);
    if (E.isLeft(expected)) return expected;
    const stream = streams.get(streamId);
    const actual = stream === undefined ? -1 : stream.length - 1;

    const decoded = decodeBatch(streamId, events, validate);
    if (E.isLeft(decoded)) return decoded;
    const checked = decoded.right;
    const decision = checkAppend({
      streamId,
      events: checked,
      recorded: checked.map((event) => byEventId.get(event.metadata.eventId)),
      expectedRevision,
      actual,
      head: log.length,
    });
    if (E.isLeft(decision)) return decision;
    if (decision.right !== undefined) return E.right(decision.right);

    const target = stream ?? [];
    for (const event of checked) {
      const recorded: RecordedEvent = Object.freeze({
        event: deepFreeze(event),
        streamId,
        streamRevision: target.length,
        globalPosition: log.length + 1,
      });
      target.push(recorded);
      log.push(recorded);
      byEventId.set(event.metadata.eventId, recorded);
    }
    if (stream === undefined) streams.set(streamId, target);
    notify();
    return E.right({ nextExpectedRevision: target.length - 1, lastGlobalPosition: log.length, written: true });
  };

  const readStream = async (
    streamId: string,
    { fromRevision = 0 }: ReadStreamOptions = {},
  ): Promise<E.Either<EventStoreError, ReadStreamResult>> => {
    const from = checkReadTarget(streamId, fromRevision);
    if (E.isLeft(from)) return from;
    const stream = streams.get(streamId);
    if (stream === undefined) return E.right({ events: [], currentRevision: -1 });
    return E.right({ events: stream.slice(from.right), currentRevision: stream.length - 1 });
  };

  async function* readAll(options: ReadAllOptions = {}): AsyncIterable<ReadonlyArray<RecordedEvent>> {
    const { after, pageSize } = checkReadAllOptions(options.after ?? 0, options.pageSize ?? DEFAULT_PAGE_SIZE);
    // Positions are 1-based and dense, so position p sits at index p - 1.
    for (let index = after; index < log.length; index += pageSize) yield log.slice(index, index + pageSize);
  }

  const subscribe = ({ after: from = 0, pageSize: size = DEFAULT_PAGE_SIZE, onEvents }: SubscribeOptions): Subscription => {
    const { after, pageSize } = checkReadAllOptions(from, size);
    let stopped = false;
    let position = after;
    let markCaughtUp: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
    const caughtUpAt = log.length;
    let interrupt: () => void = () => undefined;

    const run = async (): Promise<E.Either<unknown, void>> => {
      try {
        while (!stopped) {
          if (position >= caughtUpAt) markCaughtUp();
          if (position < log.length) {
            const page = log.slice(position, position + pageSize);
            await onEvents(page);
            position += page.length;
            continue;
          }
          await new Promise<void>((resolve) => {
            interrupt = resolve;
            wakeUp.push(resolve);
          });
        }
        return E.right(undefined);
      } catch (error) {
        return E.left(error);
      } finally {
        markCaughtUp();
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

  return { appendToStream, readStream, readAll, subscribe, allEvents: () => log };
};

/** Checkpoints kept in memory (for tests and single-process use). */
export const inMemoryCheckpointStore = (): CheckpointStore => {
  const positions = new Map<string, number>();
  return {
    load: async (id) => positions.get(id),
    save: async (id, position) => {
      positions.set(id, position);
    },
  };
};
