import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accessDayDecider,
  classJournalCommandTypes,
  commandHandler,
  inMemoryEventStore,
  classJournalDecider,
  defaultAccessPolicy,
  journalRulesFromRuleSets,
  kazakhstanRuleSets,
  personalDataDecider,
  schoolYearDecider,
} from '@grade-ledger/core';
import { arbClassHistory } from '@grade-ledger/testing';

/*
 * Commands reach a decider from JSON too, so their `type` can be anything: every decider
 * refuses a type it does not know with a typed InvalidCommand naming the field `type` and the
 * value, and never throws or reads the command as another one (`toString` and `__proto__`
 * are keys of every object).
 */

const ruleSets = kazakhstanRuleSets();
if (ruleSets._tag === 'Left') throw new Error(ruleSets.left.message);
const rules = journalRulesFromRuleSets(ruleSets.right);
const policy = defaultAccessPolicy();

const deciders = [
  { name: 'class journal', decider: classJournalDecider(rules), known: classJournalCommandTypes as ReadonlyArray<string> },
  { name: 'school year', decider: schoolYearDecider(ruleSets.right.map((r) => r.id)), known: ['OpenSchoolYear'] },
  { name: 'personal data', decider: personalDataDecider(policy.dataOperators), known: ['BlockPersonalData', 'UnblockPersonalData', 'DepersonalisePersonalData', 'ForgetPerson'] },
  { name: 'access day', decider: accessDayDecider(policy.bulkGuard), known: ['RecordPersonalDataRead', 'RequestBulkAccess', 'ApproveBulkAccess', 'DeclineBulkAccess'] },
] as const;

const objectKeys = [...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'constructor', 'prototype', ''];
const arbType = fc.oneof(
  fc.constantFrom<unknown>(...objectKeys),
  fc.string(),
  fc.constantFrom<unknown>(undefined, null, 0, 1, true, 10n, { toString: 0 }, Object.create(null), [], () => 'OpenClass'),
  fc.object(),
);
const arbCommand = (known: ReadonlyArray<string>) =>
  fc.record({ type: arbType.filter((type) => !(typeof type === 'string' && known.includes(type))), data: fc.anything() }).map(({ type, data }) => ({
    type,
    data,
    metadata: { commandId: 'cmd-1', actor: { id: 'director-01', role: 'director' }, occurredAt: '2024-09-02T08:00:00Z' },
  }));

describe('a command of an unknown type', () => {
  for (const { name, decider, known } of deciders)
    it(`is refused by the ${name} decider as InvalidCommand on the field type`, () => {
      fc.assert(
        fc.property(arbCommand(known), (command) => {
          const result = (decider.decide as (c: unknown, s: unknown) => ReturnType<typeof decider.decide>)(command, decider.initialState());
          expect(result).toMatchObject({ _tag: 'Left', left: { kind: 'InvalidCommand', issues: [{ path: 'type' }] } });
          if (result._tag === 'Left') expect(result.left.kind === 'InvalidCommand' && Object.is(result.left.issues[0]?.value, command.type)).toBe(true);
        }),
        { numRuns: 200 },
      );
    });

  it('is refused by the class journal decider whatever the journal holds', () => {
    const decider = classJournalDecider(rules);
    fc.assert(
      fc.property(arbClassHistory({ rules }), arbCommand(classJournalCommandTypes), (history, command) => {
        const result = (decider.decide as (c: unknown, s: unknown) => ReturnType<typeof decider.decide>)(command, history.finalState);
        expect(result).toMatchObject({ _tag: 'Left', left: { kind: 'InvalidCommand', issues: [{ path: 'type' }] } });
      }),
      { numRuns: 30 },
    );
  });

  it('with metadata that does not decode either is refused by the command handler, and nothing is appended', async () => {
    await fc.assert(
      fc.asyncProperty(arbCommand(classJournalCommandTypes), async (command) => {
        const store = inMemoryEventStore();
        const handle = commandHandler(classJournalDecider(rules), { store, clock: () => '2024-09-02T08:00:00Z' });
        const result = await handle('class-2024-5A', { ...command, metadata: { commandId: '' } } as never);
        expect(result).toMatchObject({ _tag: 'Left', left: { kind: 'InvalidCommandMetadata' } });
        let appended = 0;
        for await (const page of store.readAll()) appended += page.length;
        expect(appended).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
