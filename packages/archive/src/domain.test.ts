import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { beforeAll, describe, expect, it } from 'vitest';
import { kazakhstanRuleSets, type LedgerEvent, type RecordedEvent } from '@grade-ledger/core';
import { commandIdOf, domainChecker, domainResultOf, mergeDomainResults, type DomainCheckerOptions } from './domain';
import { smallSchool } from './testSupport';

/*
 * The domain check's fast form (commands not decoded again, states folded in place, idle classes
 * packed) must find exactly what its plain form finds: the decider's own decide and evolve on
 * every event, every state live. Compared on the small school's history and on altered copies
 * of it (events changed, dropped, repeated or moved), which give findings of every kind.
 */

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const ruleSets = shipped.right;

let recorded: ReadonlyArray<RecordedEvent>;
beforeAll(async () => {
  const school = await smallSchool();
  const own = (school.store as unknown as { allEvents: () => ReadonlyArray<RecordedEvent> }).allEvents();
  // Two classes whose streams take turns (the school's class and a copy of it in another
  // stream), so that each is idle, packed and unpacked again while the other has events.
  const copy = own.filter((r) => r.streamId.startsWith('class-')).map((r) => ({ ...r, streamId: `${r.streamId}-copy` }));
  const merged: RecordedEvent[] = [];
  for (let i = 0; i < Math.max(own.length, copy.length); i += 40) merged.push(...own.slice(i, i + 40), ...copy.slice(i, i + 40));
  recorded = merged;
}, 60_000);

const check = (events: ReadonlyArray<{ readonly streamId: string; readonly event: LedgerEvent }>, options: DomainCheckerOptions) => {
  const checker = domainChecker(ruleSets, options);
  events.forEach((r, index) => checker.add(index + 2, r.streamId, r.event));
  checker.finish();
  return { findings: checker.findings(), gradeDifferences: checker.gradeDifferences(), counts: checker.counts(), memory: checker.memory() };
};

type Alteration =
  | { readonly kind: 'drop'; readonly at: number }
  | { readonly kind: 'repeat'; readonly at: number }
  | { readonly kind: 'move'; readonly at: number; readonly to: number }
  | { readonly kind: 'set'; readonly at: number; readonly key: string; readonly value: unknown };

const VALUES: ReadonlyArray<unknown> = ['p-stranger', 'math', 'unknownSubject', 'm-missing', 'L-missing', 1, 5, 10, 11, 'pass', null, '2024-01-01'];
const KEYS = ['pupilId', 'subjectId', 'markId', 'lessonId', 'summativeId', 'attendanceId', 'mark', 'points', 'grade', 'on', 'date', 'code', 'teacherId', 'recommendation', 'supersedesEventId'];

const arbAlteration: fc.Arbitrary<Alteration> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('move' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), key: fc.constantFrom(...KEYS), value: fc.constantFrom(...VALUES) }),
);

const altered = (events: ReadonlyArray<RecordedEvent>, alterations: ReadonlyArray<Alteration>) => {
  const out = [...events];
  for (const a of alterations) {
    const at = a.at % out.length;
    const r = out[at] as RecordedEvent;
    if (a.kind === 'drop') out.splice(at, 1);
    else if (a.kind === 'repeat') out.splice(at, 0, r);
    else if (a.kind === 'move') {
      out.splice(at, 1);
      out.splice(a.to % (out.length + 1), 0, r);
    } else {
      // Where the key is not one of the event's, the data of the next event that has it.
      const index = out.findIndex((e, i) => i >= at && a.key in (e.event.data as object));
      const target = out[index];
      if (target !== undefined) out[index] = { ...target, event: { ...target.event, data: { ...(target.event.data as object), [a.key]: a.value } } as LedgerEvent };
    }
  }
  return out;
};

describe('the domain check, fast and plain', () => {
  it('finds nothing in the small school’s history, either way, and packs idle classes', () => {
    const plain = check(recorded, { reference: true });
    const fast = check(recorded, { packIdleAfter: 30 });
    expect(plain.findings).toEqual([]);
    expect(fast.findings).toEqual([]);
    expect(fast.gradeDifferences).toEqual(plain.gradeDifferences);
    expect(fast.counts).toEqual(plain.counts);
    expect(fast.memory.packings).toBeGreaterThan(0);
    expect(fast.memory.unpackings).toBeGreaterThan(0);
  });

  it('finds the same impossible histories at the same lines, with the same messages and grade differences (property)', () => {
    fc.assert(
      fc.property(fc.array(arbAlteration, { minLength: 1, maxLength: 6 }), fc.constantFrom(3, 30, 100_000), (alterations, packIdleAfter) => {
        const events = altered(recorded, alterations);
        const plain = check(events, { reference: true });
        const fast = check(events, { packIdleAfter });
        expect(fast.findings).toEqual(plain.findings);
        expect(fast.gradeDifferences).toEqual(plain.gradeDifferences);
        expect(fast.counts).toEqual(plain.counts);
      }),
      { numRuns: 30 },
    );
  });

  it('with the grade check off, the same domain findings', () => {
    const events = altered(recorded, [{ kind: 'set', at: 100, key: 'grade', value: 5 }, { kind: 'drop', at: 50 }]);
    const plain = check(events, { reference: true, grades: false });
    const fast = check(events, { grades: false, packIdleAfter: 3 });
    expect(plain.findings.length).toBeGreaterThan(0);
    expect(fast.findings).toEqual(plain.findings);
    expect(fast.gradeDifferences).toEqual([]);
  });
});

describe('the domain check in shards (a verify worker per set of streams)', () => {
  it('finds, merged, what one checker finds over all the events: same findings in the same order, the same cut, grade differences and counts (property)', () => {
    const input = fc.record({
      alterations: fc.array(arbAlteration, { maxLength: 6 }),
      // Events whose id is not <commandId>.<n> (they end a command's group wherever they are).
      oddIds: fc.array(fc.nat(), { maxLength: 4 }),
      // Two events of a stream made one command's (ids <c>.0 and <c>.1): side by side, or with other events between them.
      pairs: fc.array(fc.record({ at: fc.nat(), apart: fc.boolean() }), { maxLength: 6 }),
      // Lines the domain check skips (a damaged line between two events of a command does not end its group).
      gaps: fc.array(fc.nat(), { maxLength: 8 }),
      shards: fc.integer({ min: 1, max: 4 }),
      salt: fc.nat(),
      maxFindings: fc.constantFrom(0, 1, 3, 1_000),
      grades: fc.boolean(),
    });
    fc.assert(
      fc.property(input, ({ alterations, oddIds, pairs, gaps, shards, salt, maxFindings, grades }) => {
        const events = altered(recorded, alterations).map((r) => ({ streamId: r.streamId, event: r.event }));
        const withId = (i: number, eventId: string): void => {
          const r = events[i] as { streamId: string; event: LedgerEvent };
          events[i] = { ...r, event: { ...r.event, metadata: { ...r.event.metadata, eventId } } as LedgerEvent };
        };
        for (const { at, apart } of pairs) {
          const start = at % events.length;
          const stream = events[start]?.streamId;
          // Apart: the stream's last event before another stream's, and its next one after.
          const other = events.findIndex((r, k) => k > start && r.streamId !== stream);
          const i = apart ? other - 1 : start;
          let j = events.findIndex((r, k) => k > (apart ? other : i) && r.streamId === stream);
          if (j < 0 || (apart && other < 0)) continue;
          if (!apart) {
            const [moved] = events.splice(j, 1);
            events.splice(i + 1, 0, moved as { streamId: string; event: LedgerEvent });
            j = i + 1;
          }
          withId(i, `pair-${i}.0`);
          withId(j, `pair-${i}.1`);
        }
        for (const at of oddIds) withId(at % events.length, `odd-${at % events.length}`);
        const skipped = new Set(gaps.map((g) => g % events.length));
        let line = 1;
        const lines = events.map((_, i) => (line += skipped.has(i) ? 2 : 1));
        const one = domainChecker(ruleSets, { grades, maxFindings, packIdleAfter: 50 });
        events.forEach((r, i) => one.add(lines[i] as number, r.streamId, r.event));
        one.finish();
        // Streams dealt to the shards by a salted hash of their ids.
        const shardOf = (streamId: string): number => [...streamId].reduce((h, c) => (h * 31 + c.charCodeAt(0) + salt) % 1_000_003, salt) % shards;
        const parts = Array.from({ length: shards }, () => domainChecker(ruleSets, { grades, maxFindings, packIdleAfter: 50 }));
        events.forEach((r, i) => parts[shardOf(r.streamId)]?.add(lines[i] as number, r.streamId, r.event, i + 1));
        for (const part of parts) part.finish();
        const merged = mergeDomainResults(parts.map(domainResultOf), maxFindings);
        expect(merged).toStrictEqual(domainResultOf(one));
      }),
      { numRuns: 40 },
    );
  });
});

describe('commandIdOf', () => {
  it('splits an event id as /^(.+)\\.(\\d+)$/ does (property)', () => {
    const reference = (eventId: string) => {
      const match = /^(.+)\.(\d+)$/.exec(eventId);
      return match === null ? undefined : { commandId: match[1], index: Number(match[2]) };
    };
    const piece = fc.constantFrom('.', '..', '0', '7', '12', 'cmd', 'a.b', '\n', '\r', '\u2028', '\u2029', '٣', 'x1', ' ', '-');
    const eventId = fc.oneof(fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('')), fc.string(), fc.uuid().map((u) => `${u}.0`));
    fc.assert(
      fc.property(eventId, (id) => {
        expect(commandIdOf(id)).toEqual(reference(id));
      }),
      { numRuns: 2000 },
    );
    expect(commandIdOf('cmd-1.2.10')).toEqual({ commandId: 'cmd-1.2', index: 10 });
  });
});
