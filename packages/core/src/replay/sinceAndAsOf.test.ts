import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { buildSmallSchool } from '@grade-ledger/testing';
import { inMemoryEventStore } from '../eventStore/inMemoryEventStore';
import { isRecordedBefore } from './asOf';
import { everyQuery } from './testSupport';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { calendar2020, classStream, director } from '../projections/readAuditFixture';
import { replayEvents } from './replay';

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const ruleSets = shipped.right;

describe('since a school year and as of an instant together', () => {
  it('skip every event of a class of an earlier year, even when its ClassOpened was recorded at or after the instant', () => {
    // A store's clock need not be monotonic: the class was opened at 09:00 by one clock, its
    // subject assigned at 08:00 by another.
    const s = classStream('class-2020-5A');
    s.at([{ type: 'ClassOpened', data: { classId: '2020-5A', gradeLevel: 5, letter: 'A', classTeacherId: 'teacher-05', calendar: calendar2020 } }], '2020-09-01T09:00:00Z', director);
    s.at([{ type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } }], '2020-09-01T08:00:00Z', director);
    const p = replayEvents(s.events, { ruleSets, sinceSchoolYear: 2021, asOf: '2020-09-01T08:30:00Z' });
    // The subject's event is of a 2020 class: not replayed from 2021 on, whatever the instant.
    expect(p.eventsApplied()).toBe(0);
    expect(p.auditTrail.summary().totalEvents).toBe(0);
    // As of the instant alone, it is the one event recorded before it.
    expect(replayEvents(s.events, { ruleSets, asOf: '2020-09-01T08:30:00Z' }).eventsApplied()).toBe(1);
  });
});

describe('since a school year and as of an instant over a school', () => {
  it('are the since-replay of exactly the events recorded before the instant (a store whose clock runs forward)', async () => {
    const store = inMemoryEventStore();
    const built = await buildSmallSchool({ seed: 11, since: 2020, until: 2021, store, ruleSets });
    if (E.isLeft(built)) throw new Error(built.left.message);
    const events = store.allEvents();
    const instants = events.map((e) => e.event.metadata.recordedAt);
    await fc.assert(
      fc.asyncProperty(fc.nat(instants.length - 1), fc.constantFrom(2020, 2021), async (pick, sinceSchoolYear) => {
        const asOf = instants[pick] as string;
        const before = events.filter((e) => isRecordedBefore(e.event.metadata.recordedAt, asOf));
        const both = replayEvents(events, { ruleSets, sinceSchoolYear, asOf });
        const expected = replayEvents(before, { ruleSets, sinceSchoolYear });
        expect(everyQuery(both)).toEqual(everyQuery(expected));
        expect(both.eventsApplied()).toBe(expected.eventsApplied());
      }),
      { numRuns: 6 },
    );
  });
});
