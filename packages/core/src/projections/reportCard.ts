import type { AssessmentPeriod, GradeValue, GradingMode } from '../events/common';
import { lessonsByDayOf, pupilAttendance, sumAttendance, noAttendance, type AttendanceTotals } from './attendance';
import type { Actor } from '../events/metadata';
import type { GradeHistoryEntry } from './auditTrail';
import { gradesOfRecord, schoolLedgerProjection, type JournalClass, type SchoolLedgerState } from './schoolLedger';

/*
 * The report card (табель / табель үлгерімі): per pupil and school year, each subject's term or
 * half-year grades, the year grade and the final grade after re-sits, where a finalized grade
 * differs from the computed recommendation, and attendance totals. A query of the school
 * journal projection.
 */

/** Terms first, then half-years. */
export const periodOrder = (p: AssessmentPeriod): number => (p.kind === 'term' ? 0 : 10) + p.number;

/** A finalized grade as the report card shows it, with what the rules recommended. */
export type ReportCardGrade = {
  readonly grade: GradeValue;
  /** The computed recommendation when it was finalized; null where the rules compute none (pass/fail). */
  readonly recommended: GradeValue | null;
  /** The exact percentage behind the recommendation ("n/d"), if any. */
  readonly percentage: string | null;
  /** True when the grade differs from the recommendation (an override). */
  readonly overridden: boolean;
  readonly overrideReason: string | null;
  readonly ruleSetId: string;
  readonly finalizedBy: Actor;
  readonly eventId: string;
};

export type ReportCardPeriodGrade = ReportCardGrade & { readonly period: AssessmentPeriod };

export type ReportCardResit = { readonly attempt: number; readonly testGrade: GradeValue; readonly finalGrade: GradeValue; readonly eventId: string };

/** The report card's view of a finalized grade. */
export const reportCardGradeOf = (g: GradeHistoryEntry): ReportCardGrade => ({
  grade: g.grade,
  recommended: g.recommended,
  percentage: g.percentage,
  overridden: g.overridden,
  overrideReason: g.overrideReason,
  ruleSetId: g.ruleSetId,
  finalizedBy: g.actor,
  eventId: g.eventId,
});

/** The report card's view of a finalized period grade. */
export const reportCardPeriodGradeOf = (g: GradeHistoryEntry & { readonly period: AssessmentPeriod }): ReportCardPeriodGrade => ({
  grade: g.grade,
  recommended: g.recommended,
  percentage: g.percentage,
  overridden: g.overridden,
  overrideReason: g.overrideReason,
  ruleSetId: g.ruleSetId,
  finalizedBy: g.actor,
  eventId: g.eventId,
  period: g.period,
});

const periodGradesOf = (grades: Iterable<GradeHistoryEntry>): ReadonlyArray<ReportCardPeriodGrade> => {
  const out: ReportCardPeriodGrade[] = [];
  for (const g of grades) if (g.period !== null) out.push(reportCardPeriodGradeOf({ ...g, period: g.period }));
  return out.sort((a, b) => periodOrder(a.period) - periodOrder(b.period));
};

/** A pupil's finalized grades in a subject, as the report card and the journal show them. */
export const finalizedGradesOf = (
  record: { readonly periodGrades: ReadonlyArray<GradeHistoryEntry>; readonly yearGrade: GradeHistoryEntry | null; readonly resits: ReadonlyArray<GradeHistoryEntry> | null } | undefined,
): { readonly periods: ReadonlyArray<ReportCardPeriodGrade>; readonly yearGrade: ReportCardGrade | null; readonly resits: ReadonlyArray<ReportCardResit>; readonly finalGrade: GradeValue | null } => {
  if (record === undefined) return { periods: [], yearGrade: null, resits: [], finalGrade: null };
  const yearGrade = record.yearGrade === null ? null : reportCardGradeOf(record.yearGrade);
  const resits = (record.resits ?? []).map((r): ReportCardResit => ({ attempt: r.attempt ?? 0, testGrade: r.testGrade ?? r.grade, finalGrade: r.grade, eventId: r.eventId }));
  return {
    periods: periodGradesOf(record.periodGrades),
    yearGrade,
    resits,
    // After re-sits: the last re-sit's final grade, else the year grade.
    finalGrade: resits[resits.length - 1]?.finalGrade ?? yearGrade?.grade ?? null,
  };
};

export type ReportCardSubject = {
  readonly subjectId: string;
  readonly gradingMode: GradingMode;
  /** How the subject was graded this year, as its finalized grades show; null before any. */
  readonly gradedPer: 'term' | 'halfYear' | null;
  /** Finalized term or half-year grades, in period order. */
  readonly periods: ReadonlyArray<ReportCardPeriodGrade>;
  readonly yearGrade: ReportCardGrade | null;
  readonly resits: ReadonlyArray<ReportCardResit>;
  /** After re-sits: the last re-sit's final grade, else the year grade. */
  readonly finalGrade: GradeValue | null;
  readonly attendance: AttendanceTotals;
};

export type YearReportCard = {
  readonly pupilId: string;
  readonly schoolYearId: string;
  /** The calendar year the school year starts in (from SchoolYearOpened, else the class's start date). */
  readonly startYear: number;
  readonly classId: string;
  readonly gradeLevel: number;
  readonly letter: string;
  readonly ruleSetId: string;
  readonly subjects: ReadonlyArray<ReportCardSubject>;
  /** All subjects together, and the school days on which the pupil missed every lesson. */
  readonly attendance: AttendanceTotals & { readonly fullDaysMissed: number };
};


const yearCard = (state: SchoolLedgerState, cls: JournalClass, pupilId: string): YearReportCard => {
  const { bySubject, fullDaysMissed } = pupilAttendance(cls, pupilId, undefined, lessonsByDayOf(cls, undefined));
  const subjects = [...cls.subjects.values()].map((subject): ReportCardSubject => {
    const { periods, yearGrade, resits, finalGrade } = finalizedGradesOf(gradesOfRecord(state, subject.pupils.get(pupilId)));
    return {
      subjectId: subject.subjectId,
      gradingMode: subject.gradingMode,
      gradedPer: periods[0]?.period.kind ?? null,
      periods,
      yearGrade,
      resits,
      finalGrade,
      attendance: bySubject.get(subject.subjectId) ?? noAttendance,
    };
  });
  return {
    pupilId,
    schoolYearId: cls.schoolYearId,
    startYear: state.schoolYears.get(cls.schoolYearId)?.startYear ?? cls.startYear,
    classId: cls.classId,
    gradeLevel: cls.gradeLevel,
    letter: cls.letter,
    ruleSetId: cls.calendar.ruleSetId,
    subjects,
    attendance: { ...sumAttendance(subjects.map((s) => s.attendance)), fullDaysMissed },
  };
};

/**
 * A pupil's report cards, one per class they were enrolled in, in school-year order; subjects
 * in the order they were assigned.
 */
export const reportCardOf = (state: SchoolLedgerState, pupilId: string): ReadonlyArray<YearReportCard> =>
  (state.classesOfPupil.get(pupilId) ?? [])
    .map((cls) => yearCard(state, cls, pupilId))
    .sort((a, b) => a.startYear - b.startYear || (a.classId < b.classId ? -1 : a.classId > b.classId ? 1 : 0));

/** The report card's fold: the school ledger fold (`reportCardOf` is a query of it). */
export const reportCardProjection = schoolLedgerProjection;
