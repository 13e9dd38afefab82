import type * as E from 'fp-ts/Either';
import type { GradeValue, GradingMode } from '../events/common';
import type { PeriodContext, PeriodMarks } from '../rules/periodMarks';
import type { Recommendation } from '../events/results';

/**
 * What the class journal's decider asks of the grade rules, by rule-set id. The decider
 * depends on this narrow port, not on the engine: the engine is plugged in by
 * `journalRulesFromRuleSets` (rules/), and a test can plug in anything.
 */
export type JournalRules = {
  /** True when the rule set is one this system knows (a class's calendar must name one). */
  readonly isKnownRuleSet: (ruleSetId: string) => boolean;
  /** True when a subject of this many hours a week is graded per half-year, not per term. */
  readonly isHalfYearSubject: (ruleSetId: string, hoursPerWeek: number) => boolean;
  /** The computed recommendation for a period grade (null where the rules compute none). */
  readonly recommendPeriodGrade: (ruleSetId: string, context: PeriodContext, marks: PeriodMarks) => E.Either<string, Recommendation>;
  /** The computed recommendation for the year grade from the finalized period grades. */
  readonly recommendYearGrade: (
    ruleSetId: string,
    context: { readonly gradeLevel: number; readonly gradingMode: GradingMode },
    periodGrades: ReadonlyArray<GradeValue>,
  ) => E.Either<string, Recommendation>;
  /** The final grade after a re-sit test. */
  readonly resitFinalGrade: (ruleSetId: string, gradeLevel: number, yearGrade: GradeValue, testGrade: GradeValue) => E.Either<string, GradeValue>;
  /** The formative (ФО) mark scale of the rule set: marks outside it cannot be graded, so they are refused when entered. */
  readonly formativeMarkRange: (ruleSetId: string) => { readonly minMark: number; readonly maxMark: number };
  /** The most re-sit tests a pupil may take after a failing year grade (the rule set's `resit.maxAttempts`). */
  readonly maxResitAttempts: (ruleSetId: string) => number;
  /** The most subjects a pupil may fail for the year and still re-sit; more means repeating the year (`resit.maxFailedSubjects`). */
  readonly maxFailedSubjectsForResits: (ruleSetId: string) => number;
  /** True when the grade is a fail on the scale ("2", or fail), which opens a re-sit. */
  readonly isFailingGrade: (ruleSetId: string, gradeLevel: number, grade: GradeValue) => boolean;
  /** True when the grade may be entered for this grading mode and level. */
  readonly isGradeAllowed: (ruleSetId: string, context: { readonly gradeLevel: number; readonly gradingMode: GradingMode }, grade: GradeValue) => boolean;
  /** Grade levels whose pupils get no marks at all (grade 1 since 2020). */
  readonly isNoMarksGradeLevel: (ruleSetId: string, gradeLevel: number) => boolean;
  /** True when a subject graded per half-year may have a term summative (СОЧ) at all. */
  readonly allowsTermSummativeInHalfYear: (ruleSetId: string) => boolean;
  /** The most section summatives (СОР) a subject may have in one period (the rule set's `summativeLimits`; 3 in Kazakhstan). */
  readonly maxSectionSummativesPerPeriod: (ruleSetId: string) => number;
  /** Whether a СОЧ is barred from the term's last day, and from a day with a СОР of the same subject (the rule set's `summativeLimits`; both in Kazakhstan). */
  readonly termSummativeDayRules: (ruleSetId: string) => { readonly notOnLastDayOfTerm: boolean; readonly notOnSectionSummativeDay: boolean };
  /** The most term summatives (СОЧ) a class may write in one day (the rule set's `summativeLimits`; 3 in Kazakhstan). */
  readonly maxTermSummativesPerDay: (ruleSetId: string) => number;
};
