import { deepStrictEqual, fail } from 'node:assert/strict';
import * as E from 'fp-ts/Either';
import { foldEvents, type Decider } from '@grade-ledger/core';

/**
 * given / when / then for deciders, after Emmett's DeciderSpecification:
 *
 * ```ts
 * const spec = deciderSpecification(classJournalDecider(rules));
 * spec.given(history).when(recordMark).then([{ type: 'FormativeMarkRecorded', data }]);
 * spec.given(history).when(badMark).thenFails('PupilNotEnrolled');
 * ```
 *
 * Assertions use node:assert, so they work under any test runner.
 */
export const deciderSpecification = <State, Command, Payload, Event, Error extends { readonly kind: string }>(
  decider: Decider<State, Command, Payload, Event, Error>,
) => ({
  given: (events: ReadonlyArray<Event>) => ({
    when: (command: Command) => {
      const decide = () => decider.decide(command, foldEvents(decider, events));
      return {
        /** The command records exactly these payloads. */
        then: (expected: ReadonlyArray<Payload>): ReadonlyArray<Payload> => {
          const result = decide();
          if (E.isLeft(result)) return fail(`expected events, but the command was refused: ${JSON.stringify(result.left)}`);
          deepStrictEqual(result.right, expected);
          return result.right;
        },
        /** The command is refused with an error of this kind (or one the predicate accepts); returns the error. */
        thenFails: (expected: Error['kind'] | ((error: Error) => boolean)): Error => {
          const result = decide();
          if (E.isRight(result)) return fail(`expected a refusal, but the command recorded ${JSON.stringify(result.right)}`);
          const matches = typeof expected === 'string' ? result.left.kind === expected : expected(result.left);
          if (!matches) return fail(`the command was refused, but not as expected: ${JSON.stringify(result.left)}`);
          return result.left;
        },
        /** The command is accepted and records nothing. */
        thenNothingHappens: (): void => {
          const result = decide();
          if (E.isLeft(result)) return fail(`expected no events, but the command was refused: ${JSON.stringify(result.left)}`);
          deepStrictEqual(result.right, []);
        },
      };
    },
  }),
});

/**
 * given / then for projections (folds of events): the state after the events equals the
 * expected one.
 */
export const projectionSpecification = <State, Event>(projection: {
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: () => State;
}) => ({
  given: (events: ReadonlyArray<Event>) => ({
    then: (expected: State | ((state: State) => void)): State => {
      const state = foldEvents(projection, events);
      if (typeof expected === 'function') (expected as (state: State) => void)(state);
      else deepStrictEqual(state, expected);
      return state;
    },
  }),
});
