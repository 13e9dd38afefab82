import type * as E from 'fp-ts/Either';

/**
 * A decider (after Jérémie Chassaing, as in Emmett): the whole behaviour of one consistency
 * boundary as three pure functions.
 *
 * - `decide` turns a command and the current state into the events to record, or a typed
 *   error; it appends nothing itself, so a rejected command can leave nothing behind.
 * - `evolve` folds one recorded event into the state.
 * - `initialState` is the state of an empty stream.
 *
 * `Payload` is what `decide` emits (type and data); `Event` is what `evolve` reads back (the
 * payload with its metadata, as the store recorded it).
 */
export type Decider<State, Command, Payload, Event, Error> = {
  readonly decide: (command: Command, state: State) => E.Either<Error, ReadonlyArray<Payload>>;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: () => State;
};

/** The state after a sequence of events: a left fold of `evolve` from the initial state. */
export const foldEvents = <State, Event>(
  decider: Pick<Decider<State, never, never, Event, never>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
  from: State = decider.initialState(),
): State => {
  let state = from;
  for (const event of events) state = decider.evolve(state, event);
  return state;
};
