import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { arbClassHistory } from '@grade-ledger/testing';
import { journalRulesFromRuleSets } from '../classJournal/journalRulesFromRuleSets';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { replayEvents } from '../replay/replay';
import { everyQuery, onStream } from '../replay/testSupport';
import { markAt, markCount } from './schoolLedger';

/*
 * The mutation contract (docs/projections.md): queries return fresh values, or values the fold
 * never changes again, so a query result stays as it was when later events are applied.
 */

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const ruleSets = shipped.right;
const histories = arbClassHistory({ rules: journalRulesFromRuleSets(ruleSets) });

describe('query results after later events', () => {
  it('stay as they were when queried, whatever the fold applies next (every query, and markAt)', () => {
    fc.assert(
      fc.property(histories, fc.nat(), (history, cut) => {
        const events = onStream(history.streamId, history.events);
        const at = cut % (events.length + 1);
        const p = replayEvents(events.slice(0, at), { ruleSets });
        const marks = [...p.state.classes.values()].flatMap((cls) =>
          [...cls.subjects.values()].flatMap((subject) => Array.from({ length: markCount(subject) }, (_, i) => markAt(p.state, subject, i))),
        );
        const results = { queries: everyQuery(p), marks };
        const snapshot = structuredClone(results);
        p.applyAll(events.slice(at));
        expect(results).toEqual(snapshot);
      }),
      { numRuns: 60 },
    );
  });
});
