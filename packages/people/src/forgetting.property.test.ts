import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import {
  inMemoryEventStore,
  journalRulesFromRuleSets,
  kazakhstanRuleSets,
  replayEvents,
  type Actor,
  type RecordedEvent,
  type SchoolProjections,
} from '@grade-ledger/core';
import { arbClassHistory, type ClassHistory } from '@grade-ledger/testing';
import { inMemoryKeyStore } from './keyStore';
import { people } from './people';
import type { PersonalRecord } from './record';
import { inMemoryRecordStore, type StoredPerson } from './recordStore';
import { unseal } from './seal';

/*
 * For any class history (arbClassHistory) and any set of its people (pupils, their parents, the
 * class teacher, subject teachers), forgetting them through the people module changes no number
 * in any projection, and afterwards nothing of theirs can be decrypted, not even a copy of the
 * sealed record taken before (a backup of the record store).
 */

const ruleSets = (() => {
  const sets = kazakhstanRuleSets();
  if (E.isLeft(sets)) throw new Error(sets.left.message);
  return sets.right;
})();
const rules = journalRulesFromRuleSets(ruleSets);
const operator: Actor = { id: 'director-dpo', role: 'director' };
const reader: Actor = { id: 'deputy-dpo', role: 'deputyDirector' };
const legal = { reason: 'The person asked for their data to be destroyed', legalBasis: 'Law 94-V art. 18' };

type Person = { readonly personId: string; readonly kind: PersonalRecord['kind']; readonly family: ReadonlyArray<string> };

/** Everyone the history names: its pupils (each with a parent), the class teacher and the subject teachers. */
const peopleOf = (history: ClassHistory): ReadonlyArray<Person> => {
  const pupils = [...new Set(history.events.flatMap((e) => (e.type === 'PupilEnrolled' ? [e.data.pupilId] : [])))];
  const staff = [...new Set([history.staff.classTeacher.id, ...[...history.staff.subjectTeachers.values()].map((a) => a.id)])];
  return [
    ...pupils.flatMap((pupilId): Person[] => [
      { personId: pupilId, kind: 'pupil', family: [`parent-${pupilId}`] },
      { personId: `parent-${pupilId}`, kind: 'parent', family: [pupilId] },
    ]),
    ...staff.map((personId): Person => ({ personId, kind: 'staff', family: [] })),
  ];
};

const recordOf = (person: Person, index: number): PersonalRecord => ({
  personId: person.personId,
  kind: person.kind,
  name: { family: ['Садыкова', 'Ахметов', 'Ким', 'Нурланова'][index % 4]!, given: ['Айгерим', 'Ерлан', 'Дана', 'Тимур'][index % 4]! },
  nationalId: String(100_000_000_000 + index * 7919),
  birthDate: person.kind === 'pupil' ? '2012-03-14' : '1984-11-02',
  contacts: person.kind === 'pupil' ? [] : [{ kind: 'phone', value: `+7 701 555 ${String(index).padStart(4, '0')}` }],
  family: person.family,
});

/** Every number (and every other answer) of every projection: journals, term results, report cards, attendance, analytics, audit trail. */
const everyAnswer = (p: SchoolProjections, pupilIds: ReadonlyArray<string>) => {
  const classes = p.classes();
  const markIds = [...new Set(p.auditTrail.changes().flatMap((c) => (c.action === 'attendanceCorrected' ? [] : [`${c.classId}\u0000${c.markId}`])))];
  return {
    classes,
    journals: classes.flatMap((c) => c.subjectIds.map((s) => p.classJournal(c.classId, s))),
    termResults: p.termResults(),
    reportCards: pupilIds.map((pupil) => p.reportCard(pupil)),
    attendance: p.attendanceSummary(),
    attendanceByTerm: [1, 2, 3, 4].map((number) => p.attendanceSummary({ period: { kind: 'term', number } })),
    analytics: (['class', 'classSubject', 'subject', 'teacher'] as const).map((groupBy) => p.classAnalytics({ groupBy })),
    audit: {
      changes: p.auditTrail.changes(),
      overrides: p.auditTrail.overrides(),
      grades: p.auditTrail.gradeHistory(),
      histories: markIds.map((key) => {
        const [classId = '', markId = ''] = key.split('\u0000');
        return p.auditTrail.markHistory(markId, classId);
      }),
    },
  };
};

const cases = arbClassHistory({ rules, maxSubjects: 3, maxPupils: 6 }).chain((history) => {
  const everyone = peopleOf(history);
  return fc.tuple(fc.constant(history), fc.constant(everyone), fc.subarray(everyone.map((p) => p.personId), { minLength: 1 }));
});

describe('forgetting, for any class history', () => {
  it('changes no number in any projection, and leaves nothing of the forgotten people decryptable', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ([history, everyone, forgotten]) => {
        const store = inMemoryEventStore();
        const appended = await store.appendToStream(history.streamId, history.events, { expectedRevision: 'noStream' });
        expect(appended._tag).toBe('Right');
        const keys = inMemoryKeyStore();
        const records = inMemoryRecordStore();
        const ledger = people({ store, keys, records, clock: () => '2026-06-01T05:00:00Z', schoolId: 'school-1' });
        for (const [i, person] of everyone.entries()) expect((await ledger.register(recordOf(person, i), { id: 'system-import', role: 'system' }))._tag).toBe('Right');
        const pupilIds = everyone.filter((p) => p.kind === 'pupil').map((p) => p.personId);
        const events = (): ReadonlyArray<RecordedEvent> => store.allEvents();
        const before = replayEvents(events(), { ruleSets });
        // What a backup of the record store made now would hold: the sealed records.
        const copies = new Map<string, StoredPerson>();
        for (const personId of forgotten) {
          const stored = await records.get(personId);
          if (E.isLeft(stored) || stored.right === undefined) throw new Error(`${personId} was not registered`);
          copies.set(personId, stored.right);
        }

        for (const personId of forgotten) expect(await ledger.forget({ personId, actor: operator, ...legal })).toEqual(E.right({ alreadyForgotten: false }));

        const after = replayEvents(events(), { ruleSets });
        expect(everyAnswer(after, pupilIds)).toEqual(everyAnswer(before, pupilIds));
        // The audit counts grow by the forgettings, and by nothing else.
        const k = forgotten.length;
        const [summaryBefore, summaryAfter] = [before.auditTrail.summary(), after.auditTrail.summary()];
        expect(summaryAfter.totalEvents).toBe(summaryBefore.totalEvents + k);
        expect({ ...summaryAfter, totalEvents: 0, byRole: [] }).toEqual({ ...summaryBefore, totalEvents: 0, byRole: [] });
        const roleRow = (s: typeof summaryBefore, role: string) => s.byRole.find((r) => r.role === role) ?? { role, events: 0, actors: 0 };
        for (const row of summaryAfter.byRole) if (row.role !== 'director') expect(row).toEqual(roleRow(summaryBefore, row.role));
        expect(roleRow(summaryAfter, 'director').events).toBe(roleRow(summaryBefore, 'director').events + k);
        const typeCounts = (p: SchoolProjections): Record<string, number> => Object.fromEntries(p.auditTrail.eventsByType().map((t) => [t.type, t.events]));
        expect(typeCounts(after)).toEqual({ ...typeCounts(before), PersonalDataForgotten: (typeCounts(before)['PersonalDataForgotten'] ?? 0) + k });

        // Nothing of theirs opens again: no key is left for them, and no key left in the store opens the old copies.
        const remaining = [];
        for (const person of everyone) {
          const key = await keys.get(person.personId);
          if (E.isLeft(key)) throw new Error(key.left.message);
          if (forgotten.includes(person.personId)) expect(key.right).toEqual({ status: 'destroyed', personId: person.personId });
          else if (key.right.status === 'present') remaining.push(key.right.key);
        }
        expect(remaining.length).toBe(everyone.length - k);
        for (const [personId, copy] of copies) {
          expect(copy.sealed).not.toBeNull();
          for (const key of remaining) if (copy.sealed !== null) expect(E.isLeft(unseal(copy.sealed, key)), personId).toBe(true);
        }
        // A read shows them as their stable pseudonym; everyone else is still identified.
        const read = await ledger.read(reader, { resource: 'personalRecord', classIds: [], personIds: everyone.map((p) => p.personId), fields: ['name'], purpose: 'checking a forgetting' }, {
          classTeachers: new Map(),
          teachers: new Map(),
          pupils: new Map(),
          children: new Map(),
        });
        if (E.isLeft(read)) throw new Error(read.left.message);
        for (const person of everyone)
          expect(read.right.people.get(person.personId)).toMatchObject(
            forgotten.includes(person.personId)
              ? { status: 'forgotten', pseudonym: ledger.pseudonym(person.personId, person.kind) }
              : { status: 'identified', pseudonym: ledger.pseudonym(person.personId, person.kind) },
          );
      }),
      { numRuns: 40 },
    );
  });
});
