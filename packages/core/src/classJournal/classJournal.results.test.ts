/**
 * Period (term, half-year) and year grades, and re-sits: the recommendation computed under the
 * class's rule set is recorded beside the grade; a different grade is an override; a finalized
 * period is closed to every change; the re-sit is the only way past a failing year grade.
 */
import { describe, expect, it } from 'vitest';
import { kazakhstanRuleSetIds } from '../rules/kazakhstan';
import {
  actors,
  after,
  classWithPlan,
  command,
  expectAccepted,
  expectRefused,
  finalizeTerm,
  formativeMark,
  mathLessons,
  mathScoresAllYear,
  mathSummatives,
  mathYearFinalized,
  mathYearToFinalize,
  planSummative,
  pupils,
  resit,
  selfKnowledgeLessons,
  subjects,
  summativeScore,
  yearGrade,
} from './testFixtures';

const RULE_SET = kazakhstanRuleSetIds.olderWithGradeOneMarks;
/** Marks for the whole year, no grade finalized yet. */
const scored = after(classWithPlan, ...mathScoresAllYear);

describe('finalizing a term grade', () => {
  it('records the grade with the computed recommendation and the rule set', () => {
    // СОР 8/10 + 8/10 (pooled 80%) × 50% + СОЧ 16/20 (80%) × 50% = 80% → "4".
    expect(expectAccepted(scored, finalizeTerm(pupils.strong, 1, 4))).toEqual([
      {
        type: 'PeriodGradeFinalized',
        data: {
          subjectId: subjects.math,
          pupilId: pupils.strong,
          period: { kind: 'term', number: 1 },
          grade: 4,
          recommendation: { grade: 4, percentage: '80/1' },
          ruleSetId: RULE_SET,
        },
      },
    ]);
    expect(expectAccepted(scored, finalizeTerm(pupils.weak, 1, 2))).toMatchObject([{ data: { grade: 2, recommendation: { grade: 2, percentage: '20/1' } } }]);
  });

  it('lets the subject teacher (or the deputy director) enter the computed grade, with no override reason kept', () => {
    expect(expectAccepted(scored, finalizeTerm(pupils.strong, 1, 4, actors.math, 'not needed'))[0]?.data).not.toHaveProperty('overrideReason');
    expectAccepted(scored, finalizeTerm(pupils.strong, 1, 4, actors.deputy));
    expectRefused(scored, finalizeTerm(pupils.strong, 1, 4, actors.kazakh), 'NotEntitled', actors.kazakh.id, 'subjectTeacher');
    expectRefused(scored, finalizeTerm(pupils.strong, 1, 4, actors.classTeacher), 'NotEntitled', actors.classTeacher.id, 'classTeacher');
  });

  it('needs an override reason for a grade that differs from the recommendation, naming both', () => {
    const error = expectRefused(scored, finalizeTerm(pupils.strong, 1, 5, actors.deputy), 'OverrideReasonRequired', '5', '4');
    expect(error).toMatchObject({ grade: 5, recommended: 4 });
    expectRefused(scored, finalizeTerm(pupils.strong, 1, 5, actors.math), 'OverrideReasonRequired', '5', '4');
  });

  it('leaves an override to the deputy director, even with a reason', () => {
    const error = expectRefused(scored, finalizeTerm(pupils.strong, 1, 5, actors.math, 'project work'), 'NotEntitled', actors.math.id, 'subjectTeacher');
    expect(error).toMatchObject({ actor: actors.math });
  });

  it('records an override by the deputy director with its reason beside the recommendation', () => {
    expect(expectAccepted(scored, finalizeTerm(pupils.strong, 1, 5, actors.deputy, 'olympiad winner'))).toEqual([
      {
        type: 'PeriodGradeFinalized',
        data: {
          subjectId: subjects.math,
          pupilId: pupils.strong,
          period: { kind: 'term', number: 1 },
          grade: 5,
          recommendation: { grade: 4, percentage: '80/1' },
          ruleSetId: RULE_SET,
          overrideReason: 'olympiad winner',
        },
      },
    ]);
  });

  it('refuses a grade off the scale, naming it', () => {
    expect(expectRefused(scored, finalizeTerm(pupils.strong, 1, 6), 'GradeNotOnScale', '6')).toMatchObject({ grade: 6 });
    expectRefused(scored, finalizeTerm(pupils.strong, 1, 'pass'), 'GradeNotOnScale', 'pass');
  });

  it('refuses a pupil who was not in the class during the term', () => {
    const error = expectRefused(scored, finalizeTerm(pupils.late, 1, 4), 'PupilNotEnrolled', pupils.late, 'term 1');
    expect(error).toMatchObject({ pupilId: pupils.late });
  });

  it('refuses a period the calendar does not have, or the subject is not graded by', () => {
    expectRefused(scored, command('FinalizePeriodGrade', { subjectId: subjects.math, pupilId: pupils.strong, period: { kind: 'halfYear', number: 1 }, grade: 4 }, actors.math), 'PeriodNotInCalendar', 'half-year 1');
    expectRefused(scored, command('FinalizePeriodGrade', { subjectId: subjects.math, pupilId: pupils.strong, period: { kind: 'term', number: 5 }, grade: 4 }, actors.math), 'InvalidCommand', 'data.period');
  });
});

describe('a finalized period is closed', () => {
  // The third СОР is planned before the term is finalized: a summative planned after it would change the recomputation.
  // Strong pupil: СОР 8/10 + 8/10 + a miss 0/10 = 16/30 (53.3%) × 50% + СОЧ 80% × 50% = 66.7% → "4".
  const termOneClosed = after(scored, planSummative(subjects.math, 'sor-math-t1-3', mathLessons.t1Free.id, 'section', 10), finalizeTerm(pupils.strong, 1, 4));
  const ref = { subjectId: subjects.math, pupilId: pupils.strong };
  const because = { reason: 'appeal upheld' };
  const closed = (c: Parameters<typeof expectRefused>[1]) => {
    const error = expectRefused(termOneClosed, c, 'PeriodFinalized', pupils.strong, 'term 1');
    expect(error).toMatchObject({ pupilId: pupils.strong, subjectId: subjects.math, period: 'term 1' });
  };

  it('refuses new marks and scores in it', () => {
    closed(formativeMark(pupils.strong, mathLessons.t1b.id, 9));
    closed(summativeScore(pupils.strong, 'sor-math-t1-3', 9));
  });

  it('refuses corrections, annulments and moderation in it', () => {
    closed(command('CorrectMark', { ...ref, markId: `fo-${pupils.strong}-${mathLessons.t1a.id}`, value: { kind: 'formative', mark: 9 } }, actors.math, because));
    closed(command('AnnulMark', { ...ref, markId: `sc-${pupils.strong}-${mathSummatives.t1Sor1.id}` }, actors.deputy, because));
    closed(command('ModerateSummativeScore', { ...ref, markId: `sc-${pupils.strong}-${mathSummatives.t1Soch.id}`, points: 18 }, actors.deputy, because));
  });

  it('refuses a second finalization', () => {
    closed(finalizeTerm(pupils.strong, 1, 4));
  });

  it('stays open for other pupils and for the pupil’s other terms', () => {
    expectAccepted(termOneClosed, formativeMark(pupils.weak, mathLessons.t1b.id, 5));
    expectAccepted(termOneClosed, formativeMark(pupils.strong, mathLessons.t2a.id, 9));
    expectAccepted(termOneClosed, command('ModerateSummativeScore', { ...ref, markId: `sc-${pupils.strong}-${mathSummatives.t2Sor.id}`, points: 9 }, actors.deputy, because));
  });
});

describe('half-year subjects (one hour a week)', () => {
  const sk = subjects.selfKnowledge;
  const finalize = (period: { kind: 'term' | 'halfYear'; number: number }, grade = 4) =>
    command('FinalizePeriodGrade', { subjectId: sk, pupilId: pupils.strong, period, grade }, actors.selfKnowledge);
  const marked = after(
    classWithPlan,
    formativeMark(pupils.strong, selfKnowledgeLessons.h1a.id, 8, 'sk-fo-1', sk),
    summativeScore(pupils.strong, 'sor-sk-h1', 8, 'sk-sc-1', sk),
    summativeScore(pupils.strong, 'sor-sk-h2', 8, 'sk-sc-2', sk),
  );

  it('are finalized per half-year, with the recommendation from ФО and СОР', () => {
    expect(expectAccepted(marked, finalize({ kind: 'halfYear', number: 1 }))).toMatchObject([
      { type: 'PeriodGradeFinalized', data: { period: { kind: 'halfYear', number: 1 }, grade: 4, recommendation: { grade: 4 }, ruleSetId: RULE_SET } },
    ]);
  });

  it('refuse a term grade, naming the period', () => {
    const error = expectRefused(marked, finalize({ kind: 'term', number: 1 }), 'PeriodNotInCalendar', 'term 1', sk);
    expect(error).toMatchObject({ period: 'term 1' });
  });

  it('close a whole half-year once it is finalized', () => {
    const closed = after(marked, finalize({ kind: 'halfYear', number: 1 }));
    // 2019-10-10 is in term 1, and in half-year 1: the half-year is what closes.
    expectRefused(closed, formativeMark(pupils.strong, selfKnowledgeLessons.h1Sor.id, 7, 'sk-fo-2', sk), 'PeriodFinalized', 'half-year 1');
    expectAccepted(closed, formativeMark(pupils.strong, selfKnowledgeLessons.h2a.id, 7, 'sk-fo-2', sk));
  });

  it('need both half-years, not four terms, before the year grade', () => {
    const oneDone = after(marked, finalize({ kind: 'halfYear', number: 1 }));
    const error = expectRefused(oneDone, command('FinalizeYearGrade', { subjectId: sk, pupilId: pupils.strong, grade: 4 }, actors.selfKnowledge), 'PeriodsNotFinalized', 'half-year 2');
    expect(error).toMatchObject({ missing: ['half-year 2'] });
    const bothDone = after(oneDone, finalize({ kind: 'halfYear', number: 2 }));
    expectAccepted(bothDone, command('FinalizeYearGrade', { subjectId: sk, pupilId: pupils.strong, grade: 4 }, actors.selfKnowledge));
  });
});

describe('the year grade', () => {
  it('records the grade with the recommendation (mean of the term grades) and the rule set', () => {
    expect(expectAccepted(mathYearToFinalize, yearGrade(pupils.strong, 4))).toEqual([
      { type: 'YearGradeFinalized', data: { subjectId: subjects.math, pupilId: pupils.strong, grade: 4, recommendation: { grade: 4, percentage: null }, ruleSetId: RULE_SET } },
    ]);
  });

  it('needs every due term finalized first, and lists the missing ones', () => {
    const termOne = after(scored, finalizeTerm(pupils.strong, 1, 4));
    const error = expectRefused(termOne, yearGrade(pupils.strong, 4), 'PeriodsNotFinalized', 'term 2', 'term 3', 'term 4');
    expect(error).toMatchObject({ missing: ['term 2', 'term 3', 'term 4'] });
  });

  it('counts only the terms the pupil was in the class for', () => {
    // Enrolled on the first day of term 2: term 1 is not due. Transferred at the start of term 3: terms 3 and 4 are not.
    expect(expectRefused(scored, yearGrade(pupils.late, 4), 'PeriodsNotFinalized')).toMatchObject({ missing: ['term 2', 'term 3', 'term 4'] });
    expect(expectRefused(scored, yearGrade(pupils.transferred, 4), 'PeriodsNotFinalized')).toMatchObject({ missing: ['term 1', 'term 2'] });
  });

  it('needs an override reason and the deputy director for a grade other than the recommendation', () => {
    expectRefused(mathYearToFinalize, yearGrade(pupils.strong, 5, actors.deputy), 'OverrideReasonRequired', '5', '4');
    expectRefused(mathYearToFinalize, yearGrade(pupils.strong, 5, actors.math, 'olympiad'), 'NotEntitled', actors.math.id);
    expect(expectAccepted(mathYearToFinalize, yearGrade(pupils.strong, 5, actors.deputy, 'olympiad'))).toMatchObject([{ data: { grade: 5, overrideReason: 'olympiad', recommendation: { grade: 4 } } }]);
  });

  it('closes the subject for the pupil: no more marks, grades or changes', () => {
    expectRefused(mathYearFinalized, yearGrade(pupils.strong, 4), 'YearGradeFinalized', pupils.strong);
    expectRefused(mathYearFinalized, formativeMark(pupils.strong, mathLessons.t4a.id, 9), 'YearGradeFinalized', pupils.strong);
  });
});

describe('re-sits after a failing year grade', () => {
  it('are allowed after a "2" for the year: final grade = mean of year grade and test', () => {
    expect(expectAccepted(mathYearFinalized, resit(pupils.weak, 4))).toEqual([
      { type: 'ResitResultRecorded', data: { subjectId: subjects.math, pupilId: pupils.weak, attempt: 1, testGrade: 4, finalGrade: 3, ruleSetId: RULE_SET } },
    ]);
  });

  it('are not allowed before the year grade, nor after a passing one', () => {
    expectRefused(mathYearToFinalize, resit(pupils.weak, 4), 'ResitNotAllowed', pupils.weak, 'not finalized');
    expectRefused(mathYearFinalized, resit(pupils.strong, 4), 'ResitNotAllowed', pupils.strong, 'not a fail');
  });

  it('are at most two, and end once one is passed', () => {
    const failedOnce = after(mathYearFinalized, resit(pupils.weak, 2));
    expect(expectAccepted(failedOnce, resit(pupils.weak, 3))).toMatchObject([{ data: { attempt: 2, testGrade: 3 } }]);
    const failedTwice = after(failedOnce, resit(pupils.weak, 2));
    expectRefused(failedTwice, resit(pupils.weak, 5), 'ResitNotAllowed', pupils.weak, 'all 2 re-sit attempt(s)');
    const passed = after(mathYearFinalized, resit(pupils.weak, 4));
    expectRefused(passed, resit(pupils.weak, 5), 'ResitNotAllowed', pupils.weak, 'not a fail');
  });

  it('are recorded by the subject teacher or the deputy director only, on the scale', () => {
    expectAccepted(mathYearFinalized, resit(pupils.weak, 4, actors.deputy));
    expectRefused(mathYearFinalized, resit(pupils.weak, 4, actors.kazakh), 'NotEntitled', actors.kazakh.id);
    expectRefused(mathYearFinalized, resit(pupils.weak, 7), 'GradeNotOnScale', '7');
  });

  it('do not reopen the year’s marks', () => {
    const resat = after(mathYearFinalized, resit(pupils.weak, 4));
    expectRefused(resat, formativeMark(pupils.weak, mathLessons.t4a.id, 9), 'YearGradeFinalized', pupils.weak);
  });
});
