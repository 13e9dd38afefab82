import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classJournalDecider,
  commandHandler,
  inMemoryEventStore,
  journalRulesFromRuleSets,
  type RecordedEvent,
} from '@grade-ledger/core';
import { kazakhstanRuleSets } from '@grade-ledger/core';
import { arbClassHistoryWithInvalidCommand } from '@grade-ledger/testing';

const ruleSets = kazakhstanRuleSets();
if (ruleSets._tag === 'Left') throw new Error(ruleSets.left.message);
const rules = journalRulesFromRuleSets(ruleSets.right);
const decider = classJournalDecider(rules);
const cases = arbClassHistoryWithInvalidCommand({ rules, includeGradeOne: true, includeNoMarksSubjects: true });

const readAll = async (store: ReturnType<typeof inMemoryEventStore>): Promise<ReadonlyArray<RecordedEvent>> => {
  const all: RecordedEvent[] = [];
  for await (const page of store.readAll()) all.push(...page);
  return all;
};

describe('invalid commands', () => {
  it('are refused with the expected error, and nothing is appended', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ history, invalid }) => {
        const store = inMemoryEventStore();
        const appended = await store.appendToStream(history.streamId, history.events, { expectedRevision: 'noStream' });
        expect(appended._tag).toBe('Right');
        const handle = commandHandler(decider, { store, clock: () => '2026-06-01T10:00:00Z' });
        const before = await readAll(store);
        const streamBefore = await store.readStream(history.streamId);

        const result = await handle(history.streamId, invalid.command);
        expect(result._tag === 'Left' ? result.left.kind : 'accepted').toBe(invalid.expectedError);

        expect(await readAll(store)).toEqual(before);
        const streamAfter = await store.readStream(history.streamId);
        expect(streamAfter).toEqual(streamBefore);
        if (streamAfter._tag === 'Right') expect(streamAfter.right.currentRevision).toBe(history.events.length - 1);

        // The same command with its one fault put right is accepted: the fault was the only one.
        if (invalid.repaired !== undefined) {
          const repaired = await handle(history.streamId, invalid.repaired);
          expect(repaired._tag === 'Left' ? repaired.left.message : 'accepted').toBe('accepted');
        }
      }),
      { numRuns: 100 },
    );
  });

  it('the generator draws every kind of fault', () => {
    // A fixed seed: this checks the generator's reach, so it must not depend on luck.
    const kinds = new Set(fc.sample(cases, { numRuns: 250, seed: 20260601 }).map(({ invalid }) => invalid.expectedError));
    expect([...kinds].sort()).toEqual(
      [
        'ClassAlreadyOpened',
        'DateOutsideSchoolYear',
        'GradeNotOnScale',
        'InvalidCommand',
        'LessonCancelled',
        'LessonNotFound',
        'MarkAlreadyRecorded',
        'NoMarksForSubject',
        'NoMarksInGradeLevel',
        'NoScoresForPassFailSubject',
        'NotEntitled',
        'OverrideReasonRequired',
        'PeriodFinalized',
        'PupilNotEnrolled',
        'ReasonRequired',
        'ResitNotAllowed',
        'ScoreAboveMaximum',
        'ScoreAlreadyRecorded',
        'SubjectNotAssigned',
        'TooManySectionSummatives',
        'WriteRefused',
      ].sort(),
    );
  });
});
