import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { ruleError, type RuleError } from './errors';
import type { RuleSet } from './ruleSet';

/**
 * What happened to a pupil on one summative (СОР / БЖБ or СОЧ / ТЖБ):
 * - `scored`: points out of the summative's maximum (after moderation, if any);
 * - `missedUnexcused`: absent without a valid reason: counts as 0 points;
 * - `missedExcused`: absent for a valid reason and not yet sat on the individual schedule: the
 *   period result is "temporarily not assessed" (н/а) until the pupil sits it;
 * - `cancelled`: the school or ministry cancelled it (e.g. the 2024 floods): it does not count,
 *   and the rule set says what happens to its weight.
 */
export type SummativeOutcome =
  | { readonly kind: 'scored'; readonly points: number }
  | { readonly kind: 'missedExcused' }
  | { readonly kind: 'missedUnexcused' }
  | { readonly kind: 'cancelled' };

export type Summative = {
  readonly summativeId: string;
  readonly maxPoints: number;
  readonly outcome: SummativeOutcome;
};

/**
 * A pupil's marks in one period (term or half-year) of one subject, as in effect at the end of
 * the period: corrections applied, annulled marks left out. Order does not matter.
 */
export type PeriodMarks = {
  /** ФО / ҚБ: formative marks, on the rule set's mark scale (1..10 in Kazakhstan). */
  readonly formative: ReadonlyArray<number>;
  /** СОР / БЖБ: summatives for units/sections. */
  readonly sectionSummatives: ReadonlyArray<Summative>;
  /** СОЧ / ТЖБ: the term summative; absent when the period has none. */
  readonly termSummative?: Summative | undefined;
};

// How the subject is assessed: one type with the events' GradingMode codec.
import type { GradingMode } from '../events/common';

/** A term (четверть / тоқсан) or, for 1-hour subjects, a half-year (полугодие / жартыжылдық). */
export type Period = { readonly kind: 'term' | 'halfYear'; readonly number: number };

export type PeriodContext = {
  readonly gradeLevel: number;
  readonly gradingMode: GradingMode;
  readonly period: Period;
};

// ---- codecs for the edges -------------------------------------------------------------------

export const SummativeOutcomeCodec = t.union(
  [
    t.type({ kind: t.literal('scored'), points: t.number }),
    t.type({ kind: t.literal('missedExcused') }),
    t.type({ kind: t.literal('missedUnexcused') }),
    t.type({ kind: t.literal('cancelled') }),
  ],
  'SummativeOutcome',
);

export const SummativeCodec = t.type(
  { summativeId: t.string, maxPoints: t.number, outcome: SummativeOutcomeCodec },
  'Summative',
);

export const PeriodMarksCodec = t.intersection(
  [
    t.type({ formative: t.readonlyArray(t.number), sectionSummatives: t.readonlyArray(SummativeCodec) }),
    t.partial({ termSummative: t.union([SummativeCodec, t.undefined]) }),
  ],
  'PeriodMarks',
);

export const PeriodContextCodec = t.type(
  {
    gradeLevel: t.number,
    gradingMode: t.keyof({ scored: null, passFail: null, noMarks: null }),
    period: t.type({ kind: t.keyof({ term: null, halfYear: null }), number: t.number }),
  },
  'PeriodContext',
);

// ---- validation against a rule set --------------------------------------------------------------

const checkSummative = (ruleSetId: string, field: string, summative: Summative): ReadonlyArray<RuleError> => {
  const errors: Array<RuleError> = [];
  // Not only empty: a reader folding a damaged history (an archive check) may hand over any value.
  if (typeof summative.summativeId !== 'string' || summative.summativeId.length === 0)
    errors.push(ruleError('InvalidInput', ruleSetId, `${field}.summativeId`, summative.summativeId, 'expected a non-empty summative id'));
  if (!(Number.isFinite(summative.maxPoints) && summative.maxPoints > 0))
    errors.push(ruleError('InvalidInput', ruleSetId, `${field}.maxPoints`, summative.maxPoints, 'the maximum must be above 0'));
  if (summative.outcome.kind === 'scored') {
    const { points } = summative.outcome;
    if (!(Number.isFinite(points) && points >= 0 && points <= summative.maxPoints))
      errors.push(
        ruleError('InvalidInput', ruleSetId, `${field}.outcome.points`, points, `points must be from 0 to the maximum ${summative.maxPoints}`),
      );
  }
  return errors;
};

const isValidSummative = (summative: Summative): boolean =>
  typeof summative.summativeId === 'string' &&
  summative.summativeId.length > 0 &&
  Number.isFinite(summative.maxPoints) &&
  summative.maxPoints > 0 &&
  (summative.outcome.kind !== 'scored' ||
    (Number.isFinite(summative.outcome.points) && summative.outcome.points >= 0 && summative.outcome.points <= summative.maxPoints));

/** True exactly when validatePeriodInput finds no problem (the same checks, none of its errors built). */
const breaksNoRule = (ruleSet: RuleSet, context: PeriodContext, marks: PeriodMarks): boolean => {
  const { minMark, maxMark } = ruleSet.formative;
  if (!Number.isInteger(context.gradeLevel)) return false;
  for (const mark of marks.formative) if (!(Number.isInteger(mark) && mark >= minMark && mark <= maxMark)) return false;
  const summatives = marks.termSummative === undefined ? marks.sectionSummatives : [...marks.sectionSummatives, marks.termSummative];
  for (let i = 0; i < summatives.length; i++) {
    const summative = summatives[i] as Summative;
    if (!isValidSummative(summative)) return false;
    for (let j = 0; j < i; j++) if ((summatives[j] as Summative).summativeId === summative.summativeId) return false;
  }
  return !(context.period.kind === 'halfYear' && marks.termSummative !== undefined && ruleSet.halfYear.termSummative === 'notAllowed');
};

/**
 * Checks marks and context against the rule set; the first problem is returned. Marks that break
 * the rule set are an input error, not something to clamp: clamping would hide a wrong journal entry.
 */
export const validatePeriodInput = (
  ruleSet: RuleSet,
  context: PeriodContext,
  marks: PeriodMarks,
): E.Either<RuleError, PeriodMarks> => {
  // The usual input breaks no rule: settled without building the errors (and their field names).
  if (breaksNoRule(ruleSet, context, marks)) return E.right(marks);
  const first = periodInputProblems(ruleSet, context, marks)[0];
  return first === undefined ? E.right(marks) : E.left(first);
};

/** Every problem of the marks and context under the rule set, in the order validatePeriodInput reports the first. */
export const periodInputProblems = (ruleSet: RuleSet, context: PeriodContext, marks: PeriodMarks): ReadonlyArray<RuleError> => {
  const { minMark, maxMark } = ruleSet.formative;
  const summatives = [
    ...marks.sectionSummatives.map((s, i) => ({ field: `sectionSummatives[${i}]`, summative: s })),
    ...(marks.termSummative === undefined ? [] : [{ field: 'termSummative', summative: marks.termSummative }]),
  ];
  const errors: ReadonlyArray<RuleError> = [
    ...(Number.isInteger(context.gradeLevel)
      ? []
      : [ruleError('InvalidInput', ruleSet.id, 'context.gradeLevel', context.gradeLevel, 'expected a whole grade level')]),
    ...marks.formative.flatMap((mark, i) =>
      Number.isInteger(mark) && mark >= minMark && mark <= maxMark
        ? []
        : [ruleError('InvalidInput', ruleSet.id, `formative[${i}]`, mark, `a formative mark is a whole number from ${minMark} to ${maxMark}`)],
    ),
    ...summatives.flatMap(({ field, summative }) => checkSummative(ruleSet.id, field, summative)),
    ...summatives.flatMap(({ field, summative }, i) =>
      summatives.findIndex((other) => other.summative.summativeId === summative.summativeId) === i
        ? []
        : [ruleError('InvalidInput', ruleSet.id, `${field}.summativeId`, summative.summativeId, 'the same summative appears twice')],
    ),
    ...(context.period.kind === 'halfYear' &&
    marks.termSummative !== undefined &&
    ruleSet.halfYear.termSummative === 'notAllowed'
      ? [
          ruleError('InvalidInput', ruleSet.id, 'termSummative', marks.termSummative.summativeId, `rule set ${ruleSet.id} grades half-year subjects from ФО and СОР only: a СОЧ is not allowed`),
        ]
      : []),
  ];
  return errors;
};
