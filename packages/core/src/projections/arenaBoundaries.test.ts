import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../eventStore/eventStore';
import { CLASSES, history, SUBJECTS } from './arenaHistory';
import { attendanceByPupil, gradeAt, gradeCount, lessonsOf, markAt, markCount, markPupilAt, schoolLedgerProjection, type SchoolLedgerState } from './index';

/*
 * The fold cuts marks (64 a block), absences (32), lessons (16), grades (64) and moments (1,024)
 * as blocks from shared arenas of 2,048 doubling to 32,768 slots, then arena after arena of that
 * size. The small histories of the other properties stay within the first arenas; these folds
 * record thousands of events of two interleaved classes of two subjects each, so that blocks of every kind are cut
 * from many arenas (full-size ones included), and change, annul, reschedule and correct entries
 * recorded arenas earlier. Every entry must read back as a naive fold holds it, at checkpoints
 * along the way, and what a query returned at a checkpoint must not change with later events.
 */

type View = {
  marks: Record<string, unknown[]>;
  absences: Record<string, unknown[]>;
  lessons: Record<string, unknown[]>;
  grades: unknown[];
};

/** What the fold's queries give back, as plain data. */
const compactView = (state: SchoolLedgerState): View => {
  const view: View = { marks: {}, absences: {}, lessons: {}, grades: [] };
  for (const classId of CLASSES)
    for (const subjectId of SUBJECTS) {
      const subject = state.classes.get(classId)?.subjects.get(subjectId);
      if (subject === undefined) continue;
      const key = `${classId} ${subjectId}`;
      view.marks[key] = Array.from({ length: markCount(subject) }, (_, i) => {
        const m = markAt(state, subject, i);
        return [markPupilAt(subject, i), m.markId, m.kind, m.on, m.value, m.annulled, m.eventId, m.actor.id, m.occurredAt, m.recordedAt, m.reason, m.globalPosition, (m.changes ?? []).map((c) => c.eventId)];
      });
      view.absences[key] = [...attendanceByPupil(subject)].flatMap(([pupilId, entries]) => entries.map((a) => [pupilId, a.attendanceId, a.lessonId, a.code])).sort();
      view.lessons[key] = lessonsOf(subject).map((l) => [l.lessonId, l.date, l.period, l.unit, l.topic, l.hours, l.cancelled]);
    }
  view.grades = Array.from({ length: gradeCount(state) }, (_, n) => {
    const g = gradeAt(state, n);
    return [g.eventId, g.actor.id, g.occurredAt, g.recordedAt, g.reason, g.globalPosition, g.streamId, g.classId, g.level, g.subjectId, g.pupilId, g.period, g.grade, g.recommended, g.percentage, g.teacherId];
  });
  return view;
};

/** The same by the simplest fold there is: arrays of plain entries, found by a search from the last. */
const naiveView = (events: ReadonlyArray<RecordedEvent>): View => {
  const view: View = { marks: {}, absences: {}, lessons: {}, grades: [] };
  type Mark = [string, string, string, string, number, boolean, string, string, string, string, string | null, number, string[]];
  const marks = new Map<string, Mark[]>();
  const absences = new Map<string, string[][]>();
  const lessons = new Map<string, unknown[][]>();
  const teachers = new Map<string, string>();
  const last = <T>(list: T[] | undefined, match: (entry: T) => boolean): T | undefined => {
    for (let i = (list?.length ?? 0) - 1; i >= 0; i--) if (match((list as T[])[i] as T)) return (list as T[])[i];
    return undefined;
  };
  for (const recorded of events) {
    const { type, data: d, metadata } = recorded.event as unknown as { type: string; data: Record<string, any>; metadata: Record<string, any> };
    const classId = recorded.streamId.slice('class-'.length);
    const key = `${classId} ${d.subjectId}`;
    const { eventId, occurredAt, recordedAt } = metadata;
    const actorId: string = metadata.actor.id;
    const reason: string | null = metadata.reason ?? null;
    const position = recorded.globalPosition;
    switch (type) {
      case 'SubjectAssigned':
        marks.set(key, []);
        absences.set(key, []);
        lessons.set(key, []);
        teachers.set(key, d.teacherId);
        break;
      case 'FormativeMarkRecorded':
      case 'SummativeScoreRecorded': {
        const formative = type === 'FormativeMarkRecorded';
        marks.get(key)?.push([d.pupilId, d.markId, formative ? 'formative' : 'summative', formative ? d.lessonId : d.summativeId, formative ? d.mark : d.points, false, eventId, actorId, occurredAt, recordedAt, reason, position, []]);
        break;
      }
      case 'MarkCorrected':
      case 'SummativeScoreModerated':
      case 'MarkAnnulled': {
        const mark = last(marks.get(key), (m) => m[0] === d.pupilId && m[1] === d.markId);
        if (mark === undefined) break;
        const value = type === 'MarkAnnulled' ? null : type === 'SummativeScoreModerated' ? { kind: 'summative', points: d.points } : d.value;
        if (value !== null && value.kind !== mark[2]) break;
        if (value === null) mark[5] = true;
        else mark[4] = value.kind === 'formative' ? value.mark : value.points;
        mark[12].push(eventId);
        break;
      }
      case 'AttendanceMarked':
        absences.get(key)?.push([d.pupilId, d.attendanceId, d.lessonId, d.code]);
        break;
      case 'AttendanceCorrected': {
        const entry = last(absences.get(key), (a) => a[0] === d.pupilId && a[1] === d.attendanceId);
        if (entry !== undefined) entry[3] = d.code;
        break;
      }
      case 'LessonPlanned':
        lessons.get(key)?.push([d.lessonId, d.date, d.period, d.unit, d.topic, d.hours, false]);
        break;
      case 'LessonRescheduled':
      case 'LessonCancelled':
      case 'LessonTopicRevised': {
        const lesson = last(lessons.get(key), (l) => l[0] === d.lessonId);
        if (lesson === undefined) break;
        if (type === 'LessonRescheduled') [lesson[1], lesson[2]] = [d.date, d.period];
        else if (type === 'LessonCancelled') lesson[6] = true;
        else lesson[4] = d.topic;
        break;
      }
      case 'PeriodGradeFinalized':
      case 'YearGradeFinalized':
        view.grades.push([eventId, actorId, occurredAt, recordedAt, reason, position, recorded.streamId, classId, type === 'PeriodGradeFinalized' ? 'period' : 'year', d.subjectId, d.pupilId, d.period ?? null, d.grade, d.recommendation?.grade ?? null, d.recommendation?.percentage ?? null, teachers.get(key) ?? null]);
        break;
      default:
    }
  }
  for (const classId of CLASSES)
    for (const subjectId of SUBJECTS) {
      const key = `${classId} ${subjectId}`;
      view.marks[key] = marks.get(key) ?? [];
      view.absences[key] = (absences.get(key) ?? []).sort();
      view.lessons[key] = lessons.get(key) ?? [];
    }
  return view;
};

describe('school ledger fold across many arenas', () => {
  it('gives back every mark, absence, lesson and grade as a naive fold holds it, at every checkpoint, and leaves what a query gave unchanged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        // Up to 16,000 events: past the 32,768-slot arenas into full-size ones (since marks, absences,
        // lessons and grades share slots, 11,000 events fill one full-size arena, 14,000 two).
        fc.integer({ min: 3_000, max: 16_000 }),
        // Positions from 1, or crossing 2^31 (kept beside the slots) along the way.
        fc.constantFrom(1, 2 ** 31 - 2_000),
        (seed, size, firstPosition) => {
          const events = history(seed, size, firstPosition);
          const state = schoolLedgerProjection.init();
          const checkpoints = [Math.floor(size / 3), Math.floor((2 * size) / 3)];
          const taken: Array<{ view: View; copy: View }> = [];
          events.forEach((recorded, i) => {
            schoolLedgerProjection.apply(state, recorded);
            if (checkpoints.includes(i + 1)) {
              const view = compactView(state);
              expect(view).toEqual(naiveView(events.slice(0, i + 1)));
              taken.push({ view, copy: structuredClone(view) });
            }
          });
          expect(compactView(state)).toEqual(naiveView(events));
          for (const { view, copy } of taken) expect(view).toEqual(copy);
          // The folds did reach arenas of full size (32,768 slots), several of them.
          if (size >= 15_000) expect(state.tables.arenas.filter((arena) => arena.length === 2 ** 15).length).toBeGreaterThanOrEqual(2);
        },
      ),
      // One fold that surely crosses several full-size arenas, and positions past 2^31, besides the random ones.
      { numRuns: 3, examples: [[777, 16_000, 2 ** 31 - 2_000]] },
    );
  });

});
