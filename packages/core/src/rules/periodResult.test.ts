import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import * as O from 'fp-ts/Option';
import { describe, expect, it } from 'vitest';
import * as R from '../primitives/rational';
import {
  computePeriodResult,
  decodeRuleSet,
  explainResult,
  gradeRank,
  gradingModeFor,
  kazakhstanRuleSets,
  scaleForGradeLevel,
  type PeriodContext,
  type PeriodMarks,
  type PeriodResult,
  type RuleSet,
  type Summative,
  type SummativeOutcome,
} from './index';

const right = <L, A>(e: E.Either<L, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const q = (num: number, den = 1): R.Rational => right(R.fromFraction(num, den));

const shipped = right(kazakhstanRuleSets());
const byId = (id: string): RuleSet => {
  const found = shipped.find((rs) => rs.id === id);
  if (found === undefined) throw new Error(id);
  return found;
};
const current = byId('kz-current');
const older = byId('kz-older');
const custom = (overrides: Record<string, unknown>): RuleSet => right(decodeRuleSet({ ...current, id: 'custom', ...overrides }));

const termContext: PeriodContext = { gradeLevel: 7, gradingMode: 'scored', period: { kind: 'term', number: 1 } };

// ---- arbitraries ----------------------------------------------------------------------------

/** A rule set: a shipped one or a custom variant with random weights and options. */
const ruleSetArb: fc.Arbitrary<RuleSet> = fc.oneof(
  fc.constantFrom(current, older),
  fc
    .record({
      f: fc.integer({ min: 0, max: 100 }),
      s: fc.integer({ min: 0, max: 100 }),
      w: fc.integer({ min: 0, max: 100 }),
      combine: fc.constantFrom('pooledPoints', 'meanOfPercentages'),
      dropLowest: fc.integer({ min: 0, max: 3 }),
      emptyComponent: fc.constantFrom('redistribute', 'notAssessed'),
      cancelled: fc.constantFrom('redistribute', 'treatAsWithoutTermSummative'),
      decimals: fc.integer({ min: 0, max: 2 }),
    })
    .filter(({ f, s }) => f + s <= 100)
    .map(({ f, s, w, combine, dropLowest, emptyComponent, cancelled, decimals }) =>
      custom({
        weights: {
          withTermSummative: { formative: f, sectionSummatives: s, termSummative: 100 - f - s },
          withoutTermSummative: { formative: w, sectionSummatives: 100 - w, termSummative: 0 },
        },
        formative: { minMark: 1, maxMark: 10, dropLowest },
        sectionSummatives: { combine },
        emptyComponent,
        cancelledTermSummative: cancelled,
        gradeRounding: { decimals, mode: 'halfUp' },
        // Bands without `to`, so that any rounding step is consistent.
        gradeScales: [
          {
            gradeLevels: { from: 2, to: 12 },
            scale: { grades: [2, 3, 4, 5], lowestPassingGrade: 3, bands: [{ from: 0, grade: 2 }, { from: 40, grade: 3 }, { from: 65, grade: 4 }, { from: 85, grade: 5 }] },
          },
        ],
      }),
    ),
);

const outcomeArb = (maxPoints: number, withExcused: boolean): fc.Arbitrary<SummativeOutcome> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: maxPoints }).map((points): SummativeOutcome => ({ kind: 'scored', points })) },
    { weight: 1, arbitrary: fc.constant<SummativeOutcome>({ kind: 'missedUnexcused' }) },
    { weight: 1, arbitrary: fc.constant<SummativeOutcome>({ kind: 'cancelled' }) },
    ...(withExcused ? [{ weight: 1, arbitrary: fc.constant<SummativeOutcome>({ kind: 'missedExcused' }) }] : []),
  );

const summativeArb = (id: string, withExcused: boolean): fc.Arbitrary<Summative> =>
  fc
    .integer({ min: 1, max: 40 })
    .chain((maxPoints) => outcomeArb(maxPoints, withExcused).map((outcome) => ({ summativeId: id, maxPoints, outcome })));

const marksArb = (withExcused = false): fc.Arbitrary<PeriodMarks> =>
  fc.record({
    formative: fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 12 }),
    sectionSummatives: fc
      .integer({ min: 0, max: 3 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => summativeArb(`sor-${i + 1}`, withExcused)))),
    termSummative: fc.option(summativeArb('soch', withExcused), { nil: undefined }),
  });

const shuffled = <A>(items: ReadonlyArray<A>): fc.Arbitrary<ReadonlyArray<A>> =>
  fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

const percentageOf = (result: PeriodResult): R.Rational | null => (result._tag === 'graded' ? result.percentage : null);

const rankOf = (ruleSet: RuleSet, result: PeriodResult): number => {
  if (result._tag !== 'graded') return -1;
  const scale = scaleForGradeLevel(ruleSet, result.context.gradeLevel);
  return O.isSome(scale) ? O.getOrElse(() => -1)(gradeRank(scale.value, result.grade)) : -1;
};

// ---- properties ----------------------------------------------------------------------------

describe('computePeriodResult properties', () => {
  it('bounds: a grade is on the scale, the percentage within 0..100, weights sum to 100 and contributions to the total', () => {
    fc.assert(
      fc.property(ruleSetArb, marksArb(), (ruleSet, marks) => {
        const result = right(computePeriodResult(ruleSet, termContext, marks));
        if (result._tag !== 'graded') {
          expect(result._tag).toBe('notAssessed');
          return;
        }
        const scale = O.toNullable(scaleForGradeLevel(ruleSet, 7));
        expect(scale?.grades).toContain(result.grade);
        expect(R.gte(result.percentage, R.zero) && R.lte(result.percentage, R.hundred)).toBe(true);
        expect(R.sum(result.components.map((c) => c.weight))).toEqual(R.hundred);
        expect(R.sum(result.components.map((c) => c.contribution))).toEqual(result.percentage);
        expect(Number(result.percentageDisplay)).toBeGreaterThanOrEqual(0);
        expect(Number(result.percentageDisplay)).toBeLessThanOrEqual(100);
      }),
    );
  });

  it('order independence: the same marks in any order give the same result', () => {
    fc.assert(
      fc.property(
        ruleSetArb,
        marksArb(true).chain((marks) =>
          fc.tuple(fc.constant(marks), shuffled(marks.formative), shuffled(marks.sectionSummatives)),
        ),
        (ruleSet, [marks, formative, sectionSummatives]) => {
          const a = computePeriodResult(ruleSet, termContext, marks);
          const b = computePeriodResult(ruleSet, termContext, { ...marks, formative, sectionSummatives });
          expect(b).toEqual(a);
        },
      ),
    );
  });

  it('monotonicity: raising a formative mark never lowers the percentage or the grade', () => {
    fc.assert(
      fc.property(
        ruleSetArb,
        marksArb().filter((m) => m.formative.length > 0),
        fc.nat(),
        fc.integer({ min: 0, max: 9 }),
        (ruleSet, marks, at, raise) => {
          const index = at % marks.formative.length;
          const raised = marks.formative.map((m, i) => (i === index ? Math.min(10, m + raise) : m));
          const before = right(computePeriodResult(ruleSet, termContext, marks));
          const after = right(computePeriodResult(ruleSet, termContext, { ...marks, formative: raised }));
          const [p, p2] = [percentageOf(before), percentageOf(after)];
          if (p !== null && p2 !== null) expect(R.lte(p, p2)).toBe(true);
          expect(rankOf(ruleSet, after)).toBeGreaterThanOrEqual(rankOf(ruleSet, before));
        },
      ),
    );
  });

  it('monotonicity: raising points on a summative (or sitting a missed one) never lowers the percentage or the grade', () => {
    fc.assert(
      fc.property(ruleSetArb, marksArb(), fc.nat(), fc.nat(), (ruleSet, marks, at, raise) => {
        const all = [...marks.sectionSummatives, ...(marks.termSummative === undefined ? [] : [marks.termSummative])];
        fc.pre(all.length > 0);
        const target = all[at % all.length];
        if (target === undefined) return;
        const points = (s: Summative): number | null =>
          s.outcome.kind === 'scored' ? s.outcome.points : s.outcome.kind === 'missedUnexcused' ? 0 : null;
        const current = points(target);
        fc.pre(current !== null);
        const better = (s: Summative): Summative =>
          s.summativeId === target.summativeId
            ? { ...s, outcome: { kind: 'scored', points: Math.min(s.maxPoints, (current ?? 0) + (raise % (s.maxPoints + 1))) } }
            : s;
        const raised: PeriodMarks = {
          ...marks,
          sectionSummatives: marks.sectionSummatives.map(better),
          termSummative: marks.termSummative === undefined ? undefined : better(marks.termSummative),
        };
        const before = right(computePeriodResult(ruleSet, termContext, marks));
        const after = right(computePeriodResult(ruleSet, termContext, raised));
        const [p, p2] = [percentageOf(before), percentageOf(after)];
        if (p !== null && p2 !== null) expect(R.lte(p, p2)).toBe(true);
        expect(rankOf(ruleSet, after)).toBeGreaterThanOrEqual(rankOf(ruleSet, before));
      }),
    );
  });

  it('a summative missed without a valid reason is exactly a score of 0 (property)', () => {
    fc.assert(
      fc.property(ruleSetArb, marksArb(), (ruleSet, marks) => {
        const zero = (s: Summative): Summative => (s.outcome.kind === 'missedUnexcused' ? { ...s, outcome: { kind: 'scored', points: 0 } } : s);
        const scored: PeriodMarks = {
          ...marks,
          sectionSummatives: marks.sectionSummatives.map(zero),
          termSummative: marks.termSummative === undefined ? undefined : zero(marks.termSummative),
        };
        const a = right(computePeriodResult(ruleSet, termContext, marks));
        const b = right(computePeriodResult(ruleSet, termContext, scored));
        expect([b._tag, percentageOf(b), b._tag === 'graded' ? b.grade : null]).toEqual([a._tag, percentageOf(a), a._tag === 'graded' ? a.grade : null]);
      }),
    );
  });

  it('dropLowest n is the same as leaving out the n lowest marks (while one mark is left) (property)', () => {
    fc.assert(
      fc.property(ruleSetArb, marksArb(), fc.integer({ min: 0, max: 5 }), (ruleSet, marks, n) => {
        const dropping = right(decodeRuleSet({ ...ruleSet, formative: { ...ruleSet.formative, dropLowest: n } }));
        const keeping = right(decodeRuleSet({ ...ruleSet, formative: { ...ruleSet.formative, dropLowest: 0 } }));
        const sorted = [...marks.formative].sort((x, y) => x - y);
        const left = sorted.slice(Math.min(n, Math.max(0, sorted.length - 1)));
        const a = right(computePeriodResult(dropping, termContext, marks));
        const b = right(computePeriodResult(keeping, termContext, { ...marks, formative: left }));
        expect([a._tag, percentageOf(a)]).toEqual([b._tag, percentageOf(b)]);
      }),
    );
  });

  it('with equal maxima, pooled points and the mean of percentages agree (property)', () => {
    fc.assert(
      fc.property(ruleSetArb, marksArb(), fc.integer({ min: 1, max: 40 }), (ruleSet, marks, max) => {
        const same = (s: Summative): Summative =>
          s.outcome.kind === 'scored' ? { ...s, maxPoints: max, outcome: { kind: 'scored', points: Math.min(max, s.outcome.points) } } : { ...s, maxPoints: max };
        const equalMaxima = { ...marks, sectionSummatives: marks.sectionSummatives.map(same) };
        const under = (combine: 'pooledPoints' | 'meanOfPercentages') =>
          right(computePeriodResult(right(decodeRuleSet({ ...ruleSet, sectionSummatives: { combine } })), termContext, equalMaxima));
        const [pooled, mean] = [under('pooledPoints'), under('meanOfPercentages')];
        expect([mean._tag, percentageOf(mean)]).toEqual([pooled._tag, percentageOf(pooled)]);
      }),
    );
  });

  it('weights: with all weight on the СОЧ only the СОЧ matters', () => {
    const termOnly = custom({
      weights: {
        withTermSummative: { formative: 0, sectionSummatives: 0, termSummative: 100 },
        withoutTermSummative: { formative: 0, sectionSummatives: 100, termSummative: 0 },
      },
    });
    fc.assert(
      fc.property(marksArb(), marksArb(), fc.integer({ min: 1, max: 40 }), fc.nat(), (a, b, maxPoints, p) => {
        const soch: Summative = { summativeId: 'soch', maxPoints, outcome: { kind: 'scored', points: p % (maxPoints + 1) } };
        const ra = right(computePeriodResult(termOnly, termContext, { ...a, termSummative: soch }));
        const rb = right(computePeriodResult(termOnly, termContext, { ...b, termSummative: soch }));
        expect(percentageOf(ra)).toEqual(q(100 * (p % (maxPoints + 1)), maxPoints));
        expect(percentageOf(rb)).toEqual(percentageOf(ra));
        expect(rb._tag === 'graded' && ra._tag === 'graded' && rb.grade === ra.grade).toBe(true);
      }),
    );
  });

  it('weights: with all weight on ФО only the formative marks matter (mean × 10%)', () => {
    const formativeOnly = custom({
      weights: {
        withTermSummative: { formative: 100, sectionSummatives: 0, termSummative: 0 },
        withoutTermSummative: { formative: 100, sectionSummatives: 0, termSummative: 0 },
      },
    });
    fc.assert(
      fc.property(
        marksArb(),
        marksArb(),
        fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 10 }),
        (a, b, formative) => {
          const ra = right(computePeriodResult(formativeOnly, termContext, { ...a, formative }));
          const rb = right(computePeriodResult(formativeOnly, termContext, { ...b, formative }));
          const total = formative.reduce((x, y) => x + y, 0);
          expect(percentageOf(ra)).toEqual(q(total * 10, formative.length));
          expect(percentageOf(rb)).toEqual(percentageOf(ra));
        },
      ),
    );
  });

  it('н/а whenever a summative was missed for a valid reason (and the marks are valid)', () => {
    fc.assert(
      fc.property(ruleSetArb, marksArb(true), (ruleSet, marks) => {
        const excused = [...marks.sectionSummatives, ...(marks.termSummative === undefined ? [] : [marks.termSummative])]
          .filter((s) => s.outcome.kind === 'missedExcused')
          .map((s) => s.summativeId)
          .sort();
        const result = right(computePeriodResult(ruleSet, termContext, marks));
        if (excused.length > 0)
          expect(result).toMatchObject({ _tag: 'notAssessed', reason: { kind: 'missedSummative', summativeIds: excused } });
        else expect(result._tag === 'notAssessed' && result.reason.kind === 'missedSummative').toBe(false);
      }),
    );
  });

  it('a СОЧ that was sat or missed (not cancelled) always uses the weights with СОЧ, whatever the rule set does with a cancelled one (property)', () => {
    fc.assert(
      fc.property(ruleSetArb, marksArb(), (ruleSet, marks) => {
        fc.pre(marks.termSummative !== undefined && marks.termSummative.outcome.kind !== 'cancelled');
        const result = right(computePeriodResult(ruleSet, termContext, marks));
        if (result._tag === 'graded') expect(result.weights).toEqual({ variant: 'withTermSummative', reason: 'termSummativePresent' });
        // The СОЧ's rule weight is the one of the variant with СОЧ, never the 0 of the variant without.
        const termRuleWeight = R.fromInteger(ruleSet.weights.withTermSummative.termSummative);
        if (result._tag === 'graded') expect(result.components.find((c) => c.component === 'termSummative')?.ruleWeight).toEqual(termRuleWeight);
      }),
    );
  });
});

// ---- behaviour --------------------------------------------------------------------------------

const scored = (summativeId: string, points: number, maxPoints: number): Summative => ({
  summativeId,
  maxPoints,
  outcome: { kind: 'scored', points },
});

describe('grading modes', () => {
  it('pass/fail subjects are left to the teacher', () => {
    const context: PeriodContext = { ...termContext, gradeLevel: 3, gradingMode: 'passFail' };
    const result = right(computePeriodResult(current, context, { formative: [9], sectionSummatives: [] }));
    expect(result).toEqual({ _tag: 'passFail', ruleSetId: 'kz-current', context, decidedBy: 'teacher' });
    expect(explainResult(result).join(' ')).toContain('the teacher decides');
  });

  it('no-marks subjects and grade levels give noMarks', () => {
    expect(right(computePeriodResult(current, { ...termContext, gradingMode: 'noMarks' }, { formative: [], sectionSummatives: [] }))).toMatchObject({
      _tag: 'noMarks',
      reason: 'subject',
    });
    expect(right(computePeriodResult(current, { ...termContext, gradeLevel: 1 }, { formative: [9], sectionSummatives: [] }))).toMatchObject({
      _tag: 'noMarks',
      reason: 'gradeLevel',
    });
  });

  it('gradingModeFor reads the rule set: pass/fail subjects in primary school, no marks in grade 1', () => {
    expect(gradingModeFor(current, 3, 'music')).toBe('passFail');
    expect(gradingModeFor(current, 3, 'mathematics')).toBe('scored');
    expect(gradingModeFor(current, 5, 'music')).toBe('scored');
    expect(gradingModeFor(current, 1, 'mathematics')).toBe('noMarks');
    expect(gradingModeFor(byId('kz-older-g1-marks'), 1, 'mathematics')).toBe('scored');
  });

  it('gradingModeFor: a pass/fail rule covers its grade levels from and to inclusive, and nothing beyond (every shipped rule set)', () => {
    for (const ruleSet of shipped)
      for (const rule of ruleSet.passFailSubjects)
        for (const subject of rule.subjects) {
          const outside = (gradeLevel: number) =>
            !ruleSet.passFailSubjects.some((r) => r.subjects.includes(subject) && gradeLevel >= r.gradeLevels.from && gradeLevel <= r.gradeLevels.to);
          for (const gradeLevel of [rule.gradeLevels.from, rule.gradeLevels.to])
            if (!ruleSet.noMarksGradeLevels.includes(gradeLevel)) expect(gradingModeFor(ruleSet, gradeLevel, subject)).toBe('passFail');
          for (const gradeLevel of [rule.gradeLevels.from - 1, rule.gradeLevels.to + 1])
            if (outside(gradeLevel) && !ruleSet.noMarksGradeLevels.includes(gradeLevel)) expect(gradingModeFor(ruleSet, gradeLevel, subject)).toBe('scored');
        }
  });
});

describe('invalid input is an error naming the field', () => {
  const cases: ReadonlyArray<[string, PeriodContext, PeriodMarks, string]> = [
    ['a mark above the scale', termContext, { formative: [5, 11], sectionSummatives: [] }, 'formative[1]'],
    ['a fractional mark', termContext, { formative: [7.5], sectionSummatives: [] }, 'formative[0]'],
    ['points above the maximum', termContext, { formative: [], sectionSummatives: [scored('s', 21, 20)] }, 'sectionSummatives[0].outcome.points'],
    ['a zero maximum', termContext, { formative: [], sectionSummatives: [scored('s', 0, 0)] }, 'sectionSummatives[0].maxPoints'],
    ['a repeated summative', termContext, { formative: [], sectionSummatives: [scored('s', 1, 2)], termSummative: scored('s', 1, 2) }, 'termSummative.summativeId'],
    // Typed input never has it; a history folded from damaged events (an archive check) may.
    ['a summative id that is not text', termContext, { formative: [], sectionSummatives: [{ ...scored('s', 1, 2), summativeId: null as unknown as string }] }, 'sectionSummatives[0].summativeId'],
    [
      'a СОЧ in a half-year subject',
      { ...termContext, period: { kind: 'halfYear', number: 1 } },
      { formative: [5], sectionSummatives: [], termSummative: scored('soch', 1, 2) },
      'termSummative',
    ],
  ];
  it.each(cases)('%s', (_, context, marks, field) => {
    const result = computePeriodResult(current, context, marks);
    expect(E.isLeft(result) && result.left._tag === 'InvalidInput' && result.left.field).toBe(field);
  });

  it('a grade level without a scale', () => {
    const result = computePeriodResult(current, { ...termContext, gradeLevel: 13 }, { formative: [5], sectionSummatives: [] });
    expect(E.isLeft(result) && result.left._tag).toBe('NoGradeScale');
  });
});

describe('rule-set parameters', () => {
  it('dropLowestFormative drops the lowest marks but always keeps one', () => {
    const dropOne = custom({ formative: { minMark: 1, maxMark: 10, dropLowest: 1 } });
    const marks: PeriodMarks = { formative: [9, 2, 8], sectionSummatives: [scored('s', 10, 10)], termSummative: scored('t', 10, 10) };
    const result = right(computePeriodResult(dropOne, termContext, marks));
    expect(result._tag === 'graded' && result.components[0]?.percentage).toEqual(q(85));
    expect(result._tag === 'graded' && result.adjustments).toContainEqual({ kind: 'formativeDropped', marks: [2] });
    const single = right(computePeriodResult(dropOne, termContext, { ...marks, formative: [4] }));
    expect(single._tag === 'graded' && single.components[0]?.percentage).toEqual(q(40));
  });

  it('meanOfPercentages weighs each СОР equally; pooledPoints weighs by maximum', () => {
    const marks: PeriodMarks = { formative: [], sectionSummatives: [scored('a', 7, 10), scored('b', 8, 15)] };
    const pooled = right(computePeriodResult(current, termContext, marks));
    const meaned = right(computePeriodResult(custom({ sectionSummatives: { combine: 'meanOfPercentages' } }), termContext, marks));
    expect(pooled._tag === 'graded' && pooled.components[1]?.percentage).toEqual(q(60));
    expect(meaned._tag === 'graded' && meaned.components[1]?.percentage).toEqual(q(185, 3));
  });

  it('an empty component: its weight is redistributed, or the result is н/а when the rule set says so', () => {
    const marks: PeriodMarks = { formative: [], sectionSummatives: [scored('s', 6, 10)], termSummative: scored('t', 8, 10) };
    const redistributed = right(computePeriodResult(current, termContext, marks));
    // ФО's 25% goes to СОР and СОЧ as 25:50, so they weigh 100/3% and 200/3%: 60·1/3 + 80·2/3.
    expect(redistributed._tag === 'graded' && redistributed.components.map((c) => c.weight)).toEqual([q(0), q(100, 3), q(200, 3)]);
    expect(redistributed._tag === 'graded' && redistributed.percentage).toEqual(q(220, 3));
    const strict = right(computePeriodResult(custom({ emptyComponent: 'notAssessed' }), termContext, marks));
    expect(strict).toMatchObject({ _tag: 'notAssessed', reason: { kind: 'emptyComponent', components: ['formative'] } });
  });

  it('nothing at all to assess is н/а', () => {
    const result = right(computePeriodResult(current, termContext, { formative: [], sectionSummatives: [] }));
    expect(result).toMatchObject({ _tag: 'notAssessed', reason: { kind: 'nothingToAssess' } });
  });

  it('letter grades: a custom scale with labels', () => {
    const letters = custom({
      gradeScales: [
        {
          gradeLevels: { from: 1, to: 12 },
          scale: {
            grades: ['F', 'D', 'C', 'B', 'A'],
            lowestPassingGrade: 'D',
            bands: [{ from: 0, grade: 'F' }, { from: 50, grade: 'D' }, { from: 60, grade: 'C' }, { from: 75, grade: 'B' }, { from: 90, grade: 'A' }],
          },
        },
      ],
      noMarksGradeLevels: [],
      yearGrade: { method: 'meanOfScalePositions', rounding: 'halfUp' },
    });
    const result = right(computePeriodResult(letters, termContext, { formative: [9, 9], sectionSummatives: [scored('s', 9, 10)], termSummative: scored('t', 18, 20) }));
    expect(result._tag === 'graded' && result.grade).toBe('A');
  });
});
