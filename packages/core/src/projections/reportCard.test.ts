import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { asLedgerEvents, buildSmallSchool, projectionSpecification } from '@grade-ledger/testing';
import { foldEvents } from '../decider/decider';
import type { RecordedEvent } from '../eventStore/eventStore';
import { inMemoryEventStore } from '../eventStore/inMemoryEventStore';
import type { Actor } from '../events/metadata';
import type { EventPayload } from '../events/registry';
import { evolveClassJournal, initialClassJournalState } from '../classJournal/state';
import { reportCardOf, reportCardProjection } from './reportCard';
import type { SchoolLedgerState } from './schoolLedger';

const teacher: Actor = { id: 'teacher-01', role: 'subjectTeacher' };
const deputy: Actor = { id: 'deputy-01', role: 'deputyDirector' };

const calendar = {
  schoolYearId: '2023-2024',
  startsOn: '2023-09-01',
  endsOn: '2024-05-31',
  terms: [
    { number: 1, startsOn: '2023-09-01', endsOn: '2023-10-27' },
    { number: 2, startsOn: '2023-11-06', endsOn: '2023-12-29' },
    { number: 3, startsOn: '2024-01-08', endsOn: '2024-03-15' },
    { number: 4, startsOn: '2024-03-25', endsOn: '2024-05-24' },
  ],
  halfYears: [
    { number: 1, startsOn: '2023-09-01', endsOn: '2023-12-29' },
    { number: 2, startsOn: '2024-01-08', endsOn: '2024-05-24' },
  ],
  ruleSetId: 'kz-current',
};

let position = 0;
/** Events as a store records them on one stream (global positions continue across calls). */
const onStream = (streamId: string, payloads: ReadonlyArray<EventPayload>, actor: Actor = teacher, reason?: string): ReadonlyArray<RecordedEvent> =>
  asLedgerEvents(payloads, { actor, idPrefix: `${streamId}.${position}`, ...(reason === undefined ? {} : { reason }) }).map((event, i) => ({
    event,
    streamId,
    streamRevision: i,
    globalPosition: ++position,
  }));

const grade = (pupilId: string, period: { kind: 'term' | 'halfYear'; number: number }, value: number, recommended: number, subjectId = 'mathematics'): EventPayload => ({
  type: 'PeriodGradeFinalized',
  data: {
    subjectId,
    pupilId,
    period: period as never,
    grade: value,
    recommendation: { grade: recommended, percentage: '70/1' },
    ruleSetId: 'kz-current',
    ...(value === recommended ? {} : { overrideReason: 'Commission review' }),
  },
});

const history: ReadonlyArray<RecordedEvent> = [
  ...onStream('schoolYear-2023-2024', [{ type: 'SchoolYearOpened', data: { ...calendar, startYear: 2023 } }], { id: 'director-01', role: 'director' }),
  ...onStream('class-2023-7A', [
    { type: 'ClassOpened', data: { classId: '2023-7A', gradeLevel: 7, letter: 'A', classTeacherId: 'teacher-05', calendar } },
    { type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } },
    { type: 'SubjectAssigned', data: { subjectId: 'history', teacherId: 'teacher-02', hoursPerWeek: 1, gradingMode: 'scored' } },
    { type: 'PupilEnrolled', data: { pupilId: 'pupil-0001', on: '2023-09-01' } },
    { type: 'PupilEnrolled', data: { pupilId: 'pupil-0002', on: '2023-09-01' } },
    { type: 'LessonPlanned', data: { subjectId: 'mathematics', lessonId: 'L1', date: '2023-09-04', period: 1, unit: 'U1', topic: 'T1', hours: 1 } },
    { type: 'LessonPlanned', data: { subjectId: 'history', lessonId: 'L1', date: '2023-09-04', period: 2, unit: 'U1', topic: 'T1', hours: 1 } },
    { type: 'LessonPlanned', data: { subjectId: 'mathematics', lessonId: 'L2', date: '2023-09-06', period: 1, unit: 'U1', topic: 'T2', hours: 1 } },
    { type: 'AttendanceMarked', data: { subjectId: 'mathematics', attendanceId: 'a1', lessonId: 'L1', pupilId: 'pupil-0001', code: 'illness' } },
    { type: 'AttendanceMarked', data: { subjectId: 'history', attendanceId: 'a2', lessonId: 'L1', pupilId: 'pupil-0001', code: 'unexcused' } },
    { type: 'AttendanceMarked', data: { subjectId: 'mathematics', attendanceId: 'a3', lessonId: 'L2', pupilId: 'pupil-0001', code: 'late' } },
    { type: 'AttendanceMarked', data: { subjectId: 'mathematics', attendanceId: 'a4', lessonId: 'L2', pupilId: 'pupil-0002', code: 'unexcused' } },
  ]),
  ...onStream('class-2023-7A', [{ type: 'AttendanceCorrected', data: { subjectId: 'history', attendanceId: 'a2', pupilId: 'pupil-0001', supersedesEventId: 'x', code: 'excused' } }], teacher, "Parent's note"),
  ...onStream('class-2023-7A', [
    grade('pupil-0001', { kind: 'term', number: 1 }, 2, 2),
    grade('pupil-0001', { kind: 'halfYear', number: 1 }, 4, 4, 'history'),
  ]),
  ...onStream('class-2023-7A', [grade('pupil-0001', { kind: 'term', number: 2 }, 3, 2)], deputy),
  ...onStream('class-2023-7A', [
    { type: 'YearGradeFinalized', data: { subjectId: 'mathematics', pupilId: 'pupil-0001', grade: 2, recommendation: { grade: 2, percentage: null }, ruleSetId: 'kz-current' } },
    { type: 'ResitResultRecorded', data: { subjectId: 'mathematics', pupilId: 'pupil-0001', attempt: 1, testGrade: 4, finalGrade: 3, ruleSetId: 'kz-current' } },
  ]),
  // Another class of another year: its events must not land on 2023-7A, though they do not name a class.
  ...onStream('class-2024-8A', [
    { type: 'ClassOpened', data: { classId: '2024-8A', gradeLevel: 8, letter: 'A', classTeacherId: 'teacher-05', calendar: { ...calendar, schoolYearId: '2024-2025', startsOn: '2024-09-01', endsOn: '2025-05-31', terms: [], halfYears: [] } } },
    { type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } },
    { type: 'PupilEnrolled', data: { pupilId: 'pupil-0001', on: '2024-09-02' } },
  ]),
  ...onStream('class-2024-8A', [grade('pupil-0001', { kind: 'term', number: 1 }, 5, 5)]),
];

describe('report card projection', () => {
  it('gives per year the period, year and final grades, overrides and attendance by code', () => {
    projectionSpecification(reportCardProjection)
      .given(history)
      .then((state: SchoolLedgerState) => {
        const cards = reportCardOf(state, 'pupil-0001');
        expect(cards.map((c) => [c.classId, c.startYear, c.gradeLevel, c.ruleSetId])).toEqual([
          ['2023-7A', 2023, 7, 'kz-current'],
          ['2024-8A', 2024, 8, 'kz-current'],
        ]);
        const [y2023, y2024] = cards;
        const maths = y2023?.subjects.find((s) => s.subjectId === 'mathematics');
        expect(maths?.gradedPer).toBe('term');
        expect(maths?.periods.map((p) => [p.period.number, p.grade, p.recommended, p.overridden, p.overrideReason, p.finalizedBy.role])).toEqual([
          [1, 2, 2, false, null, 'subjectTeacher'],
          [2, 3, 2, true, 'Commission review', 'deputyDirector'],
        ]);
        expect(maths?.yearGrade?.grade).toBe(2);
        expect(maths?.finalGrade).toBe(3);
        expect(maths?.resits.map((r) => [r.attempt, r.testGrade, r.finalGrade])).toEqual([[1, 4, 3]]);
        expect(maths?.attendance).toEqual({ unexcused: 0, excused: 0, illness: 1, late: 1, lessonsMissed: 1 });
        const history2023 = y2023?.subjects.find((s) => s.subjectId === 'history');
        expect(history2023?.gradedPer).toBe('halfYear');
        expect(history2023?.attendance).toEqual({ unexcused: 0, excused: 1, illness: 0, late: 0, lessonsMissed: 1 });
        // Both lessons of 2023-09-04 missed: one full day; on 09-06 the pupil was only late.
        expect(y2023?.attendance).toEqual({ unexcused: 0, excused: 1, illness: 1, late: 1, lessonsMissed: 2, fullDaysMissed: 1 });
        expect(y2024?.subjects.map((s) => [s.subjectId, s.periods.map((p) => p.grade), s.finalGrade])).toEqual([['mathematics', [5], null]]);
        expect(reportCardOf(state, 'pupil-0002')[0]?.attendance.unexcused).toBe(1);
        expect(reportCardOf(state, 'pupil-0099')).toEqual([]);
      });
  });

  it('is a fold: any chunking of the events gives the same state', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(history.length), { maxLength: 6 }), (cuts) => {
        const bounds = [0, ...[...cuts].sort((a, b) => a - b), history.length];
        let state = reportCardProjection.initialState();
        for (let i = 1; i < bounds.length; i++) state = foldEvents(reportCardProjection, history.slice(bounds[i - 1], bounds[i]), state);
        expect(state).toEqual(foldEvents(reportCardProjection, history));
      }),
    );
  });
});

describe('report card projection over a generated school', () => {
  it('agrees with the class journal: every finalized grade and final grade, whatever the page size of the replay', async () => {
    const store = inMemoryEventStore();
    const built = await buildSmallSchool({ seed: 3, since: 2019, until: 2020, store });
    if (E.isLeft(built)) throw new Error(built.left.message);
    const events = store.allEvents();
    const whole = foldEvents(reportCardProjection, events);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4000 }), async (pageSize) => {
        let state = reportCardProjection.initialState();
        for await (const page of store.readAll({ pageSize })) state = foldEvents(reportCardProjection, page, state);
        expect(state).toEqual(whole);
      }),
      { numRuns: 10 },
    );
    let checked = 0;
    for (const c of built.right.summary.classes) {
      const journal = foldEvents(
        { evolve: evolveClassJournal, initialState: initialClassJournalState },
        events.filter((e) => e.streamId === `class-${c.classId}`).map((e) => e.event),
      );
      if (journal.status !== 'open') throw new Error(`class ${c.classId} not opened`);
      for (const pupilId of c.pupilIds) {
        const card = reportCardOf(whole, pupilId).find((y) => y.classId === c.classId);
        for (const [subjectId, subject] of journal.subjects) {
          const record = subject.pupils.get(pupilId);
          const row = card?.subjects.find((s) => s.subjectId === subjectId);
          expect(row?.periods.map((p) => `${p.period.kind}-${p.period.number}:${p.grade}`).sort()).toEqual(
            [...(record?.periodGrades.entries() ?? [])].map(([key, g]) => `${key}:${g.grade}`).sort(),
          );
          expect(row?.finalGrade ?? undefined).toEqual(record?.finalGrade);
          const codes = [...(record?.attendance.values() ?? [])].map((a) => a.code);
          expect(row?.attendance.illness).toBe(codes.filter((code) => code === 'illness').length);
          expect(row?.attendance.late).toBe(codes.filter((code) => code === 'late').length);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});
