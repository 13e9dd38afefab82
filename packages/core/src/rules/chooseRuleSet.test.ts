import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { chooseRuleSet, decodeRuleSet, kazakhstanDefaults, kazakhstanRuleSets, type RuleSet } from './index';

const right = <L, A>(e: E.Either<L, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const shipped = right(kazakhstanRuleSets());
const idOn = (ruleSets: ReadonlyArray<RuleSet>, date: string): string => right(chooseRuleSet(ruleSets, { date })).id;

const dateArb = fc
  .tuple(fc.integer({ min: 2010, max: 2035 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

describe('kazakhstanRuleSets', () => {
  it('defaults: grade 1 loses marks on 2020-09-01, the current weights start on 2022-09-01', () => {
    expect(kazakhstanDefaults).toEqual({ currentWeightsFrom: '2022-09-01', gradeOneNoMarksFrom: '2020-09-01' });
    expect(shipped.map((rs) => [rs.id, rs.effective.from, rs.effective.until])).toEqual([
      ['kz-older-g1-marks', null, '2020-09-01'],
      ['kz-older', '2020-09-01', '2022-09-01'],
      ['kz-current', '2022-09-01', null],
    ]);
    expect(shipped.map((rs) => rs.weights.withTermSummative)).toEqual([
      { formative: 0, sectionSummatives: 50, termSummative: 50 },
      { formative: 0, sectionSummatives: 50, termSummative: 50 },
      { formative: 25, sectionSummatives: 25, termSummative: 50 },
    ]);
  });

  it('a school system can move the unverified boundary', () => {
    const moved = right(kazakhstanRuleSets({ currentWeightsFrom: '2021-09-01' }));
    expect(idOn(moved, '2021-10-01')).toBe('kz-current');
    expect(idOn(shipped, '2021-10-01')).toBe('kz-older');
    // Dated before grade 1 lost its marks, a current rule set with grade-1 marks appears in between.
    const early = right(kazakhstanRuleSets({ currentWeightsFrom: '2019-09-01' }));
    expect(early.map((rs) => rs.id)).toEqual(['kz-older-g1-marks', 'kz-current-g1-marks', 'kz-current']);
    const same = right(kazakhstanRuleSets({ currentWeightsFrom: '2020-09-01' }));
    expect(same.map((rs) => rs.id)).toEqual(['kz-older-g1-marks', 'kz-current']);
  });

  it('rejects a bad boundary date', () => {
    const result = kazakhstanRuleSets({ currentWeightsFrom: '2022-13-01' });
    expect(E.isLeft(result) && result.left.problems[0]?.field).toBe('currentWeightsFrom');
  });

  it('for any boundaries, every date has exactly one rule set (property)', () => {
    fc.assert(
      fc.property(dateArb, dateArb, dateArb, (currentWeightsFrom, gradeOneNoMarksFrom, date) => {
        const ruleSets = right(kazakhstanRuleSets({ currentWeightsFrom, gradeOneNoMarksFrom }));
        const chosen = right(chooseRuleSet(ruleSets, { date }));
        expect(chosen.weights.withTermSummative.formative).toBe(date >= currentWeightsFrom ? 25 : 0);
        expect(chosen.noMarksGradeLevels.includes(1)).toBe(date >= gradeOneNoMarksFrom);
      }),
    );
  });
});

describe('chooseRuleSet', () => {
  it('by the term start date, `from` inclusive and `until` exclusive', () => {
    expect(idOn(shipped, '2018-09-03')).toBe('kz-older-g1-marks');
    expect(idOn(shipped, '2020-08-31')).toBe('kz-older-g1-marks');
    expect(idOn(shipped, '2020-09-01')).toBe('kz-older');
    expect(idOn(shipped, '2022-08-31')).toBe('kz-older');
    expect(idOn(shipped, '2022-09-01')).toBe('kz-current');
    expect(idOn(shipped, '2025-11-10')).toBe('kz-current');
  });

  it('the id recorded when the school year was opened wins over the date', () => {
    expect(right(chooseRuleSet(shipped, { recordedRuleSetId: 'kz-older', date: '2025-11-10' })).id).toBe('kz-older');
  });

  it('an unknown recorded id is an error, not a fall-back to the date', () => {
    const result = chooseRuleSet(shipped, { recordedRuleSetId: 'kz-2019', date: '2019-11-04' });
    expect(E.isLeft(result) && result.left).toMatchObject({ _tag: 'RuleSetNotFound', reason: 'unknownId', recordedRuleSetId: 'kz-2019' });
  });

  it('no rule set in effect, several in effect, a bad date', () => {
    const currentOnly = shipped.filter((rs) => rs.id === 'kz-current');
    expect(E.isLeft(chooseRuleSet(currentOnly, { date: '2019-11-04' })) && chooseRuleSet(currentOnly, { date: '2019-11-04' })).toMatchObject({
      left: { reason: 'noneInEffect' },
    });
    const school = right(decodeRuleSet({ ...shipped[2], id: 'school-42', effective: { from: '2024-09-01', until: null } }));
    const both = chooseRuleSet([...shipped, school], { date: '2024-11-04' });
    expect(E.isLeft(both) && both.left).toMatchObject({ reason: 'ambiguous', candidates: ['kz-current', 'school-42'] });
    const bad = chooseRuleSet(shipped, { date: '04.11.2024' });
    expect(E.isLeft(bad) && bad.left.reason).toBe('invalidDate');
  });
});
