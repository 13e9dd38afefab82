import * as E from 'fp-ts/Either';
import * as O from 'fp-ts/Option';
import { pipe } from 'fp-ts/function';
import type { GradeValue, GradingMode } from '../events/common';
import type { Recommendation } from '../events/results';
import { toFractionString } from '../primitives/rational';
import { isPassingGrade, scaleForGradeLevel } from '../rules/gradeScale';
import { computePeriodResult, isHalfYearSubject } from '../rules/periodResult';
import { defaultSummativeLimits, type RuleSet } from '../rules/ruleSet';
import { finalGrade, yearGrade } from '../rules/yearGrade';
import type { JournalRules } from './journalRules';


/**
 * Plugs the rules engine (rules/) into the class journal's decider: each question is answered
 * under the rule set whose id the class's calendar recorded.
 */
export const journalRulesFromRuleSets = (ruleSets: ReadonlyArray<RuleSet>): JournalRules => {
  const byId = new Map(ruleSets.map((ruleSet) => [ruleSet.id, ruleSet] as const));
  const withRuleSet = <A>(ruleSetId: string, use: (ruleSet: RuleSet) => E.Either<string, A>): E.Either<string, A> => {
    const ruleSet = byId.get(ruleSetId);
    return ruleSet === undefined ? E.left(`rule set ${ruleSetId} is not known here (known: ${[...byId.keys()].join(', ')})`) : use(ruleSet);
  };
  const scaleGrades = (ruleSet: RuleSet, gradeLevel: number) =>
    pipe(
      scaleForGradeLevel(ruleSet, gradeLevel),
      O.map((scale) => scale.grades),
      O.getOrElse((): ReadonlyArray<GradeValue> => []),
    );
  const isGradeAllowed = (ruleSet: RuleSet, gradeLevel: number, gradingMode: GradingMode, grade: GradeValue): boolean =>
    gradingMode === 'noMarks' || ruleSet.noMarksGradeLevels.includes(gradeLevel)
      ? false
      : gradingMode === 'passFail'
        ? grade === 'pass' || grade === 'fail'
        : // The scale's own value, not text that looks like it ("4" for 4): the year grade and the
          // re-sit average the recorded grades, and text is not on a scale of numbers.
          grade === 'notAssessed' || scaleGrades(ruleSet, gradeLevel).some((g) => g === grade);

  return {
    isKnownRuleSet: (ruleSetId) => byId.has(ruleSetId),
    isHalfYearSubject: (ruleSetId, hoursPerWeek) => {
      const ruleSet = byId.get(ruleSetId);
      return ruleSet !== undefined && isHalfYearSubject(ruleSet, hoursPerWeek);
    },
    // Plain branches rather than E.bimap (a dual wrapper): asked once per finalized period grade.
    recommendPeriodGrade: (ruleSetId, context, marks) =>
      withRuleSet(ruleSetId, (ruleSet): E.Either<string, Recommendation> => {
        const computed = computePeriodResult(ruleSet, context, marks);
        if (E.isLeft(computed)) return E.left(computed.left.message);
        const result = computed.right;
        return E.right(
          result._tag === 'graded'
            ? { grade: result.grade, percentage: toFractionString(result.percentage) }
            : result._tag === 'notAssessed'
              ? { grade: 'notAssessed', percentage: null }
              : null,
        );
      }),
    recommendYearGrade: (ruleSetId, context, periodGrades) =>
      withRuleSet(ruleSetId, (ruleSet): E.Either<string, Recommendation> => {
        if (context.gradingMode !== 'scored') return E.right(null);
        // A period still "not assessed" leaves nothing to compute: the teacher decides.
        if (periodGrades.some((g) => g === 'notAssessed')) return E.right(null);
        const result = yearGrade(ruleSet, { gradeLevel: context.gradeLevel, periodGrades });
        return E.isLeft(result) ? E.left(result.left.message) : E.right({ grade: result.right.grade, percentage: null });
      }),
    resitFinalGrade: (ruleSetId, gradeLevel, year, testGrade) =>
      withRuleSet(ruleSetId, (ruleSet) =>
        pipe(
          finalGrade(ruleSet, { gradeLevel, yearGrade: year, resitGrades: [testGrade] }),
          E.bimap(
            (error) => error.message,
            (result) => result.grade,
          ),
        ),
      ),
    // An unknown rule set leaves only the event's own range: the class could not have been opened under it anyway.
    formativeMarkRange: (ruleSetId) => byId.get(ruleSetId)?.formative ?? { minMark: 1, maxMark: 10 },
    maxResitAttempts: (ruleSetId) => byId.get(ruleSetId)?.resit.maxAttempts ?? 0,
    maxFailedSubjectsForResits: (ruleSetId) => byId.get(ruleSetId)?.resit.maxFailedSubjects ?? 0,
    isFailingGrade: (ruleSetId, gradeLevel, grade) => {
      if (grade === 'fail') return true;
      const ruleSet = byId.get(ruleSetId);
      if (ruleSet === undefined) return false;
      return pipe(
        scaleForGradeLevel(ruleSet, gradeLevel),
        O.match(
          () => false,
          (scale) => scale.grades.some((g) => String(g) === String(grade)) && !isPassingGrade(scale, grade),
        ),
      );
    },
    isGradeAllowed: (ruleSetId, context, grade) => {
      const ruleSet = byId.get(ruleSetId);
      return ruleSet !== undefined && isGradeAllowed(ruleSet, context.gradeLevel, context.gradingMode, grade);
    },
    isNoMarksGradeLevel: (ruleSetId, gradeLevel) => byId.get(ruleSetId)?.noMarksGradeLevels.includes(gradeLevel) ?? false,
    allowsTermSummativeInHalfYear: (ruleSetId) => byId.get(ruleSetId)?.halfYear.termSummative === 'counted',
    maxSectionSummativesPerPeriod: (ruleSetId) => (byId.get(ruleSetId)?.summativeLimits ?? defaultSummativeLimits).sectionSummativesPerPeriod,
    termSummativeDayRules: (ruleSetId) => {
      const limits = byId.get(ruleSetId)?.summativeLimits ?? defaultSummativeLimits;
      return { notOnLastDayOfTerm: limits.noTermSummativeOnLastDayOfTerm, notOnSectionSummativeDay: limits.noTermSummativeOnSectionSummativeDay };
    },
    maxTermSummativesPerDay: (ruleSetId) => (byId.get(ruleSetId)?.summativeLimits ?? defaultSummativeLimits).termSummativesPerDay,
  };
};
