import { randomUUID } from 'node:crypto';
import type { LedgerEvent } from '@grade-ledger/core';

/*
 * Valid ledger events for the store contract. Every test makes its own factory with a fresh
 * run id, so its stream ids and event ids cannot meet another test's (or another process's)
 * in a shared store.
 */

export type EventFactory = {
  /** A per-test prefix, unique across runs: `<prefix>-<name>` makes a stream id of this test only. */
  readonly runId: string;
  readonly streamId: (name: string) => string;
  /** A formative mark (ФО) with a fresh event id; `mark` defaults to 7. */
  readonly formativeMark: (options?: { readonly mark?: number; readonly eventId?: string }) => LedgerEvent;
  /** A planned lesson (КТП) with a fresh event id. */
  readonly lessonPlanned: (options?: { readonly eventId?: string }) => LedgerEvent;
  /** `count` events alternating between the two kinds, each with a fresh event id. */
  readonly batch: (count: number) => ReadonlyArray<LedgerEvent>;
  /** A copy of an event with a formative mark out of range (11): not a valid ledger event. */
  readonly withInvalidMark: (event?: LedgerEvent) => LedgerEvent;
};

/** A fresh id suffix; random on purpose (this is test code, outside the pure core). */
export const freshRunId = (): string => `t${randomUUID()}`;

const OCCURRED_AT = '2023-10-02T08:30:00Z';
const RECORDED_AT = '2023-10-02T08:31:00.123Z';

export const eventFactory = (runId: string = freshRunId()): EventFactory => {
  let counter = 0;
  const nextId = (): string => `${runId}.e${counter++}`;
  const metadata = (eventId: string) => ({
    eventId,
    occurredAt: OCCURRED_AT,
    recordedAt: RECORDED_AT,
    actor: { id: 'teacher-1', role: 'subjectTeacher' as const },
    correlationId: `${runId}.corr`,
    causationId: eventId,
  });

  const formativeMark: EventFactory['formativeMark'] = (options = {}) => {
    const eventId = options.eventId ?? nextId();
    return {
      type: 'FormativeMarkRecorded',
      schemaVersion: 1,
      data: {
        subjectId: 'math',
        markId: `mark-${eventId}`,
        lessonId: 'lesson-1',
        pupilId: `pupil-${counter % 5}`,
        mark: options.mark ?? 1 + (counter % 10),
      },
      metadata: metadata(eventId),
    };
  };

  const lessonPlanned: EventFactory['lessonPlanned'] = (options = {}) => {
    const eventId = options.eventId ?? nextId();
    return {
      type: 'LessonPlanned',
      schemaVersion: 1,
      data: {
        subjectId: 'math',
        lessonId: `lesson-${eventId}`,
        date: '2023-10-02',
        period: 1 + (counter % 6),
        unit: 'Натуральные числа',
        topic: `Тема ${counter}: сложение и вычитание`,
        hours: 1,
      },
      metadata: { ...metadata(eventId), reason: 'КТП на первую четверть' },
    };
  };

  const batch: EventFactory['batch'] = (count) =>
    Array.from({ length: count }, (_, index) => (index % 2 === 0 ? formativeMark() : lessonPlanned()));

  const withInvalidMark: EventFactory['withInvalidMark'] = (event) => {
    const base = event ?? formativeMark();
    if (base.type !== 'FormativeMarkRecorded') return formativeMark({ mark: 11 });
    return { ...base, data: { ...base.data, mark: 11 } };
  };

  return { runId, streamId: (name) => `${runId}-${name}`, formativeMark, lessonPlanned, batch, withInvalidMark };
};
