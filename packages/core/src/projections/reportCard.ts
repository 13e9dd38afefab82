import type { RecordedEvent } from '../eventStore/eventStore';
import type { AssessmentPeriod, AttendanceCode, GradeValue, GradingMode } from '../events/common';
import type { Actor } from '../events/metadata';
import type { Recommendation } from '../events/results';
import type { LocalDate } from '../primitives/localDate';
import { classIdOf, setEntry, withClassStream, type ClassIdsByStream } from './streams';

/*
 * The report card (табель / табель үлгерімі): per pupil and school year, each subject's term or
 * half-year grades, the year grade and the final grade after re-sits, where a finalized grade
 * differs from the computed recommendation, and attendance totals. A pure fold of the recorded
 * events: replaying the same events always gives the same report cards.
 */

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

/** Lessons missed by code, and lates (a late pupil was there: not a lesson missed). */
export type AttendanceTotals = {
  readonly unexcused: number;
  readonly excused: number;
  readonly illness: number;
  readonly late: number;
  readonly lessonsMissed: number;
};

type AttendanceEntry = { readonly lessonId: string; readonly code: AttendanceCode | 'present' };

type PupilSubjectCard = {
  readonly periodGrades: ReadonlyMap<string, ReportCardPeriodGrade>;
  readonly yearGrade: ReportCardGrade | null;
  readonly resits: ReadonlyArray<ReportCardResit>;
  readonly attendance: ReadonlyMap<string, AttendanceEntry>;
};

type LessonEntry = { readonly date: LocalDate; readonly cancelled: boolean };

type SubjectInfo = {
  readonly subjectId: string;
  readonly teacherId: string;
  readonly hoursPerWeek: number;
  readonly gradingMode: GradingMode;
  readonly lessons: ReadonlyMap<string, LessonEntry>;
};

export type ClassRecord = {
  readonly classId: string;
  readonly schoolYearId: string;
  readonly gradeLevel: number;
  readonly letter: string;
  readonly classTeacherId: string;
  readonly ruleSetId: string;
  readonly startsOn: LocalDate;
  readonly subjects: ReadonlyMap<string, SubjectInfo>;
  /** Pupils ever enrolled, in order of enrolment. */
  readonly pupilIds: ReadonlyArray<string>;
  /** pupil → subject → card. */
  readonly cards: ReadonlyMap<string, ReadonlyMap<string, PupilSubjectCard>>;
};

export type SchoolYearRecord = { readonly schoolYearId: string; readonly startYear: number; readonly ruleSetId: string };

export type ReportCardState = {
  readonly schoolYears: ReadonlyMap<string, SchoolYearRecord>;
  readonly classIdsByStream: ClassIdsByStream;
  readonly classes: ReadonlyMap<string, ClassRecord>;
};

export const initialReportCardState = (): ReportCardState => ({ schoolYears: new Map(), classIdsByStream: new Map(), classes: new Map() });

const emptyCard: PupilSubjectCard = { periodGrades: new Map(), yearGrade: null, resits: [], attendance: new Map() };

const gradeOf = (
  data: { readonly grade: GradeValue; readonly recommendation: Recommendation; readonly ruleSetId: string; readonly overrideReason?: string },
  recorded: RecordedEvent,
): ReportCardGrade => ({
  grade: data.grade,
  recommended: data.recommendation?.grade ?? null,
  percentage: data.recommendation?.percentage ?? null,
  overridden: data.recommendation !== null && String(data.recommendation.grade) !== String(data.grade),
  overrideReason: data.overrideReason ?? null,
  ruleSetId: data.ruleSetId,
  finalizedBy: recorded.event.metadata.actor,
  eventId: recorded.event.metadata.eventId,
});

const updateClass = (state: ReportCardState, classId: string, update: (record: ClassRecord) => ClassRecord): ReportCardState => {
  const record = state.classes.get(classId);
  return record === undefined ? state : { ...state, classes: setEntry(state.classes, classId, update(record)) };
};

const updateCard = (
  state: ReportCardState,
  classId: string,
  pupilId: string,
  subjectId: string,
  update: (card: PupilSubjectCard) => PupilSubjectCard,
): ReportCardState =>
  updateClass(state, classId, (record) => {
    const cards = record.cards.get(pupilId) ?? new Map<string, PupilSubjectCard>();
    return { ...record, cards: setEntry(record.cards, pupilId, setEntry(cards, subjectId, update(cards.get(subjectId) ?? emptyCard))) };
  });

const updateLesson = (state: ReportCardState, classId: string, subjectId: string, lessonId: string, update: (lesson: LessonEntry) => LessonEntry) =>
  updateClass(state, classId, (record) => {
    const subject = record.subjects.get(subjectId);
    const lesson = subject?.lessons.get(lessonId);
    return subject === undefined || lesson === undefined
      ? record
      : { ...record, subjects: setEntry(record.subjects, subjectId, { ...subject, lessons: setEntry(subject.lessons, lessonId, update(lesson)) }) };
  });

/** Folds one recorded event into the report cards. Events it does not need leave the state as it is. */
export const evolveReportCard = (current: ReportCardState, recorded: RecordedEvent): ReportCardState => {
  const { event } = recorded;
  if (event.type === 'SchoolYearOpened') {
    const { schoolYearId, startYear, ruleSetId } = event.data;
    return { ...current, schoolYears: setEntry(current.schoolYears, schoolYearId, { schoolYearId, startYear, ruleSetId }) };
  }
  const state = { ...current, classIdsByStream: withClassStream(current.classIdsByStream, recorded) };
  const classId = classIdOf(state.classIdsByStream, recorded);
  if (classId === undefined) return current;
  switch (event.type) {
    case 'ClassOpened': {
      const { gradeLevel, letter, classTeacherId, calendar } = event.data;
      const record: ClassRecord = {
        classId,
        schoolYearId: calendar.schoolYearId,
        gradeLevel,
        letter,
        classTeacherId,
        ruleSetId: calendar.ruleSetId,
        startsOn: calendar.startsOn,
        subjects: new Map(),
        pupilIds: [],
        cards: new Map(),
      };
      return { ...state, classes: setEntry(state.classes, classId, record) };
    }
    case 'SubjectAssigned': {
      const { subjectId, teacherId, hoursPerWeek, gradingMode } = event.data;
      return updateClass(state, classId, (record) => ({
        ...record,
        subjects: setEntry(record.subjects, subjectId, { subjectId, teacherId, hoursPerWeek, gradingMode, lessons: record.subjects.get(subjectId)?.lessons ?? new Map() }),
      }));
    }
    case 'PupilEnrolled':
      return updateClass(state, classId, (record) =>
        record.pupilIds.includes(event.data.pupilId) ? record : { ...record, pupilIds: [...record.pupilIds, event.data.pupilId] },
      );
    case 'LessonPlanned': {
      const { subjectId, lessonId, date } = event.data;
      return updateClass(state, classId, (record) => {
        const subject = record.subjects.get(subjectId);
        return subject === undefined
          ? record
          : { ...record, subjects: setEntry(record.subjects, subjectId, { ...subject, lessons: setEntry(subject.lessons, lessonId, { date, cancelled: false }) }) };
      });
    }
    case 'LessonRescheduled':
      return updateLesson(state, classId, event.data.subjectId, event.data.lessonId, (lesson) => ({ ...lesson, date: event.data.date }));
    case 'LessonCancelled':
      return updateLesson(state, classId, event.data.subjectId, event.data.lessonId, (lesson) => ({ ...lesson, cancelled: true }));
    case 'AttendanceMarked': {
      const { subjectId, pupilId, attendanceId, lessonId, code } = event.data;
      return updateCard(state, classId, pupilId, subjectId, (card) => ({ ...card, attendance: setEntry(card.attendance, attendanceId, { lessonId, code }) }));
    }
    case 'AttendanceCorrected': {
      const { subjectId, pupilId, attendanceId, code } = event.data;
      return updateCard(state, classId, pupilId, subjectId, (card) => {
        const entry = card.attendance.get(attendanceId);
        return entry === undefined ? card : { ...card, attendance: setEntry(card.attendance, attendanceId, { ...entry, code }) };
      });
    }
    case 'PeriodGradeFinalized': {
      const { subjectId, pupilId, period } = event.data;
      return updateCard(state, classId, pupilId, subjectId, (card) => ({
        ...card,
        periodGrades: setEntry(card.periodGrades, `${period.kind}-${period.number}`, { ...gradeOf(event.data, recorded), period }),
      }));
    }
    case 'YearGradeFinalized':
      return updateCard(state, classId, event.data.pupilId, event.data.subjectId, (card) => ({ ...card, yearGrade: gradeOf(event.data, recorded) }));
    case 'ResitResultRecorded': {
      const { attempt, testGrade, finalGrade } = event.data;
      return updateCard(state, classId, event.data.pupilId, event.data.subjectId, (card) => ({
        ...card,
        resits: [...card.resits, { attempt, testGrade, finalGrade, eventId: event.metadata.eventId }],
      }));
    }
    default:
      return state;
  }
};

/** The report-card projection: `evolve` and `initialState`, to fold with `foldEvents`. */
export const reportCardProjection = { evolve: evolveReportCard, initialState: initialReportCardState } as const;

// --- the query ---------------------------------------------------------------------------

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

const noAttendance: AttendanceTotals = { unexcused: 0, excused: 0, illness: 0, late: 0, lessonsMissed: 0 };

const addCode = (totals: AttendanceTotals, code: AttendanceCode | 'present'): AttendanceTotals =>
  code === 'present'
    ? totals
    : code === 'late'
      ? { ...totals, late: totals.late + 1 }
      : { ...totals, [code]: totals[code] + 1, lessonsMissed: totals.lessonsMissed + 1 };

const sumTotals = (all: ReadonlyArray<AttendanceTotals>): AttendanceTotals =>
  all.reduce(
    (a, b) => ({
      unexcused: a.unexcused + b.unexcused,
      excused: a.excused + b.excused,
      illness: a.illness + b.illness,
      late: a.late + b.late,
      lessonsMissed: a.lessonsMissed + b.lessonsMissed,
    }),
    noAttendance,
  );

const periodOrder = (p: AssessmentPeriod): number => (p.kind === 'term' ? 0 : 10) + p.number;

/** Days on which the class had lessons and the pupil missed each of them. */
const fullDaysMissed = (record: ClassRecord, cards: ReadonlyMap<string, PupilSubjectCard>): number => {
  const lessonsByDay = new Map<LocalDate, number>();
  for (const subject of record.subjects.values())
    for (const lesson of subject.lessons.values()) if (!lesson.cancelled) lessonsByDay.set(lesson.date, (lessonsByDay.get(lesson.date) ?? 0) + 1);
  const missedByDay = new Map<LocalDate, number>();
  for (const [subjectId, card] of cards) {
    const lessons = record.subjects.get(subjectId)?.lessons;
    const missed = new Set<string>();
    for (const entry of card.attendance.values()) if (entry.code !== 'present' && entry.code !== 'late') missed.add(entry.lessonId);
    for (const lessonId of missed) {
      const lesson = lessons?.get(lessonId);
      if (lesson !== undefined && !lesson.cancelled) missedByDay.set(lesson.date, (missedByDay.get(lesson.date) ?? 0) + 1);
    }
  }
  return [...missedByDay].filter(([day, missed]) => missed >= (lessonsByDay.get(day) ?? Number.POSITIVE_INFINITY)).length;
};

const subjectRow = (subject: SubjectInfo, card: PupilSubjectCard): ReportCardSubject => {
  const periods = [...card.periodGrades.values()].sort((a, b) => periodOrder(a.period) - periodOrder(b.period));
  const lastResit = card.resits[card.resits.length - 1];
  return {
    subjectId: subject.subjectId,
    gradingMode: subject.gradingMode,
    gradedPer: periods[0]?.period.kind ?? null,
    periods,
    yearGrade: card.yearGrade,
    resits: card.resits,
    finalGrade: lastResit?.finalGrade ?? card.yearGrade?.grade ?? null,
    attendance: [...card.attendance.values()].reduce((totals, entry) => addCode(totals, entry.code), noAttendance),
  };
};

/**
 * A pupil's report cards, one per class they were enrolled in, in school-year order; subjects
 * in the order they were assigned.
 */
export const reportCardOf = (state: ReportCardState, pupilId: string): ReadonlyArray<YearReportCard> =>
  [...state.classes.values()]
    .filter((record) => record.pupilIds.includes(pupilId))
    .map((record): YearReportCard => {
      const cards = record.cards.get(pupilId) ?? new Map<string, PupilSubjectCard>();
      const subjects = [...record.subjects.values()].map((subject) => subjectRow(subject, cards.get(subject.subjectId) ?? emptyCard));
      return {
        pupilId,
        schoolYearId: record.schoolYearId,
        startYear: state.schoolYears.get(record.schoolYearId)?.startYear ?? Number(record.startsOn.slice(0, 4)),
        classId: record.classId,
        gradeLevel: record.gradeLevel,
        letter: record.letter,
        ruleSetId: record.ruleSetId,
        subjects,
        attendance: { ...sumTotals(subjects.map((s) => s.attendance)), fullDaysMissed: fullDaysMissed(record, cards) },
      };
    })
    .sort((a, b) => a.startYear - b.startYear || (a.classId < b.classId ? -1 : a.classId > b.classId ? 1 : 0));
