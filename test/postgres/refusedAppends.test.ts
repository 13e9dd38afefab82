import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ExpectedRevision, LedgerEvent, RecordedEvent } from '@grade-ledger/core';
import { postgresEventStore } from '@grade-ledger/postgres';
import { eventFactory } from '../contract/events';
import { postgresPoolForTests } from './pool';

/*
 * Refused appends under load: an append refused by the database (a revision taken, an event id
 * taken) rolls back its update of the school's head with it, so the head never runs ahead of the
 * events, and the positions of what was written stay 1..N without a gap.
 */

const poolOf = postgresPoolForTests(8);

describe('PostgreSQL store: refused appends', () => {
  it('concurrent appends, many of them refused (taken revisions, taken ids, duplicates, re-sends): the head equals the last position, positions are 1..N', async () => {
    const schoolId = `school-${randomUUID()}`;
    const store = postgresEventStore({ pool: poolOf(), schoolId, pollIntervalMs: 20 });
    const f = eventFactory();
    const streams = [0, 1, 2].map((n) => f.streamId(`s${n}`));
    const sent: LedgerEvent[] = [];
    const writer = async (w: number): Promise<void> => {
      for (let round = 0; round < 25; round++) {
        const streamId = streams[(w + round) % streams.length] as string;
        const kind = (w * 7 + round) % 5;
        const batch = f.batch(1 + (round % 3));
        const taken = sent[(w * 13 + round) % Math.max(1, sent.length)];
        const events =
          kind === 1 && taken !== undefined ? [...batch, taken] : kind === 2 ? [...batch, batch[0] as LedgerEvent] : batch;
        const expected: ExpectedRevision = kind === 3 ? round % 4 : kind === 4 ? 'noStream' : 'any';
        const result = await store.appendToStream(streamId, events, { expectedRevision: expected });
        if (result._tag === 'Right' && result.right.written) sent.push(...events);
        expect(result._tag === 'Left' ? result.left.kind : 'written').not.toBe('StoreUnavailable');
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));

    const all: RecordedEvent[] = [];
    for await (const page of store.readAll({ pageSize: 7 })) all.push(...page);
    expect(all.map((r) => r.globalPosition)).toEqual(all.map((_, index) => index + 1));
    expect(new Set(all.map((r) => r.event.metadata.eventId)).size).toBe(all.length);
    expect(all.map((r) => r.event.metadata.eventId).sort()).toEqual(sent.map((e) => e.metadata.eventId).sort());
    const { rows } = await poolOf().query<{ last_position: string }>('SELECT last_position FROM grade_ledger.school_heads WHERE school_id = $1', [
      schoolId,
    ]);
    expect(Number(rows[0]?.last_position)).toBe(all.length);
    // The next append continues the head exactly.
    const next = await store.appendToStream(f.streamId('next'), f.batch(2), { expectedRevision: 'noStream' });
    expect(next).toMatchObject({ _tag: 'Right', right: { lastGlobalPosition: all.length + 2, written: true } });
  }, 60_000);
});
