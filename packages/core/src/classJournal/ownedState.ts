import type { AssessmentPeriod, GradeValue } from '../events/common';
import type { LedgerEvent } from '../events/registry';
import type { LocalDate } from '../primitives/localDate';
import type {
  AttendanceState,
  ClassJournalState,
  Enrolment,
  Exemption,
  Lesson,
  MarkState,
  OpenClassState,
  PlannedSummative,
  PupilSubjectRecord,
  SubjectState,
} from './state';

/*
 * An owned fold of a class's stream, for a reader that folds millions of events and keeps only
 * the latest state (the archive verifier). It gives the very states evolveClassJournal gives
 * (deep-equal, a property test holds it to that), but updates its own maps and records in place
 * where the pure fold copies the path from the class down to the changed entry: per mark, no
 * copy of the subject's pupils and the pupil's marks.
 *
 * Only a state this fold made may be given to it (from initialOwnedClassJournalState, or from an
 * earlier call): the brand says so in the types. The pure evolveClassJournal stays what every
 * other reader uses; an owned state must not be shared while it is still being folded.
 */

declare const owned: unique symbol;

/** A class journal state made and updated in place by {@link evolveOwnedClassJournal}. */
export type OwnedClassJournalState = ClassJournalState & { readonly [owned]: true };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
// The state's own types with their maps, arrays and records writable: this fold's view of what it made.
type OwnedRecord = Mutable<Omit<PupilSubjectRecord, 'marks' | 'attendance' | 'exemptions' | 'periodGrades'>> & {
  readonly marks: Map<string, Mutable<MarkState>>;
  readonly attendance: Map<string, Mutable<AttendanceState>>;
  readonly exemptions: Exemption[];
  readonly periodGrades: Map<string, { readonly period: AssessmentPeriod; readonly grade: GradeValue }>;
};
type OwnedSubject = Mutable<Omit<SubjectState, 'lessons' | 'summatives' | 'pupils'>> & {
  readonly lessons: Map<string, Mutable<Lesson>>;
  readonly summatives: Map<string, Mutable<PlannedSummative>>;
  readonly pupils: Map<string, OwnedRecord>;
};
type OwnedOpen = Omit<OpenClassState, 'enrolments' | 'subjects'> & {
  readonly enrolments: Map<string, Enrolment[]>;
  readonly subjects: Map<string, OwnedSubject>;
};

export const initialOwnedClassJournalState = (): OwnedClassJournalState => ({ status: 'notOpened' }) as OwnedClassJournalState;

/** A pupil's empty record: the same content as the pure fold's shared emptyPupilRecord, but this fold's own. */
const emptyRecord = (): OwnedRecord => ({ marks: new Map(), attendance: new Map(), exemptions: [], periodGrades: new Map(), resitAttempts: 0 });

/** The pupil's record in the subject, made (empty) if the pupil has none yet, as the pure fold's updatePupil does. */
const recordOf = (subject: OwnedSubject, pupilId: string): OwnedRecord => {
  let record = subject.pupils.get(pupilId);
  if (record === undefined) {
    record = emptyRecord();
    subject.pupils.set(pupilId, record);
  }
  return record;
};

const closeEnrolment = (state: OwnedOpen, pupilId: string, on: LocalDate): void => {
  const stays = state.enrolments.get(pupilId);
  const last = stays?.[stays.length - 1];
  if (stays === undefined || last === undefined || last.until !== undefined) return;
  stays[stays.length - 1] = { from: last.from, until: on };
};

/**
 * Folds one recorded event of a class stream into an owned state, in place where it can; returns
 * the state (a new one only for ClassOpened). Unknown events leave it as it is.
 */
export const evolveOwnedClassJournal = (given: OwnedClassJournalState, event: LedgerEvent): OwnedClassJournalState => {
  if (event.type === 'ClassOpened') {
    const { classId, gradeLevel, letter, classTeacherId, calendar } = event.data;
    return { status: 'open', classId, gradeLevel, letter, classTeacherId, calendar, enrolments: new Map(), subjects: new Map() } as unknown as OwnedClassJournalState;
  }
  if (given.status !== 'open') return given;
  const state = given as unknown as OwnedOpen;
  const eventId = event.metadata.eventId;
  switch (event.type) {
    case 'SubjectAssigned': {
      const { subjectId, teacherId, hoursPerWeek, gradingMode } = event.data;
      const previous = state.subjects.get(subjectId);
      if (previous === undefined)
        state.subjects.set(subjectId, { subjectId, teacherId, hoursPerWeek, gradingMode, planApproved: false, lessons: new Map(), summatives: new Map(), pupils: new Map() });
      else {
        previous.teacherId = teacherId;
        previous.hoursPerWeek = hoursPerWeek;
        previous.gradingMode = gradingMode;
      }
      break;
    }
    case 'PupilEnrolled': {
      const stays = state.enrolments.get(event.data.pupilId);
      if (stays === undefined) state.enrolments.set(event.data.pupilId, [{ from: event.data.on }]);
      else stays.push({ from: event.data.on });
      break;
    }
    case 'PupilTransferred':
    case 'PupilWithdrawn':
      closeEnrolment(state, event.data.pupilId, event.data.on);
      break;
    case 'LessonPlanned': {
      const { subjectId, lessonId, date, period, topic } = event.data;
      state.subjects.get(subjectId)?.lessons.set(lessonId, { lessonId, date, period, topic, cancelled: false });
      break;
    }
    case 'LessonRescheduled': {
      const lesson = state.subjects.get(event.data.subjectId)?.lessons.get(event.data.lessonId);
      if (lesson !== undefined) {
        lesson.date = event.data.date;
        lesson.period = event.data.period;
      }
      break;
    }
    case 'LessonCancelled': {
      const lesson = state.subjects.get(event.data.subjectId)?.lessons.get(event.data.lessonId);
      if (lesson !== undefined) lesson.cancelled = true;
      break;
    }
    case 'LessonTopicRevised': {
      const lesson = state.subjects.get(event.data.subjectId)?.lessons.get(event.data.lessonId);
      if (lesson !== undefined) lesson.topic = event.data.topic;
      break;
    }
    case 'SummativePlanned': {
      const { subjectId, summativeId, lessonId, kind, maxPoints } = event.data;
      state.subjects.get(subjectId)?.summatives.set(summativeId, { summativeId, lessonId, kind, maxPoints, cancelled: false });
      break;
    }
    case 'SummativeCancelled': {
      const summative = state.subjects.get(event.data.subjectId)?.summatives.get(event.data.summativeId);
      if (summative !== undefined) summative.cancelled = true;
      break;
    }
    case 'PlanApproved': {
      const subject = state.subjects.get(event.data.subjectId);
      if (subject !== undefined) subject.planApproved = true;
      break;
    }
    case 'FormativeMarkRecorded': {
      const { subjectId, pupilId, markId, lessonId, mark } = event.data;
      const subject = state.subjects.get(subjectId);
      if (subject !== undefined) recordOf(subject, pupilId).marks.set(markId, { kind: 'formative', lessonId, mark, lastEventId: eventId, annulled: false });
      break;
    }
    case 'SummativeScoreRecorded': {
      const { subjectId, pupilId, markId, summativeId, points } = event.data;
      const subject = state.subjects.get(subjectId);
      if (subject !== undefined) recordOf(subject, pupilId).marks.set(markId, { kind: 'summative', summativeId, points, lastEventId: eventId, annulled: false });
      break;
    }
    case 'SummativeScoreModerated': {
      const subject = state.subjects.get(event.data.subjectId);
      const mark = subject === undefined ? undefined : recordOf(subject, event.data.pupilId).marks.get(event.data.markId);
      if (mark !== undefined && mark.kind === 'summative') {
        mark.points = event.data.points;
        mark.lastEventId = eventId;
      }
      break;
    }
    case 'MarkCorrected': {
      const { value } = event.data;
      const subject = state.subjects.get(event.data.subjectId);
      const mark = subject === undefined ? undefined : recordOf(subject, event.data.pupilId).marks.get(event.data.markId);
      if (mark === undefined) break;
      if (mark.kind === 'formative' && value.kind === 'formative') {
        mark.mark = value.mark;
        mark.lastEventId = eventId;
      } else if (mark.kind === 'summative' && value.kind === 'summative') {
        mark.points = value.points;
        mark.lastEventId = eventId;
      }
      break;
    }
    case 'MarkAnnulled': {
      const subject = state.subjects.get(event.data.subjectId);
      const mark = subject === undefined ? undefined : recordOf(subject, event.data.pupilId).marks.get(event.data.markId);
      if (mark !== undefined) {
        mark.annulled = true;
        mark.lastEventId = eventId;
      }
      break;
    }
    case 'AttendanceMarked': {
      const { subjectId, pupilId, attendanceId, lessonId, code } = event.data;
      const subject = state.subjects.get(subjectId);
      if (subject !== undefined) recordOf(subject, pupilId).attendance.set(attendanceId, { lessonId, code, lastEventId: eventId });
      break;
    }
    case 'AttendanceCorrected': {
      const subject = state.subjects.get(event.data.subjectId);
      const entry = subject === undefined ? undefined : recordOf(subject, event.data.pupilId).attendance.get(event.data.attendanceId);
      if (entry !== undefined) {
        entry.code = event.data.code;
        entry.lastEventId = eventId;
      }
      break;
    }
    case 'ExemptionGranted': {
      const { subjectId, pupilId, exemptionId, from, to } = event.data;
      const subject = state.subjects.get(subjectId);
      if (subject !== undefined) recordOf(subject, pupilId).exemptions.push({ exemptionId, from, to });
      break;
    }
    case 'PeriodGradeFinalized': {
      const { subjectId, pupilId, period, grade } = event.data;
      const subject = state.subjects.get(subjectId);
      if (subject !== undefined) recordOf(subject, pupilId).periodGrades.set(`${period.kind}-${period.number}`, { period, grade });
      break;
    }
    case 'YearGradeFinalized': {
      const subject = state.subjects.get(event.data.subjectId);
      if (subject !== undefined) {
        const record = recordOf(subject, event.data.pupilId);
        record.yearGrade = event.data.grade;
        record.finalGrade = event.data.grade;
      }
      break;
    }
    case 'ResitResultRecorded': {
      const subject = state.subjects.get(event.data.subjectId);
      if (subject !== undefined) {
        const record = recordOf(subject, event.data.pupilId);
        record.resitAttempts = event.data.attempt;
        record.finalGrade = event.data.finalGrade;
      }
      break;
    }
    default:
      break;
  }
  return given;
};
