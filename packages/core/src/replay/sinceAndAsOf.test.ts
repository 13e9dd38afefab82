import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
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
