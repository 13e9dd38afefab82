import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classJournalDecider,
  commandHandler,
  foldEvents,
  inMemoryEventStore,
  journalRulesFromRuleSets,
  type RecordedEvent,
} from '@grade-ledger/core';
import { kazakhstanRuleSets } from '@grade-ledger/core';
import { arbClassHistory, type ClassHistory } from '@grade-ledger/testing';

const ruleSets = kazakhstanRuleSets();
if (ruleSets._tag === 'Left') throw new Error(ruleSets.left.message);
const rules = journalRulesFromRuleSets(ruleSets.right);
const decider = classJournalDecider(rules);
const histories = arbClassHistory({ rules });

const readAll = async (store: ReturnType<typeof inMemoryEventStore>): Promise<ReadonlyArray<RecordedEvent>> => {
  const all: RecordedEvent[] = [];
  for await (const page of store.readAll()) all.push(...page);
  return all;
};

/** Runs a history's commands through a fresh store and command handler; returns the store's whole log. */
const replay = async (history: ClassHistory): Promise<ReadonlyArray<RecordedEvent>> => {
  const store = inMemoryEventStore();
  const handle = commandHandler(decider, { store, clock: () => '2026-06-01T10:00:00Z' });
  for (const command of history.commands) {
    const result = await handle(history.streamId, command);
    if (result._tag === 'Left') throw new Error(`${command.type} refused on replay: ${result.left.message}`);
  }
  return readAll(store);
};

describe('replay is deterministic', () => {
  it('folding the same events twice gives deep-equal states, equal to the history final state', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const once = foldEvents(decider, history.events);
        const twice = foldEvents(decider, history.events);
        expect(twice).toEqual(once);
        expect(once).toEqual(history.finalState);
      }),
      { numRuns: 60 },
    );
  });

  it('fold(a ++ b) = fold(b, from fold(a)) for every split of the events', () => {
    fc.assert(
      fc.property(histories, fc.nat(), (history, cut) => {
        const at = cut % (history.events.length + 1);
        const a = history.events.slice(0, at);
        const b = history.events.slice(at);
        expect(foldEvents(decider, b, foldEvents(decider, a))).toEqual(foldEvents(decider, history.events));
      }),
      { numRuns: 60 },
    );
  });

  it('the same commands through two fresh stores record identical events (ids, data, metadata)', async () => {
    await fc.assert(
      fc.asyncProperty(histories, async (history) => {
        const first = await replay(history);
        const second = await replay(history);
        expect(second).toEqual(first);
        expect(first.length).toBe(history.events.length);
        // Event ids derive from command ids: `<commandId>.<n>`, in command order.
        const causes = first.map((recorded) => recorded.event.metadata.causationId);
        expect([...new Set(causes)]).toEqual(history.commands.map((command) => command.metadata.commandId));
        for (const recorded of first) expect(recorded.event.metadata.eventId.startsWith(`${recorded.event.metadata.causationId}.`)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
