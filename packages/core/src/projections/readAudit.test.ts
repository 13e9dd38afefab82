import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { schoolProjections } from '../replay/replay';
import { calendar2020, classStream, director } from './readAuditFixture';
import { markAt, markNumberOf } from './schoolLedger';
import { classAnalyticsOf } from './classAnalytics';
import { replayEvents } from '../replay/replay';

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const ruleSets = shipped.right;

const openClass = () => {
  const s = classStream('class-2020-5A');
  s.at(
    [
      { type: 'ClassOpened', data: { classId: '2020-5A', gradeLevel: 5, letter: 'A', classTeacherId: 'teacher-05', calendar: calendar2020 } },
      { type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } },
      { type: 'PupilEnrolled', data: { pupilId: 'pupil-0001', on: '2020-09-01' } },
    ],
    '2020-09-01T07:00:00Z',
    director,
  );
  return s;
};

describe('markAt', () => {
  it('gives a mark whose changes stay as they were when later changes are applied', () => {
    const s = openClass();
    s.at([{ type: 'LessonPlanned', data: { subjectId: 'mathematics', lessonId: 'L1', date: '2020-09-07', period: 1, unit: 'U', topic: 'T', hours: 1 } }], '2020-09-02T07:00:00Z');
    s.at([{ type: 'FormativeMarkRecorded', data: { subjectId: 'mathematics', markId: 'm1', lessonId: 'L1', pupilId: 'pupil-0001', mark: 6 } }], '2020-09-07T07:00:00Z');
    s.at([{ type: 'MarkCorrected', data: { subjectId: 'mathematics', markId: 'm1', pupilId: 'pupil-0001', supersedesEventId: 'e1.0', value: { kind: 'formative', mark: 7 } } }], '2020-09-08T07:00:00Z', undefined, 'typo');
    const p = schoolProjections({ ruleSets });
    p.applyAll(s.events);
    const subject = p.state.classes.get('2020-5A')?.subjects.get('mathematics');
    if (subject === undefined) throw new Error('no subject');
    const i = markNumberOf(subject, 'm1', 'pupil-0001');
    if (i === undefined) throw new Error('no mark');
    const mark = markAt(p.state, subject, i);
    expect(mark.changes?.map((c) => c.action)).toEqual(['corrected']);
    s.at([{ type: 'MarkAnnulled', data: { subjectId: 'mathematics', markId: 'm1', pupilId: 'pupil-0001', supersedesEventId: 'e2.0' } }], '2020-09-09T07:00:00Z', undefined, 'wrong pupil');
    p.apply(s.events[s.events.length - 1]!);
    expect(markAt(p.state, subject, i).changes?.map((c) => c.action)).toEqual(['corrected', 'annulled']);
    // The value queried before the annulment is as it was then.
    expect(mark.changes?.map((c) => c.action)).toEqual(['corrected']);
  });
});

describe('class analytics', () => {
  it('judge no grade of a class whose rule set is not given: not even н/а, which alone would make every counted pupil a failure', () => {
    const s = openClass();
    s.at([{ type: 'PupilEnrolled', data: { pupilId: 'pupil-0002', on: '2020-09-01' } }], '2020-09-01T08:00:00Z', director);
    const finalize = (pupilId: string, grade: number | string) =>
      s.at(
        [{ type: 'PeriodGradeFinalized', data: { subjectId: 'mathematics', pupilId, period: { kind: 'term', number: 1 }, grade, recommendation: { grade, percentage: null }, ruleSetId: 'kz-older' } }],
        '2020-10-30T12:00:00Z',
      );
    finalize('pupil-0001', 'notAssessed');
    finalize('pupil-0002', 5);
    const known = replayEvents(s.events, { ruleSets });
    expect(known.classAnalytics().map((r) => [r.pupils, r.successRate.numerator, r.quality.numerator])).toEqual([[2, 1, 1]]);
    // The same ledger read without the class's rule set: its grades cannot be judged, so none is.
    const unknown = replayEvents(s.events, { ruleSets: ruleSets.filter((r) => r.id !== 'kz-older') });
    expect(classAnalyticsOf(unknown.state, unknown.options.ruleSets)).toEqual([]);
  });
});
