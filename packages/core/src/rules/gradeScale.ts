import * as O from 'fp-ts/Option';
import * as RA from 'fp-ts/ReadonlyArray';
import { pipe } from 'fp-ts/function';
import * as R from '../primitives/rational';
import { decimal } from './decimal';
import type { GradeBand, GradeLabel, GradeScale, Rounding, RuleSetData } from './ruleSet';

/** How a percentage became a grade: the rounding applied, the rounded value and the band it fell in. */
export type GradeDecision = {
  readonly percentage: R.Rational;
  readonly rounding: Rounding;
  readonly roundedPercentage: R.Rational;
  readonly band: GradeBand;
  readonly bandIndex: number;
  readonly grade: GradeLabel;
};

/**
 * The grade for an exact percentage: round once by `rounding` (from the exact value, never from
 * the displayed one), then take the last band whose `from` is at most the rounded percentage.
 * With the Kazakhstan default (0 decimals, half-up) 64.45 → 64 → 3, 64.5 → 65 → 4, 84.99 → 85 → 5.
 */
export const decideGrade = (scale: GradeScale, rounding: Rounding, percentage: R.Rational): GradeDecision => {
  const roundedPercentage = R.roundTo(percentage, rounding.decimals, rounding.mode);
  // The last band reached (bands may in principle be out of order: each one is compared).
  let index = -1;
  scale.bands.forEach((b, i) => {
    if (R.gte(roundedPercentage, decimal(b.from))) index = i;
  });
  // A validated scale starts at 0 and percentages are never negative, so the first band is only a guard.
  const band = index >= 0 ? (scale.bands[index] as GradeBand) : (scale.bands[0] ?? { from: 0, grade: '' });
  return { percentage, rounding, roundedPercentage, band, bandIndex: Math.max(0, index), grade: band.grade };
};

/** The scale that applies to a grade level, if any. */
export const scaleForGradeLevel = (ruleSet: RuleSetData, gradeLevel: number): O.Option<GradeScale> =>
  pipe(
    ruleSet.gradeScales,
    RA.findFirst((entry) => gradeLevel >= entry.gradeLevels.from && gradeLevel <= entry.gradeLevels.to),
    O.map((entry) => entry.scale),
  );

/** The position of a grade on its scale, 0 for the worst. */
export const gradeRank = (scale: GradeScale, grade: GradeLabel): O.Option<number> =>
  pipe(
    scale.grades,
    RA.findIndex((g) => g === grade),
  );

/** True when `grade` is on the scale at or above its lowest passing grade ("3" in Kazakhstan). */
export const isPassingGrade = (scale: GradeScale, grade: GradeLabel): boolean =>
  pipe(
    O.Do,
    O.apS('rank', gradeRank(scale, grade)),
    O.apS('passing', gradeRank(scale, scale.lowestPassingGrade)),
    O.exists(({ rank, passing }) => rank >= passing),
  );
