import * as E from 'fp-ts/Either';
import { decodeEvent, type LedgerEvent, type RecordedEvent } from '@grade-ledger/core';
import { generateSchoolWorkload } from '@grade-ledger/testing/workload';

/*
 * The benchmark's events.
 * - Appends: a teacher saving a lesson's marks: one class stream's batch of FormativeMarkRecorded
 *   events (one per pupil), in the shape the class journal records them; classes take turns.
 * - Import, read-all, replay: a realistic school's history (`generateSchoolWorkload`, seed 2018):
 *   the same events, in the same global order, in the store's table and in the raw table.
 */

export type AppendBatch = { readonly streamId: string; readonly events: ReadonlyArray<LedgerEvent> };

const SUBJECTS = ['mathematics', 'kazakh-language', 'russian-language', 'physics', 'chemistry', 'biology', 'history-of-kazakhstan', 'english'] as const;
const LETTERS = 'ABCD';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** A small deterministic generator (mulberry32): the same marks on every run. */
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/**
 * `total` FormativeMarkRecorded events in batches of `batchSize`, each batch one lesson of one
 * class (44 classes, 2025-2026, taking turns); every event decodes with its codec.
 */
export const formativeMarkBatches = (total: number, batchSize: number): ReadonlyArray<AppendBatch> => {
  const random = prng(2025);
  const classes = Array.from({ length: 44 }, (_, i) => `2025-${(i % 11) + 1}${LETTERS[Math.floor(i / 11)] ?? 'A'}`);
  const lessonsOf = new Map<string, number>();
  const batches: AppendBatch[] = [];
  for (let written = 0, b = 0; written < total; b++) {
    const size = Math.min(batchSize, total - written);
    const classIndex = b % classes.length;
    const classId = classes[classIndex] as string;
    const lesson = (lessonsOf.get(classId) ?? 0) + 1;
    lessonsOf.set(classId, lesson);
    const subjectId = SUBJECTS[lesson % SUBJECTS.length] as string;
    const day = new Date(Date.UTC(2025, 8, 1) + Math.floor(lesson / 6) * 86_400_000).toISOString().slice(0, 10);
    const minute = 8 * 60 + 30 + (lesson % 6) * 50;
    const occurredAt = `${day}T${pad(Math.floor(minute / 60), 2)}:${pad(minute % 60, 2)}:00Z`;
    const recordedAt = `${day}T${pad(Math.floor(minute / 60) + 3, 2)}:${pad((minute + 7) % 60, 2)}:00Z`;
    const teacher = `t-${subjectId}-${pad((classIndex % 5) + 1, 3)}`;
    const events = Array.from({ length: size }, (_, n): LedgerEvent => {
      const commandId = `c.${classId}.${lesson}.${n}`;
      return {
        type: 'FormativeMarkRecorded',
        schemaVersion: 1,
        data: {
          subjectId,
          markId: `m${lesson}-${n}`,
          lessonId: `L${pad(lesson, 3)}`,
          pupilId: `p${pad(classIndex * 30 + n + 1, 5)}`,
          mark: 1 + Math.floor(random() * 10),
        },
        metadata: {
          eventId: `${commandId}.0`,
          occurredAt,
          recordedAt,
          actor: { id: teacher, role: 'subjectTeacher' },
          correlationId: commandId,
          causationId: commandId,
        },
      } as LedgerEvent;
    });
    for (const event of events) {
      const decoded = decodeEvent(event);
      if (E.isLeft(decoded)) throw new Error(`bench event ${event.metadata.eventId} does not decode: ${decoded.left.message}`);
    }
    batches.push({ streamId: `class-${classId}`, events });
    written += size;
  }
  return batches;
};

/** The school's history, in global order; pull as many events as wanted, the generator keeps its place. */
export type SchoolHistory = { readonly take: (n: number) => ReadonlyArray<RecordedEvent> };

export const schoolHistory = (): SchoolHistory => {
  const generator = generateSchoolWorkload({ seed: 2018, since: 2018, until: 2025 });
  let exhausted = false;
  return {
    take: (n) => {
      const taken: RecordedEvent[] = [];
      while (!exhausted && taken.length < n) {
        const step = generator.next();
        if (step.done === true) exhausted = true;
        else taken.push(step.value);
      }
      return taken;
    },
  };
};

/** COPY's text format: a backslash must be doubled; JSON text has no raw tab or newline. */
const copyText = (value: string): string => (value.includes('\\') ? value.replace(/\\/g, '\\\\') : value);

/** A row of the store's events table (`school_id, position, stream_id, ...`), positions given by the caller. */
export const storeCopyLine = (schoolId: string, position: number, recorded: RecordedEvent): string => {
  const { event } = recorded;
  return `${schoolId}\t${position}\t${recorded.streamId}\t${recorded.streamRevision}\t${event.metadata.eventId}\t${event.type}\t${event.schemaVersion}\t${copyText(JSON.stringify(event.data))}\t${copyText(JSON.stringify(event.metadata))}\n`;
};

/** A row of the raw table (`position, stream_id, ...`). */
export const rawCopyLine = (position: number, recorded: RecordedEvent): string => {
  const { event } = recorded;
  return `${position}\t${recorded.streamId}\t${recorded.streamRevision}\t${event.metadata.eventId}\t${event.type}\t${event.schemaVersion}\t${copyText(JSON.stringify(event.data))}\t${copyText(JSON.stringify(event.metadata))}\n`;
};

/** Average size of an event's JSON (type, schemaVersion, data, metadata), in bytes. */
export const averageEventBytes = (events: Iterable<LedgerEvent>): number => {
  let bytes = 0;
  let count = 0;
  for (const event of events) {
    bytes += Buffer.byteLength(JSON.stringify(event));
    count++;
  }
  return count === 0 ? 0 : bytes / count;
};
