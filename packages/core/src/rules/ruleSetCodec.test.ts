import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { decodeRuleSet, decodeRuleSets, kazakhstanRuleSets, RuleSetCodec, type InvalidRuleSet, type RuleSetData } from './index';

const right = <L, A>(e: E.Either<L, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const shipped = right(kazakhstanRuleSets());
const base: RuleSetData = shipped[shipped.length - 1] as RuleSetData;

const rejected = (input: unknown): InvalidRuleSet => {
  const result = decodeRuleSet(input);
  if (E.isRight(result)) throw new Error('expected the rule set to be rejected');
  return result.left;
};
const fields = (error: InvalidRuleSet): ReadonlyArray<string> => error.problems.map((p) => p.field);

const withBands = (bands: ReadonlyArray<unknown>): unknown => ({
  ...base,
  gradeScales: [{ gradeLevels: { from: 2, to: 12 }, scale: { grades: [2, 3, 4, 5], lowestPassingGrade: 3, bands } }],
});
const kzBands = [
  { from: 0, to: 39, grade: 2 },
  { from: 40, to: 64, grade: 3 },
  { from: 65, to: 84, grade: 4 },
  { from: 85, to: 100, grade: 5 },
];

describe('decodeRuleSet accepts sound rule sets', () => {
  it('every shipped rule set decodes, and the codec round-trips it', () => {
    for (const ruleSet of shipped) {
      expect(right(decodeRuleSet(JSON.parse(JSON.stringify(ruleSet))))).toEqual(ruleSet);
      expect(right(RuleSetCodec.decode(RuleSetCodec.encode(ruleSet)))).toEqual(ruleSet);
      expect(RuleSetCodec.is(ruleSet)).toBe(true);
    }
  });

  it('weights summing to 100 with decimals are accepted exactly (33.3 + 33.3 + 33.4)', () => {
    const ok = decodeRuleSet({ ...base, weights: { ...base.weights, withTermSummative: { formative: 33.3, sectionSummatives: 33.3, termSummative: 33.4 } } });
    expect(E.isRight(ok)).toBe(true);
  });
});

describe('decodeRuleSet rejects bad rule sets, naming the field and the value', () => {
  it('weights that do not sum to 100', () => {
    const error = rejected({ ...base, weights: { ...base.weights, withTermSummative: { formative: 25, sectionSummatives: 25, termSummative: 40 } } });
    expect(error.problems).toEqual([
      {
        field: 'weights.withTermSummative',
        value: { formative: 25, sectionSummatives: 25, termSummative: 40 },
        message: 'weights must sum to 100: formative 25 + sectionSummatives 25 + termSummative 40 = 90',
      },
    ]);
    expect(error.message).toContain('weights.withTermSummative ({"formative":25,"sectionSummatives":25,"termSummative":40})');
  });

  it('weights: any triple is accepted exactly when it sums to 100 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (f, s, t) => {
        const result = decodeRuleSet({ ...base, weights: { ...base.weights, withTermSummative: { formative: f, sectionSummatives: s, termSummative: t } } });
        if (f + s + t === 100) expect(E.isRight(result)).toBe(true);
        else expect(E.isLeft(result) && fields(result.left)).toEqual(['weights.withTermSummative']);
      }),
    );
  });

  it('a СОЧ weight in the without-СОЧ variant, and negative weights', () => {
    expect(fields(rejected({ ...base, weights: { ...base.weights, withoutTermSummative: { formative: 40, sectionSummatives: 40, termSummative: 20 } } }))).toEqual([
      'weights.withoutTermSummative.termSummative',
    ]);
    expect(fields(rejected({ ...base, weights: { ...base.weights, withTermSummative: { formative: -10, sectionSummatives: 60, termSummative: 50 } } }))).toEqual([
      'weights.withTermSummative.formative',
    ]);
  });

  it('a gap between bands', () => {
    const error = rejected(withBands([kzBands[0], { from: 41, to: 64, grade: 3 }, kzBands[2], kzBands[3]]));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ field: 'gradeScales[0].scale.bands[1].from', value: 41 });
    expect(error.problems[0]?.message).toMatch(/^gap: .*should start at 40/);
  });

  it('overlapping bands', () => {
    const error = rejected(withBands([kzBands[0], kzBands[1], { from: 60, to: 84, grade: 4 }, kzBands[3]]));
    expect(error.problems[0]).toMatchObject({ field: 'gradeScales[0].scale.bands[2].from', value: 60 });
    expect(error.problems[0]?.message).toMatch(/^overlap: /);
    const unordered = rejected(withBands([{ from: 0, grade: 2 }, { from: 65, grade: 4 }, { from: 40, grade: 4 }]));
    expect(fields(unordered)).toContain('gradeScales[0].scale.bands[2].from');
  });

  it('bands that do not cover 0..100', () => {
    expect(rejected(withBands([{ from: 5, grade: 2 }, { from: 40, grade: 3 }])).problems[0]).toMatchObject({
      field: 'gradeScales[0].scale.bands[0].from',
      value: 5,
    });
    expect(rejected(withBands([kzBands[0], kzBands[1], kzBands[2], { from: 85, to: 99, grade: 5 }])).problems[0]).toMatchObject({
      field: 'gradeScales[0].scale.bands[3].to',
      value: 99,
    });
    expect(rejected(withBands([{ from: 0, grade: 2 }, { from: 140, grade: 3 }])).problems[0]).toMatchObject({
      field: 'gradeScales[0].scale.bands[1].from',
      value: 140,
    });
  });

  it('moving any band start of the official table is rejected at that band (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -30, max: 30 }).filter((d) => d !== 0), (index, delta) => {
        const bands = kzBands.map((b, i) => (i === index ? { ...b, from: b.from + delta } : b));
        expect(fields(rejected(withBands(bands)))).toContain(`gradeScales[0].scale.bands[${index}].from`);
      }),
    );
  });

  it('a higher percentage giving a lower grade, and grades not on the scale', () => {
    expect(fields(rejected(withBands([{ from: 0, grade: 3 }, { from: 50, grade: 2 }])))).toEqual(['gradeScales[0].scale.bands[1].grade']);
    expect(fields(rejected(withBands([{ from: 0, grade: 2 }, { from: 50, grade: 6 }])))).toEqual(['gradeScales[0].scale.bands[1].grade']);
  });

  it('the `to` of a band is checked against the rounding step', () => {
    // At 1 decimal the next band after "to 39" would have to start at 39.1.
    const oneDecimal = { ...(withBands(kzBands) as object), gradeRounding: { decimals: 1, mode: 'halfUp' } };
    expect(rejected(oneDecimal).problems[0]?.message).toMatch(/should start at 39\.1/);
    const restated = withBands([
      { from: 0, to: 39.9, grade: 2 },
      { from: 40, to: 64.9, grade: 3 },
      { from: 65, to: 84.9, grade: 4 },
      { from: 85, to: 100, grade: 5 },
    ]);
    expect(E.isRight(decodeRuleSet({ ...(restated as object), gradeRounding: { decimals: 1, mode: 'halfUp' } }))).toBe(true);
  });

  it('structural errors name the path', () => {
    const { formative: _formative, ...missing } = base;
    expect(fields(rejected(missing))).toContain('formative');
    expect(rejected({ ...base, gradeRounding: { decimals: 0, mode: 'nearest' } }).problems[0]).toMatchObject({
      field: 'gradeRounding.mode',
      value: 'nearest',
    });
    expect(fields(rejected({ ...base, id: 'has spaces' }))).toEqual(['id']);
    expect(fields(rejected({ ...base, effective: { from: '2022-02-30', until: null } }))).toEqual(['effective.from']);
  });

  it('other value checks', () => {
    expect(fields(rejected({ ...base, effective: { from: '2022-09-01', until: '2022-09-01' } }))).toEqual(['effective.until']);
    expect(fields(rejected({ ...base, formative: { minMark: 1, maxMark: 10, dropLowest: -1 } }))).toEqual(['formative.dropLowest']);
    expect(
      fields(
        rejected({
          ...base,
          gradeScales: [...base.gradeScales, { gradeLevels: { from: 11, to: 12 }, scale: base.gradeScales[0]?.scale }],
        }),
      ),
    ).toEqual(['gradeScales[1].gradeLevels']);
    expect(
      fields(rejected({ ...base, gradeScales: [{ gradeLevels: { from: 2, to: 12 }, scale: { grades: ['A', 'B'], lowestPassingGrade: 'A', bands: [{ from: 0, grade: 'A' }] } }] })),
    ).toEqual(['gradeScales[0].scale.grades[0]', 'gradeScales[0].scale.grades[1]']);
  });

  it('the io-ts codec fails with the same field names', () => {
    const result = RuleSetCodec.decode({ ...base, weights: { ...base.weights, withTermSummative: { formative: 50, sectionSummatives: 50, termSummative: 50 } } });
    expect(E.isLeft(result) && result.left.map((e) => e.message)).toEqual([
      'weights.withTermSummative ({"formative":50,"sectionSummatives":50,"termSummative":50}): weights must sum to 100: formative 50 + sectionSummatives 50 + termSummative 50 = 150',
    ]);
  });

  it('a list may not repeat an id', () => {
    const result = decodeRuleSets([base, base]);
    expect(E.isLeft(result) && result.left.problems[0]).toMatchObject({ field: 'id', value: base.id });
  });
});

describe('summativeLimits', () => {
  it('is optional (the documented default 3 and 3), and its values are whole numbers 0..100, named when wrong', () => {
    const { summativeLimits: _ignored, ...withoutLimits } = base;
    expect(E.isRight(decodeRuleSet({ ...withoutLimits, id: 'no-limits' }))).toBe(true);
    expect(base.summativeLimits).toEqual({ sectionSummativesPerPeriod: 3, termSummativesPerDay: 3, noTermSummativeOnLastDayOfTerm: true, noTermSummativeOnSectionSummativeDay: true });
    const limits = base.summativeLimits;
    const error = rejected({ ...base, summativeLimits: { ...limits, sectionSummativesPerPeriod: -1, termSummativesPerDay: 2.5 } });
    expect(fields(error)).toEqual(['summativeLimits.sectionSummativesPerPeriod', 'summativeLimits.termSummativesPerDay']);
    const { termSummativesPerDay: _missing, ...partial } = limits ?? {};
    expect(fields(rejected({ ...base, summativeLimits: partial }))).toEqual(['summativeLimits.termSummativesPerDay']);
    expect(fields(rejected({ ...base, summativeLimits: { ...limits, noTermSummativeOnLastDayOfTerm: 'yes' } }))).toEqual(['summativeLimits.noTermSummativeOnLastDayOfTerm']);
  });
});
