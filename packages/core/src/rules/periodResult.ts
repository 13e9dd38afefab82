import * as E from 'fp-ts/Either';
import * as O from 'fp-ts/Option';
import * as RA from 'fp-ts/ReadonlyArray';
import { pipe } from 'fp-ts/function';
import * as S from 'fp-ts/string';
import * as R from '../primitives/rational';
import { decimal } from './decimal';
import { ruleError, type RuleError } from './errors';
import { decideGrade, scaleForGradeLevel, type GradeDecision } from './gradeScale';
import { validatePeriodInput, type PeriodContext, type PeriodMarks, type Summative } from './periodMarks';
import type { ComponentName, ComponentWeights, GradeLabel, RuleSet } from './ruleSet';

// ---- result types ----------------------------------------------------------------------------

/** ФО inputs: all marks (ascending), those dropped by `dropLowest`, and the mean of the rest. */
export type FormativeInputs = {
  readonly kind: 'formative';
  readonly marks: ReadonlyArray<number>;
  readonly dropped: ReadonlyArray<number>;
  readonly counted: ReadonlyArray<number>;
  readonly mean: R.Rational | null;
  readonly maxMark: number;
};

/** One summative as counted: `points` null when it does not count (cancelled). */
export type SummativeLine = {
  readonly summativeId: string;
  readonly maxPoints: number;
  readonly outcome: Summative['outcome']['kind'];
  readonly points: R.Rational | null;
  readonly percentage: R.Rational | null;
};

/** СОР or СОЧ inputs (by summative id), how they combine, and the points totals of the counted ones. */
export type SummativeInputs = {
  readonly kind: 'summatives';
  readonly combine: 'pooledPoints' | 'meanOfPercentages';
  readonly items: ReadonlyArray<SummativeLine>;
  readonly points: R.Rational;
  readonly maxPoints: R.Rational;
};

/**
 * - `counted`: weighted and has inputs;
 * - `notWeighted`: weight 0 under the rule set (ФО in the older Kazakhstan rules): shown, not counted;
 * - `empty`: weighted but nothing to count (no ФО marks, no СОР);
 * - `cancelled`: its summatives were cancelled;
 * - `absent`: the period has no СОЧ.
 */
export type ComponentStatus = 'counted' | 'notWeighted' | 'empty' | 'cancelled' | 'absent';

export type ComponentBreakdown = {
  readonly component: ComponentName;
  readonly status: ComponentStatus;
  readonly inputs: FormativeInputs | SummativeInputs;
  /** The component as a percentage (0..100), null when it has no inputs. */
  readonly percentage: R.Rational | null;
  /** The weight the rule set gives it (in the chosen weights variant), in percent. */
  readonly ruleWeight: R.Rational;
  /** The weight actually applied, after redistribution, in percent. */
  readonly weight: R.Rational;
  /** weight × percentage / 100: its share of the total percentage. */
  readonly contribution: R.Rational;
};

export type WeightsVariant = {
  readonly variant: 'withTermSummative' | 'withoutTermSummative';
  readonly reason: 'termSummativePresent' | 'noTermSummative' | 'halfYear' | 'termSummativeCancelled';
};

/** Everything the engine did beyond the plain formula, for the auditor. */
export type Adjustment =
  | { readonly kind: 'formativeDropped'; readonly marks: ReadonlyArray<number> }
  | { readonly kind: 'missedUnexcusedCountsZero'; readonly summativeId: string }
  | { readonly kind: 'sectionSummativeCancelled'; readonly summativeId: string }
  | { readonly kind: 'termSummativeCancelled'; readonly summativeId: string; readonly handling: 'redistribute' | 'treatAsWithoutTermSummative' }
  | {
      readonly kind: 'weightRedistributed';
      readonly component: ComponentName;
      readonly weight: R.Rational;
      readonly reason: 'cancelled' | 'empty';
      /** The components that received it, in proportion to their weights. */
      readonly to: ReadonlyArray<ComponentName>;
    };

export type NotAssessedReason =
  | { readonly kind: 'missedSummative'; readonly summativeIds: ReadonlyArray<string> }
  | { readonly kind: 'emptyComponent'; readonly components: ReadonlyArray<ComponentName> }
  | { readonly kind: 'nothingToAssess' };

/** A term or half-year grade computed from marks, with its breakdown. */
export type GradedResult = {
  readonly _tag: 'graded';
  readonly ruleSetId: string;
  readonly context: PeriodContext;
  readonly grade: GradeLabel;
  /** The exact percentage. */
  readonly percentage: R.Rational;
  /** The percentage as the journal shows it (rule set's display rounding). */
  readonly percentageDisplay: string;
  readonly weights: WeightsVariant;
  readonly components: ReadonlyArray<ComponentBreakdown>;
  readonly adjustments: ReadonlyArray<Adjustment>;
  readonly decision: GradeDecision;
};

/** н/а: "temporarily not assessed" (временно не аттестован / уақытша аттестатталмаған). */
export type NotAssessedResult = {
  readonly _tag: 'notAssessed';
  readonly ruleSetId: string;
  readonly context: PeriodContext;
  readonly reason: NotAssessedReason;
};

/** зачёт / незачёт: the teacher decides; the engine computes nothing from marks. */
export type PassFailResult = {
  readonly _tag: 'passFail';
  readonly ruleSetId: string;
  readonly context: PeriodContext;
  readonly decidedBy: 'teacher';
};

/** No marks at all: grade levels without marks (grade 1 since 2020) or no-marks subjects. */
export type NoMarksResult = {
  readonly _tag: 'noMarks';
  readonly ruleSetId: string;
  readonly context: PeriodContext;
  readonly reason: 'gradeLevel' | 'subject';
};

export type PeriodResult = GradedResult | NotAssessedResult | PassFailResult | NoMarksResult;

// ---- components --------------------------------------------------------------------------------

const percentOf = (points: R.Rational, maxPoints: R.Rational): R.Rational => {
  const percent = R.div(R.mul(points, R.hundred), maxPoints);
  return E.isRight(percent) ? percent.right : R.zero; // maxPoints > 0 was validated
};

/** ФО: mean of the counted marks / maxMark × 100 (the domain's "mean mark / 10"). */
const formativeInputs = (ruleSet: RuleSet, marks: ReadonlyArray<number>): FormativeInputs => {
  // Marks are validated whole numbers: subtraction orders them as N.Ord does.
  const sorted = [...marks].sort((a, b) => a - b);
  // Dropping never empties the component: at least one mark is always kept.
  const dropCount = Math.min(ruleSet.formative.dropLowest, Math.max(0, sorted.length - 1));
  const counted = sorted.slice(dropCount);
  const meanOf = R.mean(counted.map((m) => R.fromInteger(m)));
  const mean = E.isRight(meanOf) ? meanOf.right : null;
  return { kind: 'formative', marks: sorted, dropped: sorted.slice(0, dropCount), counted, mean, maxMark: ruleSet.formative.maxMark };
};

const formativePercentage = (inputs: FormativeInputs): R.Rational | null =>
  inputs.mean === null ? null : percentOf(inputs.mean, R.fromInteger(inputs.maxMark));

/** Summatives by id (as S.Ord orders strings); a copy, the input is left as it is. */
const sortedById = (summatives: ReadonlyArray<Summative>): ReadonlyArray<Summative> =>
  summatives.length < 2 ? summatives : [...summatives].sort((a, b) => (a.summativeId < b.summativeId ? -1 : a.summativeId > b.summativeId ? 1 : 0));

const summativeLine = (summative: Summative): SummativeLine => {
  const maxPoints = decimal(summative.maxPoints);
  const points = (() => {
    switch (summative.outcome.kind) {
      case 'scored':
        return decimal(summative.outcome.points);
      case 'missedUnexcused':
        return R.zero;
      case 'missedExcused':
      case 'cancelled':
        return null;
    }
  })();
  return {
    summativeId: summative.summativeId,
    maxPoints: summative.maxPoints,
    outcome: summative.outcome.kind,
    points,
    percentage: points === null ? null : percentOf(points, maxPoints),
  };
};

/**
 * СОР/СОЧ as one percentage. `pooledPoints`: Σ points / Σ maxima × 100, so a 30-point СОР
 * weighs more than a 10-point one; `meanOfPercentages`: each СОР's percentage weighs the same.
 */
const summativeInputs = (
  combine: SummativeInputs['combine'],
  summatives: ReadonlyArray<Summative>,
): { inputs: SummativeInputs; percentage: R.Rational | null } => {
  const items = sortedById(summatives).map(summativeLine);
  const counted = items.filter((line) => line.points !== null);
  const points = R.sum(counted.map((line) => line.points ?? R.zero));
  const maxPoints = R.sum(counted.map((line) => decimal(line.maxPoints)));
  const percentage =
    counted.length === 0
      ? null
      : combine === 'pooledPoints'
        ? percentOf(points, maxPoints)
        : pipe(
            R.mean(counted.map((line) => line.percentage ?? R.zero)),
            E.match(() => null, (p) => p),
          );
  return { inputs: { kind: 'summatives', combine, items, points, maxPoints }, percentage };
};

// ---- weights --------------------------------------------------------------------------------------

const chooseWeights = (ruleSet: RuleSet, context: PeriodContext, marks: PeriodMarks): WeightsVariant => {
  const term = marks.termSummative;
  if (term === undefined)
    return { variant: 'withoutTermSummative', reason: context.period.kind === 'halfYear' ? 'halfYear' : 'noTermSummative' };
  if (term.outcome.kind === 'cancelled' && ruleSet.cancelledTermSummative === 'treatAsWithoutTermSummative')
    return { variant: 'withoutTermSummative', reason: 'termSummativeCancelled' };
  return { variant: 'withTermSummative', reason: 'termSummativePresent' };
};

const weightOf = (weights: ComponentWeights, component: ComponentName): R.Rational => decimal(weights[component]);

type Draft = Omit<ComponentBreakdown, 'weight' | 'contribution'>;

const statusOf = (ruleWeight: R.Rational, percentage: R.Rational | null, cancelled: boolean, absent: boolean): ComponentStatus =>
  absent ? 'absent' : cancelled ? 'cancelled' : R.isZero(ruleWeight) ? 'notWeighted' : percentage === null ? 'empty' : 'counted';

const drafts = (ruleSet: RuleSet, marks: PeriodMarks, weights: WeightsVariant): ReadonlyArray<Draft> => {
  const ruleWeights = ruleSet.weights[weights.variant];
  const formative = formativeInputs(ruleSet, marks.formative);
  const formativePct = formativePercentage(formative);
  const section = summativeInputs(ruleSet.sectionSummatives.combine, marks.sectionSummatives);
  const allSectionCancelled =
    marks.sectionSummatives.length > 0 && marks.sectionSummatives.every((s) => s.outcome.kind === 'cancelled');
  const term = summativeInputs('pooledPoints', marks.termSummative === undefined ? [] : [marks.termSummative]);
  const termCancelled = marks.termSummative?.outcome.kind === 'cancelled';
  const draft = (component: ComponentName, inputs: FormativeInputs | SummativeInputs, percentage: R.Rational | null, cancelled: boolean, absent: boolean): Draft => {
    const ruleWeight = weightOf(ruleWeights, component);
    return { component, status: statusOf(ruleWeight, percentage, cancelled, absent), inputs, percentage, ruleWeight };
  };
  return [
    draft('formative', formative, formativePct, false, false),
    draft('sectionSummatives', section.inputs, section.percentage, allSectionCancelled, false),
    draft('termSummative', term.inputs, term.percentage, termCancelled, marks.termSummative === undefined),
  ];
};

const adjustmentsFor = (ruleSet: RuleSet, marks: PeriodMarks, components: ReadonlyArray<Draft>): ReadonlyArray<Adjustment> => {
  const formative = components.find((c) => c.component === 'formative')?.inputs;
  const dropped = formative?.kind === 'formative' ? formative.dropped : [];
  const sections = sortedById(marks.sectionSummatives);
  const receivers = components.filter((c) => c.status === 'counted').map((c) => c.component);
  return [
    ...(dropped.length > 0 ? [{ kind: 'formativeDropped' as const, marks: dropped }] : []),
    ...sections
      .filter((s) => s.outcome.kind === 'cancelled')
      .map((s) => ({ kind: 'sectionSummativeCancelled' as const, summativeId: s.summativeId })),
    ...[...sections, ...(marks.termSummative === undefined ? [] : [marks.termSummative])]
      .filter((s) => s.outcome.kind === 'missedUnexcused')
      .map((s) => ({ kind: 'missedUnexcusedCountsZero' as const, summativeId: s.summativeId })),
    ...(marks.termSummative?.outcome.kind === 'cancelled'
      ? [{ kind: 'termSummativeCancelled' as const, summativeId: marks.termSummative.summativeId, handling: ruleSet.cancelledTermSummative }]
      : []),
    ...components
      .filter((c) => (c.status === 'cancelled' || c.status === 'empty') && !R.isZero(c.ruleWeight))
      .map((c) => ({
        kind: 'weightRedistributed' as const,
        component: c.component,
        weight: c.ruleWeight,
        reason: c.status === 'cancelled' ? ('cancelled' as const) : ('empty' as const),
        to: receivers,
      })),
  ];
};

// ---- the period result --------------------------------------------------------------------------

const missedExcusedIds = (marks: PeriodMarks): ReadonlyArray<string> => {
  const ids: string[] = [];
  for (const s of marks.sectionSummatives) if (s.outcome.kind === 'missedExcused') ids.push(s.summativeId);
  if (marks.termSummative?.outcome.kind === 'missedExcused') ids.push(marks.termSummative.summativeId);
  return ids.length < 2 ? ids : ids.sort(S.Ord.compare);
};

const gradedFromMarks = (
  ruleSet: RuleSet,
  context: PeriodContext,
  marks: PeriodMarks,
  scale: Parameters<typeof decideGrade>[0],
): PeriodResult => {
  const notAssessed = (reason: NotAssessedReason): PeriodResult => ({ _tag: 'notAssessed', ruleSetId: ruleSet.id, context, reason });
  const missed = missedExcusedIds(marks);
  if (missed.length > 0) return notAssessed({ kind: 'missedSummative', summativeIds: missed });

  const weights = chooseWeights(ruleSet, context, marks);
  const components = drafts(ruleSet, marks, weights);
  const empty = components.filter((c) => c.status === 'empty').map((c) => c.component);
  if (empty.length > 0 && ruleSet.emptyComponent === 'notAssessed') return notAssessed({ kind: 'emptyComponent', components: empty });

  // Weights of cancelled or empty components go to the counted ones in proportion to their weights.
  const countedWeight = R.sum(components.filter((c) => c.status === 'counted').map((c) => c.ruleWeight));
  if (R.isZero(countedWeight)) return notAssessed({ kind: 'nothingToAssess' });
  const up = R.div(R.hundred, countedWeight);
  const scaleUp = E.isRight(up) ? up.right : R.one;
  const breakdown: ReadonlyArray<ComponentBreakdown> = components.map((c) => {
    const weight = c.status === 'counted' ? R.mul(c.ruleWeight, scaleUp) : R.zero;
    const share = c.status === 'counted' && c.percentage !== null ? R.div(R.mul(weight, c.percentage), R.hundred) : undefined;
    const contribution = share !== undefined && E.isRight(share) ? share.right : R.zero;
    return { component: c.component, status: c.status, inputs: c.inputs, percentage: c.percentage, ruleWeight: c.ruleWeight, weight, contribution };
  });
  const percentage = R.sum(breakdown.map((c) => c.contribution));
  const decision = decideGrade(scale, ruleSet.gradeRounding, percentage);
  return {
    _tag: 'graded',
    ruleSetId: ruleSet.id,
    context,
    grade: decision.grade,
    percentage,
    percentageDisplay: R.toFixed(percentage, ruleSet.displayRounding.decimals, ruleSet.displayRounding.mode),
    weights,
    components: breakdown,
    adjustments: adjustmentsFor(ruleSet, marks, components),
    decision,
  };
};

/**
 * A pupil's term (четвертная / тоқсандық) or half-year grade for one subject under `ruleSet`.
 *
 * In order: grade levels without marks give `noMarks`; no-marks subjects `noMarks`; pass/fail
 * subjects `passFail` (the teacher decides); invalid marks an error; a summative missed for a
 * valid reason and not yet sat `notAssessed` (н/а). Otherwise the weights are chosen (with or
 * without СОЧ), each component becomes a percentage, the weights of cancelled or empty
 * components are redistributed (or the result is `notAssessed`, per the rule set), the exact
 * total is rounded by `gradeRounding` and the band of the grade scale decides the grade.
 * Arithmetic is exact, and marks in any order give the same result.
 */
export const computePeriodResult = (
  ruleSet: RuleSet,
  context: PeriodContext,
  marks: PeriodMarks,
): E.Either<RuleError, PeriodResult> => {
  if (ruleSet.noMarksGradeLevels.includes(context.gradeLevel))
    return E.right({ _tag: 'noMarks', ruleSetId: ruleSet.id, context, reason: 'gradeLevel' });
  if (context.gradingMode === 'noMarks') return E.right({ _tag: 'noMarks', ruleSetId: ruleSet.id, context, reason: 'subject' });
  if (context.gradingMode === 'passFail') return E.right({ _tag: 'passFail', ruleSetId: ruleSet.id, context, decidedBy: 'teacher' });
  // Plain branches, not pipe(E.chain, E.map): fp-ts' dual wrappers copy their arguments, and an
  // archive's verification computes this once per finalized period grade.
  const valid = validatePeriodInput(ruleSet, context, marks);
  if (E.isLeft(valid)) return valid;
  const scale = scaleForGradeLevel(ruleSet, context.gradeLevel);
  if (O.isNone(scale))
    return E.left(
      ruleError('NoGradeScale', ruleSet.id, 'context.gradeLevel', context.gradeLevel, `rule set ${ruleSet.id} has no grade scale for grade level ${context.gradeLevel}`),
    );
  return E.right(gradedFromMarks(ruleSet, context, marks, scale.value));
};

/** True when a subject with this many hours a week is graded per half-year (Kazakhstan: at most 1 hour). */
export const isHalfYearSubject = (ruleSet: RuleSet, hoursPerWeek: number): boolean =>
  hoursPerWeek <= ruleSet.halfYear.maxHoursPerWeek;

/**
 * How a subject is assessed in a grade level under the rule set: `noMarks` for grade levels
 * without marks, `passFail` for the rule set's pass/fail subjects (by the embedding system's
 * subject code), else `scored`.
 */
export const gradingModeFor = (ruleSet: RuleSet, gradeLevel: number, subjectCode: string): 'scored' | 'passFail' | 'noMarks' =>
  ruleSet.noMarksGradeLevels.includes(gradeLevel)
    ? 'noMarks'
    : pipe(
        ruleSet.passFailSubjects,
        RA.some((rule) => gradeLevel >= rule.gradeLevels.from && gradeLevel <= rule.gradeLevels.to && rule.subjects.includes(subjectCode)),
      )
      ? 'passFail'
      : 'scored';

/** The grade of a result, if it has one. */
export const periodGrade = (result: PeriodResult): O.Option<GradeLabel> =>
  result._tag === 'graded' ? O.some(result.grade) : O.none;
