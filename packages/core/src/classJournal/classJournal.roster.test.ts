/**
 * The class's roster and calendar: opening a class, who is in it on which day, exemptions,
 * and who may act at all.
 */
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../events/metadata';
import {
  actors,
  after,
  by,
  assignSubjects,
  calendar2019,
  CLASS_ID,
  classWithPlan,
  command,
  decideAfter,
  expectAccepted,
  expectRefused,
  formativeMark,
  LATE_ENROLMENT_ON,
  mathLessons,
  mathSummatives,
  openClass,
  planLesson,
  pupils,
  subjects,
  summativeScore,
  TRANSFER_ON,
  WITHDRAWAL_ON,
} from './testFixtures';

describe('opening a class', () => {
  it('records the class with the calendar of its school year', () => {
    const open = openClass();
    expect(expectAccepted([], open)).toEqual([{ type: 'ClassOpened', data: open.data }]);
  });

  it('opens a class only once', () => {
    const error = expectRefused(after([], openClass()), openClass(), 'ClassAlreadyOpened', CLASS_ID);
    expect(error).toMatchObject({ classId: CLASS_ID });
  });

  it('refuses a calendar whose terms overlap, naming the field', () => {
    const terms = calendar2019.terms.map((t) => (t.number === 2 ? { ...t, startsOn: '2019-10-20' } : t));
    const error = expectRefused([], openClass({ calendar: { ...calendar2019, terms } }), 'InvalidCalendar', 'calendar.terms.1.startsOn', '2019-10-20');
    expect(error).toMatchObject({ field: 'calendar.terms.1.startsOn', value: '2019-10-20' });
  });

  it('refuses a rule set the system does not know', () => {
    const error = expectRefused([], openClass({ calendar: { ...calendar2019, ruleSetId: 'kz-2099' } }), 'InvalidCalendar', 'kz-2099');
    expect(error).toMatchObject({ field: 'calendar.ruleSetId', value: 'kz-2099' });
  });

  it('is for the director, a deputy director or an import only', () => {
    expectAccepted([], by(openClass(), actors.deputy));
    expectAccepted([], by(openClass(), actors.system));
    // A class not opened has no teachers yet: only a role with the policy's `all` write scope reaches it.
    const error = expectRefused([], by(openClass(), actors.math), 'WriteRefused', actors.math.id, actors.math.role);
    expect(error).toMatchObject({ actor: actors.math });
    // A class teacher may write to their class (ownClass), but opening it is still the administration's.
    expectRefused([], by(openClass(), actors.classTeacher), 'WriteRefused', actors.classTeacher.id);
  });

  it('must come before anything else on the stream', () => {
    expectRefused([], assignSubjects[0]!, 'ClassNotOpened', 'AssignSubject');
  });

  it('refuses a class letter that is not a letter (a name, say) as an invalid command naming the field', () => {
    const error = expectRefused([], openClass({ letter: 'А Б' }), 'InvalidCommand', 'data.letter');
    expect(error).toMatchObject({ issues: [{ path: 'data.letter', value: 'А Б' }] });
  });
});

describe('enrolment', () => {
  const enrol = (pupilId: string, on: string) => command('EnrolPupil', { pupilId, on }, actors.director);

  it('refuses to enrol a pupil already in the class', () => {
    expectRefused(classWithPlan, enrol(pupils.strong, '2019-10-01'), 'PupilAlreadyEnrolled', pupils.strong);
  });

  it('lets a pupil who left come back after leaving', () => {
    expectAccepted(classWithPlan, enrol(pupils.transferred, '2020-02-03'));
    expectRefused(classWithPlan, enrol(pupils.transferred, '2019-12-02'), 'PupilAlreadyEnrolled', pupils.transferred);
  });

  it('refuses an enrolment date outside the school year, naming it', () => {
    const error = expectRefused(classWithPlan, enrol('pupil-099', '2020-06-15'), 'DateOutsideSchoolYear', 'on', '2020-06-15');
    expect(error).toMatchObject({ field: 'on', date: '2020-06-15' });
  });

  it('refuses to transfer or withdraw a pupil who is not in the class that day', () => {
    expectRefused(classWithPlan, command('TransferPupil', { pupilId: pupils.late, on: '2019-10-01', toClassId: '2019-5B' }, actors.director), 'PupilNotEnrolled', pupils.late, '2019-10-01');
    expectRefused(classWithPlan, command('WithdrawPupil', { pupilId: pupils.withdrawn, on: '2020-04-01' }, actors.director), 'PupilNotEnrolled', pupils.withdrawn, '2020-04-01');
  });

  it('is not for teachers', () => {
    expectRefused(classWithPlan, command('EnrolPupil', { pupilId: 'pupil-099', on: '2019-10-01' }, actors.classTeacher), 'NotEntitled', actors.classTeacher.id, 'classTeacher');
  });
});

describe('marks only for pupils in the class on the lesson date', () => {
  const withEdgeLessons = after(
    classWithPlan,
    planLesson(subjects.math, 'math-t2-00', LATE_ENROLMENT_ON),
    planLesson(subjects.math, 'math-t3-00', TRANSFER_ON),
    planLesson(subjects.math, 'math-t3-09', '2020-02-28'),
    planLesson(subjects.math, 'math-t3-10', WITHDRAWAL_ON),
  );

  it('refuses a mark before the pupil was enrolled, naming the pupil and the date', () => {
    const error = expectRefused(withEdgeLessons, formativeMark(pupils.late, mathLessons.t1a.id, 7), 'PupilNotEnrolled', pupils.late, mathLessons.t1a.date);
    expect(error).toMatchObject({ pupilId: pupils.late, date: mathLessons.t1a.date });
  });

  it('accepts a mark from the day of enrolment on', () => {
    expectAccepted(withEdgeLessons, formativeMark(pupils.late, 'math-t2-00', 7));
    expectAccepted(withEdgeLessons, formativeMark(pupils.late, mathLessons.t2a.id, 7));
  });

  it('refuses a mark from the day of a transfer on, and accepts one before it', () => {
    expectAccepted(withEdgeLessons, formativeMark(pupils.transferred, mathLessons.t2a.id, 6));
    expectRefused(withEdgeLessons, formativeMark(pupils.transferred, 'math-t3-00', 6), 'PupilNotEnrolled', pupils.transferred, TRANSFER_ON);
    expectRefused(withEdgeLessons, formativeMark(pupils.transferred, mathLessons.t3a.id, 6), 'PupilNotEnrolled', pupils.transferred, mathLessons.t3a.date);
  });

  it('refuses a mark from the day of a withdrawal on, and accepts one before it', () => {
    expectAccepted(withEdgeLessons, formativeMark(pupils.withdrawn, 'math-t3-09', 9));
    expectRefused(withEdgeLessons, formativeMark(pupils.withdrawn, 'math-t3-10', 9), 'PupilNotEnrolled', pupils.withdrawn, WITHDRAWAL_ON);
  });

  it('refuses a summative score and an attendance mark after a transfer too', () => {
    expectRefused(withEdgeLessons, summativeScore(pupils.transferred, mathSummatives.t3Sor.id, 5), 'PupilNotEnrolled', pupils.transferred, mathSummatives.t3Sor.lesson.date);
    expectRefused(
      withEdgeLessons,
      command('MarkAttendance', { subjectId: subjects.math, attendanceId: 'att-1', lessonId: mathLessons.t3a.id, pupilId: pupils.transferred, code: 'unexcused' }, actors.math),
      'PupilNotEnrolled',
      pupils.transferred,
    );
  });

  it('refuses a mark for a pupil never enrolled', () => {
    expectRefused(withEdgeLessons, formativeMark('pupil-999', mathLessons.t1a.id, 5), 'PupilNotEnrolled', 'pupil-999');
  });

  // Every school day of the year, to pick enrolment, leaving and lesson days from.
  const schoolDays: ReadonlyArray<string> = calendar2019.terms.flatMap((term) => {
    const days: string[] = [];
    for (let t = Date.parse(`${term.startsOn}T00:00:00Z`); t <= Date.parse(`${term.endsOn}T00:00:00Z`); t += 86_400_000)
      days.push(new Date(t).toISOString().slice(0, 10));
    return days;
  });
  const base = after([], openClass(), assignSubjects[0]!);

  it('accepts a mark exactly when the lesson falls within a stay in the class (property)', () => {
    const day = fc.integer({ min: 0, max: schoolDays.length - 1 });
    fc.assert(
      fc.property(day, fc.option(day, { nil: undefined }), day, (enrolled, left, lesson) => {
        const enrolOn = schoolDays[enrolled]!;
        const leaveOn = left === undefined || left <= enrolled ? undefined : schoolDays[left]!;
        const lessonOn = schoolDays[lesson]!;
        const history = after(
          base,
          command('EnrolPupil', { pupilId: 'pupil-prop', on: enrolOn }, actors.director),
          ...(leaveOn === undefined ? [] : [command('WithdrawPupil', { pupilId: 'pupil-prop', on: leaveOn }, actors.director)]),
          planLesson(subjects.math, 'lesson-prop', lessonOn),
        );
        const result = decideAfter(history, formativeMark('pupil-prop', 'lesson-prop', 7));
        const inClass = lessonOn >= enrolOn && (leaveOn === undefined || lessonOn < leaveOn);
        if (inClass) expect(E.isRight(result)).toBe(true);
        else expect(result).toMatchObject({ left: { kind: 'PupilNotEnrolled', pupilId: 'pupil-prop', date: lessonOn } });
      }),
      { numRuns: 150 },
    );
  });
});

describe('exemptions', () => {
  const exempt = (from: string, to: string, actor: Actor = actors.deputy, pupilId: string = pupils.strong, subjectId: string = subjects.math) =>
    command('GrantExemption', { subjectId, exemptionId: `ex-${pupilId}-${from}`, pupilId, from, to, ground: 'medical' }, actor);
  // Exempt from mathematics 2019-09-10 to 2019-10-01, both days included.
  const exempted = after(classWithPlan, exempt(mathLessons.t1b.date, mathLessons.t1Sor2.date));

  it('are granted by the deputy director or the director', () => {
    expect(expectAccepted(classWithPlan, exempt('2019-09-10', '2019-10-01'))).toMatchObject([{ type: 'ExemptionGranted' }]);
    expectAccepted(classWithPlan, exempt('2019-09-10', '2019-10-01', actors.director));
    expectRefused(classWithPlan, exempt('2019-09-10', '2019-10-01', actors.math), 'NotEntitled', actors.math.id, 'subjectTeacher');
  });

  it('must not end before they start, and must lie in the school year', () => {
    const error = expectRefused(classWithPlan, exempt('2019-10-01', '2019-09-10'), 'InvalidExemption', '2019-10-01', '2019-09-10');
    expect(error).toMatchObject({ from: '2019-10-01', to: '2019-09-10' });
    expect(expectRefused(classWithPlan, exempt('2019-10-01', '2020-07-01'), 'DateOutsideSchoolYear', '2020-07-01')).toMatchObject({ field: 'to' });
  });

  it('may last a single day (from = to), and then block marks on that day only', () => {
    const oneDay = after(classWithPlan, exempt(mathLessons.t1b.date, mathLessons.t1b.date));
    expectRefused(oneDay, formativeMark(pupils.strong, mathLessons.t1b.id, 8), 'PupilExempt', pupils.strong, mathLessons.t1b.date);
    expectAccepted(oneDay, formativeMark(pupils.strong, mathLessons.t1a.id, 8));
  });

  it('block formative marks on every day of their range, both ends included', () => {
    for (const lesson of [mathLessons.t1b, mathLessons.t1Sor1, mathLessons.t1Sor2]) {
      const error = expectRefused(exempted, formativeMark(pupils.strong, lesson.id, 8), 'PupilExempt', pupils.strong, lesson.date);
      expect(error).toMatchObject({ pupilId: pupils.strong, date: lesson.date });
    }
  });

  it('block summative scores in their range', () => {
    expectRefused(exempted, summativeScore(pupils.strong, mathSummatives.t1Sor1.id, 8), 'PupilExempt', pupils.strong, mathSummatives.t1Sor1.lesson.date);
  });

  it('do not block marks outside their range, of other pupils, or in other subjects', () => {
    expectAccepted(exempted, formativeMark(pupils.strong, mathLessons.t1a.id, 8));
    expectAccepted(exempted, formativeMark(pupils.strong, mathLessons.t1Soch.id, 8));
    expectAccepted(exempted, formativeMark(pupils.weak, mathLessons.t1b.id, 8));
    expectAccepted(exempted, summativeScore(pupils.weak, mathSummatives.t1Sor1.id, 8));
    const otherSubject = after(classWithPlan, exempt('2019-09-02', '2019-10-25', actors.deputy, pupils.strong, subjects.kazakh));
    expectAccepted(otherSubject, formativeMark(pupils.strong, mathLessons.t1b.id, 8));
  });
});
