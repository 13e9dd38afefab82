import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { arbClassHistory, arbInvalidCommand, type ClassHistory } from '@grade-ledger/testing';
import { defaultAccessPolicy } from '../access/policy';
import type { LedgerEvent } from '../events/registry';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import type { ClassJournalCommand } from './commands';
import { decideClassJournalOfDecoded } from './decide';
import { classJournalDecider } from './decider';
import { journalRulesFromRuleSets } from './journalRulesFromRuleSets';
import { evolveOwnedClassJournal, initialOwnedClassJournalState, type OwnedClassJournalState } from './ownedState';
import { after, mathYearFinalized, pupils, resit } from './testFixtures';
import { evolveClassJournal, initialClassJournalState, type ClassJournalState } from './state';

/*
 * The verifier's fast paths give the decider's own answers: the owned fold (in place) the same
 * states as the pure evolve, and the decide of decoded commands the same results as the
 * decider's decide, which decodes first.
 */

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const rules = journalRulesFromRuleSets(shipped.right);
const decider = classJournalDecider(rules);
const decideOfDecoded = decideClassJournalOfDecoded(rules, defaultAccessPolicy());
const histories = arbClassHistory({ rules, maxSubjects: 3, maxPupils: 5 });

const foldPure = (events: ReadonlyArray<LedgerEvent>): ClassJournalState => events.reduce(evolveClassJournal, initialClassJournalState());
const foldOwned = (events: ReadonlyArray<LedgerEvent>): OwnedClassJournalState => events.reduce(evolveOwnedClassJournal, initialOwnedClassJournalState());

/**
 * A history as an altered archive may hold it: events dropped, repeated, moved, or pointing at
 * another subject, pupil, mark or lesson than their own, so that the folds meet unknown
 * subjects, missing marks, marks of the other kind and the like.
 */
const arbAltered = (history: ClassHistory): fc.Arbitrary<ReadonlyArray<LedgerEvent>> => {
  const events = history.events;
  const ids = (key: string): ReadonlyArray<string> => [...new Set(events.map((e) => (e.data as Record<string, unknown>)[key]).filter((v): v is string => typeof v === 'string'))];
  const pools: Record<string, ReadonlyArray<string>> = {
    subjectId: [...ids('subjectId'), 'unknownSubject'],
    pupilId: [...ids('pupilId'), 'p-stranger'],
    markId: [...ids('markId'), 'm-missing'],
    lessonId: [...ids('lessonId'), 'L-missing'],
    attendanceId: [...ids('attendanceId'), 'a-missing'],
    summativeId: [...ids('summativeId'), 's-missing'],
  };
  const alteration = fc.oneof(
    fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('move' as const), at: fc.nat(), to: fc.nat() }),
    fc.record({ kind: fc.constant('repoint' as const), at: fc.nat(), key: fc.constantFrom(...Object.keys(pools)), pick: fc.nat() }),
  );
  return fc.array(alteration, { maxLength: 12 }).map((alterations) => {
    const out = [...events];
    for (const a of alterations) {
      if (out.length === 0) break;
      const at = a.at % out.length;
      const event = out[at] as LedgerEvent;
      if (a.kind === 'drop') out.splice(at, 1);
      else if (a.kind === 'repeat') out.splice(at, 0, event);
      else if (a.kind === 'move') {
        out.splice(at, 1);
        out.splice(a.to % (out.length + 1), 0, event);
      } else {
        const data = event.data as Record<string, unknown>;
        const pool = pools[a.key] as ReadonlyArray<string>;
        if (a.key in data && pool.length > 0) out[at] = { ...event, data: { ...data, [a.key]: pool[a.pick % pool.length] } } as LedgerEvent;
      }
    }
    return out;
  });
};

describe('the owned class-journal fold', () => {
  it('gives the pure evolve’s state after any valid history, and after every prefix of it (property)', () => {
    fc.assert(
      fc.property(histories, fc.nat(), (history, cut) => {
        expect(foldOwned(history.events)).toStrictEqual(foldPure(history.events));
        const prefix = history.events.slice(0, cut % (history.events.length + 1));
        expect(foldOwned(prefix)).toStrictEqual(foldPure(prefix));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the pure evolve’s state after altered histories: events dropped, repeated, moved or repointed (property)', () => {
    fc.assert(
      fc.property(
        histories.chain((history) => arbAltered(history)),
        (events) => {
          expect(foldOwned(events)).toStrictEqual(foldPure(events));
        },
      ),
      { numRuns: 80 },
    );
  });

  // The properties above meet re-sits too (arbClassHistory makes them); this example pins two attempts in a row.
  it('gives the pure evolve’s state through year grades and two re-sits, after every event', () => {
    const events = after(mathYearFinalized, resit(pupils.weak, 2), resit(pupils.weak, 5));
    expect(events.filter((e) => e.type === 'ResitResultRecorded')).toHaveLength(2);
    for (let cut = mathYearFinalized.length - 3; cut <= events.length; cut++)
      expect(foldOwned(events.slice(0, cut))).toStrictEqual(foldPure(events.slice(0, cut)));
  });

  it('never changes the states of the pure fold it is compared with (it only touches what it made)', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const pure = foldPure(history.events);
        const before = JSON.stringify(pure, (_key, value: unknown) => (value instanceof Map ? [...value.entries()] : value));
        foldOwned(history.events);
        expect(JSON.stringify(pure, (_key, value: unknown) => (value instanceof Map ? [...value.entries()] : value))).toBe(before);
      }),
      { numRuns: 10 },
    );
  });
});

describe('deciding commands already decoded', () => {
  it('gives the decider’s answer to every command of a valid history, on the state before it (property)', () => {
    fc.assert(
      fc.property(histories, (history) => {
        let state = initialClassJournalState();
        let events = 0;
        for (const command of history.commands) {
          const expected = decider.decide(command, state);
          expect(decideOfDecoded(command, state)).toStrictEqual(expected);
          if (E.isRight(expected)) for (const _ of expected.right) state = evolveClassJournal(state, history.events[events++] as LedgerEvent);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('gives the decider’s refusal, naming the same rule or field, to a command that breaks one rule (property)', () => {
    fc.assert(
      fc.property(
        histories.chain((history) => arbInvalidCommand(history, rules).map((invalid) => ({ history, invalid }))),
        ({ history, invalid }) => {
          const expected = decider.decide(invalid.command, history.finalState);
          expect(E.isLeft(expected)).toBe(true);
          expect(decideOfDecoded(invalid.command, history.finalState)).toStrictEqual(expected);
          if (invalid.repaired !== undefined) expect(decideOfDecoded(invalid.repaired, history.finalState)).toStrictEqual(decider.decide(invalid.repaired, history.finalState));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decodes first, as the decider does, a command whose data its codec would change or refuse', () => {
    fc.assert(
      fc.property(histories, fc.nat(), fc.constantFrom('extra', 'badId', 'noData', 'unknownType'), (history, pick, fault) => {
        const command = history.commands[pick % history.commands.length] as ClassJournalCommand;
        const data = command.data as Record<string, unknown>;
        const altered = (
          fault === 'extra'
            ? { ...command, data: { ...data, stray: 1 } }
            : fault === 'badId'
              ? { ...command, data: { ...data, [Object.keys(data)[0] as string]: ' not an id' } }
              : fault === 'noData'
                ? { ...command, data: null }
                : { ...command, type: 'NoSuchCommand' }
        ) as unknown as ClassJournalCommand;
        const state = history.finalState;
        expect(decideOfDecoded(altered, state)).toStrictEqual(decider.decide(altered, state));
      }),
      { numRuns: 40 },
    );
  });
});
