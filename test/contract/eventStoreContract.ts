import * as fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  inMemoryCheckpointStore,
  subscribeWithCheckpoints,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type EventStoreError,
  type ExpectedRevision,
  type LedgerEvent,
  type ReadStreamResult,
  type RecordedEvent,
} from '@grade-ledger/core';
import { eventFactory, type EventFactory } from './events';

/*
 * The contract every EventStore passes (in-memory, PostgreSQL, EventStoreDB). The suite may
 * run against a shared, non-empty store, even with other processes writing to it, so:
 * - every test makes its own stream and event ids (a fresh run id per test);
 * - `readAll` is read only after a position the test recorded itself (a marker append), and
 *   filtered to the test's own streams;
 * - global positions are only assumed to increase, not to be dense or to start at 1.
 */

/** What a store adapter hands the contract: the store, optionally its checkpoint store, and a clean-up. */
export type ContractSubject = {
  readonly store: EventStore;
  /** The checkpoint store to test `subscribeWithCheckpoints` with; in-memory when left out. */
  readonly checkpoints?: CheckpointStore;
  /**
   * A store of another school (tenant) on the same backend, for the tenant-isolation tests
   * (registered when the contract is called with `{ schools: true }`).
   */
  readonly otherSchool?: EventStore;
  readonly teardown?: () => Promise<void>;
};

/** Parts of the contract that only some stores have. */
export type ContractFeatures = {
  /** The store is one school's view of a multi-school backend: isolation between schools is tested. */
  readonly schools?: boolean;
};

// --- helpers --------------------------------------------------------------------------------

// Structurally fp-ts's Either: the test folder does not depend on fp-ts itself.
type Result<L, R> = { readonly _tag: 'Left'; readonly left: L } | { readonly _tag: 'Right'; readonly right: R };

const show = (value: unknown): string => {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
};

const rightOf = <L, R>(result: Result<L, R>, what: string): R => {
  if (result._tag === 'Left') throw new Error(`${what}: expected success, got ${show(result.left)}`);
  return result.right;
};

const leftOf = <L, R>(result: Result<L, R>, what: string): L => {
  if (result._tag === 'Right') throw new Error(`${what}: expected a failure, got ${show(result.right)}`);
  return result.left;
};

const append = async (
  store: EventStore,
  streamId: string,
  events: ReadonlyArray<LedgerEvent>,
  expectedRevision: ExpectedRevision,
): Promise<AppendResult> =>
  rightOf(await store.appendToStream(streamId, events, { expectedRevision }), `append to ${streamId}`);

const readStream = async (store: EventStore, streamId: string, fromRevision?: number): Promise<ReadStreamResult> =>
  rightOf(
    await store.readStream(streamId, fromRevision === undefined ? {} : { fromRevision }),
    `read ${streamId}`,
  );

const readAllPages = async (
  store: EventStore,
  after: number,
  pageSize?: number,
): Promise<ReadonlyArray<ReadonlyArray<RecordedEvent>>> => {
  const pages: Array<ReadonlyArray<RecordedEvent>> = [];
  for await (const page of store.readAll(pageSize === undefined ? { after } : { after, pageSize })) pages.push(page);
  return pages;
};

const readAllAfter = async (store: EventStore, after: number, pageSize?: number): Promise<ReadonlyArray<RecordedEvent>> =>
  (await readAllPages(store, after, pageSize)).flat();

const ofStreams =
  (...streamIds: ReadonlyArray<string>) =>
  (recorded: RecordedEvent): boolean =>
    streamIds.includes(recorded.streamId);

const idsOf = (events: ReadonlyArray<LedgerEvent | RecordedEvent>): ReadonlyArray<string> =>
  events.map((e) => ('event' in e ? e.event.metadata.eventId : e.metadata.eventId));

const positionsOf = (events: ReadonlyArray<RecordedEvent>): ReadonlyArray<number> => events.map((e) => e.globalPosition);

const expectStrictlyIncreasing = (values: ReadonlyArray<number>): void => {
  for (let index = 1; index < values.length; index++)
    expect(values[index], `position ${index} of ${show(values)}`).toBeGreaterThan(values[index - 1] as number);
};

/**
 * The store's current end of the global order, as far as this test can know it: the position
 * of a marker event appended to a stream of the test's own. Everything the test appends later
 * comes after it.
 */
let markers = 0;
const headPosition = async (store: EventStore, f: EventFactory): Promise<number> =>
  (await append(store, f.streamId(`marker-${markers++}`), [f.lessonPlanned()], 'noStream')).lastGlobalPosition;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the condition holds, failing after a bounded wait (never a fixed long sleep). */
const waitUntil = async (condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
};

const within = async <A>(promise: Promise<A>, what: string, timeoutMs = 5_000): Promise<A> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/** Long enough for a store that would (wrongly) still deliver after `stop()` to do so. */
const SETTLE_MS = 30;

// --- the contract ---------------------------------------------------------------------------

export const eventStoreContract = (
  name: string,
  makeStore: () => Promise<ContractSubject>,
  features: ContractFeatures = {},
): void => {
  describe(`EventStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: EventStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.teardown?.();
    });

    describe('appendToStream and readStream', () => {
      it('appends to a new stream and reads the events back with revisions 0..n-1 and increasing global positions', async () => {
        const f = eventFactory();
        const streamId = f.streamId('class');
        const missing = await readStream(store, streamId);
        expect(missing).toEqual({ events: [], currentRevision: -1 });

        const events = f.batch(3);
        const result = await append(store, streamId, events, 'noStream');
        const read = await readStream(store, streamId);

        expect(read.currentRevision).toBe(2);
        expect(read.events.map((r) => r.event)).toEqual(events);
        expect(read.events.map((r) => r.event.type)).toEqual(['FormativeMarkRecorded', 'LessonPlanned', 'FormativeMarkRecorded']);
        expect(read.events.map((r) => r.streamId)).toEqual([streamId, streamId, streamId]);
        expect(read.events.map((r) => r.streamRevision)).toEqual([0, 1, 2]);
        expectStrictlyIncreasing(positionsOf(read.events));
        expect(result).toEqual({ nextExpectedRevision: 2, lastGlobalPosition: read.events[2]?.globalPosition, written: true });

        // The next batch continues the revisions and the global order.
        const more = f.batch(2);
        const second = await append(store, streamId, more, 2);
        const reread = await readStream(store, streamId);
        expect(second.nextExpectedRevision).toBe(4);
        expect(second.written).toBe(true);
        expect(reread.events.map((r) => r.event)).toEqual([...events, ...more]);
        expect(reread.events.map((r) => r.streamRevision)).toEqual([0, 1, 2, 3, 4]);
        expectStrictlyIncreasing(positionsOf(reread.events));
        expect(second.lastGlobalPosition).toBe(reread.events[4]?.globalPosition);
      });

      it('keeps metadata exactly, including an optional reason', async () => {
        const f = eventFactory();
        const streamId = f.streamId('plan');
        const withReason = f.lessonPlanned();
        const withoutReason = f.formativeMark();
        await append(store, streamId, [withReason, withoutReason], 'noStream');
        const read = await readStream(store, streamId);
        expect(read.events[0]?.event.metadata).toEqual(withReason.metadata);
        expect(read.events[0]?.event.metadata.reason).toBe('КТП на первую четверть');
        expect(read.events[1]?.event.metadata).toEqual(withoutReason.metadata);
        expect(read.events[1]?.event.metadata).not.toHaveProperty('reason');
      });

      it.each<[string, (existing: string, missing: string) => { streamId: string; expected: ExpectedRevision; actual: number }]>([
        ['a revision behind', (existing) => ({ streamId: existing, expected: 0, actual: 1 })],
        ['a revision ahead', (existing) => ({ streamId: existing, expected: 5, actual: 1 })],
        ["'noStream' on an existing stream", (existing) => ({ streamId: existing, expected: 'noStream', actual: 1 })],
        ["'streamExists' on a missing stream", (_, missing) => ({ streamId: missing, expected: 'streamExists', actual: -1 })],
        ['a revision on a missing stream', (_, missing) => ({ streamId: missing, expected: 0, actual: -1 })],
      ])('refuses %s with ConcurrencyConflict and writes nothing', async (_, caseOf) => {
        const f = eventFactory();
        const existing = f.streamId('existing');
        const missing = f.streamId('missing');
        await append(store, existing, f.batch(2), 'noStream');
        const before = await readStream(store, existing);
        const start = await headPosition(store, f);
        const { streamId, expected, actual } = caseOf(existing, missing);

        const error = leftOf(await store.appendToStream(streamId, f.batch(2), { expectedRevision: expected }), 'append');
        expect(error).toMatchObject({ kind: 'ConcurrencyConflict', streamId, expected, actual });
        expect(error.message).toContain(streamId);

        expect(await readStream(store, existing)).toEqual(before);
        expect(await readStream(store, missing)).toEqual({ events: [], currentRevision: -1 });
        expect((await readAllAfter(store, start)).filter(ofStreams(existing, missing))).toEqual([]);
      });

      it("appends with 'any' to a new and to an existing stream, and with 'streamExists' to an existing one", async () => {
        const f = eventFactory();
        const streamId = f.streamId('any');
        const first = f.batch(2);
        const second = f.batch(1);
        const third = f.batch(2);
        expect((await append(store, streamId, first, 'any')).nextExpectedRevision).toBe(1);
        expect((await append(store, streamId, second, 'any')).nextExpectedRevision).toBe(2);
        expect((await append(store, streamId, third, 'streamExists')).nextExpectedRevision).toBe(4);
        const read = await readStream(store, streamId);
        expect(idsOf(read.events)).toEqual(idsOf([...first, ...second, ...third]));
        expect(read.events.map((r) => r.streamRevision)).toEqual([0, 1, 2, 3, 4]);
      });

      it('refuses a batch with an invalid event (mark 11) with InvalidEvent naming its index, and writes none of the batch', async () => {
        const f = eventFactory();
        const fresh = f.streamId('fresh');
        const existing = f.streamId('existing');
        await append(store, existing, f.batch(2), 'noStream');
        const before = await readStream(store, existing);
        const start = await headPosition(store, f);

        const batch = [f.formativeMark(), f.withInvalidMark(), f.lessonPlanned()];
        const error = leftOf(await store.appendToStream(fresh, batch, { expectedRevision: 'noStream' }), 'append');
        expect(error).toMatchObject({ kind: 'InvalidEvent', streamId: fresh, index: 1 });
        if (error.kind !== 'InvalidEvent') throw new Error('unreachable');
        expect(error.error.issues.map((issue) => issue.path)).toContain('data.mark');
        expect(error.error.issues.find((issue) => issue.path === 'data.mark')?.value).toBe(11);

        const last = [f.formativeMark(), f.lessonPlanned(), f.withInvalidMark()];
        const error2 = leftOf(await store.appendToStream(existing, last, { expectedRevision: 'any' }), 'append');
        expect(error2).toMatchObject({ kind: 'InvalidEvent', streamId: existing, index: 2 });

        expect(await readStream(store, fresh)).toEqual({ events: [], currentRevision: -1 });
        expect(await readStream(store, existing)).toEqual(before);
        expect((await readAllAfter(store, start)).filter(ofStreams(fresh, existing))).toEqual([]);

        // Nothing of the refused batch was kept, not even its event ids: the valid events go in now.
        const valid = [batch[0], batch[2]] as ReadonlyArray<LedgerEvent>;
        const ok = await append(store, fresh, valid, 'noStream');
        expect(ok).toMatchObject({ written: true, nextExpectedRevision: 1 });
      });
    });

    describe('idempotency and event ids', () => {
      it('writes nothing when the same batch is sent again, even with a stale expected revision, and returns the original last position', async () => {
        const f = eventFactory();
        const streamId = f.streamId('resend');
        const start = await headPosition(store, f);
        const batch = f.batch(3);
        const first = await append(store, streamId, batch, 'noStream');

        const again = await append(store, streamId, batch, 'noStream');
        expect(again).toEqual({ nextExpectedRevision: 2, lastGlobalPosition: first.lastGlobalPosition, written: false });

        const later = f.batch(2);
        await append(store, streamId, later, 2);
        for (const stale of [0, 'noStream', 'any', 2] as const) {
          const resent = await append(store, streamId, batch, stale);
          expect(resent.written, `re-sent with ${stale}`).toBe(false);
          expect(resent.lastGlobalPosition, `re-sent with ${stale}`).toBe(first.lastGlobalPosition);
        }

        const read = await readStream(store, streamId);
        expect(idsOf(read.events)).toEqual(idsOf([...batch, ...later]));
        expect(read.currentRevision).toBe(4);
        const all = (await readAllAfter(store, start)).filter(ofStreams(streamId));
        expect(idsOf(all)).toEqual(idsOf([...batch, ...later]));
      });

      it('takes a re-send whose data has its keys in another order, or another recordedAt, as a re-send: nothing written', async () => {
        const f = eventFactory();
        const streamId = f.streamId('resend-canonical');
        const batch = f.batch(2);
        const first = await append(store, streamId, batch, 'noStream');
        // The same events as a client would build them again: keys reversed, the clock read again.
        const rebuilt = batch.map(
          (event) =>
            ({
              ...event,
              data: Object.fromEntries(Object.entries(event.data).reverse()),
              metadata: { ...event.metadata, recordedAt: '2023-10-02T09:45:00Z' },
            }) as LedgerEvent,
        );
        const again = await append(store, streamId, rebuilt, 1);
        expect(again).toEqual({ nextExpectedRevision: 1, lastGlobalPosition: first.lastGlobalPosition, written: false });
        const read = await readStream(store, streamId);
        expect(read.events.map((r) => r.event.metadata.recordedAt)).toEqual(batch.map((e) => e.metadata.recordedAt));
      });

      it('refuses a re-send with another content under the same ids with EventIdConflict naming the id, and writes nothing', async () => {
        const f = eventFactory();
        const streamId = f.streamId('resend-changed');
        const mark = f.formativeMark({ mark: 4 });
        const lesson = f.lessonPlanned();
        await append(store, streamId, [mark, lesson], 'noStream');
        const before = await readStream(store, streamId);
        const start = await headPosition(store, f);

        const changedData = { ...mark, data: { ...mark.data, mark: 5 } } as LedgerEvent;
        const changedType = f.lessonPlanned({ eventId: mark.metadata.eventId });
        const changedActor = { ...lesson, metadata: { ...lesson.metadata, actor: { id: 'teacher-2', role: 'subjectTeacher' } } } as LedgerEvent;
        const changedOccurredAt = { ...lesson, metadata: { ...lesson.metadata, occurredAt: '2023-10-03T08:30:00Z' } } as LedgerEvent;
        const cases: ReadonlyArray<readonly [string, ReadonlyArray<LedgerEvent>, string]> = [
          ['data', [changedData, lesson], mark.metadata.eventId],
          ['type', [changedType], mark.metadata.eventId],
          ['the second event', [mark, changedActor], lesson.metadata.eventId],
          ['occurredAt', [changedOccurredAt], lesson.metadata.eventId],
        ];
        for (const [what, events, eventId] of cases)
          for (const expectedRevision of [1, 'any', 'noStream'] as const) {
            const error = leftOf(await store.appendToStream(streamId, events, { expectedRevision }), `${what} with ${expectedRevision}`);
            expect(error, `${what} with ${expectedRevision}`).toMatchObject({ kind: 'EventIdConflict', streamId, eventId });
            expect(error.message).toContain(eventId);
            expect(error.message).toContain('different content');
          }

        expect(await readStream(store, streamId)).toEqual(before);
        expect((await readAllAfter(store, start)).filter(ofStreams(streamId))).toEqual([]);
      });

      it('refuses a batch naming twice an id already in the stream as a duplicate in the batch, not as a re-send', async () => {
        const f = eventFactory();
        const streamId = f.streamId('resend-twice');
        const once = f.formativeMark();
        await append(store, streamId, [once], 'noStream');
        const before = await readStream(store, streamId);
        const start = await headPosition(store, f);

        const error = leftOf(await store.appendToStream(streamId, [once, once], { expectedRevision: 0 }), 'append');
        expect(error).toMatchObject({ kind: 'EventIdConflict', streamId, eventId: once.metadata.eventId });
        expect(error.message).toContain('twice in the batch');

        expect(await readStream(store, streamId)).toEqual(before);
        expect((await readAllAfter(store, start)).filter(ofStreams(streamId))).toEqual([]);
      });

      it('refuses an event id already recorded in another stream with EventIdConflict, and writes nothing', async () => {
        const f = eventFactory();
        const a = f.streamId('a');
        const b = f.streamId('b');
        const recorded = f.formativeMark();
        await append(store, a, [recorded], 'noStream');
        const beforeA = await readStream(store, a);
        const start = await headPosition(store, f);

        // The very same event sent to another stream is no re-send: it is a conflict.
        const same = leftOf(await store.appendToStream(b, [recorded], { expectedRevision: 'any' }), 'append');
        expect(same).toMatchObject({ kind: 'EventIdConflict', streamId: b, eventId: recorded.metadata.eventId });

        // A different event reusing the id, after a valid one, in a batch.
        const reused = f.lessonPlanned({ eventId: recorded.metadata.eventId });
        const mixed = leftOf(await store.appendToStream(b, [f.formativeMark(), reused], { expectedRevision: 'noStream' }), 'append');
        expect(mixed).toMatchObject({ kind: 'EventIdConflict', streamId: b, eventId: recorded.metadata.eventId });
        expect(mixed.message).toContain(recorded.metadata.eventId);

        expect(await readStream(store, b)).toEqual({ events: [], currentRevision: -1 });
        expect(await readStream(store, a)).toEqual(beforeA);
        expect((await readAllAfter(store, start)).filter(ofStreams(a, b))).toEqual([]);
      });

      it('refuses a batch with the same event id twice with EventIdConflict, and writes nothing', async () => {
        const f = eventFactory();
        const streamId = f.streamId('dup');
        const start = await headPosition(store, f);
        const once = f.formativeMark();
        const twice = f.lessonPlanned({ eventId: once.metadata.eventId });

        const error = leftOf(await store.appendToStream(streamId, [once, f.formativeMark(), twice], { expectedRevision: 'noStream' }), 'append');
        expect(error).toMatchObject({ kind: 'EventIdConflict', streamId, eventId: once.metadata.eventId });
        const exact = leftOf(await store.appendToStream(streamId, [once, once], { expectedRevision: 'noStream' }), 'append');
        expect(exact).toMatchObject({ kind: 'EventIdConflict', streamId, eventId: once.metadata.eventId });

        expect(await readStream(store, streamId)).toEqual({ events: [], currentRevision: -1 });
        expect((await readAllAfter(store, start)).filter(ofStreams(streamId))).toEqual([]);
      });
    });

    describe('reading', () => {
      it('reads a stream from a revision on', async () => {
        const f = eventFactory();
        const streamId = f.streamId('from');
        const events = f.batch(5);
        await append(store, streamId, events, 'noStream');
        for (const [from, revisions] of [
          [0, [0, 1, 2, 3, 4]],
          [2, [2, 3, 4]],
          [4, [4]],
          [5, []],
          [9, []],
        ] as const) {
          const read = await readStream(store, streamId, from);
          expect(read.currentRevision, `from ${from}`).toBe(4);
          expect(read.events.map((r) => r.streamRevision), `from ${from}`).toEqual(revisions);
          expect(idsOf(read.events), `from ${from}`).toEqual(idsOf(events.slice(from)));
        }
      });

      it('pages readAll: every page non-empty and at most pageSize, in global order; `after` excludes', async () => {
        const f = eventFactory();
        const a = f.streamId('a');
        const b = f.streamId('b');
        const start = await headPosition(store, f);
        const appended: LedgerEvent[] = [];
        const batches: ReadonlyArray<[string, number]> = [[a, 3], [b, 2], [a, 1], [b, 1]];
        for (const [streamId, size] of batches) {
          const events = f.batch(size);
          await append(store, streamId, events, 'any');
          appended.push(...events);
        }

        for (const pageSize of [1, 2, 3, 1_000]) {
          const pages = await readAllPages(store, start, pageSize);
          for (const page of pages) {
            expect(page.length, `pageSize ${pageSize}`).toBeGreaterThan(0);
            expect(page.length, `pageSize ${pageSize}`).toBeLessThanOrEqual(pageSize);
          }
          const all = pages.flat();
          expectStrictlyIncreasing(positionsOf(all));
          expect(all.every((r) => r.globalPosition > start)).toBe(true);
          expect(idsOf(all.filter(ofStreams(a, b))), `pageSize ${pageSize}`).toEqual(idsOf(appended));
        }

        const own = (await readAllAfter(store, start)).filter(ofStreams(a, b));
        const third = own[2] as RecordedEvent;
        const afterThird = await readAllAfter(store, third.globalPosition, 2);
        expect(afterThird.every((r) => r.globalPosition > third.globalPosition)).toBe(true);
        expect(idsOf(afterThird.filter(ofStreams(a, b)))).toEqual(idsOf(appended.slice(3)));
        const last = own[own.length - 1] as RecordedEvent;
        expect((await readAllAfter(store, last.globalPosition)).filter(ofStreams(a, b))).toEqual([]);
      });

      it('keeps one global order of interleaved streams that every reader agrees on', async () => {
        const f = eventFactory();
        const a = f.streamId('a');
        const b = f.streamId('b');
        const start = await headPosition(store, f);
        const sequential: LedgerEvent[] = [];
        for (let i = 0; i < 8; i++) {
          const events = f.batch(1 + (i % 2));
          await append(store, i % 2 === 0 ? a : b, events, 'any');
          sequential.push(...events);
        }
        // Then concurrent appends to both streams: the order between them is the store's choice.
        await Promise.all([
          append(store, a, f.batch(2), 'any'),
          append(store, b, f.batch(1), 'any'),
          append(store, a, f.batch(1), 'any'),
          append(store, b, f.batch(3), 'any'),
        ]);

        const [small, large] = await Promise.all([readAllAfter(store, start, 1), readAllAfter(store, start, 1_000)]);
        const view = (events: ReadonlyArray<RecordedEvent>) =>
          events.filter(ofStreams(a, b)).map((r) => [r.globalPosition, r.streamId, r.streamRevision, r.event.metadata.eventId]);
        expect(view(small)).toEqual(view(large));
        const own = small.filter(ofStreams(a, b));
        expect(own).toHaveLength(sequential.length + 7);
        expect(idsOf(own.slice(0, sequential.length))).toEqual(idsOf(sequential));

        // Each stream, read on its own, is its subsequence of the global order, at the same positions.
        for (const streamId of [a, b]) {
          const read = await readStream(store, streamId);
          const inGlobal = own.filter((r) => r.streamId === streamId);
          expect(read.events.map((r) => [r.globalPosition, r.streamRevision, r.event.metadata.eventId])).toEqual(
            inGlobal.map((r) => [r.globalPosition, r.streamRevision, r.event.metadata.eventId]),
          );
          expect(read.events.map((r) => r.streamRevision)).toEqual(read.events.map((_, index) => index));
        }
      });
    });

    describe('subscriptions', () => {
      it('delivers every later event exactly once, in global order, one page at a time, also after catching up; stop() ends it', async () => {
        const f = eventFactory();
        const s = f.streamId('s');
        const t = f.streamId('t');
        const start = await headPosition(store, f);
        const early = f.batch(3);
        await append(store, s, early, 'noStream');

        const delivered: RecordedEvent[] = [];
        const positions: number[] = [];
        let running = 0;
        let mostAtOnce = 0;
        const subscription = store.subscribe({
          after: start,
          pageSize: 2,
          onEvents: async (page) => {
            running++;
            mostAtOnce = Math.max(mostAtOnce, running);
            expect(page.length).toBeGreaterThan(0);
            expect(page.length).toBeLessThanOrEqual(2);
            positions.push(...positionsOf(page));
            delivered.push(...page.filter(ofStreams(s, t)));
            await sleep(0);
            running--;
          },
        });
        await within(subscription.caughtUp, 'caughtUp');
        expect(idsOf(delivered)).toEqual(idsOf(early));

        const live1 = f.batch(2);
        const live2 = f.batch(1);
        const live3 = f.batch(3);
        await append(store, s, live1, 2);
        await append(store, t, live2, 'noStream');
        await append(store, s, live3, 4);
        const expected = [...early, ...live1, ...live2, ...live3];
        await waitUntil(() => delivered.length >= expected.length, `${expected.length} events`);
        await within(subscription.stop(), 'stop');
        expect(await within(subscription.done, 'done')).toEqual({ _tag: 'Right', right: undefined });

        expect(idsOf(delivered)).toEqual(idsOf(expected));
        expectStrictlyIncreasing(positions);
        expect(positions.every((p) => p > start)).toBe(true);
        expect(mostAtOnce).toBe(1);

        await append(store, s, f.batch(1), 7);
        await sleep(SETTLE_MS);
        expect(delivered).toHaveLength(expected.length);
      });

      it('starts after the given position: events at or before it are not delivered', async () => {
        const f = eventFactory();
        const s = f.streamId('s');
        const events = f.batch(4);
        await append(store, s, events, 'noStream');
        const second = (await readStream(store, s)).events[1] as RecordedEvent;

        const delivered: RecordedEvent[] = [];
        const subscription = store.subscribe({ after: second.globalPosition, onEvents: (page) => void delivered.push(...page.filter(ofStreams(s))) });
        await within(subscription.caughtUp, 'caughtUp');
        await within(subscription.stop(), 'stop');
        expect(idsOf(delivered)).toEqual(idsOf(events.slice(2)));
      });

      it('ends the subscription with done = Left(error) when the handler throws', async () => {
        const f = eventFactory();
        const s = f.streamId('s');
        const start = await headPosition(store, f);
        await append(store, s, f.batch(2), 'noStream');

        const failure = new Error('projection failed');
        let calls = 0;
        const subscription = store.subscribe({
          after: start,
          onEvents: (page) => {
            if (page.some(ofStreams(s))) {
              calls++;
              throw failure;
            }
          },
        });
        const done = await within(subscription.done, 'done');
        expect(done._tag).toBe('Left');
        expect(done._tag === 'Left' ? done.left : undefined).toBe(failure);

        await append(store, s, f.batch(1), 1);
        await sleep(SETTLE_MS);
        expect(calls).toBe(1);
        await within(subscription.stop(), 'stop after failure');
      });

      it('subscribeWithCheckpoints resumes from the saved checkpoint after stop and restart: nothing lost, nothing repeated', async () => {
        const f = eventFactory();
        const checkpoints = subject.checkpoints ?? inMemoryCheckpointStore();
        const subscriptionId = `${f.runId}-projection`;
        const s = f.streamId('s');
        // Start at this test's own position, not at the start of a shared store.
        await checkpoints.save(subscriptionId, await headPosition(store, f));

        const run = async (seen: RecordedEvent[]) =>
          subscribeWithCheckpoints({
            store,
            checkpoints,
            subscriptionId,
            pageSize: 2,
            onEvents: (page) => void seen.push(...page.filter(ofStreams(s))),
          });

        const first = f.batch(3);
        await append(store, s, first, 'noStream');
        const seen1: RecordedEvent[] = [];
        const sub1 = await run(seen1);
        await within(sub1.caughtUp, 'first caughtUp');
        await waitUntil(() => seen1.length >= first.length, 'the first events');
        await within(sub1.stop(), 'first stop');
        expect(idsOf(seen1)).toEqual(idsOf(first));
        expect(await checkpoints.load(subscriptionId)).toBeGreaterThanOrEqual((seen1[2] as RecordedEvent).globalPosition);

        // Appended while no subscription runs.
        const second = f.batch(4);
        await append(store, s, second, 2);
        const seen2: RecordedEvent[] = [];
        const sub2 = await run(seen2);
        await within(sub2.caughtUp, 'second caughtUp');
        expect(idsOf(seen2)).toEqual(idsOf(second));
        // And one appended while it runs.
        const third = f.batch(1);
        await append(store, s, third, 6);
        await waitUntil(() => seen2.length >= second.length + third.length, 'the live event');
        await within(sub2.stop(), 'second stop');
        expect(idsOf(seen2)).toEqual(idsOf([...second, ...third]));

        // Restarted with nothing new: nothing is delivered again.
        const seen3: RecordedEvent[] = [];
        const sub3 = await run(seen3);
        await within(sub3.caughtUp, 'third caughtUp');
        await within(sub3.stop(), 'third stop');
        expect(seen3).toEqual([]);

        const stream = await readStream(store, s);
        expect(idsOf([...seen1, ...seen2])).toEqual(idsOf(stream.events));
        expect(await checkpoints.load(subscriptionId)).toBeGreaterThanOrEqual((stream.events[7] as RecordedEvent).globalPosition);
      });
    });

    describe('concurrency', () => {
      it.each<[string, ExpectedRevision, number]>([
        ['an existing stream at revision 0', 0, 1],
        ['a new stream', 'noStream', 0],
      ])('lets exactly one of concurrent appends with the same expected revision win (%s)', async (_, expectedRevision, existing) => {
        const f = eventFactory();
        const streamId = f.streamId('race');
        const initial = f.batch(existing);
        if (existing > 0) await append(store, streamId, initial, 'noStream');
        const contenders = Array.from({ length: 8 }, () => f.batch(2));

        const results = await Promise.all(
          contenders.map((events) => store.appendToStream(streamId, events, { expectedRevision })),
        );
        const winners = results.flatMap((result, index) => (result._tag === 'Right' ? [index] : []));
        const losers = results.flatMap((result) => (result._tag === 'Left' ? [result.left as EventStoreError] : []));
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(7);
        for (const error of losers)
          expect(error).toMatchObject({ kind: 'ConcurrencyConflict', streamId, expected: expectedRevision, actual: existing + 1 });

        const winner = contenders[winners[0] as number] as ReadonlyArray<LedgerEvent>;
        const read = await readStream(store, streamId);
        expect(idsOf(read.events)).toEqual(idsOf([...initial, ...winner]));
        expect(read.currentRevision).toBe(existing + 1);
      });
    });

    describe('all-or-nothing batches', () => {
      it('shows a large batch to concurrent readers entirely or not at all', async () => {
        const f = eventFactory();
        const streamId = f.streamId('large');
        const start = await headPosition(store, f);
        const batch = f.batch(400);
        const seen = new Set<number>();
        let appending = true;
        const observe = async (): Promise<void> => {
          while (appending) {
            const [read, all] = await Promise.all([readStream(store, streamId), readAllAfter(store, start)]);
            seen.add(read.events.length);
            seen.add(all.filter(ofStreams(streamId)).length);
            await sleep(0);
          }
        };
        const observers = [observe(), observe()];
        const result = await append(store, streamId, batch, 'noStream');
        appending = false;
        await Promise.all(observers);
        expect(result).toMatchObject({ written: true, nextExpectedRevision: 399 });
        expect([...seen].filter((count) => count !== 0 && count !== batch.length)).toEqual([]);
        expect(idsOf((await readStream(store, streamId)).events)).toEqual(idsOf(batch));
      });

      it('writes none of a batch whose last event repeats an id of another stream, and keeps no id of it', async () => {
        const f = eventFactory();
        const a = f.streamId('a');
        const b = f.streamId('b');
        const taken = f.formativeMark();
        await append(store, a, [taken], 'noStream');
        const start = await headPosition(store, f);
        const batch = [...f.batch(50), f.lessonPlanned({ eventId: taken.metadata.eventId })];
        const error = leftOf(await store.appendToStream(b, batch, { expectedRevision: 'noStream' }), 'append');
        expect(error).toMatchObject({ kind: 'EventIdConflict', streamId: b, eventId: taken.metadata.eventId });
        expect(await readStream(store, b)).toEqual({ events: [], currentRevision: -1 });
        expect((await readAllAfter(store, start)).filter(ofStreams(a, b))).toEqual([]);
        // The first 50 ids were not kept: they go into another stream now.
        const c = f.streamId('c');
        expect(await append(store, c, batch.slice(0, 50), 'noStream')).toMatchObject({ written: true, nextExpectedRevision: 49 });
      });
    });

    if (features.schools === true)
      describe('schools (tenants)', () => {
        const otherSchool = (): EventStore => {
          if (subject.otherSchool === undefined) throw new Error(`${name}: the contract was told of schools but got no otherSchool store`);
          return subject.otherSchool;
        };

        it('keeps schools apart: the same stream and event ids in two schools, each reading only its own', async () => {
          const f = eventFactory();
          const other = otherSchool();
          const streamId = f.streamId('class-5A');
          const startHere = await headPosition(store, f);
          const startThere = await headPosition(other, f);
          const here = f.batch(3);
          // The other school's events reuse this school's event ids: ids are unique per school only.
          const there = [f.lessonPlanned({ eventId: here[0]?.metadata.eventId ?? '' }), f.formativeMark()];
          await append(store, streamId, here, 'noStream');
          // 'noStream' holds in the other school: its stream of that name does not exist.
          await append(other, streamId, there, 'noStream');

          expect(idsOf((await readStream(store, streamId)).events)).toEqual(idsOf(here));
          expect((await readStream(store, streamId)).currentRevision).toBe(2);
          expect(idsOf((await readStream(other, streamId)).events)).toEqual(idsOf(there));
          expect((await readStream(other, streamId)).currentRevision).toBe(1);
          expect(idsOf((await readAllAfter(store, startHere)).filter(ofStreams(streamId)))).toEqual(idsOf(here));
          expect(idsOf((await readAllAfter(other, startThere)).filter(ofStreams(streamId)))).toEqual(idsOf(there));
          const thereIds = new Set(idsOf(there).slice(1));
          expect((await readAllAfter(store, 0)).filter((r) => thereIds.has(r.event.metadata.eventId))).toEqual([]);
        });

        it("never delivers another school's events to a subscription", async () => {
          const f = eventFactory();
          const other = otherSchool();
          const streamId = f.streamId('s');
          const start = await headPosition(store, f);
          const delivered: RecordedEvent[] = [];
          const subscription = store.subscribe({ after: start, onEvents: (page) => void delivered.push(...page) });
          await within(subscription.caughtUp, 'caughtUp');
          await append(other, streamId, f.batch(4), 'noStream');
          const mine = f.batch(2);
          await append(store, streamId, mine, 'noStream');
          await waitUntil(() => delivered.some(ofStreams(streamId)), 'own events');
          await within(subscription.stop(), 'stop');
          expect(idsOf(delivered.filter(ofStreams(streamId)))).toEqual(idsOf(mine));
        });
      });

    describe('bad input and edges', () => {
      it.each<[string, unknown]>([
        ['NaN', Number.NaN],
        ['a negative number below -1', -2],
        ['a fraction', 1.5],
        ['Infinity', Number.POSITIVE_INFINITY],
        ['an unsafe integer', 2 ** 60],
        ['an unknown word', 'latest'],
        ['null', null],
      ])('refuses an expected revision that is %s with InvalidExpectedRevision naming it, and writes nothing', async (_, bad) => {
        const f = eventFactory();
        const streamId = f.streamId('bad-expected');
        const start = await headPosition(store, f);
        await append(store, streamId, f.batch(2), 'noStream');
        const error = leftOf(
          await store.appendToStream(streamId, f.batch(1), { expectedRevision: bad as ExpectedRevision }),
          `append expecting ${String(bad)}`,
        );
        expect(error).toMatchObject({ kind: 'InvalidExpectedRevision', streamId, expected: bad });
        expect(error.message).toContain('expectedRevision');
        expect(error.message).toContain(String(bad));
        expect((await readStream(store, streamId)).currentRevision).toBe(1);
        expect((await readAllAfter(store, start)).filter(ofStreams(streamId))).toHaveLength(2);
      });

      it.each([
        ['empty', ''],
        ['too long', 'x'.repeat(257)],
        ['with a NUL character', 'class-\u0000-7A'],
        ['with a line break', 'class-7A\n'],
        ['with a lone surrogate', 'class-\ud800'],
        ['not text', 42],
      ])('refuses a stream id that is %s with InvalidStreamId, on append and read, and writes nothing', async (_, bad) => {
        const f = eventFactory();
        const start = await headPosition(store, f);
        const error = leftOf(await store.appendToStream(bad as string, f.batch(1), { expectedRevision: 'any' }), 'append to a bad stream id');
        expect(error).toMatchObject({ kind: 'InvalidStreamId', streamId: bad });
        expect(error.message).toContain('streamId');
        expect(leftOf(await store.readStream(bad as string), 'read a bad stream id')).toMatchObject({ kind: 'InvalidStreamId', streamId: bad });
        expect(await readAllAfter(store, start)).toHaveLength(0);
      });

      it('takes any stream id of text up to 256 characters, surrogate pairs included, and reads it back the same', async () => {
        const f = eventFactory();
        for (const suffix of ['-7А-әңғүұқөһі', '-😀', `-${'y'.repeat(200)}`]) {
          const streamId = `${f.streamId('text')}${suffix}`.slice(0, 256);
          await append(store, streamId, f.batch(1), 'noStream');
          expect((await readStream(store, streamId)).events.map((r) => r.streamId)).toEqual([streamId]);
        }
      });

      it.each([2, 2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER])(
        'answers an expected revision beyond the head (%s) with ConcurrencyConflict and the actual revision',
        async (beyond) => {
          const f = eventFactory();
          const streamId = f.streamId('beyond');
          await append(store, streamId, f.batch(2), 'noStream');
          const error = leftOf(await store.appendToStream(streamId, f.batch(1), { expectedRevision: beyond }), 'append');
          expect(error).toMatchObject({ kind: 'ConcurrencyConflict', streamId, expected: beyond, actual: 1 });
          const missing = leftOf(await store.appendToStream(f.streamId('none'), f.batch(1), { expectedRevision: beyond }), 'append');
          expect(missing).toMatchObject({ kind: 'ConcurrencyConflict', expected: beyond, actual: -1 });
          expect((await readStream(store, streamId)).currentRevision).toBe(1);
        },
      );

      it("refuses 'noStream' on an existing stream and 'streamExists' on a missing one, writing nothing", async () => {
        const f = eventFactory();
        const existing = f.streamId('existing');
        const missing = f.streamId('missing');
        await append(store, existing, f.batch(1), 'noStream');
        expect(leftOf(await store.appendToStream(existing, f.batch(1), { expectedRevision: 'noStream' }), 'append')).toMatchObject({
          kind: 'ConcurrencyConflict',
          expected: 'noStream',
          actual: 0,
        });
        expect(leftOf(await store.appendToStream(missing, f.batch(1), { expectedRevision: 'streamExists' }), 'append')).toMatchObject({
          kind: 'ConcurrencyConflict',
          expected: 'streamExists',
          actual: -1,
        });
        expect((await readStream(store, existing)).currentRevision).toBe(0);
        expect(await readStream(store, missing)).toEqual({ events: [], currentRevision: -1 });
      });

      it.each<[string, Record<string, unknown>, string]>([
        ['a page size of 0', { pageSize: 0 }, 'pageSize'],
        ['a negative page size', { pageSize: -3 }, 'pageSize'],
        ['a page size that is NaN', { pageSize: Number.NaN }, 'pageSize'],
        ['a fractional page size', { pageSize: 2.5 }, 'pageSize'],
        ['a position that is NaN', { after: Number.NaN }, 'after'],
        ['a fractional position', { after: 1.5 }, 'after'],
      ])('refuses readAll and subscribe with %s by a typed error naming the option (never an endless or silent read)', async (_, options, field) => {
        const f = eventFactory();
        await append(store, f.streamId('s'), f.batch(3), 'noStream');
        const read = within(readAllPages(store, 0).then(() => undefined), 'a plain readAll');
        await read;
        // Counted, not timed: an endless loop of empty pages never lets a timer fire.
        const bad = async (): Promise<unknown> => {
          let pages = 0;
          for await (const page of store.readAll(options)) if (page.length === 0 || ++pages > 100) return `endless or empty pages`;
          return 'read to the end';
        };
        const failure = await within(bad().catch((error: unknown) => error), `readAll(${show(options)})`);
        expect(failure).toMatchObject({ kind: 'InvalidReadOptions', field });
        expect(String((failure as { message?: unknown }).message)).toContain(field);
        let thrown: unknown;
        try {
          let calls = 0;
          const subscription = store.subscribe({
            ...options,
            onEvents: async (page) => {
              // An endless loop of empty pages would never let the stop below run.
              if (page.length === 0 || ++calls > 100) throw new Error('endless or empty pages');
            },
          });
          await within(subscription.stop(), 'stop');
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toMatchObject({ kind: 'InvalidReadOptions', field });
      });

      it.each([Number.NaN, 1.5])('refuses readStream from revision %s with InvalidReadOptions naming fromRevision', async (bad) => {
        const f = eventFactory();
        const streamId = f.streamId('s');
        await append(store, streamId, f.batch(3), 'noStream');
        const error = leftOf(await store.readStream(streamId, { fromRevision: bad }), 'read');
        expect(error).toMatchObject({ kind: 'InvalidReadOptions', field: 'fromRevision' });
        expect(error.message).toContain('fromRevision');
      });

      it.each<[string, string]>([
        ['a NUL character', 'Тема\u0000 1'],
        ['a lone surrogate', 'Тема \ud800 1'],
        ['a NUL in the reason', 'reason'],
      ])('stores a valid event whose text holds %s and reads it back equal, or refuses it as InvalidEvent naming the field; never StoreUnavailable', async (what, topic) => {
        const f = eventFactory();
        const streamId = f.streamId('text');
        const base = f.lessonPlanned();
        const event = (
          what.includes('reason')
            ? { ...base, metadata: { ...base.metadata, reason: 'КТП\u0000' } }
            : { ...base, data: { ...base.data, topic } }
        ) as LedgerEvent;
        const result = await store.appendToStream(streamId, [f.formativeMark(), event], { expectedRevision: 'noStream' });
        if (result._tag === 'Right') {
          expect((await readStream(store, streamId)).events.map((r) => r.event)[1]).toEqual(event);
          return;
        }
        expect(result.left).toMatchObject({ kind: 'InvalidEvent', streamId, index: 1 });
        expect(result.left.message).toContain(what.includes('reason') ? 'metadata.reason' : 'data.topic');
        expect(await readStream(store, streamId)).toEqual({ events: [], currentRevision: -1 });
      });

      it("keeps what it recorded: changing an appended event, or an event a reader was given, afterwards changes nothing another reader reads", async () => {
        const f = eventFactory();
        const streamId = f.streamId('kept');
        const start = await headPosition(store, f);
        const appended = f.formativeMark({ mark: 7 });
        const snapshot = JSON.parse(JSON.stringify(appended)) as LedgerEvent;
        await append(store, streamId, [appended], 'noStream');
        const tamper = (event: LedgerEvent): void => {
          // Frozen objects refuse (a TypeError in strict code): that is a way to keep them too.
          try {
            (event.data as { mark: number }).mark = 3;
          } catch {
            /* refused */
          }
          try {
            (event.metadata as { actor: { id: string } }).actor.id = 'someone-else';
          } catch {
            /* refused */
          }
        };
        tamper(appended);
        tamper(((await readStream(store, streamId)).events[0] as RecordedEvent).event);
        tamper(((await readAllAfter(store, start)).filter(ofStreams(streamId))[0] as RecordedEvent).event);
        expect((await readStream(store, streamId)).events.map((r) => r.event)).toEqual([snapshot]);
        expect((await readAllAfter(store, start)).filter(ofStreams(streamId)).map((r) => r.event)).toEqual([snapshot]);
      });

      it('reads a stream from a revision beyond its end as no events, with the current revision', async () => {
        const f = eventFactory();
        const streamId = f.streamId('s');
        await append(store, streamId, f.batch(3), 'noStream');
        expect(await readStream(store, streamId, 3)).toEqual({ events: [], currentRevision: 2 });
        expect(await readStream(store, streamId, 2 ** 40)).toEqual({ events: [], currentRevision: 2 });
      });
    });

    describe('properties', () => {
      it('readAll returns exactly the appended events in append order, and every stream has revisions 0..n-1', async () => {
        const batchArbitrary = fc.record({
          stream: fc.integer({ min: 0, max: 2 }),
          size: fc.integer({ min: 1, max: 4 }),
          exactRevision: fc.boolean(),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(batchArbitrary, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (batches, pageSize) => {
            const f = eventFactory();
            const streamIds = [0, 1, 2].map((n) => f.streamId(`s${n}`));
            const start = await headPosition(store, f);
            const counts = [0, 0, 0];
            const appended: Array<readonly [string, string]> = [];
            for (const { stream, size, exactRevision } of batches) {
              const streamId = streamIds[stream] as string;
              const count = counts[stream] as number;
              const events = f.batch(size);
              const expected: ExpectedRevision = !exactRevision ? 'any' : count === 0 ? 'noStream' : count - 1;
              const result = await append(store, streamId, events, expected);
              expect(result.nextExpectedRevision).toBe(count + size - 1);
              counts[stream] = count + size;
              appended.push(...events.map((e) => [streamId, e.metadata.eventId] as const));
            }

            const own = (await readAllAfter(store, start, pageSize)).filter(ofStreams(...streamIds));
            expect(own.map((r) => [r.streamId, r.event.metadata.eventId])).toEqual(appended);
            expectStrictlyIncreasing(positionsOf(own));
            for (const [index, streamId] of streamIds.entries()) {
              const n = counts[index] as number;
              const revisions = Array.from({ length: n }, (_, revision) => revision);
              expect(own.filter((r) => r.streamId === streamId).map((r) => r.streamRevision)).toEqual(revisions);
              const read = await readStream(store, streamId);
              expect(read.events.map((r) => r.streamRevision)).toEqual(revisions);
              expect(read.currentRevision).toBe(n - 1);
            }
          }),
          { numRuns: 40 },
        );
      });
    });
  });
};
