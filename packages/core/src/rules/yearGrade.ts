import * as E from 'fp-ts/Either';
import * as O from 'fp-ts/Option';
import * as RA from 'fp-ts/ReadonlyArray';
import { pipe } from 'fp-ts/function';
import * as R from '../primitives/rational';
import { ruleError, type RuleError } from './errors';
import { gradeRank, isPassingGrade, scaleForGradeLevel } from './gradeScale';
import type { GradeLabel, GradeScale, RuleSet } from './ruleSet';

/** The year grade (годовая / жылдық) and how it was formed. */
export type YearGradeResult = {
  readonly _tag: 'yearGrade';
  readonly ruleSetId: string;
  readonly periodGrades: ReadonlyArray<GradeLabel>;
  readonly method: RuleSet['yearGrade']['method'];
  /** Exact mean of the grades (or of their scale positions). */
  readonly mean: R.Rational;
  readonly rounding: R.RoundingMode;
  readonly grade: GradeLabel;
  readonly passing: boolean;
};

/** One re-sit: the test grade, the exact mean with the year grade, and the grade it gives. */
export type ResitAttempt = {
  readonly attempt: number;
  readonly resitGrade: GradeLabel;
  readonly mean: R.Rational;
  readonly grade: GradeLabel;
  readonly passing: boolean;
};

/** The final grade for the subject: the year grade, or what the re-sits made of it. */
export type FinalGradeResult = {
  readonly _tag: 'finalGrade';
  readonly ruleSetId: string;
  readonly yearGrade: GradeLabel;
  readonly attempts: ReadonlyArray<ResitAttempt>;
  readonly rounding: R.RoundingMode;
  readonly grade: GradeLabel;
  readonly passing: boolean;
  /** Re-sits still allowed (0 once passed). */
  readonly resitsRemaining: number;
};

/** What the year's grades mean for the pupil: promoted, re-sits in the failed subjects, or repeating the year. */
export type PromotionOutcome = {
  readonly failedSubjects: number;
  readonly outcome: 'promoted' | 'resits' | 'repeatYear';
};

const scaleFor = (ruleSet: RuleSet, gradeLevel: number): E.Either<RuleError, GradeScale> =>
  pipe(
    scaleForGradeLevel(ruleSet, gradeLevel),
    E.fromOption(() =>
      ruleError('NoGradeScale', ruleSet.id, 'gradeLevel', gradeLevel, `rule set ${ruleSet.id} has no grade scale for grade level ${gradeLevel}`),
    ),
  );

const checkOnScale =
  (ruleSet: RuleSet, scale: GradeScale, field: string) =>
  (grade: GradeLabel): E.Either<RuleError, GradeLabel> =>
    scale.grades.includes(grade)
      ? E.right(grade)
      : E.left(ruleError('GradeNotOnScale', ruleSet.id, field, grade, `grade ${String(grade)} is not on the scale ${scale.grades.join(', ')}`));

/**
 * The value a grade contributes to a mean: the grade itself (`meanOfGrades`, whole-number
 * scales) or its position on the scale (`meanOfScalePositions`, e.g. letter grades).
 */
const valueOf = (ruleSet: RuleSet, scale: GradeScale, grade: GradeLabel): R.Rational =>
  ruleSet.yearGrade.method === 'meanOfGrades' && typeof grade === 'number'
    ? R.fromInteger(grade)
    : R.fromInteger(pipe(gradeRank(scale, grade), O.getOrElse(() => 0)));

/** The grade a rounded mean stands for, if the scale has it. */
const gradeAt = (ruleSet: RuleSet, scale: GradeScale, rounded: bigint): O.Option<GradeLabel> =>
  ruleSet.yearGrade.method === 'meanOfGrades'
    ? pipe(
        scale.grades,
        RA.findFirst((g) => typeof g === 'number' && BigInt(g) === rounded),
      )
    : pipe(scale.grades, RA.lookup(Number(rounded)));

const roundedMean = (
  ruleSet: RuleSet,
  scale: GradeScale,
  grades: ReadonlyArray<GradeLabel>,
  mode: R.RoundingMode,
  field: string,
): E.Either<RuleError, { mean: R.Rational; grade: GradeLabel }> => {
  // Plain branches rather than fp-ts' dual combinators (which copy their arguments): the domain
  // check of an archive computes a year grade for every finalized one.
  const mean = R.mean(grades.map((g) => valueOf(ruleSet, scale, g)));
  if (E.isLeft(mean)) return E.left(ruleError('InvalidInput', ruleSet.id, field, grades, 'no grades to average'));
  const grade = gradeAt(ruleSet, scale, R.roundToInteger(mean.right, mode));
  return O.isNone(grade)
    ? E.left(
        ruleError('GradeNotOnScale', ruleSet.id, field, R.toFractionString(mean.right), `the rounded mean ${R.roundToInteger(mean.right, mode)} is not a grade of the scale`),
      )
    : E.right({ mean: mean.right, grade: grade.value });
};

/** The first grade not on the scale (as traverse finds it, left to right), if any. */
const firstOffScale = (ruleSet: RuleSet, scale: GradeScale, field: string, grades: ReadonlyArray<GradeLabel>): E.Either<RuleError, void> => {
  for (let i = 0; i < grades.length; i++) {
    const checked = checkOnScale(ruleSet, scale, `${field}[${i}]`)(grades[i] as GradeLabel);
    if (E.isLeft(checked)) return checked;
  }
  return E.right(undefined);
};

/**
 * Year grade: the arithmetic mean of the term (or half-year) grades, rounded to a whole grade by
 * the rule set (half-up in Kazakhstan: 3, 4, 4, 3 → 3.5 → 4). Only grades count: a period that is
 * н/а has no grade yet, so the year grade waits for it.
 */
export const yearGrade = (
  ruleSet: RuleSet,
  input: { readonly gradeLevel: number; readonly periodGrades: ReadonlyArray<GradeLabel> },
): E.Either<RuleError, YearGradeResult> => {
  const scale = scaleFor(ruleSet, input.gradeLevel);
  if (E.isLeft(scale)) return scale;
  const onScale = firstOffScale(ruleSet, scale.right, 'periodGrades', input.periodGrades);
  if (E.isLeft(onScale)) return onScale;
  const rounded = roundedMean(ruleSet, scale.right, input.periodGrades, ruleSet.yearGrade.rounding, 'periodGrades');
  if (E.isLeft(rounded)) return rounded;
  const { mean, grade } = rounded.right;
  return E.right({
    _tag: 'yearGrade' as const,
    ruleSetId: ruleSet.id,
    periodGrades: input.periodGrades,
    method: ruleSet.yearGrade.method,
    mean,
    rounding: ruleSet.yearGrade.rounding,
    grade,
    passing: isPassingGrade(scale.right, grade),
  });
};

/**
 * Final grade with re-sits: after a failing year grade each re-sit test gives
 * final = mean(year grade, re-sit grade), rounded by `resit.rounding` (2 and 4 → 3; 2 and 3 →
 * 2.5 → 3 half-up). Re-sits stop at the first passing result; a re-sit after a passing year
 * grade or a passed re-sit, or beyond `resit.maxAttempts`, is an error.
 */
export const finalGrade = (
  ruleSet: RuleSet,
  input: { readonly gradeLevel: number; readonly yearGrade: GradeLabel; readonly resitGrades: ReadonlyArray<GradeLabel> },
): E.Either<RuleError, FinalGradeResult> =>
  pipe(
    scaleFor(ruleSet, input.gradeLevel),
    E.chainFirst((scale) => checkOnScale(ruleSet, scale, 'yearGrade')(input.yearGrade)),
    E.chainFirst((scale) =>
      pipe(
        input.resitGrades,
        RA.traverseWithIndex(E.Applicative)((i, g) => checkOnScale(ruleSet, scale, `resitGrades[${i}]`)(g)),
      ),
    ),
    E.chainFirst(() =>
      input.resitGrades.length > ruleSet.resit.maxAttempts
        ? E.left(ruleError('ResitNotAllowed', ruleSet.id, 'resitGrades', input.resitGrades, `at most ${ruleSet.resit.maxAttempts} re-sits are allowed`))
        : E.right(undefined),
    ),
    E.chain((scale) => {
      const yearPassing = isPassingGrade(scale, input.yearGrade);
      const attempts = pipe(
        input.resitGrades,
        RA.traverseWithIndex(E.Applicative)((i, resitGrade) =>
          pipe(
            roundedMean(ruleSet, scale, [input.yearGrade, resitGrade], ruleSet.resit.rounding, `resitGrades[${i}]`),
            E.map(({ mean, grade }): ResitAttempt => ({ attempt: i + 1, resitGrade, mean, grade, passing: isPassingGrade(scale, grade) })),
          ),
        ),
      );
      return pipe(
        attempts,
        E.chain((list) => {
          const passedAt = list.findIndex((a) => a.passing);
          if (yearPassing && list.length > 0)
            return E.left(ruleError('ResitNotAllowed', ruleSet.id, 'resitGrades', input.resitGrades, `the year grade ${String(input.yearGrade)} is passing: no re-sit`));
          if (passedAt >= 0 && passedAt < list.length - 1)
            return E.left(ruleError('ResitNotAllowed', ruleSet.id, `resitGrades[${passedAt + 1}]`, input.resitGrades[passedAt + 1], `re-sit ${passedAt + 1} already passed`));
          const last = list[list.length - 1];
          const grade = last === undefined ? input.yearGrade : last.grade;
          const passing = last === undefined ? yearPassing : last.passing;
          return E.right<RuleError, FinalGradeResult>({
            _tag: 'finalGrade',
            ruleSetId: ruleSet.id,
            yearGrade: input.yearGrade,
            attempts: list,
            rounding: ruleSet.resit.rounding,
            grade,
            passing,
            resitsRemaining: passing ? 0 : ruleSet.resit.maxAttempts - list.length,
          });
        }),
      );
    }),
  );

/**
 * Promotion after the year: no failing year grade → promoted; failing grades in at most
 * `resit.maxFailedSubjects` subjects (2 in Kazakhstan) → re-sits; more → the year is repeated.
 */
export const promotionOutcome = (
  ruleSet: RuleSet,
  input: { readonly gradeLevel: number; readonly yearGrades: ReadonlyArray<GradeLabel> },
): E.Either<RuleError, PromotionOutcome> =>
  pipe(
    scaleFor(ruleSet, input.gradeLevel),
    E.chainFirst((scale) =>
      pipe(
        input.yearGrades,
        RA.traverseWithIndex(E.Applicative)((i, g) => checkOnScale(ruleSet, scale, `yearGrades[${i}]`)(g)),
      ),
    ),
    E.map((scale) => {
      const failedSubjects = input.yearGrades.filter((g) => !isPassingGrade(scale, g)).length;
      return {
        failedSubjects,
        outcome: failedSubjects === 0 ? 'promoted' : failedSubjects <= ruleSet.resit.maxFailedSubjects ? 'resits' : 'repeatYear',
      };
    }),
  );
