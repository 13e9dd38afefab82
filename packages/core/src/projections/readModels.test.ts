import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { arbClassHistory, buildSmallSchool } from '@grade-ledger/testing';
import { datesOfPeriod, periodsOfSubject, wasEnrolledDuring } from '../classJournal/calendarOf';
import { periodMarksOf } from '../classJournal/decide';
import { journalRulesFromRuleSets } from '../classJournal/journalRulesFromRuleSets';
import type { RecordedEvent } from '../eventStore/eventStore';
import { inMemoryEventStore } from '../eventStore/inMemoryEventStore';
import type { AttendanceCode, GradeValue } from '../events/common';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { computePeriodResult } from '../rules/periodResult';
import { replayEvents } from '../replay/replay';
import { onStream } from '../replay/testSupport';
import { sharePercentage } from './classAnalytics';

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const ruleSets = shipped.right;
const rules = journalRulesFromRuleSets(ruleSets);
const histories = arbClassHistory({ rules });

const schoolEvents = async (since: number, until: number, seed: number): Promise<ReadonlyArray<RecordedEvent>> => {
  const store = inMemoryEventStore();
  const built = await buildSmallSchool({ seed, since, until, store, ruleSets });
  if (E.isLeft(built)) throw new Error(built.left.message);
  return store.allEvents();
};

describe('term results', () => {
  it('compute, for every pupil enrolled in each period, the rules engine result on the marks in force, as the decider gathers them', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const p = replayEvents(onStream(history.streamId, history.events), { ruleSets });
        const state = history.finalState;
        const ruleSet = ruleSets.find((r) => r.id === state.calendar.ruleSetId);
        if (ruleSet === undefined) throw new Error('unknown rule set');
        const expectedKeys: string[] = [];
        for (const subject of state.subjects.values())
          for (const period of periodsOfSubject(state.calendar, rules.isHalfYearSubject(ruleSet.id, subject.hoursPerWeek))) {
            const dates = datesOfPeriod(state.calendar, period);
            for (const [pupilId, stays] of state.enrolments)
              if (dates !== undefined && wasEnrolledDuring(stays, dates)) expectedKeys.push(`${subject.subjectId}/${pupilId}/${period.kind}-${period.number}`);
          }
        const rows = p.termResults();
        expect(rows.map((r) => `${r.subjectId}/${r.pupilId}/${r.period.kind}-${r.period.number}`).sort()).toEqual(expectedKeys.sort());
        for (const row of rows) {
          const subject = state.subjects.get(row.subjectId);
          if (subject === undefined) throw new Error('unknown subject');
          const marks = periodMarksOf(rules, state, subject, row.pupilId, row.period);
          expect(row.marks).toEqual(marks);
          expect(row.result).toEqual(computePeriodResult(ruleSet, { gradeLevel: state.gradeLevel, gradingMode: subject.gradingMode, period: row.period }, marks));
          const finalized = subject.pupils.get(row.pupilId)?.periodGrades.get(`${row.period.kind}-${row.period.number}`);
          expect(row.finalized?.grade).toEqual(finalized?.grade);
          expect(row.differs).toBe(row.finalized !== null && row.computed !== null && String(row.finalized.grade) !== String(row.computed));
        }
        // One pupil's results (what a report card asks for) are that pupil's rows of the whole.
        for (const pupilId of state.enrolments.keys()) expect(p.termResults({ pupilId })).toEqual(rows.filter((r) => r.pupilId === pupilId));
      }),
      { numRuns: 40 },
    );
  });

  it('over a school, recompute the recommendation recorded with each finalized grade: they differ exactly where the grade was overridden', async () => {
    const p = replayEvents(await schoolEvents(2021, 2023, 42), { ruleSets });
    const finalized = p.termResults().filter((r) => r.finalized !== null);
    expect(finalized.length).toBeGreaterThan(200);
    for (const row of finalized) {
      expect(String(row.computed)).toBe(String(row.finalized?.recommended ?? null));
      expect(row.differs).toBe(row.finalized?.overridden);
    }
    expect(finalized.some((r) => r.differs)).toBe(true);
    expect(p.termResults({ classId: finalized[0]?.classId, period: { kind: 'term', number: 2 } }).every((r) => r.classId === finalized[0]?.classId && r.period.number === 2)).toBe(true);
  });
});

describe('attendance summary', () => {
  it('counts lessons missed by code, full days missed and lates as a naive recount of the events does', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const p = replayEvents(onStream(history.streamId, history.events), { ruleSets });
        // The naive recount: codes in force, lesson dates in force, straight from the events.
        const codes = new Map<string, { pupilId: string; lessonKey: string; code: AttendanceCode | 'present' }>();
        const lessons = new Map<string, { date: string; cancelled: boolean }>();
        for (const e of history.events) {
          if (e.type === 'LessonPlanned') lessons.set(`${e.data.subjectId}/${e.data.lessonId}`, { date: e.data.date, cancelled: false });
          if (e.type === 'LessonRescheduled') lessons.set(`${e.data.subjectId}/${e.data.lessonId}`, { date: e.data.date, cancelled: false });
          if (e.type === 'LessonCancelled') {
            const l = lessons.get(`${e.data.subjectId}/${e.data.lessonId}`);
            if (l !== undefined) l.cancelled = true;
          }
          if (e.type === 'AttendanceMarked')
            codes.set(`${e.data.subjectId}/${e.data.pupilId}/${e.data.attendanceId}`, { pupilId: e.data.pupilId, lessonKey: `${e.data.subjectId}/${e.data.lessonId}`, code: e.data.code });
          if (e.type === 'AttendanceCorrected') {
            const c = codes.get(`${e.data.subjectId}/${e.data.pupilId}/${e.data.attendanceId}`);
            if (c !== undefined) c.code = e.data.code;
          }
        }
        const terms = [undefined, ...history.finalState.calendar.terms];
        for (const term of terms) {
          const inRange = (lessonKey: string) => {
            const date = lessons.get(lessonKey)?.date;
            return term === undefined || (date !== undefined && date >= term.startsOn && date <= term.endsOn);
          };
          const rows = p.attendanceSummary(term === undefined ? {} : { period: { kind: 'term', number: term.number } });
          expect(rows.map((r) => r.pupilId)).toEqual([...history.finalState.enrolments.keys()]);
          for (const row of rows) {
            const mine = [...codes.values()].filter((c) => c.pupilId === row.pupilId && inRange(c.lessonKey));
            const count = (code: AttendanceCode) => mine.filter((c) => c.code === code).length;
            expect([row.unexcused, row.excused, row.illness, row.late]).toEqual([count('unexcused'), count('excused'), count('illness'), count('late')]);
            expect(row.lessonsMissed).toBe(count('unexcused') + count('excused') + count('illness'));
            const lessonsOn = new Map<string, number>();
            for (const l of lessons.values())
              if (!l.cancelled && (term === undefined || (l.date >= term.startsOn && l.date <= term.endsOn))) lessonsOn.set(l.date, (lessonsOn.get(l.date) ?? 0) + 1);
            const missedOn = new Map<string, Set<string>>();
            for (const c of mine)
              if (c.code !== 'late' && c.code !== 'present') {
                const l = lessons.get(c.lessonKey);
                if (l !== undefined && !l.cancelled) missedOn.set(l.date, (missedOn.get(l.date) ?? new Set()).add(c.lessonKey));
              }
            expect(row.fullDaysMissed).toBe([...missedOn].filter(([day, missed]) => missed.size >= (lessonsOn.get(day) ?? Infinity)).length);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('class analytics', () => {
  it('success rate and quality of knowledge agree with a naive recount over the finalized grades', async () => {
    const events = await schoolEvents(2020, 2022, 9);
    const p = replayEvents(events, { ruleSets });
    // Naive: the last finalized grade per class, subject, pupil and period; the teacher at that moment.
    const classOf = new Map<string, { classId: string; startYear: number }>();
    const teacherOf = new Map<string, string>();
    const grades = new Map<string, { classId: string; startYear: number; subjectId: string; teacherId: string; pupilId: string; period: string; grade: GradeValue }>();
    for (const { event: e, streamId } of events) {
      if (e.type === 'ClassOpened') classOf.set(streamId, { classId: e.data.classId, startYear: Number(e.data.calendar.startsOn.slice(0, 4)) });
      if (e.type === 'SubjectAssigned') teacherOf.set(`${streamId}/${e.data.subjectId}`, e.data.teacherId);
      const cls = classOf.get(streamId);
      if (cls === undefined || (e.type !== 'PeriodGradeFinalized' && e.type !== 'YearGradeFinalized')) continue;
      const period = e.type === 'PeriodGradeFinalized' ? `${e.data.period.kind}-${e.data.period.number}` : 'year';
      grades.set(`${streamId}/${e.data.subjectId}/${e.data.pupilId}/${period}`, {
        ...cls,
        subjectId: e.data.subjectId,
        teacherId: teacherOf.get(`${streamId}/${e.data.subjectId}`) ?? '?',
        pupilId: e.data.pupilId,
        period,
        grade: e.data.grade,
      });
    }
    const counted = [...grades.values()].filter((g) => typeof g.grade === 'number' || g.grade === 'notAssessed');
    const naive = (groupKey: (g: (typeof counted)[number]) => string) => {
      const groups = new Map<string, Map<string, GradeValue[]>>();
      for (const g of counted) {
        const key = `${g.startYear}|${g.period}|${groupKey(g)}`;
        const pupils = groups.get(key) ?? new Map<string, GradeValue[]>();
        pupils.set(g.pupilId, [...(pupils.get(g.pupilId) ?? []), g.grade]);
        groups.set(key, pupils);
      }
      return new Map(
        [...groups].map(([key, pupils]) => {
          const all = [...pupils.values()];
          const success = all.filter((gs) => gs.every((g) => g === 3 || g === 4 || g === 5)).length;
          const quality = all.filter((gs) => gs.every((g) => g === 4 || g === 5)).length;
          return [key, { pupils: all.length, success, quality }] as const;
        }),
      );
    };
    const periodKey = (period: 'year' | { readonly kind: string; readonly number: number }) => (period === 'year' ? 'year' : `${period.kind}-${period.number}`);
    for (const [groupBy, key] of [
      ['class', (g: (typeof counted)[number]) => g.classId],
      ['teacher', (g: (typeof counted)[number]) => g.teacherId],
      ['subject', (g: (typeof counted)[number]) => g.subjectId],
      ['classSubject', (g: (typeof counted)[number]) => `${g.classId}/${g.subjectId}`],
    ] as const) {
      const rows = p.classAnalytics({ groupBy });
      const expected = naive(key);
      expect(rows.length).toBe(expected.size);
      for (const row of rows) {
        const rowKey = groupBy === 'class' ? row.classId : groupBy === 'teacher' ? row.teacherId : groupBy === 'subject' ? row.subjectId : `${row.classId}/${row.subjectId}`;
        const want = expected.get(`${row.startYear}|${periodKey(row.period)}|${rowKey}`);
        expect({ pupils: row.pupils, success: row.successRate.numerator, quality: row.quality.numerator }).toEqual(want);
        expect(row.successRate.denominator).toBe(row.pupils);
        expect(row.successRate.percentage).toBe(sharePercentage(row.successRate.numerator, row.pupils));
      }
    }
    expect(p.classAnalytics({ period: 'year', startYear: 2021 }).every((r) => r.period === 'year' && r.startYear === 2021)).toBe(true);
  });

  it('shares are exact fractions with a percentage rounded half up to one decimal', () => {
    expect([sharePercentage(2, 3), sharePercentage(1, 3), sharePercentage(1, 8), sharePercentage(0, 5), sharePercentage(5, 5), sharePercentage(1, 0)]).toEqual([
      '66.7',
      '33.3',
      '12.5',
      '0.0',
      '100.0',
      null,
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.nat(10_000), (den, n) => {
        const num = n % (den + 1);
        const shown = Number(sharePercentage(num, den));
        expect(Math.abs(shown - (100 * num) / den)).toBeLessThanOrEqual(0.05 + 1e-9);
      }),
    );
  });
});
