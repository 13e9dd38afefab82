import type { AssessmentPeriod, AttendanceCode, GradeValue, GradingMode } from '../events/common';
import type { SummativeKind } from '../events/plan';
import type { LedgerEvent } from '../events/registry';
import type { ClassCalendar } from '../events/roster';
import type { LocalDate } from '../primitives/localDate';

/*
 * The state of one class's stream: what its deciders need to check a command, no more.
 * It is nested class → subject → pupil, so that folding one mark copies a few small maps
 * (about 12 subjects, 30 pupils, 50 marks) rather than a whole year's journal.
 */

/** One stay of a pupil in the class: from `from` (included) until `until` (excluded), if they left. */
export type Enrolment = { readonly from: LocalDate; readonly until?: LocalDate };

export type Lesson = {
  readonly lessonId: string;
  readonly date: LocalDate;
  readonly period: number;
  readonly topic: string;
  readonly cancelled: boolean;
};

export type PlannedSummative = {
  readonly summativeId: string;
  readonly lessonId: string;
  readonly kind: SummativeKind;
  readonly maxPoints: number;
  readonly cancelled: boolean;
};

export type MarkState =
  | { readonly kind: 'formative'; readonly lessonId: string; readonly mark: number; readonly lastEventId: string; readonly annulled: boolean }
  | { readonly kind: 'summative'; readonly summativeId: string; readonly points: number; readonly lastEventId: string; readonly annulled: boolean };

export type AttendanceState = {
  readonly lessonId: string;
  readonly code: AttendanceCode | 'present';
  readonly lastEventId: string;
};

export type Exemption = { readonly exemptionId: string; readonly from: LocalDate; readonly to: LocalDate };

/** A pupil's record in one subject of the class. */
export type PupilSubjectRecord = {
  readonly marks: ReadonlyMap<string, MarkState>;
  readonly attendance: ReadonlyMap<string, AttendanceState>;
  readonly exemptions: ReadonlyArray<Exemption>;
  /** Finalized period grades by period key (`term-1`, `halfYear-2`). */
  readonly periodGrades: ReadonlyMap<string, { readonly period: AssessmentPeriod; readonly grade: GradeValue }>;
  readonly yearGrade?: GradeValue;
  readonly resitAttempts: number;
  readonly finalGrade?: GradeValue;
};

export type SubjectState = {
  readonly subjectId: string;
  readonly teacherId: string;
  readonly hoursPerWeek: number;
  readonly gradingMode: GradingMode;
  readonly planApproved: boolean;
  readonly lessons: ReadonlyMap<string, Lesson>;
  readonly summatives: ReadonlyMap<string, PlannedSummative>;
  readonly pupils: ReadonlyMap<string, PupilSubjectRecord>;
};

export type OpenClassState = {
  readonly status: 'open';
  readonly classId: string;
  readonly gradeLevel: number;
  readonly letter: string;
  readonly classTeacherId: string;
  readonly calendar: ClassCalendar;
  readonly enrolments: ReadonlyMap<string, ReadonlyArray<Enrolment>>;
  readonly subjects: ReadonlyMap<string, SubjectState>;
};

export type ClassJournalState = { readonly status: 'notOpened' } | OpenClassState;

export const initialClassJournalState = (): ClassJournalState => ({ status: 'notOpened' });

export const emptyPupilRecord: PupilSubjectRecord = {
  marks: new Map(),
  attendance: new Map(),
  exemptions: [],
  periodGrades: new Map(),
  resitAttempts: 0,
};

const withEntry = <K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> => new Map(map).set(key, value);

const updateSubject = (state: OpenClassState, subjectId: string, update: (subject: SubjectState) => SubjectState): OpenClassState => {
  const subject = state.subjects.get(subjectId);
  return subject === undefined ? state : { ...state, subjects: withEntry(state.subjects, subjectId, update(subject)) };
};

const updatePupil = (
  state: OpenClassState,
  subjectId: string,
  pupilId: string,
  update: (record: PupilSubjectRecord) => PupilSubjectRecord,
): OpenClassState =>
  updateSubject(state, subjectId, (subject) => ({
    ...subject,
    pupils: withEntry(subject.pupils, pupilId, update(subject.pupils.get(pupilId) ?? emptyPupilRecord)),
  }));

const updateLesson = (state: OpenClassState, subjectId: string, lessonId: string, update: (lesson: Lesson) => Lesson): OpenClassState =>
  updateSubject(state, subjectId, (subject) => {
    const lesson = subject.lessons.get(lessonId);
    return lesson === undefined ? subject : { ...subject, lessons: withEntry(subject.lessons, lessonId, update(lesson)) };
  });

const updateMark = (state: OpenClassState, subjectId: string, pupilId: string, markId: string, update: (mark: MarkState) => MarkState) =>
  updatePupil(state, subjectId, pupilId, (record) => {
    const mark = record.marks.get(markId);
    return mark === undefined ? record : { ...record, marks: withEntry(record.marks, markId, update(mark)) };
  });

const closeEnrolment = (state: OpenClassState, pupilId: string, on: LocalDate): OpenClassState => {
  const stays = state.enrolments.get(pupilId) ?? [];
  const last = stays[stays.length - 1];
  if (last === undefined || last.until !== undefined) return state;
  return { ...state, enrolments: withEntry(state.enrolments, pupilId, [...stays.slice(0, -1), { from: last.from, until: on }]) };
};

/** Folds one recorded event of a class stream into its state. Unknown events leave it as it is. */
export const evolveClassJournal = (state: ClassJournalState, event: LedgerEvent): ClassJournalState => {
  if (event.type === 'ClassOpened') {
    const { classId, gradeLevel, letter, classTeacherId, calendar } = event.data;
    return { status: 'open', classId, gradeLevel, letter, classTeacherId, calendar, enrolments: new Map(), subjects: new Map() };
  }
  if (state.status !== 'open') return state;
  const eventId = event.metadata.eventId;
  switch (event.type) {
    case 'SubjectAssigned': {
      const { subjectId, teacherId, hoursPerWeek, gradingMode } = event.data;
      const previous = state.subjects.get(subjectId);
      const subject: SubjectState = previous === undefined
        ? { subjectId, teacherId, hoursPerWeek, gradingMode, planApproved: false, lessons: new Map(), summatives: new Map(), pupils: new Map() }
        : { ...previous, teacherId, hoursPerWeek, gradingMode };
      return { ...state, subjects: withEntry(state.subjects, subjectId, subject) };
    }
    case 'PupilEnrolled': {
      const stays = state.enrolments.get(event.data.pupilId) ?? [];
      return { ...state, enrolments: withEntry(state.enrolments, event.data.pupilId, [...stays, { from: event.data.on }]) };
    }
    case 'PupilTransferred':
    case 'PupilWithdrawn':
      return closeEnrolment(state, event.data.pupilId, event.data.on);
    case 'LessonPlanned': {
      const { subjectId, lessonId, date, period, topic } = event.data;
      return updateSubject(state, subjectId, (subject) => ({
        ...subject,
        lessons: withEntry(subject.lessons, lessonId, { lessonId, date, period, topic, cancelled: false }),
      }));
    }
    case 'LessonRescheduled':
      return updateLesson(state, event.data.subjectId, event.data.lessonId, (lesson) => ({ ...lesson, date: event.data.date, period: event.data.period }));
    case 'LessonCancelled':
      return updateLesson(state, event.data.subjectId, event.data.lessonId, (lesson) => ({ ...lesson, cancelled: true }));
    case 'LessonTopicRevised':
      return updateLesson(state, event.data.subjectId, event.data.lessonId, (lesson) => ({ ...lesson, topic: event.data.topic }));
    case 'SummativePlanned': {
      const { subjectId, summativeId, lessonId, kind, maxPoints } = event.data;
      return updateSubject(state, subjectId, (subject) => ({
        ...subject,
        summatives: withEntry(subject.summatives, summativeId, { summativeId, lessonId, kind, maxPoints, cancelled: false }),
      }));
    }
    case 'SummativeCancelled':
      return updateSubject(state, event.data.subjectId, (subject) => {
        const summative = subject.summatives.get(event.data.summativeId);
        return summative === undefined ? subject : { ...subject, summatives: withEntry(subject.summatives, summative.summativeId, { ...summative, cancelled: true }) };
      });
    case 'PlanApproved':
      return updateSubject(state, event.data.subjectId, (subject) => ({ ...subject, planApproved: true }));
    case 'FormativeMarkRecorded': {
      const { subjectId, pupilId, markId, lessonId, mark } = event.data;
      return updatePupil(state, subjectId, pupilId, (record) => ({
        ...record,
        marks: withEntry(record.marks, markId, { kind: 'formative', lessonId, mark, lastEventId: eventId, annulled: false }),
      }));
    }
    case 'SummativeScoreRecorded': {
      const { subjectId, pupilId, markId, summativeId, points } = event.data;
      return updatePupil(state, subjectId, pupilId, (record) => ({
        ...record,
        marks: withEntry(record.marks, markId, { kind: 'summative', summativeId, points, lastEventId: eventId, annulled: false }),
      }));
    }
    case 'SummativeScoreModerated':
      return updateMark(state, event.data.subjectId, event.data.pupilId, event.data.markId, (mark) =>
        mark.kind === 'summative' ? { ...mark, points: event.data.points, lastEventId: eventId } : mark,
      );
    case 'MarkCorrected': {
      const { value } = event.data;
      return updateMark(state, event.data.subjectId, event.data.pupilId, event.data.markId, (mark) =>
        mark.kind === 'formative' && value.kind === 'formative'
          ? { ...mark, mark: value.mark, lastEventId: eventId }
          : mark.kind === 'summative' && value.kind === 'summative'
            ? { ...mark, points: value.points, lastEventId: eventId }
            : mark,
      );
    }
    case 'MarkAnnulled':
      return updateMark(state, event.data.subjectId, event.data.pupilId, event.data.markId, (mark) => ({ ...mark, annulled: true, lastEventId: eventId }));
    case 'AttendanceMarked': {
      const { subjectId, pupilId, attendanceId, lessonId, code } = event.data;
      return updatePupil(state, subjectId, pupilId, (record) => ({
        ...record,
        attendance: withEntry(record.attendance, attendanceId, { lessonId, code, lastEventId: eventId }),
      }));
    }
    case 'AttendanceCorrected':
      return updatePupil(state, event.data.subjectId, event.data.pupilId, (record) => {
        const entry = record.attendance.get(event.data.attendanceId);
        return entry === undefined
          ? record
          : { ...record, attendance: withEntry(record.attendance, event.data.attendanceId, { ...entry, code: event.data.code, lastEventId: eventId }) };
      });
    case 'ExemptionGranted': {
      const { subjectId, pupilId, exemptionId, from, to } = event.data;
      return updatePupil(state, subjectId, pupilId, (record) => ({ ...record, exemptions: [...record.exemptions, { exemptionId, from, to }] }));
    }
    case 'PeriodGradeFinalized': {
      const { subjectId, pupilId, period, grade } = event.data;
      return updatePupil(state, subjectId, pupilId, (record) => ({
        ...record,
        periodGrades: withEntry(record.periodGrades, `${period.kind}-${period.number}`, { period, grade }),
      }));
    }
    case 'YearGradeFinalized':
      return updatePupil(state, event.data.subjectId, event.data.pupilId, (record) => ({ ...record, yearGrade: event.data.grade, finalGrade: event.data.grade }));
    case 'ResitResultRecorded':
      return updatePupil(state, event.data.subjectId, event.data.pupilId, (record) => ({
        ...record,
        resitAttempts: event.data.attempt,
        finalGrade: event.data.finalGrade,
      }));
    default:
      return state;
  }
};
