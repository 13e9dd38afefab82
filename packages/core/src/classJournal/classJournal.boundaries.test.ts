/**
 * Rules at the edges of the plan and the results: no СОЧ for half-year subjects (under rule
 * sets that say so), no transfer into the same class, and nothing that changes a finalized
 * period's recomputation (attendance, a cancelled summative).
 */
import { describe, it } from 'vitest';
import {
  actors,
  classWithPlan,
  command,
  expectAccepted,
  expectRefused,
  mathLessons,
  mathSummatives,
  mathYearToFinalize,
  planLesson,
  planSummative,
  pupils,
  subjects,
  after,
} from './testFixtures';

describe('a half-year subject (1 hour a week)', () => {
  it('may have a СОР but no СОЧ, naming the subject', () => {
    const withLesson = after(classWithPlan, planLesson(subjects.selfKnowledge, 'sk-h1-09', '2019-10-17'));
    expectAccepted(withLesson, planSummative(subjects.selfKnowledge, 'sk-sor-9', 'sk-h1-09', 'section', 10));
    expectRefused(withLesson, planSummative(subjects.selfKnowledge, 'sk-soch-1', 'sk-h1-09', 'term', 20), 'TermSummativeNotAllowed', subjects.selfKnowledge);
  });
});

describe('a transfer', () => {
  it('goes to another class, never to the same one', () => {
    const transfer = (toClassId: string) => command('TransferPupil', { pupilId: pupils.strong, on: '2019-12-02', toClassId }, actors.director);
    expectAccepted(classWithPlan, transfer('2019-5B'));
    expectRefused(classWithPlan, transfer('2019-5A'), 'InvalidTransfer', pupils.strong, '2019-5A');
  });
});

describe('a finalized period', () => {
  const absence = command(
    'MarkAttendance',
    { subjectId: subjects.math, attendanceId: 'att-late', lessonId: mathLessons.t1a.id, pupilId: pupils.strong, code: 'illness' },
    actors.math,
  );
  const cancel = command('CancelSummative', { subjectId: subjects.math, summativeId: mathSummatives.t1Sor1.id }, actors.deputy, {
    reason: 'flooding',
  });

  it('takes no more absences: they decide "not assessed" on a summative day', () => {
    expectAccepted(classWithPlan, absence);
    expectRefused(mathYearToFinalize, absence, 'PeriodFinalized', pupils.strong, 'term 1');
  });

  it('keeps its summatives: cancelling one would change every recomputation', () => {
    expectAccepted(classWithPlan, cancel);
    expectRefused(mathYearToFinalize, cancel, 'PeriodFinalized', 'term 1');
  });
});
