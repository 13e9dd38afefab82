import type { AssessmentPeriod, AttendanceCode, GradeValue, GradingMode } from '../events/common';
import type { SummativeKind } from '../events/plan';
import type { LocalDate } from '../primitives/localDate';
import { isGradedPerHalfYear, ruleSetOfClass } from './rulesOfClass';
import type { RuleSet } from '../rules/ruleSet';
import { finalizedGradesOf, type ReportCardGrade, type ReportCardPeriodGrade } from './reportCard';
import { attendanceByPupil, gradesOfRecord, isMarkAnnulledAt, lessonsOf, markIdAt, markKindAt, markNumbersByPupil, markOnAt, markValueAt, type JournalExemption, type SchoolLedgerState } from './schoolLedger';

/*
 * The class journal as a teacher or an inspector reads it, for one class and subject: the plan
 * (КТП: lessons with date, unit and topic, and the summatives), and for each pupil the marks,
 * scores and attendance in force, exemptions and finalized grades: all as they stood after the
 * events folded (replay with `asOf` for a past moment).
 */

export type ClassJournalLesson = {
  readonly lessonId: string;
  readonly date: LocalDate;
  /** The lesson's place in the day (1st lesson, 2nd, ...). */
  readonly period: number;
  readonly unit: string;
  readonly topic: string;
  readonly hours: number;
  readonly cancelled: boolean;
};

export type ClassJournalSummative = {
  readonly summativeId: string;
  readonly lessonId: string;
  readonly kind: SummativeKind;
  readonly maxPoints: number;
  readonly cancelled: boolean;
};

/** A mark in force: a formative mark (on a lesson) or summative points (on a summative). */
export type ClassJournalMark = {
  readonly markId: string;
  readonly kind: 'formative' | 'summative';
  readonly lessonId: string | null;
  readonly summativeId: string | null;
  /** The mark 1-10, or the points. */
  readonly value: number;
};

export type ClassJournalPupil = {
  readonly pupilId: string;
  readonly stays: ReadonlyArray<{ readonly from: LocalDate; readonly until: LocalDate | null }>;
  /** Marks in force (annulled ones left out), in order of recording. */
  readonly marks: ReadonlyArray<ClassJournalMark>;
  /** Absences and lates in force, in order of recording. */
  readonly attendance: ReadonlyArray<{ readonly attendanceId: string; readonly lessonId: string; readonly code: AttendanceCode }>;
  readonly exemptions: ReadonlyArray<JournalExemption>;
  readonly periodGrades: ReadonlyArray<ReportCardPeriodGrade>;
  readonly yearGrade: ReportCardGrade | null;
  readonly finalGrade: GradeValue | null;
};

export type ClassJournalView = {
  readonly classId: string;
  readonly schoolYearId: string;
  readonly startYear: number;
  readonly gradeLevel: number;
  readonly letter: string;
  readonly classTeacherId: string;
  readonly ruleSetId: string;
  readonly subjectId: string;
  readonly teacherId: string;
  readonly hoursPerWeek: number;
  readonly gradingMode: GradingMode;
  /** Per term or per half-year, under the class's rule set (null when the rule set is not given). */
  readonly gradedPer: AssessmentPeriod['kind'] | null;
  readonly planApproved: boolean;
  /** The plan, by date and place in the day; cancelled lessons stay, marked. */
  readonly lessons: ReadonlyArray<ClassJournalLesson>;
  /** By id. */
  readonly summatives: ReadonlyArray<ClassJournalSummative>;
  /** Every pupil ever enrolled, in order of enrolment. */
  readonly pupils: ReadonlyArray<ClassJournalPupil>;
};

const byDateAndPlace = (a: ClassJournalLesson, b: ClassJournalLesson): number =>
  a.date < b.date ? -1 : a.date > b.date ? 1 : a.period - b.period || (a.lessonId < b.lessonId ? -1 : a.lessonId > b.lessonId ? 1 : 0);

/** The journal of one class and subject; null when the class or the subject is not known. */
export const classJournalOf = (
  state: SchoolLedgerState,
  ruleSets: ReadonlyArray<RuleSet>,
  classId: string,
  subjectId: string,
): ClassJournalView | null => {
  const cls = state.classes.get(classId);
  const subject = cls?.subjects.get(subjectId);
  if (cls === undefined || subject === undefined) return null;
  const ruleSet = ruleSetOfClass(ruleSets, cls);
  const marksByPupil = markNumbersByPupil(subject);
  const attendanceOf = attendanceByPupil(subject);
  const pupils = [...cls.pupils].map(([pupilId, stays]): ClassJournalPupil => {
    const record = subject.pupils.get(pupilId);
    const marks: ClassJournalMark[] = [];
    const attendance: Array<{ attendanceId: string; lessonId: string; code: AttendanceCode }> = [];
    for (const i of marksByPupil.get(pupilId) ?? []) {
      if (isMarkAnnulledAt(subject, i)) continue;
      const kind = markKindAt(subject, i);
      const on = markOnAt(subject, i);
      marks.push({ markId: markIdAt(subject, i), kind, lessonId: kind === 'formative' ? on : null, summativeId: kind === 'summative' ? on : null, value: markValueAt(subject, i) });
    }
    for (const a of attendanceOf.get(pupilId) ?? []) if (a.code !== 'present') attendance.push({ attendanceId: a.attendanceId, lessonId: a.lessonId, code: a.code });
    const { periods, yearGrade, finalGrade } = finalizedGradesOf(gradesOfRecord(state, record));
    return {
      pupilId,
      stays: stays.map((s) => ({ from: s.from, until: s.until ?? null })),
      marks,
      attendance,
      exemptions: record?.exemptions === undefined || record.exemptions === null ? [] : [...record.exemptions],
      periodGrades: periods,
      yearGrade,
      finalGrade,
    };
  });
  return {
    classId: cls.classId,
    schoolYearId: cls.schoolYearId,
    startYear: cls.startYear,
    gradeLevel: cls.gradeLevel,
    letter: cls.letter,
    classTeacherId: cls.classTeacherId,
    ruleSetId: cls.calendar.ruleSetId,
    subjectId: subject.subjectId,
    teacherId: subject.teacherId,
    hoursPerWeek: subject.hoursPerWeek,
    gradingMode: subject.gradingMode,
    gradedPer: ruleSet._tag === 'Left' ? null : isGradedPerHalfYear(ruleSet, subject) ? 'halfYear' : 'term',
    planApproved: subject.planApproved,
    lessons: lessonsOf(subject).sort(byDateAndPlace),
    summatives: [...subject.summatives.values()].map((s) => ({ ...s })).sort((a, b) => (a.summativeId < b.summativeId ? -1 : a.summativeId > b.summativeId ? 1 : 0)),
    pupils,
  };
};
