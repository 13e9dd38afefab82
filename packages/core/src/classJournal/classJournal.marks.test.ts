/**
 * Marks, scores and attendance: which values, on which lessons, in which subjects and grade
 * levels, by whom; and how they are put right (corrections, annulments, moderation).
 */
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../events/metadata';
import type { ClassCalendar } from '../events/roster';
import { kazakhstanRuleSetIds } from '../rules/kazakhstan';
import {
  actors,
  after,
  by,
  assignSubjects,
  calendar2019,
  classWithPlan,
  command,
  decideAfter,
  expectAccepted,
  expectRefused,
  formativeMark,
  lastEventId,
  mathLessons,
  mathSummatives,
  openClass,
  planLesson,
  planSummative,
  pupils,
  rawCommand,
  recorded,
  subjects,
  summativeScore,
} from './testFixtures';

const reason = 'entered for the wrong pupil';

describe('lessons a mark may go on', () => {
  it('refuses a mark on a lesson that is not in the plan, naming it', () => {
    const error = expectRefused(classWithPlan, formativeMark(pupils.strong, 'math-t9-99', 8), 'LessonNotFound', 'math-t9-99');
    expect(error).toMatchObject({ lessonId: 'math-t9-99' });
  });

  it('refuses a mark on a cancelled lesson, naming the lesson and its date', () => {
    const cancelled = after(classWithPlan, command('CancelLesson', { subjectId: subjects.math, lessonId: mathLessons.t1Free.id }, actors.math));
    expectAccepted(classWithPlan, formativeMark(pupils.strong, mathLessons.t1Free.id, 8));
    expectRefused(cancelled, formativeMark(pupils.strong, mathLessons.t1Free.id, 8), 'LessonCancelled', mathLessons.t1Free.id, mathLessons.t1Free.date);
  });

  it('refuses a mark in a subject the class does not have', () => {
    const astronomy = command('RecordFormativeMark', { subjectId: 'astronomy', markId: 'fo-1', lessonId: mathLessons.t1a.id, pupilId: pupils.strong, mark: 8 }, actors.math);
    expectRefused(classWithPlan, astronomy, 'SubjectNotAssigned', 'astronomy');
  });

  it('records one mark per mark id: a second one is a correction', () => {
    const marked = after(classWithPlan, formativeMark(pupils.strong, mathLessons.t1a.id, 8, 'fo-1'));
    expectRefused(marked, formativeMark(pupils.strong, mathLessons.t1b.id, 9, 'fo-1'), 'MarkAlreadyRecorded', 'fo-1');
  });
});

describe('formative marks (ФО) from 1 to 10', () => {
  it('records a mark of 1 and of 10', () => {
    for (const mark of [1, 10]) {
      const c = formativeMark(pupils.strong, mathLessons.t1a.id, mark);
      expect(expectAccepted(classWithPlan, c)).toEqual([{ type: 'FormativeMarkRecorded', data: c.data }]);
    }
  });

  it.each([0, 11, 7.5, -3])('refuses a mark of %s as an invalid command naming data.mark and the value', (mark) => {
    const error = expectRefused(classWithPlan, formativeMark(pupils.strong, mathLessons.t1a.id, mark), 'InvalidCommand', 'data.mark', String(mark));
    expect(error).toMatchObject({ issues: [{ path: 'data.mark', value: mark }] });
  });

  it('refuses a mark given as text', () => {
    const c = rawCommand('RecordFormativeMark', { subjectId: subjects.math, markId: 'fo-1', lessonId: mathLessons.t1a.id, pupilId: pupils.strong, mark: '8' }, actors.math);
    expect(expectRefused(classWithPlan, c, 'InvalidCommand', 'data.mark')).toMatchObject({ issues: [{ path: 'data.mark', value: '8' }] });
  });

  it('refuses a pupil named instead of referred to by id', () => {
    const c = formativeMark('Айгерим Садыкова', mathLessons.t1a.id, 8, 'fo-1');
    expect(expectRefused(classWithPlan, c, 'InvalidCommand', 'data.pupilId')).toMatchObject({ issues: [{ path: 'data.pupilId', value: 'Айгерим Садыкова' }] });
  });

  it('accepts any mark from 1 to 10 and refuses any other number, naming data.mark (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), (mark) => {
        const result = decideAfter(classWithPlan, formativeMark(pupils.strong, mathLessons.t1a.id, mark));
        expect(result).toMatchObject({ right: [{ type: 'FormativeMarkRecorded', data: { mark } }] });
      }),
    );
    const outside = fc.oneof(
      fc.integer().filter((n) => n < 1 || n > 10),
      fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n)),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
    );
    fc.assert(
      fc.property(outside, (mark) => {
        const result = decideAfter(classWithPlan, formativeMark(pupils.strong, mathLessons.t1a.id, mark));
        expect(result).toMatchObject({ left: { kind: 'InvalidCommand', issues: [{ path: 'data.mark' }] } });
        if (E.isLeft(result)) expect(result.left.message).toContain('data.mark');
      }),
    );
  });
});

describe('summative scores (СОР, СОЧ) within their maximum', () => {
  const sor = mathSummatives.t1Sor1; // out of 10

  it('records 0 and the maximum', () => {
    expectAccepted(classWithPlan, summativeScore(pupils.strong, sor.id, 0));
    expectAccepted(classWithPlan, summativeScore(pupils.strong, sor.id, sor.max));
  });

  it('refuses points above the planned maximum, naming points, maximum and summative', () => {
    const error = expectRefused(classWithPlan, summativeScore(pupils.strong, sor.id, 11), 'ScoreAboveMaximum', '11', '10', sor.id);
    expect(error).toMatchObject({ points: 11, maxPoints: 10, summativeId: sor.id });
  });

  it('refuses negative points as an invalid command naming data.points', () => {
    expect(expectRefused(classWithPlan, summativeScore(pupils.strong, sor.id, -1), 'InvalidCommand', 'data.points', '-1')).toMatchObject({
      issues: [{ path: 'data.points', value: -1 }],
    });
  });

  it('refuses a score for a summative that is not planned, or was cancelled', () => {
    expectRefused(classWithPlan, summativeScore(pupils.strong, 'sor-none', 5), 'SummativeNotFound', 'sor-none');
    const cancelled = after(classWithPlan, command('CancelSummative', { subjectId: subjects.math, summativeId: sor.id }, actors.deputy, { reason: 'flood' }));
    expectRefused(cancelled, summativeScore(pupils.strong, sor.id, 5), 'SummativeCancelled', sor.id);
  });

  it('records one score per pupil and summative: a second one is moderation or a correction', () => {
    const scored = after(classWithPlan, summativeScore(pupils.strong, sor.id, 6, 'sc-a'));
    expectRefused(scored, summativeScore(pupils.strong, sor.id, 7, 'sc-b'), 'ScoreAlreadyRecorded', pupils.strong, sor.id);
  });

  it('accepts points up to any planned maximum and refuses any above it (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }).chain((maxPoints) => fc.tuple(fc.constant(maxPoints), fc.integer({ min: 0, max: maxPoints }), fc.integer({ min: maxPoints + 1, max: 100 + 1 }))),
        ([maxPoints, within, above]) => {
          const history = after(classWithPlan, planSummative(subjects.math, 'sor-prop', mathLessons.t1Free.id, 'section', maxPoints));
          expect(decideAfter(history, summativeScore(pupils.strong, 'sor-prop', within))).toMatchObject({ right: [{ type: 'SummativeScoreRecorded', data: { points: within } }] });
          const refused = decideAfter(history, summativeScore(pupils.strong, 'sor-prop', above));
          // Above 100 the codec refuses first: no summative has more than 100 points.
          if (above > 100) expect(refused).toMatchObject({ left: { kind: 'InvalidCommand', issues: [{ path: 'data.points', value: above }] } });
          else expect(refused).toMatchObject({ left: { kind: 'ScoreAboveMaximum', points: above, maxPoints } });
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('grade levels and subjects without marks', () => {
  // From 2020-21 grade 1 gets no marks: the rule set kz-older says so, kz-older-g1-marks does not.
  const calendar2020: ClassCalendar = {
    schoolYearId: 'sy-2020-2021',
    startsOn: '2020-09-01',
    endsOn: '2021-05-31',
    terms: [
      { number: 1, startsOn: '2020-09-01', endsOn: '2020-10-30' },
      { number: 2, startsOn: '2020-11-09', endsOn: '2020-12-29' },
      { number: 3, startsOn: '2021-01-11', endsOn: '2021-03-19' },
      { number: 4, startsOn: '2021-03-29', endsOn: '2021-05-25' },
    ],
    halfYears: [
      { number: 1, startsOn: '2020-09-01', endsOn: '2020-12-29' },
      { number: 2, startsOn: '2021-01-11', endsOn: '2021-05-25' },
    ],
    ruleSetId: kazakhstanRuleSetIds.older,
  };
  const firstGrade = (calendar: ClassCalendar, lessonDate: string) =>
    after(
      [],
      openClass({ classId: 'class-1A', gradeLevel: 1, calendar }),
      assignSubjects[0]!,
      command('EnrolPupil', { pupilId: pupils.strong, on: calendar.startsOn }, actors.director),
      planLesson(subjects.math, 'math-1', lessonDate),
    );

  it('refuses marks and summatives in grade 1 where the rule set has none, naming the grade level', () => {
    const history = firstGrade(calendar2020, '2020-09-08');
    const error = expectRefused(history, formativeMark(pupils.strong, 'math-1', 8), 'NoMarksInGradeLevel', 'grade 1', kazakhstanRuleSetIds.older);
    expect(error).toMatchObject({ gradeLevel: 1 });
    expectRefused(history, planSummative(subjects.math, 'sor-1', 'math-1', 'section', 10), 'NoMarksInGradeLevel', 'grade 1');
  });

  it('accepts marks in grade 1 under the 2019-20 rule set, which still had them', () => {
    expectAccepted(firstGrade({ ...calendar2019, ruleSetId: kazakhstanRuleSetIds.olderWithGradeOneMarks }, '2019-09-03'), formativeMark(pupils.strong, 'math-1', 8));
  });

  it('refuses summatives and scores in a pass/fail subject, naming it', () => {
    expectAccepted(classWithPlan, planSummative(subjects.kazakh, 'sor-kaz', `${subjects.kazakh}-t1-soch`, 'section', 10));
    expectRefused(classWithPlan, planSummative(subjects.music, 'sor-music', 'music-01', 'section', 10), 'NoScoresForPassFailSubject', subjects.music);
    // A summative that reached the stream anyway (an import) still takes no scores.
    const imported = [
      ...classWithPlan,
      ...recorded([{ type: 'SummativePlanned', data: { subjectId: subjects.music, summativeId: 'sor-music', lessonId: 'music-01', kind: 'section', maxPoints: 10 } }], actors.system, 'import'),
    ];
    expectRefused(imported, summativeScore(pupils.strong, 'sor-music', 8, 'sc-1', subjects.music), 'NoScoresForPassFailSubject', subjects.music);
  });

  it('refuses any mark or summative in a subject taught without marks, naming it', () => {
    const error = expectRefused(classWithPlan, formativeMark(pupils.strong, 'choir-01', 8, 'fo-1', subjects.choir), 'NoMarksForSubject', subjects.choir);
    expect(error).toMatchObject({ subjectId: subjects.choir });
    expectRefused(classWithPlan, planSummative(subjects.choir, 'sor-choir', 'choir-01', 'section', 10), 'NoMarksForSubject', subjects.choir);
  });
});

describe('who may write', () => {
  const mark = formativeMark(pupils.strong, mathLessons.t1a.id, 8);
  const as = (actor: Actor) => by(mark, actor);

  it('records marks by the subject’s own teacher', () => {
    expectAccepted(classWithPlan, mark);
  });

  // The policy lets them write to this class's journal (NotEntitled comes from the journal's finer rule) ...
  it.each([
    ['another subject teacher', actors.kazakh],
    ['the class teacher', actors.classTeacher],
    ['the deputy director', actors.deputy],
  ] as ReadonlyArray<readonly [string, Actor]>)('refuses a mark by %s, naming the actor and the role', (_who, actor) => {
    const error = expectRefused(classWithPlan, as(actor), 'NotEntitled', actor.id, actor.role);
    expect(error).toMatchObject({ actor });
  });

  // ... or does not let them write to it at all (WriteRefused, from the access policy).
  it.each([
    ['the subject teacher’s id acting as class teacher', { id: actors.math.id, role: 'classTeacher' }, 'ownClass'],
    ['an auditor', actors.auditor, 'none'],
    ['a parent', actors.parent, 'none'],
    ['a pupil', actors.pupil, 'none'],
  ] as ReadonlyArray<readonly [string, Actor, string]>)('refuses a mark by %s under the access policy, naming the actor, the role and the journal', (_who, actor, scopes) => {
    const error = expectRefused(classWithPlan, as(actor), 'WriteRefused', actor.id, actor.role, 'the journal of class 2019-5A', `(${scopes})`);
    expect(error).toMatchObject({ actor, role: actor.role, resource: 'the journal of class 2019-5A' });
  });

  it('lets auditors, parents and pupils write nothing at all', () => {
    for (const actor of [actors.auditor, actors.parent, actors.pupil]) {
      expectRefused(classWithPlan, command('EnrolPupil', { pupilId: 'pupil-099', on: '2019-10-01' }, actor), 'WriteRefused', actor.id, actor.role);
      expectRefused([], by(openClass(), actor), 'WriteRefused', actor.id, actor.role);
    }
  });

  it('lets the class teacher and the subject teacher mark attendance, and no other teacher', () => {
    const absent = (actor: Actor) =>
      command('MarkAttendance', { subjectId: subjects.math, attendanceId: 'att-1', lessonId: mathLessons.t1a.id, pupilId: pupils.strong, code: 'illness' }, actor);
    expectAccepted(classWithPlan, absent(actors.math));
    expect(expectAccepted(classWithPlan, absent(actors.classTeacher))).toMatchObject([{ type: 'AttendanceMarked', data: { code: 'illness' } }]);
    expectRefused(classWithPlan, absent(actors.kazakh), 'NotEntitled', actors.kazakh.id, 'subjectTeacher');
    expectRefused(classWithPlan, absent({ id: 'staff-other-class', role: 'classTeacher' }), 'WriteRefused', 'staff-other-class', 'classTeacher');
  });

  it('lets only the deputy director approve a plan', () => {
    expect(expectAccepted(classWithPlan, command('ApprovePlan', { subjectId: subjects.math }, actors.deputy))).toEqual([{ type: 'PlanApproved', data: { subjectId: subjects.math } }]);
    expectRefused(classWithPlan, command('ApprovePlan', { subjectId: subjects.math }, actors.math), 'NotEntitled', actors.math.id);
  });
});

describe('putting marks right', () => {
  const marked = after(
    classWithPlan,
    formativeMark(pupils.strong, mathLessons.t1a.id, 6, 'fo-1'),
    summativeScore(pupils.strong, mathSummatives.t1Sor1.id, 7, 'sc-1'),
  );
  const markEvent = lastEventId(marked, (e) => e.type === 'FormativeMarkRecorded' && e.data.markId === 'fo-1');
  const scoreEvent = lastEventId(marked, (e) => e.type === 'SummativeScoreRecorded' && e.data.markId === 'sc-1');
  const ref = { subjectId: subjects.math, pupilId: pupils.strong };
  const correct = (markId: string, value: { kind: 'formative'; mark: number } | { kind: 'summative'; points: number }, actor: Actor = actors.math, why: string | null = reason) =>
    command('CorrectMark', { ...ref, markId, value }, actor, why === null ? {} : { reason: why });
  const annul = (markId: string, actor: Actor = actors.math, why: string | null = reason) =>
    command('AnnulMark', { ...ref, markId }, actor, why === null ? {} : { reason: why });
  const moderate = (markId: string, points: number, actor: Actor = actors.math, why: string | null = reason) =>
    command('ModerateSummativeScore', { ...ref, markId, points }, actor, why === null ? {} : { reason: why });

  it('records a correction that supersedes the event which set the mark', () => {
    expect(expectAccepted(marked, correct('fo-1', { kind: 'formative', mark: 9 }))).toEqual([
      { type: 'MarkCorrected', data: { ...ref, markId: 'fo-1', supersedesEventId: markEvent, value: { kind: 'formative', mark: 9 } } },
    ]);
    expect(expectAccepted(marked, correct('sc-1', { kind: 'summative', points: 9 }))).toMatchObject([{ data: { supersedesEventId: scoreEvent } }]);
    expect(scoreEvent).not.toBe(markEvent);
  });

  it('supersedes the last correction or moderation, not the first record', () => {
    const corrected = after(marked, correct('fo-1', { kind: 'formative', mark: 9 }));
    const correction = lastEventId(corrected, (e) => e.type === 'MarkCorrected');
    expect(correction).not.toBe(markEvent);
    expect(expectAccepted(corrected, correct('fo-1', { kind: 'formative', mark: 10 }))).toMatchObject([{ data: { supersedesEventId: correction } }]);

    const moderated = after(marked, moderate('sc-1', 9, actors.deputy));
    const moderation = lastEventId(moderated, (e) => e.type === 'SummativeScoreModerated');
    expect(expectAccepted(moderated, correct('sc-1', { kind: 'summative', points: 8 }))).toMatchObject([{ data: { supersedesEventId: moderation } }]);
    expect(expectAccepted(moderated, annul('sc-1'))).toMatchObject([{ type: 'MarkAnnulled', data: { supersedesEventId: moderation } }]);
  });

  it('requires a reason for corrections, annulments and moderation', () => {
    expectRefused(marked, correct('fo-1', { kind: 'formative', mark: 9 }, actors.math, null), 'ReasonRequired', 'correct marks');
    expectRefused(marked, correct('fo-1', { kind: 'formative', mark: 9 }, actors.math, '   '), 'ReasonRequired', 'correct marks');
    expectRefused(marked, annul('fo-1', actors.math, null), 'ReasonRequired', 'annul marks');
    expectRefused(marked, moderate('sc-1', 9, actors.deputy, null), 'ReasonRequired', 'moderate scores');
  });

  it('annuls a mark, which then can no longer be corrected', () => {
    expect(expectAccepted(marked, annul('fo-1'))).toEqual([{ type: 'MarkAnnulled', data: { ...ref, markId: 'fo-1', supersedesEventId: markEvent } }]);
    const annulled = after(marked, annul('fo-1', actors.deputy));
    expectRefused(annulled, correct('fo-1', { kind: 'formative', mark: 9 }), 'MarkAnnulled', 'fo-1');
  });

  it('moderates a summative score up or down within its maximum', () => {
    expect(expectAccepted(marked, moderate('sc-1', 5, actors.deputy))).toEqual([{ type: 'SummativeScoreModerated', data: { ...ref, markId: 'sc-1', points: 5 } }]);
    expectAccepted(marked, moderate('sc-1', 10));
    expectRefused(marked, moderate('sc-1', 11), 'ScoreAboveMaximum', '11', '10');
    expectRefused(marked, correct('sc-1', { kind: 'summative', points: 12 }), 'ScoreAboveMaximum', '12', '10');
  });

  it('refuses to moderate a formative mark or to correct a mark with the other kind of value', () => {
    expectRefused(marked, moderate('fo-1', 5), 'MarkKindMismatch', 'fo-1');
    expectRefused(marked, correct('fo-1', { kind: 'summative', points: 5 }), 'MarkKindMismatch', 'fo-1');
  });

  it('refuses to change a mark that does not exist, naming it', () => {
    expectRefused(marked, correct('fo-404', { kind: 'formative', mark: 9 }), 'MarkNotFound', 'fo-404', pupils.strong);
  });

  it('lets the subject teacher correct, the deputy director annul and moderate, and no one else', () => {
    expectRefused(marked, correct('fo-1', { kind: 'formative', mark: 9 }, actors.deputy), 'NotEntitled', actors.deputy.id, 'deputyDirector');
    expectRefused(marked, correct('fo-1', { kind: 'formative', mark: 9 }, actors.kazakh), 'NotEntitled', actors.kazakh.id);
    expectAccepted(marked, annul('fo-1', actors.deputy));
    expectRefused(marked, annul('fo-1', actors.classTeacher), 'NotEntitled', actors.classTeacher.id);
    expectRefused(marked, moderate('sc-1', 9, actors.kazakh), 'NotEntitled', actors.kazakh.id);
    expectRefused(marked, moderate('sc-1', 9, actors.auditor), 'WriteRefused', actors.auditor.id, 'auditor');
  });
});

describe('attendance', () => {
  const absent = (attendanceId: string, lessonId: string = mathLessons.t1a.id) =>
    command('MarkAttendance', { subjectId: subjects.math, attendanceId, lessonId, pupilId: pupils.strong, code: 'unexcused' }, actors.math);
  const marked = after(classWithPlan, absent('att-1'));
  const correct = (actor: Actor = actors.classTeacher, why: string | null = 'a doctor’s note came in') =>
    command('CorrectAttendance', { subjectId: subjects.math, attendanceId: 'att-1', pupilId: pupils.strong, code: 'illness' }, actor, why === null ? {} : { reason: why });

  it('records one absence per pupil and lesson', () => {
    expectRefused(marked, absent('att-2'), 'AttendanceAlreadyMarked', 'att-1');
    expectRefused(marked, absent('att-1', mathLessons.t1b.id), 'AttendanceAlreadyMarked', 'att-1');
    expectAccepted(marked, absent('att-2', mathLessons.t1b.id));
  });

  it('corrects attendance with a reason, superseding the event that set it', () => {
    const markedEvent = lastEventId(marked, (e) => e.type === 'AttendanceMarked');
    expect(expectAccepted(marked, correct())).toEqual([
      { type: 'AttendanceCorrected', data: { subjectId: subjects.math, attendanceId: 'att-1', pupilId: pupils.strong, code: 'illness', supersedesEventId: markedEvent } },
    ]);
    expectAccepted(marked, correct(actors.deputy));
    expectRefused(marked, correct(actors.classTeacher, null), 'ReasonRequired', 'correcting attendance');
    expectRefused(marked, correct(actors.kazakh), 'NotEntitled', actors.kazakh.id);
  });
});
