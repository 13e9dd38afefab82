import * as E from 'fp-ts/Either';
import * as RA from 'fp-ts/ReadonlyArray';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';
import { IdCodec } from '../primitives/ids';
import { LocalDateCodec } from '../primitives/localDate';
import * as R from '../primitives/rational';
import { decimal } from './decimal';
import type { ComponentWeights, GradeLevelRange, GradeScale, Rounding, RuleSet, RuleSetData } from './ruleSet';

/** One thing wrong with a rule set: the field (a path such as `weights.withTermSummative`), its value, and why. */
export type RuleSetProblem = { readonly field: string; readonly value: unknown; readonly message: string };

export type InvalidRuleSet = {
  readonly _tag: 'InvalidRuleSet';
  readonly ruleSetId: string | null;
  readonly problems: ReadonlyArray<RuleSetProblem>;
  /** All problems on one line each: "field (value): why". */
  readonly message: string;
};

// ---- shape -------------------------------------------------------------------------------

const GradeLabelShape = t.union([t.number, t.string], 'GradeLabel');
const RoundingModeShape = t.keyof({ halfUp: null, halfDown: null, halfEven: null, down: null, up: null }, 'RoundingMode');
const RoundingShape = t.type({ decimals: t.number, mode: RoundingModeShape });
const WeightsShape = t.type({ formative: t.number, sectionSummatives: t.number, termSummative: t.number });
const LevelRangeShape = t.type({ from: t.number, to: t.number });
const BandShape = t.intersection([t.type({ from: t.number, grade: GradeLabelShape }), t.partial({ to: t.number })]);
const ScaleShape = t.type({
  grades: t.readonlyArray(GradeLabelShape),
  lowestPassingGrade: GradeLabelShape,
  bands: t.readonlyArray(BandShape),
});

/** The structure of a rule set, before its values are checked against each other. */
const RuleSetRequiredShape = t.type({
  id: IdCodec,
  title: t.string,
  source: t.string,
  effective: t.type({ from: t.union([LocalDateCodec, t.null]), until: t.union([LocalDateCodec, t.null]) }),
  weights: t.type({ withTermSummative: WeightsShape, withoutTermSummative: WeightsShape }),
  formative: t.type({ minMark: t.number, maxMark: t.number, dropLowest: t.number }),
  sectionSummatives: t.type({ combine: t.keyof({ pooledPoints: null, meanOfPercentages: null }) }),
  gradeScales: t.readonlyArray(t.type({ gradeLevels: LevelRangeShape, scale: ScaleShape })),
  gradeRounding: RoundingShape,
  displayRounding: RoundingShape,
  halfYear: t.type({ maxHoursPerWeek: t.number, termSummative: t.keyof({ notAllowed: null, counted: null }) }),
  noMarksGradeLevels: t.readonlyArray(t.number),
  passFailSubjects: t.readonlyArray(t.type({ gradeLevels: LevelRangeShape, subjects: t.readonlyArray(t.string) })),
  cancelledTermSummative: t.keyof({ redistribute: null, treatAsWithoutTermSummative: null }),
  emptyComponent: t.keyof({ redistribute: null, notAssessed: null }),
  yearGrade: t.type({
    method: t.keyof({ meanOfGrades: null, meanOfScalePositions: null }),
    rounding: RoundingModeShape,
  }),
  resit: t.type({ rounding: RoundingModeShape, maxAttempts: t.number, maxFailedSubjects: t.number }),
});
const RuleSetShape = t.intersection([
  RuleSetRequiredShape,
  t.partial({
    summativeLimits: t.type({
      sectionSummativesPerPeriod: t.number,
      termSummativesPerDay: t.number,
      noTermSummativeOnLastDayOfTerm: t.boolean,
      noTermSummativeOnSectionSummativeDay: t.boolean,
    }),
  }),
]);

// Compile-time proof that the shape decodes to exactly the documented data model.
const shapeMatchesModel = (decoded: t.TypeOf<typeof RuleSetShape>): RuleSetData => decoded;
void shapeMatchesModel;

/** "weights.withTermSummative.formative", "gradeScales[0].scale.bands[2].from" from an io-ts context. */
const pathOf = (context: t.Context): string =>
  context.reduce((path, entry, index) => {
    const parent = context[index - 1];
    if (index === 0 || parent === undefined) return path;
    // Members of unions and intersections are indexed too; they are not part of the data's path.
    if (parent.type instanceof t.UnionType || parent.type instanceof t.IntersectionType) return path;
    if (/^\d+$/.test(entry.key) && parent.type instanceof t.ReadonlyArrayType) return `${path}[${entry.key}]`;
    return path === '' ? entry.key : `${path}.${entry.key}`;
  }, '');

/** io-ts errors as problems; the failed members of a union become one problem ("expected A or B"). */
const shapeProblems = (errors: t.Errors): ReadonlyArray<RuleSetProblem> =>
  errors.reduce<ReadonlyArray<RuleSetProblem>>((problems, error) => {
    const last = error.context[error.context.length - 1];
    const field = pathOf(error.context) || '(rule set)';
    const message = error.message ?? `expected ${last?.type.name ?? 'a value'}`;
    const same = problems.findIndex((p) => p.field === field);
    return same < 0
      ? [...problems, { field, value: error.value, message }]
      : problems.map((p, i) => (i === same ? { ...p, message: `${p.message} or ${message}` } : p));
  }, []);

// ---- values --------------------------------------------------------------------------------

const problem = (field: string, value: unknown, message: string): RuleSetProblem => ({ field, value, message });

const checkInteger = (field: string, value: number, min: number, max: number): ReadonlyArray<RuleSetProblem> =>
  Number.isInteger(value) && value >= min && value <= max
    ? []
    : [problem(field, value, `expected an integer from ${min} to ${max}`)];

const checkPercent = (field: string, value: number): ReadonlyArray<RuleSetProblem> =>
  Number.isFinite(value) && value >= 0 && value <= 100 ? [] : [problem(field, value, 'expected a percentage from 0 to 100')];

const checkWeights = (field: string, weights: ComponentWeights): ReadonlyArray<RuleSetProblem> => {
  const each = [
    ...checkPercent(`${field}.formative`, weights.formative),
    ...checkPercent(`${field}.sectionSummatives`, weights.sectionSummatives),
    ...checkPercent(`${field}.termSummative`, weights.termSummative),
  ];
  if (each.length > 0) return each;
  const total = R.sum([decimal(weights.formative), decimal(weights.sectionSummatives), decimal(weights.termSummative)]);
  return R.equals(total, R.hundred)
    ? []
    : [
        problem(
          field,
          weights,
          `weights must sum to 100: formative ${weights.formative} + sectionSummatives ${weights.sectionSummatives} + termSummative ${weights.termSummative} = ${R.toFixed(total, 4).replace(/\.?0+$/, '')}`,
        ),
      ];
};

const checkRounding = (field: string, rounding: Rounding): ReadonlyArray<RuleSetProblem> =>
  checkInteger(`${field}.decimals`, rounding.decimals, 0, 12);

const checkLevelRange = (field: string, range: GradeLevelRange): ReadonlyArray<RuleSetProblem> => {
  const ends = [...checkInteger(`${field}.from`, range.from, 0, 13), ...checkInteger(`${field}.to`, range.to, 0, 13)];
  return ends.length > 0 || range.from <= range.to
    ? ends
    : [problem(field, range, `grade levels ${range.from}-${range.to}: "from" is above "to"`)];
};

const levelRangesOverlap = (a: GradeLevelRange, b: GradeLevelRange): boolean => a.from <= b.to && b.from <= a.to;

/**
 * Bands must cover 0..100 with neither gap nor overlap: the first starts at 0, each next one
 * starts strictly higher, every `from` lies in 0..100, and where a band states its `to`, the
 * next band starts exactly one rounding step (10^-decimals of `gradeRounding`) above it and the
 * last `to` is 100. Grades may not go down as percentages go up.
 */
const checkScale = (field: string, scale: GradeScale, rounding: Rounding): ReadonlyArray<RuleSetProblem> => {
  const problems: Array<RuleSetProblem> = [];
  if (scale.grades.length === 0) problems.push(problem(`${field}.grades`, scale.grades, 'a scale needs at least one grade'));
  scale.grades.forEach((grade, index) => {
    if (scale.grades.indexOf(grade) !== index)
      problems.push(problem(`${field}.grades[${index}]`, grade, `grade ${String(grade)} appears twice`));
  });
  if (!scale.grades.includes(scale.lowestPassingGrade))
    problems.push(problem(`${field}.lowestPassingGrade`, scale.lowestPassingGrade, 'not one of the scale\'s grades'));
  if (scale.bands.length === 0) problems.push(problem(`${field}.bands`, scale.bands, 'a scale needs at least one band'));
  // One rounding step: 1 at 0 decimals, 0.1 at 1 decimal; the next band starts one step above a `to`.
  const decimals = Number.isInteger(rounding.decimals) && rounding.decimals >= 0 && rounding.decimals <= 12 ? rounding.decimals : 0;
  const step = R.divByPositiveInteger(R.one, 10n ** BigInt(decimals));
  scale.bands.forEach((band, index) => {
    const at = `${field}.bands[${index}]`;
    const fromProblems = checkPercent(`${at}.from`, band.from);
    problems.push(...fromProblems);
    if (!scale.grades.includes(band.grade))
      problems.push(problem(`${at}.grade`, band.grade, `grade ${String(band.grade)} is not in ${field}.grades`));
    const previous = scale.bands[index - 1];
    if (index === 0 && band.from !== 0 && fromProblems.length === 0)
      problems.push(problem(`${at}.from`, band.from, `gap: percentages from 0 to ${band.from} are not covered; the first band must start at 0`));
    if (previous !== undefined && fromProblems.length === 0 && band.from <= previous.from)
      problems.push(
        problem(`${at}.from`, band.from, `overlap: starts at ${band.from}, not above the previous band's start ${previous.from}; bands must be in strictly ascending order`),
      );
    if (previous !== undefined && scale.grades.includes(band.grade) && scale.grades.indexOf(band.grade) < scale.grades.indexOf(previous.grade))
      problems.push(
        problem(`${at}.grade`, band.grade, `grade ${String(band.grade)} is below the previous band's grade ${String(previous.grade)}: a higher percentage may not give a lower grade`),
      );
    if (band.to === undefined) return;
    const toProblems = checkPercent(`${at}.to`, band.to);
    problems.push(...toProblems);
    if (toProblems.length > 0) return;
    if (band.to < band.from) problems.push(problem(`${at}.to`, band.to, `ends before it starts (from ${band.from})`));
    const next = scale.bands[index + 1];
    if (next === undefined) {
      if (band.to !== 100)
        problems.push(problem(`${at}.to`, band.to, `gap: percentages above ${band.to} up to 100 are not covered; the last band must end at 100`));
      return;
    }
    if (checkPercent('', next.from).length > 0) return;
    const expected = R.add(decimal(band.to), step);
    const order = R.compare(decimal(next.from), expected);
    const expectedText = R.toFixed(expected, rounding.decimals);
    if (order > 0)
      problems.push(
        problem(`${field}.bands[${index + 1}].from`, next.from, `gap: after ${at}.to = ${band.to} the next band should start at ${expectedText} (one step of ${rounding.decimals} decimals), not ${next.from}`),
      );
    if (order < 0)
      problems.push(
        problem(`${field}.bands[${index + 1}].from`, next.from, `overlap: starts at ${next.from}, inside ${at} (${band.from}-${band.to}); expected ${expectedText}`),
      );
  });
  return problems;
};

/** Every check of values against each other; empty when the rule set is sound. */
export const ruleSetProblems = (ruleSet: RuleSetData): ReadonlyArray<RuleSetProblem> => {
  const { effective, formative } = ruleSet;
  const problems: Array<RuleSetProblem> = [
    ...(effective.from !== null && effective.until !== null && effective.until <= effective.from
      ? [problem('effective.until', effective.until, `must be after effective.from ${effective.from} (until is exclusive)`)]
      : []),
    ...checkWeights('weights.withTermSummative', ruleSet.weights.withTermSummative),
    ...checkWeights('weights.withoutTermSummative', ruleSet.weights.withoutTermSummative),
    ...(ruleSet.weights.withoutTermSummative.termSummative !== 0
      ? [problem('weights.withoutTermSummative.termSummative', ruleSet.weights.withoutTermSummative.termSummative, 'must be 0: these weights apply when there is no СОЧ')]
      : []),
    ...checkInteger('formative.minMark', formative.minMark, 0, 1000),
    ...checkInteger('formative.maxMark', formative.maxMark, 1, 1000),
    ...(formative.maxMark <= formative.minMark
      ? [problem('formative.maxMark', formative.maxMark, `must be above formative.minMark ${formative.minMark}`)]
      : []),
    ...checkInteger('formative.dropLowest', formative.dropLowest, 0, 1000),
    ...checkRounding('gradeRounding', ruleSet.gradeRounding),
    ...checkRounding('displayRounding', ruleSet.displayRounding),
    ...(Number.isFinite(ruleSet.halfYear.maxHoursPerWeek) && ruleSet.halfYear.maxHoursPerWeek >= 0
      ? []
      : [problem('halfYear.maxHoursPerWeek', ruleSet.halfYear.maxHoursPerWeek, 'expected a number of hours, 0 or more')]),
    ...(ruleSet.gradeScales.length === 0 ? [problem('gradeScales', ruleSet.gradeScales, 'at least one grade scale is needed')] : []),
    ...ruleSet.noMarksGradeLevels.flatMap((level, i) => checkInteger(`noMarksGradeLevels[${i}]`, level, 0, 13)),
    ...ruleSet.passFailSubjects.flatMap((rule, i) => [
      ...checkLevelRange(`passFailSubjects[${i}].gradeLevels`, rule.gradeLevels),
      ...rule.subjects.flatMap((subject, j) =>
        subject.length === 0 ? [problem(`passFailSubjects[${i}].subjects[${j}]`, subject, 'empty subject code')] : [],
      ),
    ]),
    ...checkInteger('resit.maxAttempts', ruleSet.resit.maxAttempts, 0, 10),
    ...checkInteger('resit.maxFailedSubjects', ruleSet.resit.maxFailedSubjects, 0, 100),
    ...(ruleSet.summativeLimits === undefined
      ? []
      : [
          ...checkInteger('summativeLimits.sectionSummativesPerPeriod', ruleSet.summativeLimits.sectionSummativesPerPeriod, 0, 100),
          ...checkInteger('summativeLimits.termSummativesPerDay', ruleSet.summativeLimits.termSummativesPerDay, 0, 100),
        ]),
  ];
  ruleSet.gradeScales.forEach((entry, i) => {
    const at = `gradeScales[${i}]`;
    problems.push(...checkLevelRange(`${at}.gradeLevels`, entry.gradeLevels));
    ruleSet.gradeScales.slice(0, i).forEach((earlier, j) => {
      if (levelRangesOverlap(earlier.gradeLevels, entry.gradeLevels))
        problems.push(
          problem(`${at}.gradeLevels`, entry.gradeLevels, `grade levels ${entry.gradeLevels.from}-${entry.gradeLevels.to} overlap gradeScales[${j}] (${earlier.gradeLevels.from}-${earlier.gradeLevels.to})`),
        );
    });
    problems.push(...checkScale(`${at}.scale`, entry.scale, ruleSet.gradeRounding));
    if (ruleSet.yearGrade.method === 'meanOfGrades') {
      entry.scale.grades.forEach((grade, j) => {
        if (typeof grade !== 'number' || !Number.isInteger(grade))
          problems.push(problem(`${at}.scale.grades[${j}]`, grade, 'yearGrade.method meanOfGrades needs whole-number grades; use meanOfScalePositions for labels'));
      });
      // A mean of grades (year grade, re-sit) rounds to a whole number between them: it must be a
      // grade of the scale, and lie between them on the scale too. So the grades must be
      // consecutive whole numbers, in order along the scale (2, 3, 4, 5 or 5, 4, 3, 2).
      const numbers = entry.scale.grades.filter((g): g is number => typeof g === 'number' && Number.isInteger(g));
      const step = (numbers[1] ?? 0) - (numbers[0] ?? 0);
      if (numbers.length === entry.scale.grades.length && numbers.length > 1 && !numbers.every((g, j) => j === 0 || (g - (numbers[j - 1] ?? 0) === step && Math.abs(step) === 1)))
        problems.push(
          problem(`${at}.scale.grades`, entry.scale.grades, 'yearGrade.method meanOfGrades needs consecutive whole-number grades in order (e.g. 2, 3, 4, 5): a rounded mean must be a grade of the scale; use meanOfScalePositions otherwise'),
        );
    }
  });
  return problems;
};

const describe = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

const invalid = (input: unknown, problems: ReadonlyArray<RuleSetProblem>): InvalidRuleSet => ({
  _tag: 'InvalidRuleSet',
  ruleSetId:
    typeof input === 'object' && input !== null && 'id' in input && typeof input.id === 'string' ? input.id : null,
  problems,
  message: problems.map((p) => `${p.field} (${describe(p.value)}): ${p.message}`).join('\n'),
});

/**
 * Checks untrusted data (JSON from a school system) and returns a {@link RuleSet} the engine
 * accepts, or every problem found, each naming the field and its value.
 */
export const decodeRuleSet = (input: unknown): E.Either<InvalidRuleSet, RuleSet> =>
  pipe(
    RuleSetShape.decode(input),
    E.mapLeft((errors) => invalid(input, shapeProblems(errors))),
    E.chain((data) => {
      const problems = ruleSetProblems(data);
      // The brand is granted here and only here, after every check passed.
      return problems.length === 0 ? E.right(data as RuleSet) : E.left(invalid(input, problems));
    }),
  );

/** Decodes a list of rule sets, failing on the first invalid one or on a repeated id. */
export const decodeRuleSets = (input: ReadonlyArray<unknown>): E.Either<InvalidRuleSet, ReadonlyArray<RuleSet>> =>
  pipe(
    input,
    RA.traverse(E.Applicative)(decodeRuleSet),
    E.chain((ruleSets) => {
      const repeated = ruleSets.find((rs, i) => ruleSets.findIndex((other) => other.id === rs.id) !== i);
      return repeated === undefined
        ? E.right(ruleSets)
        : E.left(invalid(repeated, [problem('id', repeated.id, 'two rule sets share this id')]));
    }),
  );

/**
 * io-ts codec of a validated rule set, for use inside other codecs. Its errors carry the same
 * messages as {@link decodeRuleSet} ("field (value): why"); encoding is the identity (plain JSON).
 */
export const RuleSetCodec = new t.Type<RuleSet, RuleSetData, unknown>(
  'RuleSet',
  (u): u is RuleSet => RuleSetShape.is(u) && ruleSetProblems(u).length === 0,
  (input, context) =>
    pipe(
      decodeRuleSet(input),
      E.fold(
        (error) =>
          t.failures(error.problems.map((p) => ({ value: p.value, context, message: `${p.field} (${describe(p.value)}): ${p.message}` }))),
        (ruleSet) => t.success(ruleSet),
      ),
    ),
  (ruleSet) => ruleSet,
);
