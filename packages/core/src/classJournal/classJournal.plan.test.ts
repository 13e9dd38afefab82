/**
 * The plan (КТП): lessons and summatives, and the rules on when summatives may be written.
 * СОР: at most 3 per term per subject. СОЧ: never on a term's last day, never on the day of a
 * СОР of the same subject, at most 3 a day for the class. Moving a lesson re-checks them all.
 */
import { describe, expect, it } from 'vitest';
import type { Actor } from '../events/metadata';
import {
  actors,
  after,
  by,
  classWithPlan,
  command,
  expectAccepted,
  expectRefused,
  formativeMark,
  mathLessons,
  mathSummatives,
  planLesson,
  planSummative,
  pupils,
  SOCH_DAY,
  subjects,
  summativeScore,
} from './testFixtures';

const reschedule = (subjectId: string, lessonId: string, date: string, actor: Actor = actors.math, period = 2) =>
  command('RescheduleLesson', { subjectId, lessonId, date, period }, actor);
const cancelLesson = (lessonId: string, actor: Actor = actors.math) => command('CancelLesson', { subjectId: subjects.math, lessonId }, actor);

describe('lessons', () => {
  it('are planned on school days of a term only, naming the date', () => {
    expectAccepted(classWithPlan, planLesson(subjects.math, 'math-x', '2019-10-24'));
    const error = expectRefused(classWithPlan, planLesson(subjects.math, 'math-x', '2019-10-30'), 'DateOutsideSchoolYear', '2019-10-30');
    expect(error).toMatchObject({ field: 'date', date: '2019-10-30' });
  });

  it('are planned once', () => {
    expectRefused(classWithPlan, planLesson(subjects.math, mathLessons.t1a.id, '2019-10-24'), 'LessonAlreadyPlanned', mathLessons.t1a.id);
  });

  it('are planned by the subject teacher or the deputy director', () => {
    expectAccepted(classWithPlan, by(planLesson(subjects.math, 'math-x', '2019-10-24'), actors.deputy));
    expectRefused(classWithPlan, by(planLesson(subjects.math, 'math-x', '2019-10-24'), actors.kazakh), 'NotEntitled', actors.kazakh.id);
  });

  it('with marks cannot be cancelled or moved, naming the lesson', () => {
    const marked = after(classWithPlan, formativeMark(pupils.strong, mathLessons.t1a.id, 8, 'fo-1'));
    expectAccepted(classWithPlan, cancelLesson(mathLessons.t1a.id));
    expectAccepted(classWithPlan, reschedule(subjects.math, mathLessons.t1a.id, '2019-09-04'));
    expect(expectRefused(marked, cancelLesson(mathLessons.t1a.id), 'LessonHasMarks', mathLessons.t1a.id)).toMatchObject({ lessonId: mathLessons.t1a.id });
    expectRefused(marked, reschedule(subjects.math, mathLessons.t1a.id, '2019-09-04'), 'LessonHasMarks', mathLessons.t1a.id);
  });

  it('with a summative score or an absence cannot be cancelled or moved either', () => {
    const scored = after(classWithPlan, summativeScore(pupils.strong, mathSummatives.t1Sor1.id, 8));
    expectRefused(scored, cancelLesson(mathLessons.t1Sor1.id), 'LessonHasMarks', mathLessons.t1Sor1.id);
    const absent = after(
      classWithPlan,
      command('MarkAttendance', { subjectId: subjects.math, attendanceId: 'att-1', lessonId: mathLessons.t1b.id, pupilId: pupils.weak, code: 'unexcused' }, actors.math),
    );
    expectRefused(absent, reschedule(subjects.math, mathLessons.t1b.id, '2019-09-11'), 'LessonHasMarks', mathLessons.t1b.id);
  });

  it('may be cancelled once its marks are annulled', () => {
    const annulled = after(
      classWithPlan,
      formativeMark(pupils.strong, mathLessons.t1a.id, 8, 'fo-1'),
      command('AnnulMark', { subjectId: subjects.math, pupilId: pupils.strong, markId: 'fo-1' }, actors.math, { reason: 'lesson did not take place' }),
    );
    expectAccepted(annulled, cancelLesson(mathLessons.t1a.id));
  });

  it('may be cancelled or moved once its absence is corrected to present (a present pupil leaves no record on it)', () => {
    const corrected = after(
      classWithPlan,
      command('MarkAttendance', { subjectId: subjects.math, attendanceId: 'att-1', lessonId: mathLessons.t1b.id, pupilId: pupils.weak, code: 'unexcused' }, actors.math),
      command('CorrectAttendance', { subjectId: subjects.math, attendanceId: 'att-1', pupilId: pupils.weak, code: 'present' }, actors.math, { reason: 'was late, not absent' }),
    );
    expectAccepted(corrected, cancelLesson(mathLessons.t1b.id));
    expectAccepted(corrected, reschedule(subjects.math, mathLessons.t1b.id, '2019-09-11'));
  });

  it('once cancelled cannot be moved', () => {
    const cancelled = after(classWithPlan, cancelLesson(mathLessons.t1Free.id));
    expectRefused(cancelled, reschedule(subjects.math, mathLessons.t1Free.id, '2019-10-23'), 'LessonCancelled', mathLessons.t1Free.id);
  });
});

describe('section summatives (СОР): at most 3 per term per subject', () => {
  // The plan has two СОР in term 1 of mathematics.
  const three = after(classWithPlan, planSummative(subjects.math, 'sor-math-t1-3', mathLessons.t1Free.id, 'section', 10));

  it('accepts a third СОР in the term', () => {
    expect(expectAccepted(classWithPlan, planSummative(subjects.math, 'sor-math-t1-3', mathLessons.t1Free.id, 'section', 10))).toMatchObject([
      { type: 'SummativePlanned', data: { summativeId: 'sor-math-t1-3', kind: 'section' } },
    ]);
  });

  it('refuses a fourth, naming the subject, the term and the limit', () => {
    const error = expectRefused(three, planSummative(subjects.math, 'sor-math-t1-4', mathLessons.t1b.id, 'section', 10), 'TooManySectionSummatives', subjects.math, 'term 1', '3');
    expect(error).toMatchObject({ subjectId: subjects.math, period: 'term 1', limit: 3 });
  });

  it('counts per term and per subject, and not cancelled ones', () => {
    expectAccepted(three, planSummative(subjects.math, 'sor-math-t2-2', mathLessons.t2a.id, 'section', 10));
    expectAccepted(three, planSummative(subjects.kazakh, 'sor-kaz-1', `${subjects.kazakh}-t1-next`, 'section', 10));
    const oneCancelled = after(three, command('CancelSummative', { subjectId: subjects.math, summativeId: 'sor-math-t1-3' }, actors.deputy, { reason: 'quarantine' }));
    expectAccepted(oneCancelled, planSummative(subjects.math, 'sor-math-t1-4', mathLessons.t1b.id, 'section', 10));
  });

  it('re-checks the limit when a lesson carrying a СОР is moved into a full term', () => {
    expectAccepted(classWithPlan, reschedule(subjects.math, mathLessons.t2Sor.id, '2019-10-23'));
    expectRefused(three, reschedule(subjects.math, mathLessons.t2Sor.id, '2019-10-23'), 'TooManySectionSummatives', 'term 1');
  });
});

describe('term summatives (СОЧ)', () => {
  const lastDayOfTerm1 = mathLessons.t1Last;

  it('are never on the last day of a term, naming the date', () => {
    const kazakhLastDay = after(classWithPlan, planLesson(subjects.kazakh, 'kaz-last', lastDayOfTerm1.date));
    expectAccepted(classWithPlan, planSummative(subjects.kazakh, 'soch-kaz', `${subjects.kazakh}-t1-next`, 'term', 20));
    const error = expectRefused(kazakhLastDay, planSummative(subjects.kazakh, 'soch-kaz', 'kaz-last', 'term', 20), 'TermSummativeOnLastDayOfTerm', lastDayOfTerm1.date);
    expect(error).toMatchObject({ date: lastDayOfTerm1.date });
  });

  it('may be on a term’s last day as a СОР (the rule is for СОЧ only)', () => {
    expectAccepted(classWithPlan, planSummative(subjects.math, 'sor-last', lastDayOfTerm1.id, 'section', 10));
  });

  it('are never on the day of a СОР of the same subject (СОЧ planned second)', () => {
    // A second mathematics lesson on the day of the first СОР.
    const history = after(classWithPlan, planLesson(subjects.math, 'math-sor-day', mathLessons.t1Sor1.date, 5));
    const error = expectRefused(history, planSummative(subjects.math, 'soch-x', 'math-sor-day', 'term', 20), 'TermSummativeOnSectionSummativeDay', mathLessons.t1Sor1.date, subjects.math);
    expect(error).toMatchObject({ date: mathLessons.t1Sor1.date, subjectId: subjects.math });
  });

  it('keep a СОР of the same subject off their day (СОР planned second)', () => {
    const history = after(classWithPlan, planLesson(subjects.math, 'math-soch-day', SOCH_DAY, 5));
    expectRefused(history, planSummative(subjects.math, 'sor-x', 'math-soch-day', 'section', 10), 'TermSummativeOnSectionSummativeDay', SOCH_DAY, subjects.math);
  });

  it('are one per term and subject, naming the one already planned', () => {
    // Mathematics has its term 1 СОЧ on SOCH_DAY; a second one would be ignored by the grade rules.
    const error = expectRefused(classWithPlan, planSummative(subjects.math, 'soch-math-t1-b', mathLessons.t1Free.id, 'term', 20), 'TermSummativeAlreadyPlanned', mathSummatives.t1Soch.id, 'term 1');
    expect(error).toMatchObject({ summativeId: mathSummatives.t1Soch.id, subjectId: subjects.math, period: 'term 1' });
    expectAccepted(classWithPlan, planSummative(subjects.math, 'soch-math-t2', mathLessons.t2a.id, 'term', 20));
    const cancelled = after(classWithPlan, command('CancelSummative', { subjectId: subjects.math, summativeId: mathSummatives.t1Soch.id }, actors.deputy, { reason: 'rescheduled' }));
    expectAccepted(cancelled, planSummative(subjects.math, 'soch-math-t1-b', mathLessons.t1Free.id, 'term', 20));
  });

  it('stay one per term when a lesson carrying one is moved into a term that has one', () => {
    const termTwo = after(classWithPlan, planSummative(subjects.math, 'soch-math-t2', mathLessons.t2a.id, 'term', 20));
    expectRefused(termTwo, reschedule(subjects.math, mathLessons.t2a.id, '2019-10-23'), 'TermSummativeAlreadyPlanned', mathSummatives.t1Soch.id);
  });

  it('do not keep a СОР of another subject off their day', () => {
    expectAccepted(classWithPlan, planSummative(subjects.kazakh, 'sor-kaz', `${subjects.kazakh}-t1-soch`, 'section', 10));
  });

  describe('at most 3 a day for the class', () => {
    // Mathematics has its СОЧ on SOCH_DAY; Kazakh and Russian add theirs: three on that day.
    const threeOnDay = after(
      classWithPlan,
      planSummative(subjects.kazakh, 'soch-kaz', `${subjects.kazakh}-t1-soch`, 'term', 20),
      planSummative(subjects.russian, 'soch-rus', `${subjects.russian}-t1-soch`, 'term', 20),
    );

    it('refuses a fourth subject’s СОЧ that day, naming the date and the limit', () => {
      const error = expectRefused(threeOnDay, planSummative(subjects.english, 'soch-eng', `${subjects.english}-t1-soch`, 'term', 20), 'TooManyTermSummativesOnDay', SOCH_DAY, '3');
      expect(error).toMatchObject({ date: SOCH_DAY, limit: 3 });
    });

    it('accepts it on another day, or once one of the three is cancelled', () => {
      expectAccepted(threeOnDay, planSummative(subjects.english, 'soch-eng', `${subjects.english}-t1-next`, 'term', 20));
      const cancelled = after(threeOnDay, command('CancelSummative', { subjectId: subjects.russian, summativeId: 'soch-rus' }, actors.deputy, { reason: 'teacher ill' }));
      expectAccepted(cancelled, planSummative(subjects.english, 'soch-eng', `${subjects.english}-t1-soch`, 'term', 20));
    });
  });
});

describe('moving a lesson that carries a СОЧ re-checks the СОЧ rules', () => {
  const soch = mathLessons.t1Soch;

  it('accepts a move to an ordinary day', () => {
    expect(expectAccepted(classWithPlan, reschedule(subjects.math, soch.id, '2019-10-24'))).toEqual([
      { type: 'LessonRescheduled', data: { subjectId: subjects.math, lessonId: soch.id, date: '2019-10-24', period: 2 } },
    ]);
  });

  it('refuses a move to the last day of the term', () => {
    expectRefused(classWithPlan, reschedule(subjects.math, soch.id, mathLessons.t1Last.date), 'TermSummativeOnLastDayOfTerm', mathLessons.t1Last.date);
  });

  it('refuses a move to the day of a СОР of the same subject', () => {
    expectRefused(classWithPlan, reschedule(subjects.math, soch.id, mathLessons.t1Sor2.date), 'TermSummativeOnSectionSummativeDay', mathLessons.t1Sor2.date);
  });

  it('refuses a move to a day that already has 3 СОЧ', () => {
    const nextDay = '2019-10-16';
    const full = after(
      classWithPlan,
      ...[subjects.kazakh, subjects.russian, subjects.english].map((s) => planSummative(s, `soch-${s}`, `${s}-t1-next`, 'term', 20)),
    );
    expectRefused(full, reschedule(subjects.math, soch.id, nextDay), 'TooManyTermSummativesOnDay', nextDay);
  });

  it('refuses a move outside the terms (into the holidays)', () => {
    expectRefused(classWithPlan, reschedule(subjects.math, soch.id, '2019-10-30'), 'DateOutsideSchoolYear', '2019-10-30');
  });

  it('refuses a СОР lesson moved onto the day of the same subject’s СОЧ', () => {
    expectRefused(classWithPlan, reschedule(subjects.math, mathLessons.t1Sor2.id, soch.date), 'TermSummativeOnSectionSummativeDay', soch.date);
  });
});

describe('cancelling a summative', () => {
  const cancel = (actor: Actor = actors.deputy, reason: string | null = 'flooding in the region') =>
    command('CancelSummative', { subjectId: subjects.math, summativeId: mathSummatives.t1Soch.id }, actor, reason === null ? {} : { reason });

  it('is the deputy director’s, with a reason', () => {
    expect(expectAccepted(classWithPlan, cancel())).toEqual([{ type: 'SummativeCancelled', data: { subjectId: subjects.math, summativeId: mathSummatives.t1Soch.id } }]);
    expectRefused(classWithPlan, cancel(actors.math), 'NotEntitled', actors.math.id, 'subjectTeacher');
    expectRefused(classWithPlan, cancel(actors.deputy, null), 'ReasonRequired', 'cancelling a summative');
  });

  it('happens once', () => {
    expectRefused(after(classWithPlan, cancel()), cancel(), 'SummativeCancelled', mathSummatives.t1Soch.id);
  });
});
