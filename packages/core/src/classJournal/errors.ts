import type { WriteRefused } from '../access/policy';
import type { Actor } from '../events/metadata';
import type { ValidationIssue } from '../events/validationIssues';

/**
 * Why a class journal command was refused. Each error names the offending value; a refused
 * command appends nothing. `WriteRefused`: the school's access policy does not let the actor's
 * role write to this class's journal at all; `NotEntitled`: it does, but a finer rule of the
 * journal does not let this actor do this (only the subject's own teacher marks it, only a
 * deputy director overrides a computed grade, ...).
 */
export type ClassJournalError =
  | { readonly kind: 'InvalidCommand'; readonly commandType: string; readonly issues: ReadonlyArray<ValidationIssue>; readonly message: string }
  | { readonly kind: 'ClassNotOpened'; readonly message: string }
  | { readonly kind: 'ClassAlreadyOpened'; readonly classId: string; readonly message: string }
  | { readonly kind: 'InvalidCalendar'; readonly field: string; readonly value: unknown; readonly message: string }
  | WriteRefused
  | { readonly kind: 'NotEntitled'; readonly actor: Actor; readonly action: string; readonly resource: string; readonly message: string }
  | { readonly kind: 'ReasonRequired'; readonly action: string; readonly message: string }
  | { readonly kind: 'SubjectNotAssigned'; readonly subjectId: string; readonly message: string }
  | { readonly kind: 'SubjectAlreadyAssigned'; readonly subjectId: string; readonly message: string }
  | { readonly kind: 'PupilNotEnrolled'; readonly pupilId: string; readonly date: string; readonly message: string }
  | { readonly kind: 'PupilAlreadyEnrolled'; readonly pupilId: string; readonly message: string }
  | { readonly kind: 'DateOutsideSchoolYear'; readonly field: string; readonly date: string; readonly message: string }
  | { readonly kind: 'LessonNotFound'; readonly lessonId: string; readonly message: string }
  | { readonly kind: 'LessonAlreadyPlanned'; readonly lessonId: string; readonly message: string }
  | { readonly kind: 'LessonCancelled'; readonly lessonId: string; readonly message: string }
  | { readonly kind: 'LessonHasMarks'; readonly lessonId: string; readonly message: string }
  | { readonly kind: 'LessonHasSummative'; readonly lessonId: string; readonly summativeId: string; readonly message: string }
  | { readonly kind: 'SummativeNotFound'; readonly summativeId: string; readonly message: string }
  | { readonly kind: 'SummativeAlreadyPlanned'; readonly summativeId: string; readonly message: string }
  | { readonly kind: 'SummativeCancelled'; readonly summativeId: string; readonly message: string }
  | { readonly kind: 'TooManySectionSummatives'; readonly subjectId: string; readonly period: string; readonly limit: number; readonly message: string }
  | { readonly kind: 'TermSummativeNotAllowed'; readonly subjectId: string; readonly message: string }
  | { readonly kind: 'InvalidTransfer'; readonly pupilId: string; readonly toClassId: string; readonly message: string }
  | { readonly kind: 'TermSummativeOnLastDayOfTerm'; readonly date: string; readonly message: string }
  | { readonly kind: 'TermSummativeAlreadyPlanned'; readonly summativeId: string; readonly subjectId: string; readonly period: string; readonly message: string }
  | { readonly kind: 'TermSummativeOnSectionSummativeDay'; readonly date: string; readonly subjectId: string; readonly message: string }
  | { readonly kind: 'TooManyTermSummativesOnDay'; readonly date: string; readonly limit: number; readonly message: string }
  | { readonly kind: 'NoMarksInGradeLevel'; readonly gradeLevel: number; readonly message: string }
  | { readonly kind: 'NoMarksForSubject'; readonly subjectId: string; readonly message: string }
  | { readonly kind: 'NoScoresForPassFailSubject'; readonly subjectId: string; readonly message: string }
  | { readonly kind: 'MarkNotOnScale'; readonly mark: number; readonly minMark: number; readonly maxMark: number; readonly message: string }
  | { readonly kind: 'ScoreAboveMaximum'; readonly points: number; readonly maxPoints: number; readonly summativeId: string; readonly message: string }
  | { readonly kind: 'MarkAlreadyRecorded'; readonly markId: string; readonly message: string }
  | { readonly kind: 'ScoreAlreadyRecorded'; readonly pupilId: string; readonly summativeId: string; readonly message: string }
  | { readonly kind: 'MarkNotFound'; readonly markId: string; readonly message: string }
  | { readonly kind: 'MarkAnnulled'; readonly markId: string; readonly message: string }
  | { readonly kind: 'MarkKindMismatch'; readonly markId: string; readonly message: string }
  | { readonly kind: 'AttendanceNotFound'; readonly attendanceId: string; readonly message: string }
  | { readonly kind: 'AttendanceAlreadyMarked'; readonly attendanceId: string; readonly message: string }
  | { readonly kind: 'PupilExempt'; readonly pupilId: string; readonly date: string; readonly message: string }
  | { readonly kind: 'InvalidExemption'; readonly from: string; readonly to: string; readonly message: string }
  | { readonly kind: 'PeriodFinalized'; readonly pupilId: string; readonly subjectId: string; readonly period: string; readonly message: string }
  | { readonly kind: 'PeriodNotInCalendar'; readonly period: string; readonly message: string }
  | { readonly kind: 'PeriodsNotFinalized'; readonly missing: ReadonlyArray<string>; readonly message: string }
  | { readonly kind: 'YearGradeFinalized'; readonly pupilId: string; readonly subjectId: string; readonly message: string }
  | { readonly kind: 'GradeNotOnScale'; readonly grade: unknown; readonly message: string }
  | { readonly kind: 'OverrideReasonRequired'; readonly grade: unknown; readonly recommended: unknown; readonly message: string }
  | { readonly kind: 'ResitNotAllowed'; readonly pupilId: string; readonly subjectId: string; readonly message: string }
  | { readonly kind: 'RuleError'; readonly message: string };

export type ClassJournalErrorKind = ClassJournalError['kind'];
