/**
 * Grade rules engine: rule sets as data, the choice of a rule set for a term, and exact,
 * explained period, year and final grades. Pure: no I/O, no clock, no randomness.
 */
export type {
  ComponentName,
  ComponentWeights,
  GradeBand,
  GradeLabel,
  GradeLevelRange,
  GradeScale,
  GradeScaleForLevels,
  PassFailRule,
  Rounding,
  RuleSet,
  RuleSetData,
  SummativeLimits,
} from './ruleSet';
export { componentNames, defaultSummativeLimits } from './ruleSet';
export type { InvalidRuleSet, RuleSetProblem } from './ruleSetCodec';
export { decodeRuleSet, decodeRuleSets, ruleSetProblems, RuleSetCodec } from './ruleSetCodec';
export type { GradeDecision } from './gradeScale';
export { decideGrade, gradeRank, isPassingGrade, scaleForGradeLevel } from './gradeScale';
export type { RuleSetNotFound } from './chooseRuleSet';
export { chooseRuleSet, isInEffect } from './chooseRuleSet';
export type { KazakhstanOptions } from './kazakhstan';
export {
  kazakhstanDefaults,
  kazakhstanOlderGradeOneScale,
  kazakhstanPassFailSubjects,
  kazakhstanRuleSetIds,
  kazakhstanRuleSets,
  kazakhstanScale,
} from './kazakhstan';
export type { RuleError } from './errors';
export type { Period, PeriodContext, PeriodMarks, Summative, SummativeOutcome } from './periodMarks';
export { PeriodContextCodec, PeriodMarksCodec, SummativeCodec, SummativeOutcomeCodec, validatePeriodInput } from './periodMarks';
export type {
  Adjustment,
  ComponentBreakdown,
  ComponentStatus,
  FormativeInputs,
  GradedResult,
  NoMarksResult,
  NotAssessedReason,
  NotAssessedResult,
  PassFailResult,
  PeriodResult,
  SummativeInputs,
  SummativeLine,
  WeightsVariant,
} from './periodResult';
export { computePeriodResult, gradingModeFor, isHalfYearSubject, periodGrade } from './periodResult';
export type { FinalGradeResult, PromotionOutcome, ResitAttempt, YearGradeResult } from './yearGrade';
export { finalGrade, promotionOutcome, yearGrade } from './yearGrade';
export { explainResult, showExact } from './explain';
