import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  inMemoryCheckpointStore,
  inMemoryEventStore,
  subscribeWithCheckpoints,
  type ExpectedRevision,
  type LedgerEvent,
  type RecordedEvent,
} from '@grade-ledger/core';
import { eventFactory } from '../contract/events';

/*
 * The append rules as laws, against a model that knows only lists of ids: for any sequence of
 * appends (fresh batches, re-sends of earlier batches or of parts of them, re-sends with one
 * event's content changed, batches reusing ids, an earlier id twice in a batch, any expected
 * revision, valid or not), the store answers as the model says, and what it holds is
 * the model's streams in one dense order. And a subscription stopped and resumed from its
 * checkpoint at any points delivers that order exactly once.
 */

type Op =
  | { readonly kind: 'fresh'; readonly stream: number; readonly size: number; readonly expected: Expectation }
  | { readonly kind: 'resend'; readonly batch: number; readonly stream: number; readonly from: number; readonly to: number; readonly expected: Expectation }
  | { readonly kind: 'mixed'; readonly batch: number; readonly stream: number; readonly expected: Expectation }
  | { readonly kind: 'twice'; readonly stream: number; readonly expected: Expectation }
  | { readonly kind: 'changed'; readonly batch: number; readonly stream: number; readonly expected: Expectation }
  | { readonly kind: 'repeated'; readonly batch: number; readonly stream: number; readonly expected: Expectation };

/** An expected revision relative to the stream's (so that valid ones come up often), or an absolute or invalid one. */
type Expectation = { readonly relative: number } | { readonly given: unknown };

const arbExpectation: fc.Arbitrary<Expectation> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1, max: 1 }).map((relative) => ({ relative })) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>('any', 'noStream', 'streamExists').map((given) => ({ given })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 0, 2 ** 31, Number.NaN, -2, 0.5, 'latest').map((given) => ({ given })) },
);

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('fresh' as const), stream: fc.nat(2), size: fc.integer({ min: 0, max: 3 }), expected: arbExpectation }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('resend' as const), batch: fc.nat(), stream: fc.nat(2), from: fc.nat(3), to: fc.nat(3), expected: arbExpectation }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mixed' as const), batch: fc.nat(), stream: fc.nat(2), expected: arbExpectation }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('twice' as const), stream: fc.nat(2), expected: arbExpectation }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('changed' as const), batch: fc.nat(), stream: fc.nat(2), expected: arbExpectation }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeated' as const), batch: fc.nat(), stream: fc.nat(2), expected: arbExpectation }) },
);

/** The same event id with another content: a client bug reusing ids, never a re-send. */
const withOtherContent = (event: LedgerEvent): LedgerEvent =>
  event.type === 'FormativeMarkRecorded'
    ? ({ ...event, data: { ...event.data, mark: event.data.mark === 10 ? 1 : event.data.mark + 1 } } as LedgerEvent)
    : ({ ...event, data: { ...event.data, topic: `${String((event.data as { topic: string }).topic)} (другая)` } } as LedgerEvent);

type Outcome = { readonly kind: string; readonly written?: boolean; readonly next?: number };

const isValid = (expected: unknown): expected is ExpectedRevision =>
  (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= -1) ||
  expected === 'any' ||
  expected === 'noStream' ||
  expected === 'streamExists';

const matches = (expected: ExpectedRevision, actual: number): boolean =>
  expected === 'any' ? true : expected === 'noStream' ? actual === -1 : expected === 'streamExists' ? actual >= 0 : expected === actual;

describe('append laws (in-memory store against a model)', () => {
  it('answers every append as the model does, and holds the model streams in one dense order; a resumed subscription delivers it once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbOp, { minLength: 1, maxLength: 25 }), fc.array(fc.nat(40), { maxLength: 4 }), async (ops, stops) => {
        const f = eventFactory();
        const store = inMemoryEventStore();
        const streams = [0, 1, 2].map((n) => f.streamId(`s${n}`));
        const model = new Map<string, string[]>(streams.map((s) => [s, []]));
        const where = new Map<string, string>(); // event id -> stream
        const order: string[] = [];
        const batches: Array<ReadonlyArray<LedgerEvent>> = [];

        for (const op of ops) {
          const streamId = streams[op.stream] as string;
          const held = model.get(streamId) as string[];
          const actual = held.length - 1;
          const earlier = batches.length === 0 ? [] : (batches[('batch' in op ? op.batch : 0) % batches.length] as ReadonlyArray<LedgerEvent>);
          const events: ReadonlyArray<LedgerEvent> =
            op.kind === 'fresh'
              ? f.batch(op.size)
              : op.kind === 'resend'
                ? earlier.slice(Math.min(op.from, op.to), Math.max(op.from, op.to) + 1)
                : op.kind === 'mixed'
                  ? [...f.batch(1), ...earlier.slice(0, 1)]
                  : op.kind === 'changed'
                    ? earlier.map((e, i) => (i === earlier.length - 1 ? withOtherContent(e) : e))
                    : op.kind === 'repeated'
                      ? [...earlier.slice(0, 1), ...earlier.slice(0, 1)]
                      : ((e) => [e, f.formativeMark(), e])(f.lessonPlanned());
          const expected = 'relative' in op.expected ? (actual + op.expected.relative < -1 ? 'noStream' : actual + op.expected.relative) : op.expected.given;
          const ids = events.map((e) => e.metadata.eventId);

          // The model: the rules of docs/streams.md, in their order.
          const model_: Outcome = !isValid(expected)
            ? { kind: 'InvalidExpectedRevision' }
            : ids.length > 0 && ids.every((id) => where.get(id) === streamId) && new Set(ids).size === ids.length
              ? op.kind === 'changed'
                ? { kind: 'EventIdConflict' }
                : { kind: 'written', written: false, next: actual }
              : ids.some((id) => where.has(id)) || new Set(ids).size < ids.length
                ? { kind: 'EventIdConflict' }
                : !matches(expected, actual)
                  ? { kind: 'ConcurrencyConflict' }
                  : ids.length === 0
                    ? { kind: 'written', written: false, next: actual }
                    : { kind: 'written', written: true, next: actual + ids.length };

          const result = await store.appendToStream(streamId, events, { expectedRevision: expected as ExpectedRevision });
          const outcome: Outcome =
            result._tag === 'Left' ? { kind: result.left.kind } : { kind: 'written', written: result.right.written, next: result.right.nextExpectedRevision };
          expect(outcome, `${op.kind} of ${ids.length} to ${streamId} expecting ${String(expected)}`).toEqual(model_);
          if (model_.written === true) {
            held.push(...ids);
            for (const id of ids) where.set(id, streamId);
            order.push(...ids);
            batches.push(events);
          }
        }

        const all: RecordedEvent[] = [];
        for await (const page of store.readAll({ pageSize: 4 })) all.push(...page);
        expect(all.map((r) => r.event.metadata.eventId)).toEqual(order);
        expect(all.map((r) => r.globalPosition)).toEqual(order.map((_, index) => index + 1));
        for (const streamId of streams) {
          const read = await store.readStream(streamId);
          expect(read._tag === 'Right' ? read.right.events.map((r) => r.event.metadata.eventId) : read).toEqual(model.get(streamId));
        }

        // Stopped once some number more events were delivered (the handler held at that page while
        // stop() is called), then resumed from the checkpoint, again and again.
        const checkpoints = inMemoryCheckpointStore();
        const delivered: string[] = [];
        for (const stop of [...stops, Number.POSITIVE_INFINITY]) {
          const target = Math.min(order.length, delivered.length + stop);
          let release: () => void = () => undefined;
          const gate = new Promise<void>((resolve) => (release = resolve));
          let reached: () => void = () => undefined;
          const reachedTarget = new Promise<void>((resolve) => (reached = resolve));
          const subscription = await subscribeWithCheckpoints({
            store,
            checkpoints,
            subscriptionId: 'law',
            pageSize: 3,
            onEvents: async (page) => {
              delivered.push(...page.map((r) => r.event.metadata.eventId));
              if (delivered.length >= target) {
                reached();
                await gate;
              }
            },
          });
          await Promise.race([reachedTarget, subscription.caughtUp]);
          const stopping = subscription.stop();
          release();
          await stopping;
        }
        expect(delivered).toEqual(order);
      }),
      { numRuns: 150 },
    );
  });
});
