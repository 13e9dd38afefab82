import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { kazakhstanRuleSets, type PeriodContext, type PeriodMarks, type RuleSet, type Summative } from './index';
import { periodInputProblems, validatePeriodInput } from './periodMarks';

const shipped = ((): ReadonlyArray<RuleSet> => {
  const sets = kazakhstanRuleSets();
  if (E.isLeft(sets)) throw new Error(sets.left.message);
  return sets.right;
})();

// Inputs near and over every limit: marks off the scale, odd grade levels, empty or repeated
// summative ids, maxima of 0 or NaN, points over the maximum, a СОЧ in a half-year.
const numberNearLimits = fc.oneof(
  fc.integer({ min: -2, max: 42 }),
  fc.constantFrom(0, -0, 0.5, 10.5, Number.NaN, Number.POSITIVE_INFINITY),
);
const summativeArb: fc.Arbitrary<Summative> = fc.record({
  summativeId: fc.constantFrom('', 'sor-1', 'sor-2', 'soch'),
  maxPoints: numberNearLimits,
  outcome: fc.oneof(
    numberNearLimits.map((points): Summative['outcome'] => ({ kind: 'scored', points })),
    fc.constantFrom<Summative['outcome']>({ kind: 'missedExcused' }, { kind: 'missedUnexcused' }, { kind: 'cancelled' }),
  ),
});
const marksArb: fc.Arbitrary<PeriodMarks> = fc.record({
  formative: fc.array(numberNearLimits, { maxLength: 6 }),
  sectionSummatives: fc.array(summativeArb, { maxLength: 3 }),
  termSummative: fc.option(summativeArb, { nil: undefined }),
});
const contextArb: fc.Arbitrary<PeriodContext> = fc.record({
  gradeLevel: fc.oneof(fc.integer({ min: 1, max: 11 }), fc.constant(7.5)),
  gradingMode: fc.constant('scored' as const),
  period: fc.record({ kind: fc.constantFrom('term' as const, 'halfYear' as const), number: fc.integer({ min: 1, max: 4 }) }),
});

describe('validatePeriodInput', () => {
  it('accepts exactly the inputs with no problem, and otherwise reports the first problem (its fast path agrees with the full check)', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.constantFrom(...shipped), contextArb, marksArb, (ruleSet, context, marks) => {
        const problems = periodInputProblems(ruleSet, context, marks);
        const result = validatePeriodInput(ruleSet, context, marks);
        if (problems.length > 0) refused += 1;
        expect(result).toEqual(problems.length === 0 ? E.right(marks) : E.left(problems[0]));
      }),
      { numRuns: 500 },
    );
    // The arbitrary reaches both sides.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(500);
  });
});
