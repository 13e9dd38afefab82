import type { AssessmentPeriod, AttendanceCode } from '../events/common';
import type { DateRange, LocalDate } from '../primitives/localDate';
import { datesOfPeriod } from '../classJournal/calendarOf';
import { byYearAndClass } from './rulesOfClass';
import { attendanceOfPupil, isLessonCancelledAt, lessonCount, lessonDateAt, lessonNumbersOf, type JournalClass, type SchoolLedgerState } from './schoolLedger';

/*
 * Attendance summary: lessons missed by code (unexcused, excused, illness), full days missed
 * (school days on which the pupil missed every lesson the class had), and lates (a late pupil
 * was there: not a lesson missed), per pupil and class, for the year or one period. Codes are
 * the ones in force (after corrections; a correction to `present` removes the absence).
 */

/** Lessons missed by code, and lates. */
export type AttendanceTotals = {
  readonly unexcused: number;
  readonly excused: number;
  readonly illness: number;
  readonly late: number;
  readonly lessonsMissed: number;
};

export type AttendanceSummaryRow = AttendanceTotals & {
  readonly classId: string;
  readonly schoolYearId: string;
  readonly startYear: number;
  readonly pupilId: string;
  /** The period counted, or null for the whole school year. */
  readonly period: AssessmentPeriod | null;
  readonly fullDaysMissed: number;
};

export type AttendanceFilter = {
  readonly classId?: string;
  readonly pupilId?: string;
  /** Only classes of the school year starting in this year. */
  readonly startYear?: number;
  /** Only lessons dated in this term or half-year of the class's calendar; default: the whole year. */
  readonly period?: AssessmentPeriod;
};

type MutableTotals = { unexcused: number; excused: number; illness: number; late: number; lessonsMissed: number };

export const noAttendance: AttendanceTotals = { unexcused: 0, excused: 0, illness: 0, late: 0, lessonsMissed: 0 };

const addCode = (totals: MutableTotals, code: AttendanceCode | 'present'): void => {
  if (code === 'present') return;
  if (code === 'late') totals.late++;
  else {
    totals[code]++;
    totals.lessonsMissed++;
  }
};

export const sumAttendance = (all: ReadonlyArray<AttendanceTotals>): AttendanceTotals => {
  const sum: MutableTotals = { ...noAttendance };
  for (const t of all) {
    sum.unexcused += t.unexcused;
    sum.excused += t.excused;
    sum.illness += t.illness;
    sum.late += t.late;
    sum.lessonsMissed += t.lessonsMissed;
  }
  return sum;
};

/** How many lessons (not cancelled, all subjects) the class had on each day within the range. */
export const lessonsByDayOf = (cls: JournalClass, range: DateRange | undefined): ReadonlyMap<LocalDate, number> => {
  const byDay = new Map<LocalDate, number>();
  for (const subject of cls.subjects.values())
    for (let i = 0, n = lessonCount(subject); i < n; i++) {
      if (isLessonCancelledAt(subject, i)) continue;
      const date = lessonDateAt(subject, i);
      if (range === undefined || (date >= range.startsOn && date <= range.endsOn)) byDay.set(date, (byDay.get(date) ?? 0) + 1);
    }
  return byDay;
};

/**
 * A pupil's attendance in a class: totals per subject (in order of assignment) and the full days
 * missed. Without a range every record counts; with one, only records on lessons dated in it.
 */
export const pupilAttendance = (
  cls: JournalClass,
  pupilId: string,
  range: DateRange | undefined,
  lessonsByDay: ReadonlyMap<LocalDate, number>,
): { readonly bySubject: ReadonlyMap<string, AttendanceTotals>; readonly fullDaysMissed: number } => {
  const bySubject = new Map<string, AttendanceTotals>();
  const missedByDay = new Map<LocalDate, number>();
  for (const subject of cls.subjects.values()) {
    const entries = attendanceOfPupil(subject, pupilId);
    const totals: MutableTotals = { ...noAttendance };
    if (entries.length > 0) {
      const lessons = lessonNumbersOf(subject);
      const missed = new Set<string>();
      for (const entry of entries) {
        if (range !== undefined) {
          const n = lessons.get(entry.lessonId);
          const date = n === undefined ? undefined : lessonDateAt(subject, n);
          if (date === undefined || date < range.startsOn || date > range.endsOn) continue;
        }
        addCode(totals, entry.code);
        if (entry.code !== 'present' && entry.code !== 'late') missed.add(entry.lessonId);
      }
      for (const lessonId of missed) {
        const n = lessons.get(lessonId);
        if (n === undefined || isLessonCancelledAt(subject, n)) continue;
        const date = lessonDateAt(subject, n);
        missedByDay.set(date, (missedByDay.get(date) ?? 0) + 1);
      }
    }
    bySubject.set(subject.subjectId, totals);
  }
  let fullDaysMissed = 0;
  for (const [day, missed] of missedByDay) if (missed >= (lessonsByDay.get(day) ?? Number.POSITIVE_INFINITY)) fullDaysMissed++;
  return { bySubject, fullDaysMissed };
};

/** Attendance per pupil and class (classes by school year and id, pupils in order of enrolment). */
export const attendanceSummaryOf = (state: SchoolLedgerState, filter: AttendanceFilter = {}): ReadonlyArray<AttendanceSummaryRow> => {
  const rows: AttendanceSummaryRow[] = [];
  const classes = [...state.classes.values()]
    .filter((cls) => (filter.classId === undefined || cls.classId === filter.classId) && (filter.startYear === undefined || cls.startYear === filter.startYear))
    .sort(byYearAndClass);
  for (const cls of classes) {
    const range = filter.period === undefined ? undefined : datesOfPeriod(cls.calendar, filter.period);
    if (filter.period !== undefined && range === undefined) continue;
    const lessonsByDay = lessonsByDayOf(cls, range);
    for (const pupilId of cls.pupils.keys()) {
      if (filter.pupilId !== undefined && pupilId !== filter.pupilId) continue;
      const { bySubject, fullDaysMissed } = pupilAttendance(cls, pupilId, range, lessonsByDay);
      rows.push({
        classId: cls.classId,
        schoolYearId: cls.schoolYearId,
        startYear: cls.startYear,
        pupilId,
        period: filter.period ?? null,
        ...sumAttendance([...bySubject.values()]),
        fullDaysMissed,
      });
    }
  }
  return rows;
};
