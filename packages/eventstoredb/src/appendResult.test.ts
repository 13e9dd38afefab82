import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '@grade-ledger/core';
import { eventStoreDbEventStore, type LedgerServerClient } from './eventStoreDbEventStore';

/*
 * What the adapter reports after an append, with a scripted client (no server): the client's
 * calls are answered from a list of records, and another writer's append lands right after ours,
 * as it may on a real server between our append and the adapter's next read.
 */

type Stored = { streamId: string; revision: bigint; type: string; data: unknown; metadata: unknown; position: { commit: bigint; prepare: bigint } };

const scriptedClient = (afterOurAppend: (log: Stored[]) => void): LedgerServerClient => {
  const log: Stored[] = [];
  const append = (streamId: string, events: ReadonlyArray<{ type: string; data: unknown; metadata?: unknown }>): bigint => {
    let revision = BigInt(log.filter((e) => e.streamId === streamId).length - 1);
    for (const event of events) {
      revision += 1n;
      const at = BigInt(log.length + 1) * 100n;
      log.push({ streamId, revision, type: event.type, data: event.data, metadata: event.metadata, position: { commit: at, prepare: at } });
    }
    return revision;
  };
  const client = {
    appendToStream: async (streamId: string, events: unknown) => {
      const batch = (Array.isArray(events) ? events : [events]) as ReadonlyArray<{ type: string; data: unknown; metadata?: unknown }>;
      const next = append(streamId, batch);
      if (streamId.startsWith('grade-ledger/')) afterOurAppend(log);
      return { success: true, nextExpectedRevision: next, position: undefined };
    },
    readStream: (streamId: string, options: { fromRevision?: unknown; direction?: string; maxCount?: number | bigint }) => {
      const events = log.filter((e) => e.streamId === streamId);
      return (async function* () {
        if (events.length === 0) throw Object.assign(new Error('stream not found'), { type: 'stream-not-found' });
        const backwards = options.direction === 'backwards';
        const from = typeof options.fromRevision === 'bigint' ? options.fromRevision : backwards ? BigInt(events.length - 1) : 0n;
        const chosen = backwards ? events.filter((e) => e.revision <= from).reverse() : events.filter((e) => e.revision >= from);
        for (const event of chosen.slice(0, options.maxCount === undefined ? undefined : Number(options.maxCount))) yield { event };
      })();
    },
    readAll: () => {
      throw new Error('not used');
    },
    subscribeToAll: () => {
      throw new Error('not used');
    },
    dispose: async () => undefined,
  };
  return client as unknown as LedgerServerClient;
};

const lesson = (eventId: string): LedgerEvent =>
  ({
    type: 'LessonPlanned',
    schemaVersion: 1,
    data: { subjectId: 'math', lessonId: `lesson-${eventId}`, date: '2023-10-02', period: 1, unit: 'Числа', topic: 'Сложение', hours: 1 },
    metadata: {
      eventId,
      occurredAt: '2023-10-02T08:30:00Z',
      recordedAt: '2023-10-02T08:31:00Z',
      actor: { id: 'teacher-1', role: 'subjectTeacher' },
      correlationId: eventId,
      causationId: eventId,
    },
  }) as LedgerEvent;

describe('EventStoreDB adapter: the append result', () => {
  it("reports the global position of the batch's own last event, not of a later writer's", async () => {
    let concurrent = true;
    const client = scriptedClient((log) => {
      if (!concurrent) return;
      concurrent = false;
      // Another process appends to the same stream ('any') just after our batch.
      const last = log[log.length - 1] as Stored;
      const at = BigInt(log.length + 1) * 100n;
      log.push({ ...last, revision: last.revision + 1n, position: { commit: at, prepare: at } });
    });
    const store = eventStoreDbEventStore({ client, schoolId: 'school-1', validate: true });
    const result = await store.appendToStream('class-5A', [lesson('c1.0'), lesson('c1.1')], { expectedRevision: 'any' });
    expect(result._tag).toBe('Right');
    if (result._tag !== 'Right') return;
    const read = await store.readStream('class-5A');
    expect(read._tag).toBe('Right');
    if (read._tag !== 'Right') return;
    const ours = read.right.events.find((r) => r.streamRevision === 1);
    expect(result.right).toEqual({ nextExpectedRevision: 1, lastGlobalPosition: ours?.globalPosition, written: true });
    expect(read.right.currentRevision).toBe(2);
  });
});

describe('EventStoreDB adapter: re-sends (its own detection, through the shared checkResend)', () => {
  const setUp = async () => {
    const client = scriptedClient(() => undefined);
    const store = eventStoreDbEventStore({ client, schoolId: 'school-1', validate: true });
    const first = await store.appendToStream('class-5A', [lesson('r.0'), lesson('r.1')], { expectedRevision: 'noStream' });
    if (first._tag !== 'Right') throw new Error(`the first append failed: ${JSON.stringify(first.left)}`);
    const read = async () => {
      const result = await store.readStream('class-5A');
      if (result._tag !== 'Right') throw new Error('read failed');
      return result.right;
    };
    return { store, first: first.right, before: await read(), read };
  };

  it('answers the same events again (keys in another order, recordedAt read again) without writing', async () => {
    const { store, first, before, read } = await setUp();
    const rebuilt = [lesson('r.0'), lesson('r.1')].map(
      (event) =>
        ({
          ...event,
          data: Object.fromEntries(Object.entries(event.data).reverse()),
          metadata: { ...event.metadata, recordedAt: '2023-10-02T09:00:00Z' },
        }) as LedgerEvent,
    );
    const again = await store.appendToStream('class-5A', rebuilt, { expectedRevision: 'any' });
    expect(again).toEqual({ _tag: 'Right', right: { nextExpectedRevision: 1, lastGlobalPosition: first.lastGlobalPosition, written: false } });
    expect(await read()).toEqual(before);
  });

  it('refuses other content under a recorded id with EventIdConflict naming it, and writes nothing', async () => {
    const { store, before, read } = await setUp();
    const changed = { ...lesson('r.1'), data: { ...lesson('r.1').data, hours: 2 } } as LedgerEvent;
    const result = await store.appendToStream('class-5A', [lesson('r.0'), changed], { expectedRevision: 1 });
    expect(result._tag).toBe('Left');
    if (result._tag !== 'Left') return;
    expect(result.left).toMatchObject({ kind: 'EventIdConflict', streamId: 'class-5A', eventId: 'r.1' });
    expect(result.left.message).toContain('different content');
    expect(await read()).toEqual(before);
  });

  it('refuses a batch naming a recorded id twice as a duplicate in the batch', async () => {
    const { store, before, read } = await setUp();
    const result = await store.appendToStream('class-5A', [lesson('r.0'), lesson('r.0')], { expectedRevision: 1 });
    expect(result._tag).toBe('Left');
    if (result._tag !== 'Left') return;
    expect(result.left).toMatchObject({ kind: 'EventIdConflict', streamId: 'class-5A', eventId: 'r.0' });
    expect(result.left.message).toContain('twice in the batch');
    expect(await read()).toEqual(before);
  });
});
