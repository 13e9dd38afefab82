import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import {
  accessFactsProjection,
  authorizeWrite,
  classJournalDecider,
  defaultAccessPolicy,
  foldEvents,
  journalRulesFromRuleSets,
  kazakhstanRuleSets,
  type AccessPolicy,
  type Actor,
  type ActorRole,
  type ClassJournalCommand,
  type ClassJournalState,
  type LedgerEvent,
  type RecordedEvent,
  type Scope,
} from '@grade-ledger/core';
import { arbClassHistory, type ClassHistory } from '@grade-ledger/testing';

/*
 * The class journal's decider enforces the school's access policy: a write is accepted only
 * when one of the actor's role's `journal.write` scopes reaches the class, and the policy is
 * only a gate in front of the journal's own rules (it never lets anyone do what those rules
 * forbid, and a granted write is decided exactly as before).
 */

const ruleSets = kazakhstanRuleSets();
if (ruleSets._tag === 'Left') throw new Error(ruleSets.left.message);
const rules = journalRulesFromRuleSets(ruleSets.right);
const histories = arbClassHistory({ rules, maxSubjects: 3, maxPupils: 5 });

const ROLES: ReadonlyArray<ActorRole> = ['subjectTeacher', 'classTeacher', 'deputyDirector', 'director', 'auditor', 'parent', 'pupil', 'system'];
const SCOPES: ReadonlyArray<Scope> = ['all', 'self', 'ownChildren', 'ownClass', 'taughtClasses'];

const withWriteScopes = (policy: AccessPolicy, scopes: Partial<Record<ActorRole, ReadonlyArray<Scope>>>): AccessPolicy => ({
  ...policy,
  roles: Object.fromEntries(
    Object.entries(policy.roles).map(([role, rule]) => [role, { ...rule, journal: { ...rule.journal, write: scopes[role as ActorRole] ?? rule.journal.write } }]),
  ) as AccessPolicy['roles'],
});

/** A policy whose journal write scopes are drawn at random for every role. */
const arbPolicy: fc.Arbitrary<AccessPolicy> = fc
  .tuple(...ROLES.map(() => fc.subarray([...SCOPES])))
  .map((lists) => withWriteScopes(defaultAccessPolicy(), Object.fromEntries(ROLES.map((role, i) => [role, lists[i] ?? []]))));

/** Every role may write everywhere: only the journal's finer rules decide. */
const openPolicy = withWriteScopes(defaultAccessPolicy(), Object.fromEntries(ROLES.map((role) => [role, ['all']])));

/** The state before each command of a history, with the command. */
const statesBefore = (history: ClassHistory): ReadonlyArray<{ readonly command: ClassJournalCommand; readonly state: ClassJournalState; readonly before: ReadonlyArray<LedgerEvent> }> => {
  const decider = classJournalDecider(rules);
  let state = decider.initialState();
  const before: LedgerEvent[] = [];
  return history.commands.map((command) => {
    const step = { command, state, before: [...before] };
    for (const event of history.events.filter((e) => e.metadata.causationId === command.metadata.commandId)) {
      state = decider.evolve(state, event);
      before.push(event);
    }
    return step;
  });
};

const asRecorded = (streamId: string, events: ReadonlyArray<LedgerEvent>): ReadonlyArray<RecordedEvent> =>
  events.map((event, i) => ({ event, streamId, streamRevision: i, globalPosition: i }) as unknown as RecordedEvent);

const withActor = (command: ClassJournalCommand, actor: Actor): ClassJournalCommand => ({ ...command, metadata: { ...command.metadata, actor } }) as ClassJournalCommand;

/** Actors of random roles, with the ids of the class's own staff, the original sender or a stranger. */
const arbActorFor = (history: ClassHistory, command: ClassJournalCommand): fc.Arbitrary<Actor> =>
  fc.record({
    role: fc.constantFrom(...ROLES),
    id: fc.constantFrom(
      command.metadata.actor.id,
      history.staff.classTeacher.id,
      history.staff.director.id,
      history.staff.deputyDirector.id,
      ...[...history.staff.subjectTeachers.values()].map((a) => a.id),
      'stranger-01',
    ),
  });

const cases = histories.chain((history) => {
  const steps = statesBefore(history);
  return fc.tuple(
    fc.constant(history),
    arbPolicy,
    fc.array(
      fc.integer({ min: 0, max: steps.length - 1 }).chain((i) => arbActorFor(history, steps[i]!.command).map((actor) => ({ step: steps[i]!, actor }))),
      { minLength: 1, maxLength: 12 },
    ),
  );
});

describe('the class journal under the access policy', () => {
  it('accepts a write only if the policy grants it; refuses every other with WriteRefused; decides granted writes as the journal rules alone would', () => {
    fc.assert(
      fc.property(cases, ([history, policy, sends]) => {
        const underPolicy = classJournalDecider(rules, { accessPolicy: policy });
        const rulesOnly = classJournalDecider(rules, { accessPolicy: openPolicy });
        for (const { step, actor } of sends) {
          const command = withActor(step.command, actor);
          const decided = underPolicy.decide(command, step.state);
          // The oracle: the school-level facts folded from the same events, asked through authorizeWrite.
          const facts = foldEvents(accessFactsProjection, asRecorded(history.streamId, step.before)).facts;
          const granted = E.isRight(authorizeWrite(policy, actor, history.classId, facts));
          if (E.isRight(decided)) expect(granted).toBe(true);
          if (!granted) {
            expect(decided).toMatchObject({ left: { kind: 'WriteRefused', actor, role: actor.role, resource: `the journal of class ${history.classId}` } });
            expect(E.isLeft(decided) ? decided.left.message : '').toContain(`${actor.role} ${actor.id}`);
          } else if (!(E.isLeft(decided) && decided.left.kind === 'WriteRefused')) {
            expect(decided).toEqual(rulesOnly.decide(command, step.state));
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it('with a role’s journal write scopes removed, replaying a history refuses exactly that role’s commands', () => {
    fc.assert(
      fc.property(histories, fc.constantFrom<ActorRole>('subjectTeacher', 'classTeacher', 'deputyDirector', 'director'), (history, role) => {
        const decider = classJournalDecider(rules, { accessPolicy: withWriteScopes(defaultAccessPolicy(), { [role]: [] }) });
        for (const { command, state } of statesBefore(history)) {
          const decided = decider.decide(command, state);
          if (command.metadata.actor.role === role) expect(decided).toMatchObject({ left: { kind: 'WriteRefused', role, scopes: [] } });
          else expect(decided._tag, E.isLeft(decided) ? decided.left.message : '').toBe('Right');
        }
      }),
      { numRuns: 60 },
    );
  });
});
