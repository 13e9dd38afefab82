/**
 * Why the engine could not compute a result. Every error names the input field and value so
 * that a school system can show the teacher what to fix.
 * - `InvalidInput`: marks or context outside what the rule set allows (a mark 11 on a 1-10 scale,
 *   points above the maximum, a СОЧ in a half-year subject whose rule set forbids it);
 * - `NoGradeScale`: the rule set has no scale for the pupil's grade level;
 * - `GradeNotOnScale`: a term, year or re-sit grade that the scale does not know;
 * - `ResitNotAllowed`: a re-sit after a passing year grade, after a passed re-sit, or beyond the allowed attempts.
 */
export type RuleError = {
  readonly _tag: 'InvalidInput' | 'NoGradeScale' | 'GradeNotOnScale' | 'ResitNotAllowed';
  readonly ruleSetId: string;
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
};

export const ruleError = (
  tag: RuleError['_tag'],
  ruleSetId: string,
  field: string,
  value: unknown,
  message: string,
): RuleError => ({ _tag: tag, ruleSetId, field, value, message });
