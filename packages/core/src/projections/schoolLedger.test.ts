import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { arbClassHistory } from '@grade-ledger/testing';
import { journalRulesFromRuleSets } from '../classJournal/journalRulesFromRuleSets';
import type { RecordedEvent } from '../eventStore/eventStore';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { onStream } from '../replay/testSupport';
import { asLedgerEvents } from '@grade-ledger/testing';
import { attendanceByPupil, foldProjection, markAt, markCount, markPupilAt, schoolLedgerProjection } from './index';
import { gradeAt, gradeCount, gradesOfRecord, lessonNumbersOf, lessonsOf, type SchoolLedgerState } from './schoolLedger';

/*
 * The fold keeps marks and attendance in flat slot arrays per subject (see `MarkSlots`). These
 * properties check that what the slots give back equals a naive fold of the same events into
 * plain objects: every mark with its value, annulment and first record, every absence with its
 * code in force, in order of recording.
 */

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const histories = arbClassHistory({ rules: journalRulesFromRuleSets(shipped.right) });

type NaiveMark = {
  subjectId: string;
  pupilId: string;
  markId: string;
  kind: 'formative' | 'summative';
  on: string;
  value: number;
  annulled: boolean;
  eventId: string;
  actorId: string;
  occurredAt: string;
  recordedAt: string;
  reason: string | null;
  globalPosition: number;
  changes: string[];
};

/** Marks and absences of a class by the simplest fold there is: an object per entry, found by a search. */
const naiveFold = (events: ReadonlyArray<RecordedEvent>) => {
  const marks: NaiveMark[] = [];
  const attendance: Array<{ subjectId: string; pupilId: string; attendanceId: string; lessonId: string; code: string }> = [];
  const find = (subjectId: string, pupilId: string, markId: string) =>
    marks.filter((m) => m.subjectId === subjectId && m.pupilId === pupilId && m.markId === markId).at(-1);
  for (const recorded of events) {
    const { event } = recorded;
    const { metadata } = event;
    const first = { eventId: metadata.eventId, actorId: metadata.actor.id, occurredAt: metadata.occurredAt, recordedAt: metadata.recordedAt, reason: metadata.reason ?? null, globalPosition: recorded.globalPosition, changes: [] };
    switch (event.type) {
      case 'FormativeMarkRecorded':
        marks.push({ subjectId: event.data.subjectId, pupilId: event.data.pupilId, markId: event.data.markId, kind: 'formative', on: event.data.lessonId, value: event.data.mark, annulled: false, ...first });
        break;
      case 'SummativeScoreRecorded':
        marks.push({ subjectId: event.data.subjectId, pupilId: event.data.pupilId, markId: event.data.markId, kind: 'summative', on: event.data.summativeId, value: event.data.points, annulled: false, ...first });
        break;
      case 'SummativeScoreModerated': {
        const mark = find(event.data.subjectId, event.data.pupilId, event.data.markId);
        if (mark !== undefined && mark.kind === 'summative') {
          mark.value = event.data.points;
          mark.changes.push(metadata.eventId);
        }
        break;
      }
      case 'MarkCorrected': {
        const mark = find(event.data.subjectId, event.data.pupilId, event.data.markId);
        if (mark !== undefined && mark.kind === event.data.value.kind) {
          mark.value = event.data.value.kind === 'formative' ? event.data.value.mark : event.data.value.points;
          mark.changes.push(metadata.eventId);
        }
        break;
      }
      case 'MarkAnnulled': {
        const mark = find(event.data.subjectId, event.data.pupilId, event.data.markId);
        if (mark !== undefined) {
          mark.annulled = true;
          mark.changes.push(metadata.eventId);
        }
        break;
      }
      case 'AttendanceMarked':
        attendance.push({ subjectId: event.data.subjectId, pupilId: event.data.pupilId, attendanceId: event.data.attendanceId, lessonId: event.data.lessonId, code: event.data.code });
        break;
      case 'AttendanceCorrected': {
        const entry = attendance.filter((a) => a.subjectId === event.data.subjectId && a.pupilId === event.data.pupilId && a.attendanceId === event.data.attendanceId).at(-1);
        if (entry !== undefined) entry.code = event.data.code;
        break;
      }
      default:
    }
  }
  return { marks, attendance };
};

/**
 * Values the decoder never lets through (points above 127, fractions), on every other event:
 * the fold keeps them beside the mark's flags (`markOverflow`), and must give them back as well.
 */
const withValuesOutOfRange = (events: ReadonlyArray<RecordedEvent>): ReadonlyArray<RecordedEvent> =>
  events.map((recorded) => {
    if (recorded.globalPosition % 2 === 1) return recorded;
    const { event } = recorded;
    const data = event.data as Record<string, unknown>;
    const odd = (v: number): number => (recorded.globalPosition % 4 === 0 ? v + 1000 : v + 0.5);
    switch (event.type) {
      case 'FormativeMarkRecorded':
        return { ...recorded, event: { ...event, data: { ...data, mark: odd(event.data.mark) } } } as RecordedEvent;
      case 'SummativeScoreRecorded':
      case 'SummativeScoreModerated':
        return { ...recorded, event: { ...event, data: { ...data, points: odd(event.data.points) } } } as RecordedEvent;
      case 'MarkCorrected': {
        const value = event.data.value.kind === 'formative' ? { ...event.data.value, mark: odd(event.data.value.mark) } : { ...event.data.value, points: odd(event.data.value.points) };
        return { ...recorded, event: { ...event, data: { ...data, value } } } as RecordedEvent;
      }
      default:
        return recorded;
    }
  });

/** An id in another shape, the same for the same id (so that changes still name their mark): leading zeros, text after the number, text only. */
const oddId = (id: string): string => {
  const h = [...id].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7) % 4;
  return h === 0 ? `0${id}` : h === 1 ? `${id}-x${id.length}` : h === 2 ? `id-${id.replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)] ?? d)}` : id;
};
/** An instant in another of its forms: with milliseconds, or with nanoseconds (kept as text). */
const oddInstant = (instant: string, k: number): string => (instant.length !== 20 || k % 3 === 0 ? instant : k % 3 === 1 ? `${instant.slice(0, 19)}.000Z` : `${instant.slice(0, 19)}.123456789Z`);

/** Ids (mark, attendance, event) and instants in shapes the workload never uses: the fold must give them back as they came. */
const withOddIdsAndInstants = (events: ReadonlyArray<RecordedEvent>): ReadonlyArray<RecordedEvent> =>
  events.map((recorded) => {
    const { event } = recorded;
    const data = { ...(event.data as Record<string, unknown>) };
    for (const field of ['markId', 'attendanceId', 'supersedesEventId'] as const) if (typeof data[field] === 'string') data[field] = oddId(data[field] as string);
    const k = recorded.globalPosition;
    const metadata = { ...event.metadata, eventId: oddId(event.metadata.eventId), occurredAt: oddInstant(event.metadata.occurredAt, k), recordedAt: oddInstant(event.metadata.recordedAt, k + 1) };
    return { ...recorded, event: { ...event, data, metadata } } as RecordedEvent;
  });

describe('school ledger fold: the compact marks and attendance', () => {
  it.each([
    ['as recorded', (events: ReadonlyArray<RecordedEvent>) => events],
    ['with mark values that do not fit the flags', withValuesOutOfRange],
    ['with ids and instants of other shapes', withOddIdsAndInstants],
  ] as const)('give back, subject by subject and in order of recording, what a naive fold of the same events holds (%s)', (_, alter) => {
    fc.assert(
      fc.property(histories, (history) => {
        const events = alter(onStream(history.streamId, history.events));
        const state = foldProjection(schoolLedgerProjection, events);
        const naive = naiveFold(events);
        const compact: NaiveMark[] = [];
        const absences: Array<{ subjectId: string; pupilId: string; attendanceId: string; lessonId: string; code: string }> = [];
        for (const cls of state.classes.values())
          for (const subject of cls.subjects.values()) {
            for (let i = 0; i < markCount(subject); i++) {
              const m = markAt(state, subject, i);
              compact.push({
                subjectId: subject.subjectId,
                pupilId: markPupilAt(subject, i),
                markId: m.markId,
                kind: m.kind,
                on: m.on,
                value: m.value,
                annulled: m.annulled,
                eventId: m.eventId,
                actorId: m.actor.id,
                occurredAt: m.occurredAt,
                recordedAt: m.recordedAt,
                reason: m.reason,
                globalPosition: m.globalPosition,
                changes: (m.changes ?? []).map((c) => c.eventId),
              });
            }
            for (const [pupilId, entries] of attendanceByPupil(subject))
              for (const a of entries) absences.push({ subjectId: subject.subjectId, pupilId, attendanceId: a.attendanceId, lessonId: a.lessonId, code: a.code });
          }
        const bySubject = (a: { subjectId: string }, b: { subjectId: string }) => (a.subjectId < b.subjectId ? -1 : a.subjectId > b.subjectId ? 1 : 0);
        // Within a subject both keep the order of recording (a stable sort by subject keeps it).
        expect([...compact].sort(bySubject)).toEqual([...naive.marks].sort(bySubject));
        const byPupil = (a: { subjectId: string; pupilId: string }, b: { subjectId: string; pupilId: string }) =>
          bySubject(a, b) || (a.pupilId < b.pupilId ? -1 : a.pupilId > b.pupilId ? 1 : 0);
        expect([...absences].sort(byPupil)).toEqual([...naive.attendance].sort(byPupil));
      }),
      { numRuns: 60 },
    );
  });
});

describe('school ledger fold: grades', () => {
  const calendar = { schoolYearId: '2023-2024', startsOn: '2023-09-01', endsOn: '2024-05-31', terms: [{ number: 1, startsOn: '2023-09-01', endsOn: '2023-10-27' }], halfYears: [], ruleSetId: 'kz-current' };
  const digits = fc.stringMatching(/^[0-9]{1,12}$/);
  /** Fractions as the rules write them, and texts of nearly that form (leading zeros, signs, huge numbers, no denominator). */
  const percentage = fc.oneof(
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3_000_000 })).map(([n, d]) => `${n}/${d}`),
    fc.tuple(fc.constantFrom('', '-', '0', '00', '+'), digits, fc.constantFrom('/', '/0', '//', '.'), fc.oneof(digits, fc.constant(''))).map((parts) => parts.join('')),
    fc.string(),
    fc.constant(null),
  );
  const grade = fc.oneof(fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.double(), fc.string(), percentage.filter((p) => p !== null));

  it('give back the grade, recommendation and percentage as finalized, whatever their form', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(grade, grade, percentage), { minLength: 1, maxLength: 8 }), (finalized) => {
        const events = asLedgerEvents(
          [
            { type: 'ClassOpened', data: { classId: '7A', gradeLevel: 7, letter: 'A', classTeacherId: 'teacher-05', calendar } },
            { type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } },
            ...finalized.map(([g, recommended, p], i) => ({
              type: 'YearGradeFinalized' as const,
              data: { subjectId: 'mathematics', pupilId: `pupil-${i}`, grade: g, recommendation: { grade: recommended, percentage: p }, ruleSetId: 'kz-current' },
            })),
          ] as Parameters<typeof asLedgerEvents>[0],
          { actor: { id: 'teacher-01', role: 'subjectTeacher' }, idPrefix: 'e', occurredAt: '2023-09-04T09:00:00Z' },
        ).map((event, i) => ({ event, streamId: 'class-7A', streamRevision: i, globalPosition: i + 1 }));
        const state = foldProjection(schoolLedgerProjection, events);
        expect(gradeCount(state)).toBe(finalized.length);
        const given = finalized.map((_, n) => gradeAt(state, n)).map((g) => [g.grade, g.recommended, g.percentage]);
        expect(given).toEqual(finalized.map(([g, recommended, p]) => [g, recommended, p]));
      }),
      { numRuns: 200 },
    );
  });

  it('give back who finalized a grade and its period, however many actors the ledger has seen', () => {
    // Actor numbers past what 32-bit flags hold, up to the last an array can index: the state is
    // given that many actors before (its list's length set, as if so many had recorded before).
    fc.assert(
      fc.property(fc.constantFrom(0, 2 ** 8, 2 ** 23 - 1, 2 ** 23, 2 ** 24, 2 ** 31, 2 ** 32 - 2), fc.constantFrom('period', 'year'), (before, level) => {
        const state = schoolLedgerProjection.init();
        (state.audit.actors as unknown[]).length = before;
        const actor = { id: 'deputy-01', role: 'deputyDirector' } as const;
        const events = asLedgerEvents(
          [
            { type: 'ClassOpened', data: { classId: '7A', gradeLevel: 7, letter: 'A', classTeacherId: 'teacher-05', calendar } },
            { type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } },
            level === 'period'
              ? { type: 'PeriodGradeFinalized', data: { subjectId: 'mathematics', pupilId: 'pupil-1', period: { kind: 'halfYear', number: 2 }, grade: 4, recommendation: { grade: 3, percentage: '60' }, ruleSetId: 'kz-current', overrideReason: 'Moderated' } }
              : { type: 'YearGradeFinalized', data: { subjectId: 'mathematics', pupilId: 'pupil-1', grade: 4, recommendation: { grade: 3, percentage: '60' }, ruleSetId: 'kz-current', overrideReason: 'Moderated' } },
          ] as Parameters<typeof asLedgerEvents>[0],
          { actor, idPrefix: 'e', occurredAt: '2023-09-04T09:00:00Z' },
        ).map((event, i) => ({ event, streamId: 'class-7A', streamRevision: i, globalPosition: i + 1 }));
        foldProjection(schoolLedgerProjection, events, state);
        const grade = gradeAt(state, 0);
        expect(grade.actor).toEqual(actor);
        expect([grade.level, grade.period, grade.overridden]).toEqual([level, level === 'period' ? { kind: 'halfYear', number: 2 } : null, true]);
      }),
    );
  });

  it('keep one grade per period of a pupil, the latest, in order of the first (periods of any kind and number)', () => {
    const period = fc.record({ kind: fc.constantFrom('term', 'halfYear', 'quarter'), number: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constant(1.5)) });
    fc.assert(
      fc.property(fc.array(fc.tuple(period, fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 12 }), (finalized) => {
        const events = asLedgerEvents(
          [
            { type: 'ClassOpened', data: { classId: '7A', gradeLevel: 7, letter: 'A', classTeacherId: 'teacher-05', calendar } },
            { type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } },
            ...finalized.map(([p, g]) => ({
              type: 'PeriodGradeFinalized' as const,
              data: { subjectId: 'mathematics', pupilId: 'pupil-1', period: p, grade: g, recommendation: null, ruleSetId: 'kz-current' },
            })),
          ] as Parameters<typeof asLedgerEvents>[0],
          { actor: { id: 'teacher-01', role: 'subjectTeacher' }, idPrefix: 'e', occurredAt: '2023-09-04T09:00:00Z' },
        ).map((event, i) => ({ event, streamId: 'class-7A', streamRevision: i, globalPosition: i + 1 }));
        const state = foldProjection(schoolLedgerProjection, events);
        const naive: Array<[{ kind: string; number: number }, number]> = [];
        for (const [p, g] of finalized) {
          const same = naive.findIndex(([q]) => q.kind === p.kind && q.number === p.number);
          if (same < 0) naive.push([p, g]);
          else naive[same] = [p, g];
        }
        const record = state.classes.get('7A')?.subjects.get('mathematics')?.pupils.get('pupil-1');
        expect(gradesOfRecord(state, record)?.periodGrades.map((g) => [g.period, g.grade])).toEqual(naive);
      }),
      { numRuns: 200 },
    );
  });
});

/*
 * Plans, pupils' records and the audit's entries are kept compactly too: a change to a lesson
 * finds it by a scan unless a query built the subject's index, a record's lists are copied one
 * longer per entry (never grown by push), and the audit's entries share texts the state already
 * holds. What the fold gives back must not depend on any of it.
 */
describe('school ledger fold: plans, records and audit entries', () => {
  it('find the lesson a change names by a scan as by the index a query builds (same lessons, same plan changes)', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const events = onStream(history.streamId, history.events);
        const scanned = foldProjection(schoolLedgerProjection, events);
        // The same fold with every subject's index built before each event (as queries between events would).
        const indexed = schoolLedgerProjection.init();
        for (const recorded of events) {
          for (const cls of indexed.classes.values()) for (const subject of cls.subjects.values()) lessonNumbersOf(subject);
          schoolLedgerProjection.apply(indexed, recorded);
        }
        const lessons = (state: SchoolLedgerState) => [...state.classes.values()].flatMap((cls) => [...cls.subjects.values()].map((subject) => lessonsOf(subject)));
        expect(lessons(scanned)).toEqual(lessons(indexed));
        expect(scanned.audit.planChanges).toEqual(indexed.audit.planChanges);
        expect(scanned.audit.changes).toEqual(indexed.audit.changes);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ['as recorded', (events: ReadonlyArray<RecordedEvent>) => events],
    [
      'with periods, hours and texts the decoder never lets through',
      (events: ReadonlyArray<RecordedEvent>) =>
        events.map((recorded) => {
          const { event } = recorded;
          const odd = recorded.globalPosition % 3;
          if (event.type === 'LessonPlanned')
            return { ...recorded, event: { ...event, data: { ...event.data, period: odd === 0 ? 2.5 : odd === 1 ? 1e12 : -0, hours: odd === 0 ? 0.25 : 2 ** 40, topic: `${event.data.topic}${'\u00e9'.repeat(odd)}`, unit: odd === 2 ? '' : event.data.unit } } } as RecordedEvent;
          if (event.type === 'LessonRescheduled') return { ...recorded, event: { ...event, data: { ...event.data, period: odd + 0.5, date: odd === 0 ? 'not a date' : event.data.date } } } as RecordedEvent;
          return recorded;
        }),
    ],
  ] as const)('give back each subject\'s plan as a naive fold of the plan events holds it (%s)', (_, alter) => {
    fc.assert(
      fc.property(histories, (history) => {
        const events = alter(onStream(history.streamId, history.events));
        const state = foldProjection(schoolLedgerProjection, events);
        type Lesson = { lessonId: string; date: string; period: number; unit: string; topic: string; hours: number; cancelled: boolean };
        const naive = new Map<string, Lesson[]>();
        const find = (subjectId: string, lessonId: string) => naive.get(subjectId)?.filter((l) => l.lessonId === lessonId).at(-1);
        for (const { event } of events) {
          if (event.type === 'SubjectAssigned' && !naive.has(event.data.subjectId)) naive.set(event.data.subjectId, []);
          if (event.type === 'LessonPlanned') {
            const { lessonId, date, period, unit, topic, hours } = event.data;
            naive.get(event.data.subjectId)?.push({ lessonId, date, period, unit, topic, hours, cancelled: false });
          }
          if (event.type === 'LessonRescheduled') {
            const lesson = find(event.data.subjectId, event.data.lessonId);
            if (lesson !== undefined) Object.assign(lesson, { date: event.data.date, period: event.data.period });
          }
          if (event.type === 'LessonCancelled') {
            const lesson = find(event.data.subjectId, event.data.lessonId);
            if (lesson !== undefined) lesson.cancelled = true;
          }
          if (event.type === 'LessonTopicRevised') {
            const lesson = find(event.data.subjectId, event.data.lessonId);
            if (lesson !== undefined) lesson.topic = event.data.topic;
          }
        }
        const kept = new Map([...state.classes.values()].flatMap((cls) => [...cls.subjects.values()].map((subject) => [subject.subjectId, lessonsOf(subject)] as const)));
        // toEqual compares numbers with Object.is: -0 must come back as -0.
        expect(kept).toEqual(naive);
      }),
      { numRuns: 60 },
    );
  });

  it("keep a pupil's exemptions, period grades and re-sits as granted and finalized, each list exactly as long as its entries", () => {
    fc.assert(
      fc.property(histories, (history) => {
        const events = onStream(history.streamId, history.events);
        const state = foldProjection(schoolLedgerProjection, events);
        const naive = new Map<string, { exemptions: string[]; periods: string[]; resits: string[] }>();
        const of = (subjectId: string, pupilId: string) => {
          const key = `${subjectId}\u0000${pupilId}`;
          let entry = naive.get(key);
          if (entry === undefined) naive.set(key, (entry = { exemptions: [], periods: [], resits: [] }));
          return entry;
        };
        for (const { event } of events) {
          if (event.type === 'ExemptionGranted') of(event.data.subjectId, event.data.pupilId).exemptions.push(event.data.exemptionId);
          if (event.type === 'ResitResultRecorded') of(event.data.subjectId, event.data.pupilId).resits.push(event.metadata.eventId);
          if (event.type === 'PeriodGradeFinalized') {
            const periods = of(event.data.subjectId, event.data.pupilId).periods;
            const period = `${event.data.period.kind} ${event.data.period.number}`;
            if (!periods.includes(period)) periods.push(period);
          }
        }
        const kept = new Map<string, { exemptions: string[]; periods: string[]; resits: string[] }>();
        for (const cls of state.classes.values())
          for (const subject of cls.subjects.values())
            for (const [pupilId, record] of subject.pupils) {
              const grades = gradesOfRecord(state, record);
              const exemptions = record.exemptions ?? [];
              const resits = record.resits ?? [];
              // Each list holds its entries and no holes (the copies one longer are filled to their end).
              expect(Object.keys(exemptions)).toHaveLength(exemptions.length);
              expect(Object.keys(record.periodGrades)).toHaveLength(record.periodGrades.length);
              kept.set(`${subject.subjectId}\u0000${pupilId}`, {
                exemptions: exemptions.map((e) => e.exemptionId),
                periods: (grades?.periodGrades ?? []).map((g) => `${g.period?.kind} ${g.period?.number}`),
                resits: (grades?.resits ?? []).map((g) => g.eventId),
              });
            }
        const nonEmpty = (m: Map<string, { exemptions: string[]; periods: string[]; resits: string[] }>) =>
          [...m.entries()].filter(([, v]) => v.exemptions.length + v.periods.length + v.resits.length > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        expect(nonEmpty(kept)).toEqual(nonEmpty(naive));
      }),
      { numRuns: 60 },
    );
  });

  it("stamp every change and plan change with its own event's stream, instants, reason and position (texts of any form)", () => {
    fc.assert(
      fc.property(histories, (history) => {
        const events = withOddIdsAndInstants(onStream(history.streamId, history.events));
        const state = foldProjection(schoolLedgerProjection, events);
        const byId = new Map(events.map((recorded) => [recorded.event.metadata.eventId, recorded] as const));
        const entries = [...state.audit.changes, ...state.audit.planChanges];
        for (const entry of entries) {
          const recorded = byId.get(entry.eventId);
          const { metadata } = recorded?.event ?? {};
          expect({ streamId: entry.streamId, occurredAt: entry.occurredAt, recordedAt: entry.recordedAt, reason: entry.reason, globalPosition: entry.globalPosition }).toEqual({
            streamId: recorded?.streamId,
            occurredAt: metadata?.occurredAt,
            recordedAt: metadata?.recordedAt,
            reason: metadata?.reason ?? null,
            globalPosition: recorded?.globalPosition,
          });
        }
        expect(entries.length).toBe(events.filter(({ event }) => ['MarkCorrected', 'MarkAnnulled', 'SummativeScoreModerated', 'AttendanceCorrected', 'LessonRescheduled', 'LessonCancelled', 'LessonTopicRevised', 'SummativeCancelled', 'PlanApproved', 'ExemptionGranted', 'PupilTransferred', 'PupilWithdrawn'].includes(event.type)).length);
      }),
      { numRuns: 60 },
    );
  });
});
