/**
 * The docs' code snippets, run: docs/rules.md (a custom rule set and the messages of a bad one),
 * docs/testing.md (given / when / then) and docs/workload.md (bad options). If one of these
 * fails, fix the page with the test.
 */
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { classJournalDecider, decodeRuleSet, journalRulesFromRuleSets, kazakhstanRuleSets, type EventPayload } from '@grade-ledger/core';
import { asLedgerEvents, deciderSpecification } from '@grade-ledger/testing';
import { generateSchoolWorkload, resolveWorkloadOptions } from '@grade-ledger/testing/workload';
import { quickstart } from './quickstart';

const ruleSets = pipeRight(kazakhstanRuleSets());
function pipeRight<A>(either: E.Either<{ readonly message: string }, A>): A {
  if (E.isLeft(either)) throw new Error(either.left.message);
  return either.right;
}

describe('docs/rules.md, section 5: defining a custom rule set', () => {
  // kzCurrent: the shipped `kz-current` (plain data), used as a starting point
  const kzCurrent = ruleSets.find((r) => r.id === 'kz-current')!;

  it('the custom rule set of the example decodes', () => {
    const result = decodeRuleSet({
      ...kzCurrent, id: 'school-42-2025', title: 'School 42 pilot', source: 'school council decision 2025-08-20',
      effective: { from: '2025-09-01', until: null },
      weights: { withTermSummative: { formative: 30, sectionSummatives: 30, termSummative: 40 },
                 withoutTermSummative: { formative: 40, sectionSummatives: 60, termSummative: 0 } },
      formative: { minMark: 1, maxMark: 10, dropLowest: 1 },
      gradeScales: [{ gradeLevels: { from: 1, to: 12 }, scale: {
        grades: ['F', 'D', 'C', 'B', 'A'], lowestPassingGrade: 'D',
        bands: [{ from: 0, grade: 'F' }, { from: 50, grade: 'D' }, { from: 60, grade: 'C' },
                { from: 75, grade: 'B' }, { from: 90, grade: 'A' }] } }],
      noMarksGradeLevels: [],
      yearGrade: { method: 'meanOfScalePositions', rounding: 'halfUp' },
    });
    expect(E.isRight(result)).toBe(true);
    if (E.isRight(result)) expect(result.right.formative.dropLowest).toBe(1);
  });

  it('a bad rule set is rejected with the messages the page shows', () => {
    const badWeights = decodeRuleSet({ ...kzCurrent, weights: { ...kzCurrent.weights, withTermSummative: { formative: 25, sectionSummatives: 25, termSummative: 40 } } });
    expect(E.isLeft(badWeights) && badWeights.left.message).toBe(
      'weights.withTermSummative ({"formative":25,"sectionSummatives":25,"termSummative":40}): weights must sum to 100: formative 25 + sectionSummatives 25 + termSummative 40 = 90',
    );
    const scale = kzCurrent.gradeScales[0]!;
    const gap = decodeRuleSet({
      ...kzCurrent,
      gradeScales: [{ ...scale, scale: { ...scale.scale, bands: [{ from: 0, to: 39, grade: 2 }, { from: 41, to: 64, grade: 3 }, { from: 65, to: 84, grade: 4 }, { from: 85, to: 100, grade: 5 }] } }, ...kzCurrent.gradeScales.slice(1)],
    });
    expect(E.isLeft(gap) && gap.left.problems.map((p) => `${p.field} (${JSON.stringify(p.value)}): ${p.message}`)).toEqual([
      'gradeScales[0].scale.bands[1].from (41): gap: after gradeScales[0].scale.bands[0].to = 39 the next band should start at 40 (one step of 0 decimals), not 41',
    ]);
  });
});

describe('docs/testing.md: specifications', () => {
  it('given / when / then and thenFails, as on the page', async () => {
    // history: the quickstart's class, as plain { type, data } payloads
    const { store } = await quickstart();
    const history: ReadonlyArray<EventPayload> = store
      .allEvents()
      .filter((r) => r.streamId === 'class-2019-5A' && r.event.type !== 'FormativeMarkRecorded')
      .map((r) => ({ type: r.event.type, data: r.event.data }) as EventPayload);
    const metadata = { commandId: 'cmd-42', actor: { id: 'teacher-03', role: 'subjectTeacher' as const }, occurredAt: '2019-09-03T09:15:00Z' };
    const recordMark = {
      type: 'RecordFormativeMark' as const,
      data: { subjectId: 'math', markId: 'm-1', lessonId: 'math-2019-09-03', pupilId: 'pupil-0007', mark: 8 },
      metadata,
    };
    const markForAbsentPupil = { ...recordMark, data: { ...recordMark.data, markId: 'm-2', pupilId: 'pupil-0099' } };

    const spec = deciderSpecification(classJournalDecider(journalRulesFromRuleSets(ruleSets)));
    spec.given(asLedgerEvents(history)).when(recordMark).then([{ type: 'FormativeMarkRecorded', data: recordMark.data }]);
    const error = spec.given(asLedgerEvents(history)).when(markForAbsentPupil).thenFails('PupilNotEnrolled');
    expect(error.kind).toBe('PupilNotEnrolled');
    expect(() => spec.given(asLedgerEvents(history)).when(recordMark).thenFails('PupilNotEnrolled')).toThrow();
  });
});

describe('docs/workload.md: bad options', () => {
  it('resolveWorkloadOptions names the field; generateSchoolWorkload throws a TypeError with that message', () => {
    const resolved = resolveWorkloadOptions({ seed: -1 });
    expect(resolved).toEqual(E.left(expect.objectContaining({ kind: 'InvalidWorkloadOption', field: 'seed', value: -1 })));
    const message = E.isLeft(resolved) ? resolved.left.message : '';
    expect(() => generateSchoolWorkload({ seed: -1 }).next()).toThrow(new TypeError(message));
  });
});
