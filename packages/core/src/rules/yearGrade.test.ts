import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import * as R from '../primitives/rational';
import { decodeRuleSet, explainResult, finalGrade, kazakhstanRuleSets, yearGrade, type RuleSet } from './index';

const right = <L, A>(e: E.Either<L, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const current = right(kazakhstanRuleSets()).find((rs) => rs.id === 'kz-current') as RuleSet;
const gradeArb = fc.constantFrom(2, 3, 4, 5);

describe('yearGrade', () => {
  it('lies between the lowest and highest period grade and within half a grade of the mean (property)', () => {
    fc.assert(
      fc.property(fc.array(gradeArb, { minLength: 1, maxLength: 4 }), (grades) => {
        const r = right(yearGrade(current, { gradeLevel: 7, periodGrades: grades }));
        expect(r.grade).toBeGreaterThanOrEqual(Math.min(...grades));
        expect(r.grade).toBeLessThanOrEqual(Math.max(...grades));
        expect(r.mean).toEqual(right(R.fromFraction(grades.reduce((a, b) => a + b, 0), grades.length)));
        const distance = R.abs(R.sub(R.fromInteger(r.grade as number), r.mean));
        expect(R.lte(distance, right(R.fromFraction(1, 2)))).toBe(true);
      }),
    );
  });

  it('does not depend on the order of the periods (property)', () => {
    fc.assert(
      fc.property(fc.array(gradeArb, { minLength: 1, maxLength: 4 }), (grades) => {
        const a = right(yearGrade(current, { gradeLevel: 7, periodGrades: grades }));
        const b = right(yearGrade(current, { gradeLevel: 7, periodGrades: [...grades].reverse() }));
        expect([b.grade, b.mean]).toEqual([a.grade, a.mean]);
      }),
    );
  });

  it('rejects grades that are not on the scale and an empty list', () => {
    const bad = yearGrade(current, { gradeLevel: 7, periodGrades: [4, 6] });
    expect(E.isLeft(bad) && bad.left).toMatchObject({ _tag: 'GradeNotOnScale', field: 'periodGrades[1]', value: 6 });
    const none = yearGrade(current, { gradeLevel: 7, periodGrades: [] });
    expect(E.isLeft(none) && none.left._tag).toBe('InvalidInput');
  });

  it('names the first grade off the scale, whatever follows it (property)', () => {
    const anyGrade = fc.constantFrom<number | string>(1, 2, 3, 4, 5, 6, '4', 'pass', 'notAssessed');
    fc.assert(
      fc.property(fc.array(anyGrade, { minLength: 1, maxLength: 5 }), (grades) => {
        const first = grades.findIndex((g) => ![2, 3, 4, 5].includes(g as number));
        const result = yearGrade(current, { gradeLevel: 7, periodGrades: grades as ReadonlyArray<number> });
        if (first < 0) expect(E.isRight(result)).toBe(true);
        else expect(E.isLeft(result) && result.left).toMatchObject({ _tag: 'GradeNotOnScale', field: `periodGrades[${first}]`, value: grades[first] });
      }),
    );
  });

  it('letter grades average their scale positions', () => {
    const letters = right(
      decodeRuleSet({
        ...current,
        id: 'letters',
        gradeScales: [
          {
            gradeLevels: { from: 1, to: 12 },
            scale: { grades: ['F', 'D', 'C', 'B', 'A'], lowestPassingGrade: 'D', bands: [{ from: 0, grade: 'F' }, { from: 50, grade: 'D' }, { from: 60, grade: 'C' }, { from: 75, grade: 'B' }, { from: 90, grade: 'A' }] },
          },
        ],
        noMarksGradeLevels: [],
        yearGrade: { method: 'meanOfScalePositions', rounding: 'halfUp' },
      }),
    );
    // B, C, A, A → positions 3, 2, 4, 4 → 13/4 = 3.25 → 3 → B
    const r = right(yearGrade(letters, { gradeLevel: 9, periodGrades: ['B', 'C', 'A', 'A'] }));
    expect([r.mean, r.grade]).toEqual([right(R.fromFraction(13, 4)), 'B']);
    expect(explainResult(r)[1]).toContain('mean scale position 3.25');
  });
});

describe('finalGrade', () => {
  it('a passing year grade is final and allows no re-sit', () => {
    expect(right(finalGrade(current, { gradeLevel: 7, yearGrade: 4, resitGrades: [] }))).toMatchObject({ grade: 4, passing: true, attempts: [] });
    const resit = finalGrade(current, { gradeLevel: 7, yearGrade: 3, resitGrades: [5] });
    expect(E.isLeft(resit) && resit.left._tag).toBe('ResitNotAllowed');
  });

  it('no re-sit after a passed one, and at most two', () => {
    const afterPass = finalGrade(current, { gradeLevel: 7, yearGrade: 2, resitGrades: [4, 5] });
    expect(E.isLeft(afterPass) && afterPass.left).toMatchObject({ _tag: 'ResitNotAllowed', field: 'resitGrades[1]' });
    const third = finalGrade(current, { gradeLevel: 7, yearGrade: 2, resitGrades: [2, 2, 2] });
    expect(E.isLeft(third) && third.left._tag).toBe('ResitNotAllowed');
  });

  it('the final grade never falls below the year grade and passes with a re-sit of 3 or more (property)', () => {
    fc.assert(
      fc.property(gradeArb, (resit) => {
        const r = right(finalGrade(current, { gradeLevel: 7, yearGrade: 2, resitGrades: [resit] }));
        expect(r.grade).toBeGreaterThanOrEqual(2);
        expect(r.passing).toBe(resit >= 3);
      }),
    );
  });
});

describe('a rule set decodeRuleSet accepts can always average its grades', () => {
  it('meanOfGrades: for any whole-number scale the codec accepts, every year and re-sit grade exists (property)', () => {
    const scaleArb = fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 5 }).map((gs) => [...gs].sort((a, b) => a - b));
    fc.assert(
      fc.property(scaleArb, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.nat(), (grades, picks, pick) => {
        const decoded = decodeRuleSet({
          ...current,
          id: 'odd-scale',
          gradeScales: [{ gradeLevels: { from: 2, to: 12 }, scale: { grades, lowestPassingGrade: grades[grades.length - 1], bands: [{ from: 0, grade: grades[0] }] } }],
        });
        if (E.isLeft(decoded)) return;
        const at = (n: number) => grades[n % grades.length] as number;
        expect(E.isRight(yearGrade(decoded.right, { gradeLevel: 7, periodGrades: picks.map(at) }))).toBe(true);
        expect(E.isRight(finalGrade(decoded.right, { gradeLevel: 7, yearGrade: grades[0] as number, resitGrades: grades.length > 1 ? [at(pick)] : [] }))).toBe(true);
      }),
    );
  });

  it('rejects meanOfGrades on a scale with a hole (1, 3, 5: the mean of 1 and 3 is 2, not a grade), naming the field', () => {
    const decoded = decodeRuleSet({
      ...current,
      id: 'holes',
      gradeScales: [{ gradeLevels: { from: 2, to: 12 }, scale: { grades: [1, 3, 5], lowestPassingGrade: 3, bands: [{ from: 0, grade: 1 }, { from: 50, grade: 3 }, { from: 80, grade: 5 }] } }],
    });
    expect(E.isLeft(decoded) && decoded.left.problems).toEqual([expect.objectContaining({ field: 'gradeScales[0].scale.grades', value: [1, 3, 5] })]);
  });
});
