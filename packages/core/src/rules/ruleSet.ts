import type { LocalDate } from '../primitives/localDate';
import type { RoundingMode } from '../primitives/rational';

/**
 * The rule-set data model. A rule set is plain JSON-compatible data: the engine holds no rule in
 * code that a rule set could state, so that a 2019 term is recomputed under the 2019 data and a
 * school system can define its own rules. Validate untrusted rule sets with `decodeRuleSet`.
 *
 * Percentages and weights are decimal numbers ("25", "62.5"); the engine turns them into exact
 * rationals from their decimal text, so 0.1 means exactly 1/10.
 */

/** A grade as the scale names it: 2..5 in Kazakhstan, or any label ("A", "pass"). */
export type GradeLabel = number | string;

/** The three components of a period grade. */
export type ComponentName = 'formative' | 'sectionSummatives' | 'termSummative';
export const componentNames: ReadonlyArray<ComponentName> = ['formative', 'sectionSummatives', 'termSummative'];

/**
 * Weights in percent, summing to 100.
 * - `formative`: ФО / ҚБ, formative marks (формативное оценивание);
 * - `sectionSummatives`: СОР / БЖБ, summatives for a unit or section (суммативное оценивание за раздел);
 * - `termSummative`: СОЧ / ТЖБ, the summative for the term (суммативное оценивание за четверть).
 */
export type ComponentWeights = {
  readonly formative: number;
  readonly sectionSummatives: number;
  readonly termSummative: number;
};

/**
 * A threshold band: grades `grade` from `from` percent (inclusive) up to the next band's `from`
 * (exclusive); the last band runs to 100 inclusive. `to` is optional and only restates the
 * official table's upper end ("40-64") on the rounded percentage: when given, the next band
 * must start exactly one rounding step above it, which is how gaps and overlaps are caught.
 */
export type GradeBand = { readonly from: number; readonly to?: number; readonly grade: GradeLabel };

/** A grade scale: its grades from worst to best, the lowest passing one, and the bands in ascending order. */
export type GradeScale = {
  readonly grades: ReadonlyArray<GradeLabel>;
  readonly lowestPassingGrade: GradeLabel;
  readonly bands: ReadonlyArray<GradeBand>;
};

/** An inclusive range of grade levels (классы / сыныптар), 1..12. */
export type GradeLevelRange = { readonly from: number; readonly to: number };

export type GradeScaleForLevels = { readonly gradeLevels: GradeLevelRange; readonly scale: GradeScale };

/** A rounding step: to `decimals` places by `mode`, once, from the exact value. */
export type Rounding = { readonly decimals: number; readonly mode: RoundingMode };

/** Subjects graded зачёт / незачёт (pass/fail) in some grade levels; subject codes are the embedding system's. */
export type PassFailRule = { readonly gradeLevels: GradeLevelRange; readonly subjects: ReadonlyArray<string> };

/**
 * Limits on summatives the class journal enforces when they are planned (or their lesson moves):
 * at most `sectionSummativesPerPeriod` СОР per subject in a term (or half-year), at most
 * `termSummativesPerDay` СОЧ per class on one day; no СОЧ on the last day of its term
 * (`noTermSummativeOnLastDayOfTerm`), nor on a day with a СОР of the same subject
 * (`noTermSummativeOnSectionSummativeDay`). Kazakhstan: 3, 3, true, true [secondary].
 */
export type SummativeLimits = {
  readonly sectionSummativesPerPeriod: number;
  readonly termSummativesPerDay: number;
  readonly noTermSummativeOnLastDayOfTerm: boolean;
  readonly noTermSummativeOnSectionSummativeDay: boolean;
};

/** The limits a rule set without `summativeLimits` has: the Kazakhstan ones [secondary]. */
export const defaultSummativeLimits: SummativeLimits = {
  sectionSummativesPerPeriod: 3,
  termSummativesPerDay: 3,
  noTermSummativeOnLastDayOfTerm: true,
  noTermSummativeOnSectionSummativeDay: true,
};

export type RuleSetData = {
  /** Stable id, recorded on the school year when it is opened (an opaque id: [A-Za-z0-9._:-]). */
  readonly id: string;
  readonly title: string;
  /** Where the rules come from, with the strength of the source ([official]/[vendor]/[secondary]). */
  readonly source: string;
  /** Days on which the rule set is in force: `from` inclusive, `until` exclusive; null = open end. */
  readonly effective: { readonly from: LocalDate | null; readonly until: LocalDate | null };
  /** Component weights with a СОЧ in the period, and without one (no СОЧ, half-year subjects). */
  readonly weights: { readonly withTermSummative: ComponentWeights; readonly withoutTermSummative: ComponentWeights };
  /** ФО: marks from `minMark` to `maxMark`; the component is mean / maxMark × 100 after dropping the `dropLowest` lowest marks. */
  readonly formative: { readonly minMark: number; readonly maxMark: number; readonly dropLowest: number };
  /** How several СОР combine: sum of points / sum of maxima, or the mean of each СОР's percentage. */
  readonly sectionSummatives: { readonly combine: 'pooledPoints' | 'meanOfPercentages' };
  /** Scales by grade level; a level with no scale and not in `noMarksGradeLevels` cannot be graded. */
  readonly gradeScales: ReadonlyArray<GradeScaleForLevels>;
  /** Rounding of the exact percentage before the thresholds are applied. */
  readonly gradeRounding: Rounding;
  /** Rounding of the percentage for display (independent of `gradeRounding`, also from the exact value). */
  readonly displayRounding: Rounding;
  /** Subjects with at most `maxHoursPerWeek` hours a week are graded per half-year; `termSummative` says whether a СОЧ may count there. */
  readonly halfYear: { readonly maxHoursPerWeek: number; readonly termSummative: 'notAllowed' | 'counted' };
  /** Grade levels with no marks at all (grade 1 since 2020). */
  readonly noMarksGradeLevels: ReadonlyArray<number>;
  readonly passFailSubjects: ReadonlyArray<PassFailRule>;
  /**
   * A cancelled СОЧ: `redistribute` its weight over the other components in proportion to their
   * weights, or `treatAsWithoutTermSummative` (use the without-СОЧ weights). A cancelled СОР
   * always just leaves the СОР pool.
   */
  readonly cancelledTermSummative: 'redistribute' | 'treatAsWithoutTermSummative';
  /** A weighted component with nothing in it (no ФО marks, no СОР): `redistribute` its weight, or the result is `notAssessed`. */
  readonly emptyComponent: 'redistribute' | 'notAssessed';
  /** Year grade: mean of the period grades (or of their positions on the scale, for letter grades), rounded to a whole grade. */
  readonly yearGrade: { readonly method: 'meanOfGrades' | 'meanOfScalePositions'; readonly rounding: RoundingMode };
  /**
   * Re-sits after a failing year grade: final = mean(year grade, re-sit grade) rounded by
   * `rounding`; at most `maxAttempts` re-sits; a pupil failing more than `maxFailedSubjects`
   * subjects repeats the year instead.
   */
  readonly resit: { readonly rounding: RoundingMode; readonly maxAttempts: number; readonly maxFailedSubjects: number };
  /** Summative limits for the class journal; absent: {@link defaultSummativeLimits}. */
  readonly summativeLimits?: SummativeLimits;
};

declare const validRuleSet: unique symbol;

/**
 * A rule set that passed `decodeRuleSet` (or came from `kazakhstanRuleSets`): the engine only
 * accepts these, so it never meets weights that do not sum to 100 or a gap in the thresholds.
 * The brand exists only in types; the data is exactly {@link RuleSetData}.
 */
export type RuleSet = RuleSetData & { readonly [validRuleSet]: true };
