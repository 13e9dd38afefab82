/**
 * The worked examples of docs/rules.md, computed there by hand. Every number here is the one in
 * the document's tables (exact fractions where the decimal does not terminate).
 */
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import * as R from '../primitives/rational';
import {
  chooseRuleSet,
  computePeriodResult,
  decideGrade,
  decodeRuleSet,
  explainResult,
  finalGrade,
  isHalfYearSubject,
  kazakhstanRuleSets,
  kazakhstanScale,
  promotionOutcome,
  yearGrade,
  type GradedResult,
  type PeriodContext,
  type PeriodMarks,
  type RuleSet,
  type Summative,
} from './index';

const right = <L, A>(e: E.Either<L, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const q = (num: number, den = 1): R.Rational => right(R.fromFraction(num, den));
const dec = (text: string): R.Rational => right(R.fromDecimalString(text));

const ruleSets = right(kazakhstanRuleSets());
const current = right(chooseRuleSet(ruleSets, { date: '2023-01-09' }));
const older = right(chooseRuleSet(ruleSets, { date: '2021-01-11' }));
const olderGradeOne = right(chooseRuleSet(ruleSets, { date: '2019-10-01' }));

const scored = (summativeId: string, points: number, maxPoints: number): Summative => ({
  summativeId,
  maxPoints,
  outcome: { kind: 'scored', points },
});
const term = (gradeLevel = 7): PeriodContext => ({ gradeLevel, gradingMode: 'scored', period: { kind: 'term', number: 2 } });
const halfYear: PeriodContext = { gradeLevel: 7, gradingMode: 'scored', period: { kind: 'halfYear', number: 1 } };

const graded = (ruleSet: RuleSet, context: PeriodContext, marks: PeriodMarks): GradedResult => {
  const result = right(computePeriodResult(ruleSet, context, marks));
  if (result._tag !== 'graded') throw new Error(`expected a grade, got ${result._tag}`);
  return result;
};

/** One row per component: [percentage or null, applied weight, contribution]. */
type Row = readonly [R.Rational | null, R.Rational, R.Rational];

const expectTable = (
  result: GradedResult,
  expected: { rows: readonly [Row, Row, Row]; total: R.Rational; display: string; rounded: number; grade: number },
): void => {
  result.components.forEach((c, i) => {
    const [pct, weight, contribution] = expected.rows[i] ?? [null, R.zero, R.zero];
    expect({ component: c.component, pct: c.percentage, weight: c.weight, contribution: c.contribution }).toEqual({
      component: c.component,
      pct,
      weight,
      contribution,
    });
  });
  expect(result.percentage).toEqual(expected.total);
  expect(result.percentageDisplay).toBe(expected.display);
  expect(result.decision.roundedPercentage).toEqual(q(expected.rounded));
  expect(result.grade).toBe(expected.grade);
};

describe('rule set choice for the examples', () => {
  it('picks the documented rule sets by date', () => {
    expect([current.id, older.id, olderGradeOne.id]).toEqual(['kz-current', 'kz-older', 'kz-older-g1-marks']);
  });
});

describe('current rule set (kz-current): ФО 25% + СОР 25% + СОЧ 50%', () => {
  it('C1 typical term', () => {
    const r = graded(current, term(), {
      formative: [8, 7, 9, 6],
      sectionSummatives: [scored('sor-1', 15, 20), scored('sor-2', 8, 10)],
      termSummative: scored('soch', 21, 25),
    });
    expectTable(r, {
      rows: [
        [q(75), q(25), dec('18.75')],
        [q(230, 3), q(25), q(115, 6)],
        [q(84), q(50), q(42)],
      ],
      total: q(959, 12),
      display: '79.9',
      rounded: 80,
      grade: 4,
    });
  });

  it('C2 exactly 40% gives 3', () => {
    const r = graded(current, term(), {
      formative: [3, 5],
      sectionSummatives: [scored('sor-1', 6, 15), scored('sor-2', 2, 5)],
      termSummative: scored('soch', 12, 30),
    });
    expectTable(r, {
      rows: [
        [q(40), q(25), q(10)],
        [q(40), q(25), q(10)],
        [q(40), q(50), q(20)],
      ],
      total: q(40),
      display: '40.0',
      rounded: 40,
      grade: 3,
    });
  });

  it('C3 exactly 64.5% rounds half up to 65 and gives 4', () => {
    const r = graded(current, term(), {
      formative: [6, 8],
      sectionSummatives: [scored('sor-1', 7, 10), scored('sor-2', 8, 15)],
      termSummative: scored('soch', 16, 25),
    });
    expectTable(r, {
      rows: [
        [q(70), q(25), dec('17.5')],
        [q(60), q(25), q(15)],
        [q(64), q(50), q(32)],
      ],
      total: dec('64.5'),
      display: '64.5',
      rounded: 65,
      grade: 4,
    });
  });

  it('C4 displayed as 64.5 but exactly 64.458…% gives 3', () => {
    const r = graded(current, term(), {
      formative: [8, 7, 7, 7],
      sectionSummatives: [scored('sor-1', 10, 15), scored('sor-2', 8, 10)],
      termSummative: scored('soch', 17, 30),
    });
    expectTable(r, {
      rows: [
        [dec('72.5'), q(25), dec('18.125')],
        [q(72), q(25), q(18)],
        [q(170, 3), q(50), q(85, 3)],
      ],
      total: q(1547, 24),
      display: '64.5',
      rounded: 64,
      grade: 3,
    });
  });

  it('C5 84.958…% (shown 85.0) rounds to 85 and gives 5', () => {
    const r = graded(current, term(), {
      formative: [9, 8, 8, 8],
      sectionSummatives: [scored('sor-1', 12, 15), scored('sor-2', 10, 15)],
      termSummative: scored('soch', 23, 25),
    });
    expectTable(r, {
      rows: [
        [dec('82.5'), q(25), dec('20.625')],
        [q(220, 3), q(25), q(55, 3)],
        [q(92), q(50), q(46)],
      ],
      total: q(2039, 24),
      display: '85.0',
      rounded: 85,
      grade: 5,
    });
  });

  it('C6 a term without СОЧ: ФО 50% + СОР 50%', () => {
    const r = graded(current, term(), {
      formative: [5, 6, 7, 6, 8],
      sectionSummatives: [scored('sor-1', 9, 10), scored('sor-2', 10, 15)],
    });
    expect(r.weights).toEqual({ variant: 'withoutTermSummative', reason: 'noTermSummative' });
    expectTable(r, {
      rows: [
        [q(64), q(50), q(32)],
        [q(76), q(50), q(38)],
        [null, q(0), q(0)],
      ],
      total: q(70),
      display: '70.0',
      rounded: 70,
      grade: 4,
    });
  });

  it('C7 a half-year subject (1 hour a week): ФО 50% + СОР 50%', () => {
    expect(isHalfYearSubject(current, 1)).toBe(true);
    expect(isHalfYearSubject(current, 2)).toBe(false);
    const r = graded(current, halfYear, {
      formative: [9, 10, 8],
      sectionSummatives: [scored('sor-1', 18, 20), scored('sor-2', 7, 10)],
    });
    expect(r.weights).toEqual({ variant: 'withoutTermSummative', reason: 'halfYear' });
    expectTable(r, {
      rows: [
        [q(90), q(50), q(45)],
        [q(250, 3), q(50), q(125, 3)],
        [null, q(0), q(0)],
      ],
      total: q(260, 3),
      display: '86.7',
      rounded: 87,
      grade: 5,
    });
  });

  it('C8 a cancelled СОЧ: its 50% is redistributed 25:25 to ФО and СОР; a cancelled СОР leaves the pool', () => {
    const r = graded(current, term(), {
      formative: [7, 8],
      sectionSummatives: [scored('sor-1', 12, 20), { summativeId: 'sor-2', maxPoints: 10, outcome: { kind: 'cancelled' } }],
      termSummative: { summativeId: 'soch', maxPoints: 25, outcome: { kind: 'cancelled' } },
    });
    expectTable(r, {
      rows: [
        [dec('75'), q(50), dec('37.5')],
        [q(60), q(50), q(30)],
        [null, q(0), q(0)],
      ],
      total: dec('67.5'),
      display: '67.5',
      rounded: 68,
      grade: 4,
    });
    expect(r.components.map((c) => c.ruleWeight)).toEqual([q(25), q(25), q(50)]);
    expect(r.adjustments).toContainEqual({ kind: 'sectionSummativeCancelled', summativeId: 'sor-2' });
    expect(r.adjustments).toContainEqual({
      kind: 'weightRedistributed',
      component: 'termSummative',
      weight: q(50),
      reason: 'cancelled',
      to: ['formative', 'sectionSummatives'],
    });
    expect(explainResult(r).join('\n')).toContain('redistributed');
  });

  it('C8b the same marks under treatAsWithoutTermSummative with ФО 40% + СОР 60% without СОЧ give 66%', () => {
    const custom = right(
      decodeRuleSet({
        ...current,
        id: 'custom-cancel',
        cancelledTermSummative: 'treatAsWithoutTermSummative',
        weights: { ...current.weights, withoutTermSummative: { formative: 40, sectionSummatives: 60, termSummative: 0 } },
      }),
    );
    const r = graded(custom, term(), {
      formative: [7, 8],
      sectionSummatives: [scored('sor-1', 12, 20)],
      termSummative: { summativeId: 'soch', maxPoints: 25, outcome: { kind: 'cancelled' } },
    });
    expect(r.weights).toEqual({ variant: 'withoutTermSummative', reason: 'termSummativeCancelled' });
    expectTable(r, {
      rows: [
        [q(75), q(40), q(30)],
        [q(60), q(60), q(36)],
        [null, q(0), q(0)],
      ],
      total: q(66),
      display: '66.0',
      rounded: 66,
      grade: 4,
    });
  });

  it('C9 a СОЧ missed without a valid reason counts 0 points', () => {
    const r = graded(current, term(), {
      formative: [8, 8],
      sectionSummatives: [scored('sor-1', 16, 20)],
      termSummative: { summativeId: 'soch', maxPoints: 25, outcome: { kind: 'missedUnexcused' } },
    });
    expectTable(r, {
      rows: [
        [q(80), q(25), q(20)],
        [q(80), q(25), q(20)],
        [q(0), q(50), q(0)],
      ],
      total: q(40),
      display: '40.0',
      rounded: 40,
      grade: 3,
    });
  });

  it('C10 a СОЧ missed for a valid reason and not yet sat: н/а', () => {
    const result = right(
      computePeriodResult(current, term(), {
        formative: [8, 8],
        sectionSummatives: [scored('sor-1', 16, 20)],
        termSummative: { summativeId: 'soch', maxPoints: 25, outcome: { kind: 'missedExcused' } },
      }),
    );
    expect(result).toEqual({
      _tag: 'notAssessed',
      ruleSetId: 'kz-current',
      context: term(),
      reason: { kind: 'missedSummative', summativeIds: ['soch'] },
    });
    expect(explainResult(result).join('\n')).toContain('н/а');
  });
});

describe('older rule set (kz-older): СОР 50% + СОЧ 50%, ФО not counted', () => {
  it('O1 typical term: formative marks are shown but weigh 0', () => {
    const r = graded(older, term(5), {
      formative: [10, 10],
      sectionSummatives: [scored('sor-1', 12, 20), scored('sor-2', 9, 10)],
      termSummative: scored('soch', 17, 25),
    });
    expect(r.components[0]?.status).toBe('notWeighted');
    expectTable(r, {
      rows: [
        [q(100), q(0), q(0)],
        [q(70), q(50), q(35)],
        [q(68), q(50), q(34)],
      ],
      total: q(69),
      display: '69.0',
      rounded: 69,
      grade: 4,
    });
  });

  it('O2 exactly 40% gives 3', () => {
    const r = graded(older, term(5), {
      formative: [],
      sectionSummatives: [scored('sor-1', 5, 10), scored('sor-2', 5, 10)],
      termSummative: scored('soch', 6, 20),
    });
    expectTable(r, {
      rows: [
        [null, q(0), q(0)],
        [q(50), q(50), q(25)],
        [q(30), q(50), q(15)],
      ],
      total: q(40),
      display: '40.0',
      rounded: 40,
      grade: 3,
    });
  });

  it('O3 exactly 39.5% rounds half up to 40 and gives 3', () => {
    const r = graded(older, term(5), {
      formative: [],
      sectionSummatives: [scored('sor-1', 3, 20)],
      termSummative: scored('soch', 16, 25),
    });
    expectTable(r, {
      rows: [
        [null, q(0), q(0)],
        [q(15), q(50), dec('7.5')],
        [q(64), q(50), q(32)],
      ],
      total: dec('39.5'),
      display: '39.5',
      rounded: 40,
      grade: 3,
    });
  });

  it('O4 exactly 64.5% gives 4', () => {
    const r = graded(older, term(5), {
      formative: [],
      sectionSummatives: [scored('sor-1', 13, 20)],
      termSummative: scored('soch', 16, 25),
    });
    expectTable(r, {
      rows: [
        [null, q(0), q(0)],
        [q(65), q(50), dec('32.5')],
        [q(64), q(50), q(32)],
      ],
      total: dec('64.5'),
      display: '64.5',
      rounded: 65,
      grade: 4,
    });
  });

  it('O5 displayed as 64.5 but exactly 64.4615…% gives 3', () => {
    const r = graded(older, term(5), {
      formative: [],
      sectionSummatives: [scored('sor-1', 4, 6), scored('sor-2', 6, 7)],
      termSummative: scored('soch', 13, 25),
    });
    expectTable(r, {
      rows: [
        [null, q(0), q(0)],
        [q(1000, 13), q(50), q(500, 13)],
        [q(52), q(50), q(26)],
      ],
      total: q(838, 13),
      display: '64.5',
      rounded: 64,
      grade: 3,
    });
  });

  it('O6 84.9898…% (84.99 to two decimals) rounds to 85 and gives 5', () => {
    const r = graded(older, term(5), {
      formative: [],
      sectionSummatives: [scored('sor-1', 8, 8), scored('sor-2', 8, 9)],
      termSummative: scored('soch', 22, 29),
    });
    expectTable(r, {
      rows: [
        [null, q(0), q(0)],
        [q(1600, 17), q(50), q(800, 17)],
        [q(2200, 29), q(50), q(1100, 29)],
      ],
      total: q(41900, 493),
      display: '85.0',
      rounded: 85,
      grade: 5,
    });
    expect(R.toFixed(r.percentage, 2)).toBe('84.99');
  });

  it('O7 a half-year subject (no СОЧ): СОР 100% (assumed)', () => {
    const r = graded(older, halfYear, {
      formative: [9],
      sectionSummatives: [scored('sor-1', 14, 20), scored('sor-2', 6, 10)],
    });
    expectTable(r, {
      rows: [
        [q(90), q(0), q(0)],
        [q(200, 3), q(100), q(200, 3)],
        [null, q(0), q(0)],
      ],
      total: q(200, 3),
      display: '66.7',
      rounded: 67,
      grade: 4,
    });
  });

  it('O8 a cancelled СОЧ: СОР carries 100%', () => {
    const r = graded(older, term(5), {
      formative: [],
      sectionSummatives: [scored('sor-1', 17, 20)],
      termSummative: { summativeId: 'soch', maxPoints: 25, outcome: { kind: 'cancelled' } },
    });
    expectTable(r, {
      rows: [
        [null, q(0), q(0)],
        [q(85), q(100), q(85)],
        [null, q(0), q(0)],
      ],
      total: q(85),
      display: '85.0',
      rounded: 85,
      grade: 5,
    });
  });

  it('O9 grade 1 before 2020 (kz-older-g1-marks): 60% is a 4 on the grade-1 scale (a 3 on the standard one)', () => {
    const r = graded(olderGradeOne, term(1), {
      formative: [],
      sectionSummatives: [scored('sor-1', 7, 10)],
      termSummative: scored('soch', 6, 12),
    });
    expectTable(r, {
      rows: [
        [null, q(0), q(0)],
        [q(70), q(50), q(35)],
        [q(50), q(50), q(25)],
      ],
      total: q(60),
      display: '60.0',
      rounded: 60,
      grade: 4,
    });
    expect(r.decision.band).toEqual({ from: 51, to: 80, grade: 4 });
    expect(decideGrade(kazakhstanScale, older.gradeRounding, q(60)).grade).toBe(3);
  });

  it('O10 grade 1 from 2020 (kz-older): no marks at all', () => {
    const result = right(computePeriodResult(older, term(1), { formative: [5], sectionSummatives: [] }));
    expect(result).toEqual({ _tag: 'noMarks', ruleSetId: 'kz-older', context: term(1), reason: 'gradeLevel' });
  });
});

describe('the rounding table', () => {
  // [exact percentage, displayed (1 decimal), grade at 0 decimals (default), grade at 1 decimal, grade at 2 decimals]
  const table: ReadonlyArray<readonly [R.Rational, string, number, number, number]> = [
    [dec('39.49'), '39.5', 2, 2, 2],
    [dec('39.5'), '39.5', 3, 2, 2],
    [dec('40'), '40.0', 3, 3, 3],
    [dec('64.45'), '64.5', 3, 3, 3],
    [q(1547, 24), '64.5', 3, 3, 3],
    [dec('64.5'), '64.5', 4, 3, 3],
    [dec('64.95'), '65.0', 4, 4, 3],
    [dec('84.99'), '85.0', 5, 5, 4],
  ];
  it.each(table)('%o', (pct, display, grade0, grade1, grade2) => {
    expect(R.toFixed(pct, 1)).toBe(display);
    expect(decideGrade(kazakhstanScale, { decimals: 0, mode: 'halfUp' }, pct).grade).toBe(grade0);
    expect(decideGrade(kazakhstanScale, { decimals: 1, mode: 'halfUp' }, pct).grade).toBe(grade1);
    expect(decideGrade(kazakhstanScale, { decimals: 2, mode: 'halfUp' }, pct).grade).toBe(grade2);
  });
});

describe('year and final grades', () => {
  it('Y1 terms 3, 4, 4, 3: mean 3.5 → 4', () => {
    const r = right(yearGrade(current, { gradeLevel: 7, periodGrades: [3, 4, 4, 3] }));
    expect([r.mean, r.grade, r.passing]).toEqual([dec('3.5'), 4, true]);
  });

  it('Y2 half-years 4, 5: mean 4.5 → 5', () => {
    const r = right(yearGrade(current, { gradeLevel: 7, periodGrades: [4, 5] }));
    expect([r.mean, r.grade]).toEqual([dec('4.5'), 5]);
  });

  it('Y3 terms 3, 2, 2, 3: mean 2.5 → 3 half up (2 with halfEven)', () => {
    const r = right(yearGrade(current, { gradeLevel: 7, periodGrades: [3, 2, 2, 3] }));
    expect([r.mean, r.grade]).toEqual([dec('2.5'), 3]);
    const halfEven = right(decodeRuleSet({ ...current, id: 'half-even', yearGrade: { method: 'meanOfGrades', rounding: 'halfEven' } }));
    expect(right(yearGrade(halfEven, { gradeLevel: 7, periodGrades: [3, 2, 2, 3] })).grade).toBe(2);
  });

  it('Y4 terms 2, 3, 2, 2: mean 2.25 → 2; re-sit 4: mean 3 → final 3', () => {
    const year = right(yearGrade(current, { gradeLevel: 7, periodGrades: [2, 3, 2, 2] }));
    expect([year.mean, year.grade, year.passing]).toEqual([dec('2.25'), 2, false]);
    const final = right(finalGrade(current, { gradeLevel: 7, yearGrade: year.grade, resitGrades: [4] }));
    expect(final.attempts).toEqual([{ attempt: 1, resitGrade: 4, mean: q(3), grade: 3, passing: true }]);
    expect([final.grade, final.passing, final.resitsRemaining]).toEqual([3, true, 0]);
  });

  it('Y5 year 2, re-sit 3: mean 2.5 → final 3', () => {
    const final = right(finalGrade(current, { gradeLevel: 7, yearGrade: 2, resitGrades: [3] }));
    expect([final.attempts[0]?.mean, final.grade]).toEqual([dec('2.5'), 3]);
  });

  it('Y6 year 2, re-sit 2 fails (mean 2), second re-sit 5: mean 3.5 → final 4', () => {
    const afterFirst = right(finalGrade(current, { gradeLevel: 7, yearGrade: 2, resitGrades: [2] }));
    expect([afterFirst.grade, afterFirst.passing, afterFirst.resitsRemaining]).toEqual([2, false, 1]);
    const final = right(finalGrade(current, { gradeLevel: 7, yearGrade: 2, resitGrades: [2, 5] }));
    expect(final.attempts.map((a) => [a.mean, a.grade])).toEqual([
      [q(2), 2],
      [dec('3.5'), 4],
    ]);
    expect([final.grade, final.passing]).toEqual([4, true]);
    expect(explainResult(final)).toContain('Re-sit 2: test 5; mean with the year grade 3.5, rounded halfUp → 4 (passing).');
  });

  it('Y7 promotion: a 2 in 1-2 subjects → re-sits; in 3 or more → the year is repeated', () => {
    expect(right(promotionOutcome(current, { gradeLevel: 7, yearGrades: [3, 4, 5] }))).toEqual({ failedSubjects: 0, outcome: 'promoted' });
    expect(right(promotionOutcome(current, { gradeLevel: 7, yearGrades: [5, 4, 2, 2] }))).toEqual({ failedSubjects: 2, outcome: 'resits' });
    expect(right(promotionOutcome(current, { gradeLevel: 7, yearGrades: [2, 2, 2, 4] }))).toEqual({ failedSubjects: 3, outcome: 'repeatYear' });
  });
});

describe('explanation', () => {
  it('C1 explains each component, the total, the rounding and the band', () => {
    const r = graded(current, term(), {
      formative: [8, 7, 9, 6],
      sectionSummatives: [scored('sor-1', 15, 20), scored('sor-2', 8, 10)],
      termSummative: scored('soch', 21, 25),
    });
    expect(explainResult(r)).toEqual([
      'Rule set kz-current; term 2, grade level 7.',
      'Weights: with СОЧ.',
      'ФО/ҚБ (formative) [counted]: marks 6, 7, 8, 9; mean 7.5 of 10 → 75%; weight 25%; contribution 18.75',
      'СОР/БЖБ (section summatives) [counted]: sor-1 15/20, sor-2 8/10; pooled 23/30 → 76.6667…% (= 230/3); weight 25%; contribution 19.1667… (= 115/6)',
      'СОЧ/ТЖБ (term summative) [counted]: soch 21/25 → 84%; weight 50%; contribution 42',
      'Total: 79.9167…% (= 959/12) (exact), displayed 79.9%.',
      'Rounded to 0 decimal(s) (halfUp): 80%; band 65-84 → grade 4.',
    ]);
  });
});
