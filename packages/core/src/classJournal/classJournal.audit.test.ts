/**
 * Findings of the rules audit, each pinned by a test that failed before its fix: the decider
 * must follow the class's rule set (not constants beside it), and the marks handed to the grade
 * rules must be the pupil's own, whatever ids or order they were recorded with.
 */
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { foldEvents } from '../decider/decider';
import type { LedgerEvent } from '../events/registry';
import { decodeRuleSet } from '../rules/ruleSetCodec';
import type { RuleSet, RuleSetData } from '../rules/ruleSet';
import { classJournalDecider } from './decider';
import { journalRulesFromRuleSets } from './journalRulesFromRuleSets';
import type { ClassJournalCommand } from './commands';
import {
  actors,
  after,
  assignSubjects,
  calendar2019,
  classWithPlan,
  command,
  enrolments,
  expectAccepted,
  expectRefused,
  finalizeTerm,
  mathLessons,
  mathScoresAllYear,
  mathSummatives,
  mathTermsFinalized,
  mathYearFinalized,
  mathYearToFinalize,
  openClass,
  plan,
  planSummative,
  pupils,
  recorded,
  resit,
  ruleSets,
  subjects,
  summativeScore,
  yearGrade,
} from './testFixtures';

const unwrap = <A>(either: E.Either<{ readonly message: string }, A>): A => {
  if (E.isLeft(either)) throw new Error(either.left.message);
  return either.right;
};

/** The class's rule set (kz-older-g1-marks) with some parameters changed, under a new id. */
const customRuleSet = (id: string, change: (data: RuleSetData) => RuleSetData): RuleSet => {
  const base = ruleSets.find((rs) => rs.id === calendar2019.ruleSetId);
  if (base === undefined) throw new Error('no base rule set');
  return unwrap(decodeRuleSet(change({ ...base, id })));
};

/** Runs commands through a decider under the given rule sets; a refused command throws. */
const historyUnder = (custom: ReadonlyArray<RuleSet>, ...commands: ReadonlyArray<ClassJournalCommand>) => {
  const decider = classJournalDecider(journalRulesFromRuleSets([...ruleSets, ...custom]));
  const events: LedgerEvent[] = [];
  let state = decider.initialState();
  for (const c of commands) {
    const decided = decider.decide(c, state);
    if (E.isLeft(decided)) throw new Error(`${c.type} refused: ${decided.left.message}`);
    const news = recorded(decided.right, c.metadata.actor, `ev${events.length}`, c.metadata.reason);
    for (const event of news) state = decider.evolve(state, event);
    events.push(...news);
  }
  return {
    events,
    decide: (c: ClassJournalCommand) => decider.decide(c, foldEvents(decider, events)),
  };
};

describe('re-sits of a pass/fail subject', () => {
  it('are refused as ResitNotAllowed naming the subject, not left to fail in the rules engine', () => {
    const music = (type: string, data: Record<string, unknown>) => command(type as ClassJournalCommand['type'], { subjectId: subjects.music, pupilId: pupils.weak, ...data } as never, actors.music);
    const { decide } = historyUnder(
      [],
      openClass({ calendar: calendar2019 }),
      ...assignSubjects,
      ...enrolments,
      ...plan,
      music('FinalizePeriodGrade', { period: { kind: 'halfYear', number: 1 }, grade: 'fail' }),
      music('FinalizePeriodGrade', { period: { kind: 'halfYear', number: 2 }, grade: 'fail' }),
      music('FinalizeYearGrade', { grade: 'fail' }),
    );
    const refused = decide(music('RecordResitResult', { testGrade: 'pass' }));
    expect(E.isLeft(refused) && refused.left).toMatchObject({ kind: 'ResitNotAllowed', subjectId: subjects.music });
    expect(E.isLeft(refused) && refused.left.message).toContain('pass/fail');
  });
});

describe('re-sits follow the rule set’s resit.maxAttempts', () => {
  const yearOfMaths = (ruleSet: RuleSet) => [
    openClass({ calendar: { ...calendar2019, ruleSetId: ruleSet.id } }),
    ...assignSubjects,
    ...enrolments,
    ...plan,
    ...mathScoresAllYear,
    ...mathTermsFinalized,
    yearGrade(pupils.strong, 4),
    yearGrade(pupils.weak, 2),
  ];

  it('allows no second re-sit when the rule set allows one', () => {
    const oneResit = customRuleSet('one-resit', (d) => ({ ...d, resit: { ...d.resit, maxAttempts: 1 } }));
    const { decide } = historyUnder([oneResit], ...yearOfMaths(oneResit), resit(pupils.weak, 2));
    const second = decide(resit(pupils.weak, 5));
    expect(E.isLeft(second) && second.left.kind).toBe('ResitNotAllowed');
  });

  it('allows a third re-sit when the rule set allows three', () => {
    const threeResits = customRuleSet('three-resits', (d) => ({ ...d, resit: { ...d.resit, maxAttempts: 3 } }));
    const { decide } = historyUnder([threeResits], ...yearOfMaths(threeResits), resit(pupils.weak, 2), resit(pupils.weak, 2));
    expect(decide(resit(pupils.weak, 4))).toMatchObject({ right: [{ type: 'ResitResultRecorded', data: { attempt: 3, finalGrade: 3 } }] });
  });
});

describe('a СОЧ cancelled and planned again', () => {
  const cancelSoch = command('CancelSummative', { subjectId: subjects.math, summativeId: 'soch-math-t1' }, actors.deputy, { reason: 'flood' });
  // The new СОЧ's id sorts before the cancelled one's ("a-…" < "soch-…").
  const replanned = (id: string) =>
    after(
      classWithPlan,
      ...mathScoresAllYear,
      cancelSoch,
      planSummative(subjects.math, id, mathLessons.t1Free.id, 'term', 20),
      summativeScore(pupils.strong, id, 20),
    );

  it.each(['a-soch-math-t1', 'z-soch-math-t1'])('counts the new СОЧ %s, not the cancelled one', (id) => {
    // СОР 8/10 + 8/10 (80%) × 50% + new СОЧ 20/20 (100%) × 50% = 90% → "5".
    expect(expectAccepted(replanned(id), finalizeTerm(pupils.strong, 1, 5))).toMatchObject([
      { data: { grade: 5, recommendation: { grade: 5, percentage: '90/1' } } },
    ]);
  });
});

describe('a half-year subject whose rule set counts a СОЧ', () => {
  it('has at most one СОЧ per half-year, not one per term: the rules take a single СОЧ per period', () => {
    const counted = customRuleSet('half-year-soch', (d) => ({ ...d, halfYear: { ...d.halfYear, termSummative: 'counted' } }));
    const sk = (id: string, date: string) =>
      command('PlanLesson', { subjectId: subjects.selfKnowledge, lessonId: id, date, period: 2, unit: 'U', topic: id, hours: 1 }, actors.selfKnowledge);
    const { decide } = historyUnder(
      [counted],
      openClass({ calendar: { ...calendar2019, ruleSetId: counted.id } }),
      ...assignSubjects,
      ...enrolments,
      sk('sk-t1', '2019-10-10'),
      sk('sk-t2', '2019-11-14'),
      planSummative(subjects.selfKnowledge, 'soch-sk-t1', 'sk-t1', 'term', 20),
    );
    // Term 2 lies in half-year 1 too: a second СОЧ there would be silently ignored.
    const second = decide(planSummative(subjects.selfKnowledge, 'soch-sk-t2', 'sk-t2', 'term', 20));
    expect(E.isLeft(second) && second.left).toMatchObject({ kind: 'TermSummativeAlreadyPlanned', summativeId: 'soch-sk-t1', period: 'half-year 1' });
  });
});

describe('a summative the pupil could not sit: before they joined the class, or while exempt', () => {
  const NEWCOMER = 'pupil-006';
  // Term 2 of mathematics: СОР sor-math-t2-1 on 2019-11-19, a second СОР on 2019-12-10; no СОЧ, so СОР carry 100%.
  const term2 = [
    command('PlanLesson', { subjectId: subjects.math, lessonId: 'math-t2-03', date: '2019-12-10', period: 2, unit: 'U', topic: 't', hours: 1 }, actors.math),
    planSummative(subjects.math, 'sor-math-t2-2', 'math-t2-03', 'section', 10),
  ];

  it('does not count as 0 for a pupil who joined the class after it', () => {
    const history = after(
      classWithPlan,
      ...term2,
      command('EnrolPupil', { pupilId: NEWCOMER, on: '2019-11-20' }, actors.director),
      summativeScore(NEWCOMER, 'sor-math-t2-2', 10),
    );
    // Only sor-math-t2-2 is the newcomer's: 10/10 = 100% → "5" (not (0 + 10)/20 = 50% → "3").
    expect(expectAccepted(history, finalizeTerm(NEWCOMER, 2, 5))).toMatchObject([{ data: { recommendation: { grade: 5, percentage: '100/1' } } }]);
  });

  it('does not count as 0 for a pupil exempt from the subject on its day', () => {
    const history = after(
      classWithPlan,
      ...term2,
      command('GrantExemption', { subjectId: subjects.math, exemptionId: 'ex-1', pupilId: pupils.strong, from: '2019-11-15', to: '2019-11-25', ground: 'medical' }, actors.deputy),
      summativeScore(pupils.strong, 'sor-math-t2-2', 8),
    );
    expect(expectAccepted(history, finalizeTerm(pupils.strong, 2, 4))).toMatchObject([{ data: { recommendation: { grade: 4, percentage: '80/1' } } }]);
  });

  it('still counts when the pupil has a score on it, recorded before an exemption over its day', () => {
    const history = after(
      classWithPlan,
      ...term2,
      summativeScore(pupils.strong, 'sor-math-t2-1', 6),
      summativeScore(pupils.strong, 'sor-math-t2-2', 10),
      command('GrantExemption', { subjectId: subjects.math, exemptionId: 'ex-1', pupilId: pupils.strong, from: '2019-11-15', to: '2019-11-25', ground: 'medical' }, actors.deputy),
    );
    // (6 + 10) / 20 = 80% → "4": the score stands.
    expect(expectAccepted(history, finalizeTerm(pupils.strong, 2, 4))).toMatchObject([{ data: { recommendation: { grade: 4, percentage: '80/1' } } }]);
  });

  it('still counts as 0 for a pupil enrolled and not exempt who has no score (an unexcused miss)', () => {
    const history = after(classWithPlan, ...term2, summativeScore(pupils.strong, 'sor-math-t2-2', 8));
    expect(expectAccepted(history, finalizeTerm(pupils.strong, 2, 3))).toMatchObject([{ data: { recommendation: { grade: 3, percentage: '40/1' } } }]);
  });
});

describe('a finalized period’s recomputation cannot change through the plan or exemptions', () => {
  const lesson = (id: string, date: string) =>
    command('PlanLesson', { subjectId: subjects.math, lessonId: id, date, period: 2, unit: 'U', topic: id, hours: 1 }, actors.math);
  const reschedule = (lessonId: string, date: string) => command('RescheduleLesson', { subjectId: subjects.math, lessonId, date, period: 2 }, actors.math);

  it('plans no summative in a period finalized for a pupil (it would count as their unexcused miss)', () => {
    expectRefused(mathYearToFinalize, planSummative(subjects.math, 'sor-math-t1-3', mathLessons.t1Free.id, 'section', 10), 'PeriodFinalized', 'term 1');
    expectAccepted(classWithPlan, planSummative(subjects.math, 'sor-math-t1-3', mathLessons.t1Free.id, 'section', 10));
  });

  it('cancels no lesson with a summative still planned on it: the summative would vanish without being cancelled', () => {
    const cancelSochLesson = command('CancelLesson', { subjectId: subjects.math, lessonId: mathLessons.t1Soch.id }, actors.math);
    expectRefused(classWithPlan, cancelSochLesson, 'LessonHasSummative', mathLessons.t1Soch.id, mathSummatives.t1Soch.id);
    const sochCancelled = after(classWithPlan, command('CancelSummative', { subjectId: subjects.math, summativeId: mathSummatives.t1Soch.id }, actors.deputy, { reason: 'flood' }));
    expectAccepted(sochCancelled, cancelSochLesson);
  });

  it('moves no summative into or out of a period finalized for a pupil', () => {
    const planned = after(
      classWithPlan,
      ...mathScoresAllYear,
      lesson('math-t2-x', '2019-11-26'),
      planSummative(subjects.math, 'sor-math-t2-x', 'math-t2-x', 'section', 10),
    );
    const termOneFinal = after(planned, finalizeTerm(pupils.strong, 1, 4));
    expectRefused(termOneFinal, reschedule('math-t2-x', '2019-10-23'), 'PeriodFinalized', 'term 1', pupils.strong);
    // Strong pupil in term 2: 8/10 and a miss 0/10 = 40% → "3".
    const termTwoFinal = after(planned, finalizeTerm(pupils.strong, 2, 3));
    expectRefused(termTwoFinal, reschedule('math-t2-x', '2020-01-20'), 'PeriodFinalized', 'term 2', pupils.strong);
    expectAccepted(termTwoFinal, reschedule('math-t2-x', '2019-12-03'));
  });

  it('grants no exemption over a period finalized for the pupil', () => {
    const exempt = (from: string, to: string) =>
      command('GrantExemption', { subjectId: subjects.math, exemptionId: 'ex-1', pupilId: pupils.strong, from, to, ground: 'medical' }, actors.deputy);
    const termOneFinal = after(classWithPlan, ...mathScoresAllYear, finalizeTerm(pupils.strong, 1, 4));
    expectRefused(termOneFinal, exempt('2019-09-15', '2019-09-20'), 'PeriodFinalized', 'term 1', pupils.strong);
    expectRefused(termOneFinal, exempt('2019-10-20', '2019-11-10'), 'PeriodFinalized', 'term 1', pupils.strong);
    expectAccepted(termOneFinal, exempt('2019-11-05', '2019-11-20'));
  });

  it('lets no pupil leave on the day of an unscored summative of a period finalized for them (from that day on they no longer sit it)', () => {
    // Term 1 finalized for the weak pupil with no scores: every term-1 summative counts as their unexcused miss.
    const termOneFinal = after(
      classWithPlan,
      command('FinalizePeriodGrade', { subjectId: subjects.math, pupilId: pupils.weak, period: { kind: 'term', number: 1 }, grade: 2, overrideReason: 'no work handed in' }, actors.deputy),
    );
    const withdraw = (on: string) => command('WithdrawPupil', { pupilId: pupils.weak, on }, actors.deputy);
    expectRefused(termOneFinal, withdraw(mathLessons.t1Soch.date), 'PeriodFinalized', 'term 1', pupils.weak);
    // The day after the term's last summative, nothing of the finalized term changes.
    expectAccepted(termOneFinal, withdraw(mathLessons.t1Free.date));
  });
});

describe('summative limits come from the rule set ([secondary] facts are parameters)', () => {
  const limits = { sectionSummativesPerPeriod: 3, termSummativesPerDay: 3, noTermSummativeOnLastDayOfTerm: true, noTermSummativeOnSectionSummativeDay: true };
  it('allows a fourth СОР in a term when the rule set allows four, and refuses it under the shipped three', () => {
    const fourSor = customRuleSet('four-sor', (d) => ({ ...d, summativeLimits: { ...limits, sectionSummativesPerPeriod: 4 } }));
    const commands = [
      openClass({ calendar: { ...calendar2019, ruleSetId: fourSor.id } }),
      ...assignSubjects,
      ...enrolments,
      ...plan,
      planSummative(subjects.math, 'sor-math-t1-3', mathLessons.t1Free.id, 'section', 10),
    ];
    const { decide } = historyUnder([fourSor], ...commands);
    expect(E.isRight(decide(planSummative(subjects.math, 'sor-math-t1-4', mathLessons.t1b.id, 'section', 10)))).toBe(true);
    const shipped = after(classWithPlan, planSummative(subjects.math, 'sor-math-t1-3', mathLessons.t1Free.id, 'section', 10));
    expectRefused(shipped, planSummative(subjects.math, 'sor-math-t1-4', mathLessons.t1b.id, 'section', 10), 'TooManySectionSummatives', '3');
  });

  it('refuses a second СОЧ on a day when the rule set allows one a day', () => {
    const oneSochADay = customRuleSet('one-soch-a-day', (d) => ({ ...d, summativeLimits: { ...limits, termSummativesPerDay: 1 } }));
    const { decide } = historyUnder(
      [oneSochADay],
      openClass({ calendar: { ...calendar2019, ruleSetId: oneSochADay.id } }),
      ...assignSubjects,
      ...enrolments,
      ...plan,
    );
    const second = decide(planSummative(subjects.kazakh, 'soch-kaz', `${subjects.kazakh}-t1-soch`, 'term', 20));
    expect(E.isLeft(second) && second.left).toMatchObject({ kind: 'TooManyTermSummativesOnDay', limit: 1 });
  });
});

describe('a formative mark outside the rule set’s mark scale', () => {
  it('is refused when recorded or corrected, instead of blocking the period’s finalization later', () => {
    const oneToFive = customRuleSet('marks-1-5', (d) => ({ ...d, formative: { ...d.formative, minMark: 1, maxMark: 5 } }));
    const { decide } = historyUnder(
      [oneToFive],
      openClass({ calendar: { ...calendar2019, ruleSetId: oneToFive.id } }),
      ...assignSubjects,
      ...enrolments,
      ...plan,
      command('RecordFormativeMark', { subjectId: subjects.math, markId: 'fo-1', lessonId: mathLessons.t1a.id, pupilId: pupils.strong, mark: 4 }, actors.math),
    );
    const seven = decide(command('RecordFormativeMark', { subjectId: subjects.math, markId: 'fo-2', lessonId: mathLessons.t1b.id, pupilId: pupils.strong, mark: 7 }, actors.math));
    expect(E.isLeft(seven) && seven.left).toMatchObject({ kind: 'MarkNotOnScale', mark: 7 });
    const corrected = decide(
      command('CorrectMark', { subjectId: subjects.math, pupilId: pupils.strong, markId: 'fo-1', value: { kind: 'formative', mark: 6 } }, actors.math, { reason: 'typo' }),
    );
    expect(E.isLeft(corrected) && corrected.left).toMatchObject({ kind: 'MarkNotOnScale', mark: 6 });
    expect(E.isRight(decide(command('RecordFormativeMark', { subjectId: subjects.math, markId: 'fo-2', lessonId: mathLessons.t1b.id, pupilId: pupils.strong, mark: 5 }, actors.math)))).toBe(true);
  });
});

describe('a pupil failing more subjects than resit.maxFailedSubjects', () => {
  const failSubject = (subjectId: string) => [
    ...[1, 2, 3, 4].map((term) =>
      command('FinalizePeriodGrade', { subjectId, pupilId: pupils.weak, period: { kind: 'term', number: term }, grade: 2, overrideReason: 'no work handed in' }, actors.deputy),
    ),
    command('FinalizeYearGrade', { subjectId, pupilId: pupils.weak, grade: 2 }, actors.deputy),
  ];

  it('repeats the year: no re-sit once a third subject has a failing year grade (Kazakhstan: at most 2)', () => {
    const twoFailed = after(mathYearFinalized, ...failSubject(subjects.kazakh));
    expectAccepted(twoFailed, resit(pupils.weak, 4));
    const threeFailed = after(twoFailed, ...failSubject(subjects.russian));
    expectRefused(threeFailed, resit(pupils.weak, 4), 'ResitNotAllowed', pupils.weak, '3 subjects', 'repeat');
  });
});

describe('the СОЧ day rules come from the rule set ([secondary] facts are parameters)', () => {
  const limits = { sectionSummativesPerPeriod: 3, termSummativesPerDay: 3, noTermSummativeOnLastDayOfTerm: true, noTermSummativeOnSectionSummativeDay: true };
  // Mathematics without its term-1 СОЧ, under limits changed as given, then more commands.
  const under = (id: string, change: Partial<typeof limits>, ...more: ReadonlyArray<ClassJournalCommand>) => {
    const ruleSet = customRuleSet(id, (d) => ({ ...d, summativeLimits: { ...limits, ...change } }));
    return historyUnder(
      [ruleSet],
      openClass({ calendar: { ...calendar2019, ruleSetId: ruleSet.id } }),
      ...assignSubjects,
      ...enrolments,
      ...plan,
      command('CancelSummative', { subjectId: subjects.math, summativeId: 'soch-math-t1' }, actors.deputy, { reason: 'moved' }),
      ...more,
    );
  };
  const kindOf = (result: ReturnType<ReturnType<typeof under>['decide']>) => (E.isLeft(result) ? result.left.kind : 'accepted');

  it('a rule set may allow a СОЧ on the last day of the term', () => {
    const onLastDay = planSummative(subjects.math, 'soch-last', mathLessons.t1Last.id, 'term', 20);
    expect(kindOf(under('soch-last-day', { noTermSummativeOnLastDayOfTerm: false }).decide(onLastDay))).toBe('accepted');
    expect(kindOf(under('soch-last-day-no', {}).decide(onLastDay))).toBe('TermSummativeOnLastDayOfTerm');
  });

  it('a rule set may allow a СОЧ on the day of a СОР of the same subject', () => {
    const lessonOnSorDay = command('PlanLesson', { subjectId: subjects.math, lessonId: 'math-sor-day', date: mathLessons.t1Sor1.date, period: 5, unit: 'U', topic: 't', hours: 1 }, actors.math);
    const sochThere = planSummative(subjects.math, 'soch-x', 'math-sor-day', 'term', 20);
    expect(kindOf(under('soch-sor-day', { noTermSummativeOnSectionSummativeDay: false }, lessonOnSorDay).decide(sochThere))).toBe('accepted');
    expect(kindOf(under('soch-sor-day-no', {}, lessonOnSorDay).decide(sochThere))).toBe('TermSummativeOnSectionSummativeDay');
  });
});

describe('a grade given as text that only looks like a grade of the scale ("4" for 4)', () => {
  it('is refused when a period grade is finalized, instead of making the year grade impossible later', () => {
    const scored = after(classWithPlan, ...mathScoresAllYear);
    expectRefused(scored, finalizeTerm(pupils.strong, 1, '4'), 'GradeNotOnScale', '4');
    expectAccepted(scored, finalizeTerm(pupils.strong, 1, 4));
  });

  it('is refused for a year grade and a re-sit too', () => {
    expectRefused(mathYearToFinalize, yearGrade(pupils.strong, '4'), 'GradeNotOnScale', '4');
    expectRefused(mathYearFinalized, resit(pupils.weak, '4'), 'GradeNotOnScale', '4');
  });
});

describe('a transfer or withdrawal dated inside a finalized period', () => {
  const term2 = [
    command('PlanLesson', { subjectId: subjects.math, lessonId: 'math-t2-03', date: '2019-12-10', period: 2, unit: 'U', topic: 't', hours: 1 }, actors.math),
    planSummative(subjects.math, 'sor-math-t2-2', 'math-t2-03', 'section', 10),
  ];
  // Strong pupil, term 2: 8/10 and sor-math-t2-2 missed (0/10) = 40% → "3", finalized.
  const finalized = after(classWithPlan, ...mathScoresAllYear, ...term2, finalizeTerm(pupils.strong, 2, 3));
  const withdraw = (on: string) => command('WithdrawPupil', { pupilId: pupils.strong, on }, actors.deputy);
  const transfer = (on: string) => command('TransferPupil', { pupilId: pupils.strong, on, toClassId: '2019-5B' }, actors.deputy);

  it('is refused when it would take an unscored summative of that period away from the pupil (changing the finalized grade’s recomputation)', () => {
    expectRefused(finalized, withdraw('2019-12-01'), 'PeriodFinalized', 'term 2', pupils.strong);
    expectRefused(finalized, transfer('2019-12-01'), 'PeriodFinalized', 'term 2', pupils.strong);
  });

  it('is accepted after the period’s last summative, or when the pupil scored it', () => {
    expectAccepted(finalized, withdraw('2019-12-11'));
    const scoredAll = after(classWithPlan, ...mathScoresAllYear, ...term2, summativeScore(pupils.strong, 'sor-math-t2-2', 8), finalizeTerm(pupils.strong, 2, 4));
    expectAccepted(scoredAll, withdraw('2019-12-01'));
  });
});

describe('a pupil enrolled again inside a period finalized for them', () => {
  it('is refused when the summatives from that day on would become theirs (a miss, 0 points)', () => {
    const term2 = [
      command('PlanLesson', { subjectId: subjects.math, lessonId: 'math-t2-03', date: '2019-12-10', period: 2, unit: 'U', topic: 't', hours: 1 }, actors.math),
      planSummative(subjects.math, 'sor-math-t2-2', 'math-t2-03', 'section', 10),
    ];
    // Strong pupil leaves on 2019-12-01, term 2 is finalized without sor-math-t2-2 (8/10 = 80% → "4").
    const left = after(classWithPlan, ...mathScoresAllYear, ...term2, command('WithdrawPupil', { pupilId: pupils.strong, on: '2019-12-01' }, actors.deputy), finalizeTerm(pupils.strong, 2, 4));
    expectRefused(left, command('EnrolPupil', { pupilId: pupils.strong, on: '2019-12-05' }, actors.director), 'PeriodFinalized', 'term 2', pupils.strong);
    expectAccepted(left, command('EnrolPupil', { pupilId: pupils.strong, on: '2019-12-11' }, actors.director));
  });
});
