import type { RecordedEvent } from '../eventStore/eventStore';
import { eventTypes, type EventType, type LedgerEventOfType } from '../events/registry';

/*
 * A projection is a fold of recorded events into a read model. For speed the fold mutates the
 * state it works on, under one contract:
 *
 *   A projection's state belongs to its fold. `init()` makes a new state, never shared; only
 *   `apply` changes it, one recorded event at a time, in the store's global order. Queries read
 *   it and return fresh values (or values the fold never changes again), so a query result
 *   stays as it was when later events are applied. To keep a state as it stood at a moment,
 *   fold again (up to that event) or replay with `asOf`: never copy a state and expect the copy
 *   to be independent.
 *
 * Per event a projection does O(1) work (a few Map lookups keyed by ids, no copying of
 * collections); anything that needs a scan (term results, analytics, totals) is computed when
 * queried.
 */

/** How one event type changes a projection's state. */
export type EventHandler<S, T extends EventType> = (state: S, event: LedgerEventOfType<T>, recorded: RecordedEvent) => void;

/** A projection's handlers by event type; event types it does not need are left out. */
export type EventHandlers<S> = { readonly [T in EventType]?: EventHandler<S, T> };

/**
 * A projection usable alone: a fresh state, and the fold of one recorded event into it.
 * `initialState` and `evolve` are the same pair in the `foldEvents` / `projectionSpecification`
 * shape: `evolve` applies the event to the state it is given and returns that same state, so
 * fold from `initialState()`, never from a state you mean to keep.
 */
export type Projection<S> = {
  readonly init: () => S;
  readonly apply: (state: S, recorded: RecordedEvent) => void;
  readonly initialState: () => S;
  readonly evolve: (state: S, recorded: RecordedEvent) => S;
};

/** The index of each event type in `eventTypes` (a projection may count events in an array by it). */
export const eventTypeIndex: ReadonlyMap<string, number> = new Map(eventTypes.map((type, index) => [type, index] as const));

/**
 * A projection from its handlers: `apply` looks the event type up once, calls `onEvery` (with
 * the type's index in `eventTypes`) and then the type's handler, if any.
 */
export const projectionOf = <S>(
  init: () => S,
  handlers: EventHandlers<S>,
  onEvery?: (state: S, recorded: RecordedEvent, typeIndex: number) => void,
): Projection<S> => {
  type Entry = { readonly index: number; readonly handler: ((state: S, event: never, recorded: RecordedEvent) => void) | undefined };
  const table = new Map<string, Entry>(
    eventTypes.map((type, index) => [type, { index, handler: handlers[type] as Entry['handler'] }] as const),
  );
  const apply = (state: S, recorded: RecordedEvent): void => {
    const entry = table.get(recorded.event.type);
    if (onEvery !== undefined) onEvery(state, recorded, entry === undefined ? -1 : entry.index);
    if (entry !== undefined && entry.handler !== undefined) entry.handler(state, recorded.event as never, recorded);
  };
  const evolve = (state: S, recorded: RecordedEvent): S => {
    apply(state, recorded);
    return state;
  };
  return { init, apply, initialState: init, evolve };
};

/** Folds events into a new state of the projection (or into `state`, which the fold then owns). */
export const foldProjection = <S>(projection: Projection<S>, events: Iterable<RecordedEvent>, state: S = projection.init()): S => {
  for (const recorded of events) projection.apply(state, recorded);
  return state;
};
