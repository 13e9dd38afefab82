import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classJournalDecider,
  commandHandler,
  decodeEvent,
  decodeEventData,
  eventDefinitions,
  inMemoryEventStore,
  journalRulesFromRuleSets,
  ledgerEventCodec,
  type EventDefinition,
  type LedgerEvent,
} from '@grade-ledger/core';
import { kazakhstanRuleSets } from '@grade-ledger/core';
import { arbClassHistory, asLedgerEvents } from '@grade-ledger/testing';

const ruleSets = kazakhstanRuleSets();
if (ruleSets._tag === 'Left') throw new Error(ruleSets.left.message);
const rules = journalRulesFromRuleSets(ruleSets.right);
const decider = classJournalDecider(rules);
const histories = arbClassHistory({ rules });

/** The event as the codec encodes it, then through JSON, as a store or the wire keeps it. */
const encode = (event: LedgerEvent): unknown => {
  const codec = ledgerEventCodec(eventDefinitions[event.type] as EventDefinition<string, unknown>);
  return JSON.parse(JSON.stringify(codec.encode(event as never)));
};

const expectDecodesTo = (raw: unknown, expected: LedgerEvent): void => {
  const decoded = decodeEvent(raw);
  if (decoded._tag === 'Left') throw new Error(`${expected.type} does not decode: ${decoded.left.message}`);
  expect(decoded.right).toEqual(expected);
};

describe('every event a decider emits decodes with its codec', () => {
  it('events built by the command handler decode, and decode(encode(e)) = e', async () => {
    await fc.assert(
      fc.asyncProperty(histories, async (history) => {
        const store = inMemoryEventStore({ validate: false });
        const handle = commandHandler(decider, { store, clock: () => '2026-06-01T10:00:00.123Z' });
        for (const command of history.commands) {
          const result = await handle(history.streamId, command);
          if (result._tag === 'Left') throw new Error(`${command.type} refused: ${result.left.message}`);
          for (const event of result.right.events) {
            expectDecodesTo(event, event);
            expectDecodesTo(encode(event), event);
            const data = decodeEventData(event.type, event.data);
            expect(data._tag).toBe('Right');
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('payloads wrapped with asLedgerEvents decode, and decode(encode(e)) = e', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const payloads = history.events.map((event) => ({ type: event.type, data: event.data }) as const);
        const wrapped = asLedgerEvents(payloads as never, { actor: history.staff.deputyDirector, occurredAt: '2024-09-02T03:00:00Z', idPrefix: 'spec' });
        expect(wrapped).toHaveLength(history.events.length);
        for (const event of wrapped) {
          expectDecodesTo(event, event);
          expectDecodesTo(encode(event), event);
        }
      }),
      { numRuns: 60 },
    );
  });
});
