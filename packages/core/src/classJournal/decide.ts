import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { AssessmentPeriod, GradeValue } from '../events/common';
import { authorizeJournalWrite, type AccessPolicy, type JournalWriteFacts } from '../access/policy';
import type { Actor } from '../events/metadata';
import type { Recommendation } from '../events/results';
import type { EventPayload } from '../events/registry';
import { decodesUnchanged } from '../events/fastDecode';
import { formatIssues, validationIssues } from '../events/validationIssues';
import { isWithinRange, type LocalDate } from '../primitives/localDate';
import { calendarProblem } from '../schoolYear/schoolYear';
import {
  assessmentPeriodOf,
  datesOfPeriod,
  describePeriod,
  isEnrolledOn,
  periodsOfSubject,
  termOf,
  wasEnrolledDuring,
} from './calendarOf';
import { isCommandTypeOf, unknownCommandType } from '../decider/commandType';
import { classJournalCommandCodecs, type ClassJournalCommand, type ClassJournalCommandOfType } from './commands';
import type { ClassJournalError } from './errors';
import type { PeriodMarks } from '../rules/periodMarks';
import { marksInForce } from './marksInForce';
import type { JournalRules } from './journalRules';
import type { AttendanceState, ClassJournalState, Lesson, MarkState, OpenClassState, PupilSubjectRecord, SubjectState } from './state';
import { emptyPupilRecord } from './state';

type Result = E.Either<ClassJournalError, ReadonlyArray<EventPayload>>;
type Check = E.Either<ClassJournalError, void>;

const ok: Check = E.right(undefined);
const fail = (error: ClassJournalError): E.Either<ClassJournalError, never> => E.left(error);
const emit = (...events: EventPayload[]): Result => E.right(events);

/**
 * E.chain without fp-ts' dual-arity wrapper (which copies its arguments on every call): the
 * same Either in, the same out. decide runs once per event when an archive is verified.
 */
const chainE =
  <L, A, B>(f: (a: A) => E.Either<L, B>) =>
  (ma: E.Either<L, A>): E.Either<L, B> =>
    E.isLeft(ma) ? ma : f(ma.right);

/** Runs checks in order and stops at the first failure. */
const all = (...checks: ReadonlyArray<() => Check>): Check => {
  for (const check of checks) {
    const result = check();
    if (E.isLeft(result)) return result;
  }
  return ok;
};

// --- who may act -----------------------------------------------------------------------

const ADMIN_ROLES = ['director', 'deputyDirector', 'system'] as const;

const notEntitled = (actor: Actor, action: string, resource: string): ClassJournalError => ({
  kind: 'NotEntitled',
  actor,
  action,
  resource,
  message: `${actor.role} ${actor.id} may not ${action} (${resource})`,
});

const requireRole = (actor: Actor, roles: ReadonlyArray<string>, action: string, resource: string): Check =>
  roles.includes(actor.role) ? ok : fail(notEntitled(actor, action, resource));

/** The subject's own teacher (acting as subject teacher), or one of the extra roles. */
const requireSubjectTeacher = (
  actor: Actor,
  subject: SubjectState,
  action: string,
  also: ReadonlyArray<string> = [],
): Check =>
  (actor.role === 'subjectTeacher' && actor.id === subject.teacherId) || also.includes(actor.role)
    ? ok
    : fail(notEntitled(actor, action, `subject ${subject.subjectId}, taught by ${subject.teacherId}`));

const requireReason = (reason: string | undefined, action: string): Check =>
  reason !== undefined && reason.trim().length > 0
    ? ok
    : fail({ kind: 'ReasonRequired', action, message: `${action} needs a reason in the command's metadata` });

// --- lookups ---------------------------------------------------------------------------

const subjectOf = (state: OpenClassState, subjectId: string): E.Either<ClassJournalError, SubjectState> => {
  const subject = state.subjects.get(subjectId);
  return subject === undefined
    ? fail({ kind: 'SubjectNotAssigned', subjectId, message: `subject ${subjectId} is not assigned to class ${state.classId}` })
    : E.right(subject);
};

const lessonOf = (subject: SubjectState, lessonId: string, usable: boolean): E.Either<ClassJournalError, Lesson> => {
  const lesson = subject.lessons.get(lessonId);
  if (lesson === undefined)
    return fail({ kind: 'LessonNotFound', lessonId, message: `lesson ${lessonId} is not in the plan of subject ${subject.subjectId}` });
  if (usable && lesson.cancelled)
    return fail({ kind: 'LessonCancelled', lessonId, message: `lesson ${lessonId} on ${lesson.date} was cancelled` });
  return E.right(lesson);
};

const recordOf = (subject: SubjectState, pupilId: string): PupilSubjectRecord => subject.pupils.get(pupilId) ?? emptyPupilRecord;

const markOf = (subject: SubjectState, pupilId: string, markId: string): E.Either<ClassJournalError, MarkState> => {
  const mark = recordOf(subject, pupilId).marks.get(markId);
  if (mark === undefined)
    return fail({ kind: 'MarkNotFound', markId, message: `mark ${markId} of pupil ${pupilId} in subject ${subject.subjectId} does not exist` });
  if (mark.annulled) return fail({ kind: 'MarkAnnulled', markId, message: `mark ${markId} was annulled` });
  return E.right(mark);
};

const lessonHasRecords = (subject: SubjectState, lessonId: string): boolean => {
  const summativeIds = new Set([...subject.summatives.values()].filter((s) => s.lessonId === lessonId).map((s) => s.summativeId));
  for (const record of subject.pupils.values()) {
    for (const mark of record.marks.values())
      if (!mark.annulled && (mark.kind === 'formative' ? mark.lessonId === lessonId : summativeIds.has(mark.summativeId))) return true;
    for (const entry of record.attendance.values()) if (entry.lessonId === lessonId && entry.code !== 'present') return true;
  }
  return false;
};

// --- rules about dates and marks -------------------------------------------------------

const requireInSchoolTerm = (state: OpenClassState, field: string, date: LocalDate): Check =>
  termOf(state.calendar, date) !== undefined
    ? ok
    : fail({
        kind: 'DateOutsideSchoolYear',
        field,
        date,
        message: `${field} ${date} is not in any term of school year ${state.calendar.schoolYearId}`,
      });

const requireInSchoolYear = (state: OpenClassState, field: string, date: LocalDate): Check =>
  isWithinRange(date, state.calendar)
    ? ok
    : fail({
        kind: 'DateOutsideSchoolYear',
        field,
        date,
        message: `${field} ${date} is outside school year ${state.calendar.schoolYearId} (${state.calendar.startsOn}..${state.calendar.endsOn})`,
      });

const requireEnrolled = (state: OpenClassState, pupilId: string, date: LocalDate): Check =>
  isEnrolledOn(state.enrolments.get(pupilId), date)
    ? ok
    : fail({ kind: 'PupilNotEnrolled', pupilId, date, message: `pupil ${pupilId} is not enrolled in class ${state.classId} on ${date}` });

/** Grade levels without marks, and subjects without marks or scores. */
const requireMarksAllowed = (rules: JournalRules, state: OpenClassState, subject: SubjectState, scores: boolean): Check => {
  if (rules.isNoMarksGradeLevel(state.calendar.ruleSetId, state.gradeLevel))
    return fail({ kind: 'NoMarksInGradeLevel', gradeLevel: state.gradeLevel, message: `grade ${state.gradeLevel} gets no marks (rule set ${state.calendar.ruleSetId})` });
  if (subject.gradingMode === 'noMarks')
    return fail({ kind: 'NoMarksForSubject', subjectId: subject.subjectId, message: `subject ${subject.subjectId} is taught without marks` });
  if (scores && subject.gradingMode === 'passFail')
    return fail({ kind: 'NoScoresForPassFailSubject', subjectId: subject.subjectId, message: `subject ${subject.subjectId} is pass/fail: it has no summative scores` });
  return ok;
};

/** A formative mark on the rule set's scale (the event allows 1..10; a rule set may allow fewer). */
const requireMarkOnScale = (rules: JournalRules, state: OpenClassState, mark: number): Check => {
  const { minMark, maxMark } = rules.formativeMarkRange(state.calendar.ruleSetId);
  return mark >= minMark && mark <= maxMark
    ? ok
    : fail({ kind: 'MarkNotOnScale', mark, minMark, maxMark, message: `mark ${mark} is not on the formative scale ${minMark}..${maxMark} of rule set ${state.calendar.ruleSetId}` });
};

const byHalfYear = (rules: JournalRules, state: OpenClassState, subject: SubjectState): boolean =>
  rules.isHalfYearSubject(state.calendar.ruleSetId, subject.hoursPerWeek);

const requirePeriodOpen = (state: OpenClassState, subject: SubjectState, pupilId: string, period: AssessmentPeriod | undefined): Check => {
  const record = recordOf(subject, pupilId);
  if (record.yearGrade !== undefined)
    return fail({ kind: 'YearGradeFinalized', pupilId, subjectId: subject.subjectId, message: `the year grade of pupil ${pupilId} in ${subject.subjectId} is finalized` });
  if (period !== undefined && record.periodGrades.has(`${period.kind}-${period.number}`))
    return fail({
      kind: 'PeriodFinalized',
      pupilId,
      subjectId: subject.subjectId,
      period: describePeriod(period),
      message: `${describePeriod(period)} grade of pupil ${pupilId} in ${subject.subjectId} is finalized: it can no longer change`,
    });
  return ok;
};

const periodOfLesson = (rules: JournalRules, state: OpenClassState, subject: SubjectState, lesson: Lesson) =>
  assessmentPeriodOf(state.calendar, byHalfYear(rules, state, subject), lesson.date);

/**
 * No pupil's grade for the period is finalized. A change to the period's summatives (planned,
 * cancelled, moved) changes every pupil's recomputation, so it needs the period open for all.
 */
const requirePeriodOpenForAll = (state: OpenClassState, subject: SubjectState, period: AssessmentPeriod | undefined): Check => {
  if (period === undefined) return ok;
  for (const pupilId of subject.pupils.keys()) {
    const open = requirePeriodOpen(state, subject, pupilId, period);
    if (E.isLeft(open)) return open;
  }
  return ok;
};

/**
 * A pupil leaving the class on `on` no longer sits the summatives from that day on, and one
 * (re-)joining it on `on` sits them again: those they have no score on leave or join their grades
 * (marksInForce). Not in a period already finalized for them.
 */
const requireStayChangeKeepsFinalizedPeriods = (rules: JournalRules, state: OpenClassState, pupilId: string, on: LocalDate): Check => {
  for (const subject of state.subjects.values()) {
    const record = subject.pupils.get(pupilId);
    if (record === undefined) continue;
    for (const summative of subject.summatives.values()) {
      const lesson = subject.lessons.get(summative.lessonId);
      if (summative.cancelled || lesson === undefined || lesson.cancelled || lesson.date < on) continue;
      if (hasLiveScore(record, summative.summativeId)) continue;
      const open = requirePeriodOpen(state, subject, pupilId, periodOfLesson(rules, state, subject, lesson));
      if (E.isLeft(open)) return open;
    }
  }
  return ok;
};

/** Whether the pupil has a score (not annulled) on the summative. A loop, not a copy of the marks: asked for every score recorded. */
const hasLiveScore = (record: PupilSubjectRecord, summativeId: string): boolean => {
  for (const m of record.marks.values()) if (m.kind === 'summative' && !m.annulled && m.summativeId === summativeId) return true;
  return false;
};

/** The first attendance record (id and entry) marking the pupil other than present on the lesson, if any. */
const absenceOn = (record: PupilSubjectRecord, lessonId: string): readonly [string, AttendanceState] | undefined => {
  for (const entry of record.attendance.entries()) if (entry[1].lessonId === lessonId && entry[1].code !== 'present') return entry;
  return undefined;
};

const liveSummativeOn = (subject: SubjectState, lessonId: string) =>
  [...subject.summatives.values()].find((s) => s.lessonId === lessonId && !s.cancelled);

const isExemptOn = (exemptions: PupilSubjectRecord['exemptions'], date: LocalDate): boolean =>
  exemptions.some((x) => x.from <= date && date <= x.to);

const requireNotExempt = (subject: SubjectState, pupilId: string, date: LocalDate): Check =>
  isExemptOn(recordOf(subject, pupilId).exemptions, date)
    ? fail({ kind: 'PupilExempt', pupilId, date, message: `pupil ${pupilId} is exempt from ${subject.subjectId} on ${date}` })
    : ok;

/** The rules a summative's date must keep: СОР count, СОЧ not on a term's last day, etc. */
const checkSummativeDate = (
  rules: JournalRules,
  state: OpenClassState,
  subject: SubjectState,
  summative: { readonly summativeId: string; readonly kind: 'section' | 'term' },
  date: LocalDate,
): Check => {
  const ruleSetId = state.calendar.ruleSetId;
  const dateOf = (lessonId: string, s: SubjectState) => s.lessons.get(lessonId)?.date;
  const others = [...subject.summatives.values()].filter((s) => !s.cancelled && s.summativeId !== summative.summativeId);
  const dayRules = rules.termSummativeDayRules(ruleSetId);
  if (summative.kind === 'section') {
    const period = assessmentPeriodOf(state.calendar, byHalfYear(rules, state, subject), date);
    const limit = rules.maxSectionSummativesPerPeriod(ruleSetId);
    const inPeriod = others.filter((s) => {
      const d = dateOf(s.lessonId, subject);
      const p = d === undefined ? undefined : assessmentPeriodOf(state.calendar, byHalfYear(rules, state, subject), d);
      return s.kind === 'section' && p !== undefined && period !== undefined && p.kind === period.kind && p.number === period.number;
    });
    if (period !== undefined && inPeriod.length >= limit)
      return fail({
        kind: 'TooManySectionSummatives',
        subjectId: subject.subjectId,
        period: describePeriod(period),
        limit,
        message: `subject ${subject.subjectId} already has ${inPeriod.length} section summatives (СОР) in ${describePeriod(period)}; at most ${limit}`,
      });
    if (dayRules.notOnSectionSummativeDay && others.some((s) => s.kind === 'term' && dateOf(s.lessonId, subject) === date))
      return fail({
        kind: 'TermSummativeOnSectionSummativeDay',
        date,
        subjectId: subject.subjectId,
        message: `subject ${subject.subjectId} has a term summative (СОЧ) on ${date}: no section summative (СОР) on the same day`,
      });
    return ok;
  }
  const term = termOf(state.calendar, date);
  if (dayRules.notOnLastDayOfTerm && term !== undefined && term.endsOn === date)
    return fail({ kind: 'TermSummativeOnLastDayOfTerm', date, message: `${date} is the last day of term ${term.number}: no term summative (СОЧ) on it` });
  if (dayRules.notOnSectionSummativeDay && others.some((s) => s.kind === 'section' && dateOf(s.lessonId, subject) === date))
    return fail({
      kind: 'TermSummativeOnSectionSummativeDay',
      date,
      subjectId: subject.subjectId,
      message: `subject ${subject.subjectId} has a section summative (СОР) on ${date}: no term summative (СОЧ) on the same day`,
    });
  // One СОЧ per assessment period and subject (a term, or a half-year where a rule set counts a
  // СОЧ there): the grade rules take a single СОЧ per period, so a second would be silently ignored.
  const halfYear = byHalfYear(rules, state, subject);
  const period = assessmentPeriodOf(state.calendar, halfYear, date);
  const samePeriod = others.find((s) => {
    const d = dateOf(s.lessonId, subject);
    const p = d === undefined ? undefined : assessmentPeriodOf(state.calendar, halfYear, d);
    return s.kind === 'term' && period !== undefined && p !== undefined && p.kind === period.kind && p.number === period.number;
  });
  if (period !== undefined && samePeriod !== undefined)
    return fail({
      kind: 'TermSummativeAlreadyPlanned',
      summativeId: samePeriod.summativeId,
      subjectId: subject.subjectId,
      period: describePeriod(period),
      message: `subject ${subject.subjectId} already has the term summative (СОЧ) ${samePeriod.summativeId} in ${describePeriod(period)}: at most one per ${period.kind === 'term' ? 'term' : 'half-year'}`,
    });
  const limit = rules.maxTermSummativesPerDay(ruleSetId);
  let sameDay = 0;
  for (const s of state.subjects.values())
    for (const other of s.summatives.values())
      if (!other.cancelled && other.kind === 'term' && other.summativeId !== summative.summativeId && dateOf(other.lessonId, s) === date) sameDay++;
  if (sameDay >= limit)
    return fail({ kind: 'TooManyTermSummativesOnDay', date, limit, message: `class ${state.classId} already has ${sameDay} term summatives (СОЧ) on ${date}; at most ${limit}` });
  return ok;
};

// --- grades -----------------------------------------------------------------------------

/** The marks in force for a pupil, subject and period, as the grade rules take them. */
export const periodMarksOf = (
  rules: JournalRules,
  state: OpenClassState,
  subject: SubjectState,
  pupilId: string,
  period: AssessmentPeriod,
): PeriodMarks => {
  const record = recordOf(subject, pupilId);
  const marks = [...record.marks.values()].map((mark) =>
    mark.kind === 'formative'
      ? { kind: mark.kind, on: mark.lessonId, value: mark.mark, annulled: mark.annulled }
      : { kind: mark.kind, on: mark.summativeId, value: mark.points, annulled: mark.annulled },
  );
  const stays = state.enrolments.get(pupilId);
  const halfYear = byHalfYear(rules, state, subject);
  return marksInForce(
    subject,
    { marks, attendance: record.attendance },
    (date) => assessmentPeriodOf(state.calendar, halfYear, date),
    period,
    (date) => isEnrolledOn(stays, date) && !isExemptOn(record.exemptions, date),
  );
};

const sameGrade = (a: GradeValue, b: GradeValue): boolean => String(a) === String(b);

const ruleError = (message: string): ClassJournalError => ({ kind: 'RuleError', message });

/**
 * A finalized grade's data, with the override reason where it is kept: a spread only in that
 * rare case (a spread per finalized grade costs more than the rest of building it).
 */
const withOverrideReason = <D extends object>(data: D, overrideReason: string | undefined, recommendation: Recommendation, grade: GradeValue): D & { readonly overrideReason?: string } => {
  const kept = overrideReasonOf(overrideReason, recommendation, grade);
  return kept.overrideReason === undefined ? data : { ...data, ...kept };
};

/** E.mapLeft without fp-ts' dual-arity wrapper (see chainE). */
const mapLeftE =
  <L, M, A>(f: (l: L) => M) =>
  (ma: E.Either<L, A>): E.Either<M, A> =>
    E.isLeft(ma) ? E.left(f(ma.left)) : ma;

/** The override reason is kept only where the entered grade differs from the computed one. */
const overrideReasonOf = (
  overrideReason: string | undefined,
  recommendation: Recommendation,
  grade: GradeValue,
): { readonly overrideReason?: string } =>
  overrideReason === undefined || (recommendation !== null && sameGrade(recommendation.grade, grade)) ? {} : { overrideReason };

const requireGradeAllowed = (rules: JournalRules, state: OpenClassState, subject: SubjectState, grade: GradeValue): Check =>
  rules.isGradeAllowed(state.calendar.ruleSetId, { gradeLevel: state.gradeLevel, gradingMode: subject.gradingMode }, grade)
    ? ok
    : fail({
        kind: 'GradeNotOnScale',
        grade,
        message: `grade ${String(grade)} is not allowed for ${subject.gradingMode} subject ${subject.subjectId} in grade ${state.gradeLevel}`,
      });

/**
 * A finalized grade equal to the recommendation is the subject teacher's to enter; a different
 * one is an override: the deputy director's, with a reason.
 */
const checkFinalization = (
  actor: Actor,
  subject: SubjectState,
  grade: GradeValue,
  recommended: GradeValue | undefined,
  overrideReason: string | undefined,
  action: string,
): Check => {
  if (recommended === undefined || sameGrade(grade, recommended)) return requireSubjectTeacher(actor, subject, action, ['deputyDirector']);
  if (overrideReason === undefined)
    return fail({
      kind: 'OverrideReasonRequired',
      grade,
      recommended,
      message: `grade ${grade} differs from the computed ${recommended}: an override needs overrideReason`,
    });
  return requireRole(actor, ['deputyDirector'], `override a computed grade (${action})`, `subject ${subject.subjectId}`);
};

// --- the decider's decide ---------------------------------------------------------------

type Decide<T extends ClassJournalCommand['type']> = (
  rules: JournalRules,
  command: ClassJournalCommandOfType<T>,
  state: OpenClassState,
) => Result;

const withSubject = (state: OpenClassState, subjectId: string, then: (subject: SubjectState) => Result): Result =>
  pipe(subjectOf(state, subjectId), chainE(then));

const then = (check: Check, result: () => Result): Result => (E.isLeft(check) ? check : result());

const decideOpen: {
  readonly [T in Exclude<ClassJournalCommand['type'], 'OpenClass'>]: Decide<T>;
} = {
  AssignSubject: (rules, { data, metadata }, state) => {
    const existing = state.subjects.get(data.subjectId);
    return then(
      all(
        () => requireRole(metadata.actor, ADMIN_ROLES, 'assign subjects', `class ${state.classId}`),
        () =>
          existing !== undefined && (existing.hoursPerWeek !== data.hoursPerWeek || existing.gradingMode !== data.gradingMode)
            ? fail({
                kind: 'SubjectAlreadyAssigned',
                subjectId: data.subjectId,
                message: `subject ${data.subjectId} is already assigned; only its teacher may change, not its hours or grading mode`,
              })
            : ok,
      ),
      () => emit({ type: 'SubjectAssigned', data }),
    );
  },
  EnrolPupil: (rules, { data, metadata }, state) =>
    then(
      all(
        () => requireRole(metadata.actor, ADMIN_ROLES, 'enrol pupils', `class ${state.classId}`),
        () => requireInSchoolYear(state, 'on', data.on),
        () => {
          const stays = state.enrolments.get(data.pupilId) ?? [];
          const last = stays[stays.length - 1];
          return last !== undefined && (last.until === undefined || data.on < last.until)
            ? fail({ kind: 'PupilAlreadyEnrolled', pupilId: data.pupilId, message: `pupil ${data.pupilId} is already enrolled in class ${state.classId}` })
            : ok;
        },
        () => requireStayChangeKeepsFinalizedPeriods(rules, state, data.pupilId, data.on),
      ),
      () => emit({ type: 'PupilEnrolled', data }),
    ),
  TransferPupil: (rules, { data, metadata }, state) =>
    then(
      all(
        () => requireRole(metadata.actor, ADMIN_ROLES, 'transfer pupils', `class ${state.classId}`),
        () =>
          data.toClassId === state.classId
            ? fail({ kind: 'InvalidTransfer', pupilId: data.pupilId, toClassId: data.toClassId, message: `pupil ${data.pupilId} cannot be transferred to their own class ${data.toClassId}` })
            : ok,
        () => requireInSchoolYear(state, 'on', data.on),
        () => requireEnrolled(state, data.pupilId, data.on),
        () => requireStayChangeKeepsFinalizedPeriods(rules, state, data.pupilId, data.on),
      ),
      () => emit({ type: 'PupilTransferred', data }),
    ),
  WithdrawPupil: (rules, { data, metadata }, state) =>
    then(
      all(
        () => requireRole(metadata.actor, ADMIN_ROLES, 'withdraw pupils', `class ${state.classId}`),
        () => requireInSchoolYear(state, 'on', data.on),
        () => requireEnrolled(state, data.pupilId, data.on),
        () => requireStayChangeKeepsFinalizedPeriods(rules, state, data.pupilId, data.on),
      ),
      () => emit({ type: 'PupilWithdrawn', data }),
    ),
  PlanLesson: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) =>
      then(
        all(
          () => requireSubjectTeacher(metadata.actor, subject, 'plan lessons', ['deputyDirector']),
          () => requireInSchoolTerm(state, 'date', data.date),
          () =>
            subject.lessons.has(data.lessonId)
              ? fail({ kind: 'LessonAlreadyPlanned', lessonId: data.lessonId, message: `lesson ${data.lessonId} is already in the plan` })
              : ok,
        ),
        () => emit({ type: 'LessonPlanned', data }),
      ),
    ),
  RescheduleLesson: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) =>
      pipe(
        lessonOf(subject, data.lessonId, true),
        chainE((lesson) =>
          then(
            all(
              () => requireSubjectTeacher(metadata.actor, subject, 'reschedule lessons', ['deputyDirector']),
              () => requireInSchoolTerm(state, 'date', data.date),
              () =>
                lessonHasRecords(subject, lesson.lessonId)
                  ? fail({ kind: 'LessonHasMarks', lessonId: lesson.lessonId, message: `lesson ${lesson.lessonId} has marks or absences: annul them before moving it` })
                  : ok,
              () => {
                for (const s of subject.summatives.values())
                  if (s.lessonId === lesson.lessonId && !s.cancelled) {
                    const checked = checkSummativeDate(rules, state, subject, s, data.date);
                    if (E.isLeft(checked)) return checked;
                  }
                return ok;
              },
              // A summative moved out of one period and into another changes both periods' recomputation.
              () => {
                const from = periodOfLesson(rules, state, subject, lesson);
                const to = periodOfLesson(rules, state, subject, { ...lesson, date: data.date });
                const samePeriod = from !== undefined && to !== undefined && from.kind === to.kind && from.number === to.number;
                return liveSummativeOn(subject, lesson.lessonId) === undefined || samePeriod
                  ? ok
                  : all(
                      () => requirePeriodOpenForAll(state, subject, from),
                      () => requirePeriodOpenForAll(state, subject, to),
                    );
              },
            ),
            () => emit({ type: 'LessonRescheduled', data }),
          ),
        ),
      ),
    ),
  CancelLesson: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) =>
      pipe(
        lessonOf(subject, data.lessonId, true),
        chainE((lesson) =>
          then(
            all(
              () => requireSubjectTeacher(metadata.actor, subject, 'cancel lessons', ['deputyDirector']),
              () =>
                lessonHasRecords(subject, lesson.lessonId)
                  ? fail({ kind: 'LessonHasMarks', lessonId: lesson.lessonId, message: `lesson ${lesson.lessonId} has marks or absences: annul them before cancelling it` })
                  : ok,
              // Its summative would silently leave the grades: cancelling a summative has its own rules (who, why, open periods).
              () => {
                const summative = liveSummativeOn(subject, lesson.lessonId);
                return summative === undefined
                  ? ok
                  : fail({
                      kind: 'LessonHasSummative',
                      lessonId: lesson.lessonId,
                      summativeId: summative.summativeId,
                      message: `lesson ${lesson.lessonId} has summative ${summative.summativeId} planned on it: cancel the summative first (or move the lesson)`,
                    });
              },
            ),
            () => emit({ type: 'LessonCancelled', data }),
          ),
        ),
      ),
    ),
  ReviseLessonTopic: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) =>
      pipe(
        lessonOf(subject, data.lessonId, false),
        chainE(() =>
          then(requireSubjectTeacher(metadata.actor, subject, 'revise lesson topics', ['deputyDirector']), () =>
            emit({ type: 'LessonTopicRevised', data }),
          ),
        ),
      ),
    ),
  PlanSummative: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) =>
      pipe(
        lessonOf(subject, data.lessonId, true),
        chainE((lesson) =>
          then(
            all(
              () => requireSubjectTeacher(metadata.actor, subject, 'plan summatives', ['deputyDirector']),
              () => requireMarksAllowed(rules, state, subject, true),
              () =>
                data.kind === 'term' && byHalfYear(rules, state, subject) && !rules.allowsTermSummativeInHalfYear(state.calendar.ruleSetId)
                  ? fail({
                      kind: 'TermSummativeNotAllowed',
                      subjectId: subject.subjectId,
                      message: `subject ${subject.subjectId} (${subject.hoursPerWeek} h/week) is graded per half-year from ФО and СОР only: no term summative (СОЧ) under rule set ${state.calendar.ruleSetId}`,
                    })
                  : ok,
              () =>
                subject.summatives.has(data.summativeId)
                  ? fail({ kind: 'SummativeAlreadyPlanned', summativeId: data.summativeId, message: `summative ${data.summativeId} is already planned` })
                  : ok,
              () => checkSummativeDate(rules, state, subject, data, lesson.date),
              // A new summative counts for (or against) every pupil of its period: not once a grade of it is final.
              () => requirePeriodOpenForAll(state, subject, periodOfLesson(rules, state, subject, lesson)),
            ),
            () => emit({ type: 'SummativePlanned', data }),
          ),
        ),
      ),
    ),
  CancelSummative: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) => {
      const summative = subject.summatives.get(data.summativeId);
      if (summative === undefined)
        return fail({ kind: 'SummativeNotFound', summativeId: data.summativeId, message: `summative ${data.summativeId} is not planned in ${subject.subjectId}` });
      if (summative.cancelled) return fail({ kind: 'SummativeCancelled', summativeId: data.summativeId, message: `summative ${data.summativeId} is already cancelled` });
      return then(
        all(
          () => requireRole(metadata.actor, ['deputyDirector', 'director'], 'cancel summatives', `subject ${subject.subjectId}`),
          () => requireReason(metadata.reason, 'cancelling a summative'),
          () => {
            // Cancelling changes every pupil's recomputation: not once a grade of its period is final.
            const lesson = subject.lessons.get(summative.lessonId);
            return requirePeriodOpenForAll(state, subject, lesson === undefined ? undefined : periodOfLesson(rules, state, subject, lesson));
          },
        ),
        () => emit({ type: 'SummativeCancelled', data }),
      );
    }),
  ApprovePlan: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) =>
      then(requireRole(metadata.actor, ['deputyDirector'], 'approve plans', `subject ${subject.subjectId}`), () =>
        emit({ type: 'PlanApproved', data }),
      ),
    ),
  RecordFormativeMark: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) =>
      pipe(
        lessonOf(subject, data.lessonId, true),
        chainE((lesson) =>
          then(
            all(
              () => requireSubjectTeacher(metadata.actor, subject, 'record marks'),
              () => requireMarksAllowed(rules, state, subject, false),
              () => requireMarkOnScale(rules, state, data.mark),
              () => requireEnrolled(state, data.pupilId, lesson.date),
              () => requireNotExempt(subject, data.pupilId, lesson.date),
              () => requirePeriodOpen(state, subject, data.pupilId, periodOfLesson(rules, state, subject, lesson)),
              () =>
                recordOf(subject, data.pupilId).marks.has(data.markId)
                  ? fail({ kind: 'MarkAlreadyRecorded', markId: data.markId, message: `mark ${data.markId} is already recorded: correct it instead` })
                  : ok,
            ),
            () => emit({ type: 'FormativeMarkRecorded', data }),
          ),
        ),
      ),
    ),
  RecordSummativeScore: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) => {
      const summative = subject.summatives.get(data.summativeId);
      if (summative === undefined)
        return fail({ kind: 'SummativeNotFound', summativeId: data.summativeId, message: `summative ${data.summativeId} is not planned in ${subject.subjectId}` });
      if (summative.cancelled) return fail({ kind: 'SummativeCancelled', summativeId: data.summativeId, message: `summative ${data.summativeId} was cancelled` });
      return pipe(
        lessonOf(subject, summative.lessonId, true),
        chainE((lesson) =>
          then(
            all(
              () => requireSubjectTeacher(metadata.actor, subject, 'record summative scores'),
              () => requireMarksAllowed(rules, state, subject, true),
              () => requireEnrolled(state, data.pupilId, lesson.date),
              () => requireNotExempt(subject, data.pupilId, lesson.date),
              () => requirePeriodOpen(state, subject, data.pupilId, periodOfLesson(rules, state, subject, lesson)),
              () =>
                data.points > summative.maxPoints
                  ? fail({
                      kind: 'ScoreAboveMaximum',
                      points: data.points,
                      maxPoints: summative.maxPoints,
                      summativeId: summative.summativeId,
                      message: `points ${data.points} exceed the maximum ${summative.maxPoints} of summative ${summative.summativeId}`,
                    })
                  : ok,
              () =>
                recordOf(subject, data.pupilId).marks.has(data.markId)
                  ? fail({ kind: 'MarkAlreadyRecorded', markId: data.markId, message: `mark ${data.markId} is already recorded: correct it instead` })
                  : ok,
              () =>
                hasLiveScore(recordOf(subject, data.pupilId), data.summativeId)
                  ? fail({
                      kind: 'ScoreAlreadyRecorded',
                      pupilId: data.pupilId,
                      summativeId: data.summativeId,
                      message: `pupil ${data.pupilId} already has a score for ${data.summativeId}: moderate or correct it`,
                    })
                  : ok,
            ),
            () => emit({ type: 'SummativeScoreRecorded', data }),
          ),
        ),
      );
    }),
  ModerateSummativeScore: (rules, command, state) => changeMark(rules, command, state, 'moderate scores', ['deputyDirector']),
  CorrectMark: (rules, command, state) => changeMark(rules, command, state, 'correct marks', []),
  AnnulMark: (rules, command, state) => changeMark(rules, command, state, 'annul marks', ['deputyDirector']),
  MarkAttendance: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) =>
      pipe(
        lessonOf(subject, data.lessonId, true),
        chainE((lesson) =>
          then(
            all(
              () =>
                metadata.actor.role === 'classTeacher' && metadata.actor.id === state.classTeacherId
                  ? ok
                  : requireSubjectTeacher(metadata.actor, subject, 'mark attendance'),
              () => requireEnrolled(state, data.pupilId, lesson.date),
              // An absence on a summative's lesson decides "not assessed": it is part of the grade's record.
              () => requirePeriodOpen(state, subject, data.pupilId, periodOfLesson(rules, state, subject, lesson)),
              () => {
                const record = recordOf(subject, data.pupilId);
                if (record.attendance.has(data.attendanceId))
                  return fail({ kind: 'AttendanceAlreadyMarked', attendanceId: data.attendanceId, message: `attendance ${data.attendanceId} is already recorded` });
                const existing = absenceOn(record, lesson.lessonId);
                return existing === undefined
                  ? ok
                  : fail({
                      kind: 'AttendanceAlreadyMarked',
                      attendanceId: existing[0],
                      message: `pupil ${data.pupilId} is already marked on lesson ${lesson.lessonId} (${existing[0]}): correct that record`,
                    });
              },
            ),
            () => emit({ type: 'AttendanceMarked', data }),
          ),
        ),
      ),
    ),
  CorrectAttendance: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) => {
      const entry = recordOf(subject, data.pupilId).attendance.get(data.attendanceId);
      if (entry === undefined)
        return fail({ kind: 'AttendanceNotFound', attendanceId: data.attendanceId, message: `attendance ${data.attendanceId} of pupil ${data.pupilId} does not exist` });
      return then(
        all(
          () =>
            metadata.actor.role === 'classTeacher' && metadata.actor.id === state.classTeacherId
              ? ok
              : requireSubjectTeacher(metadata.actor, subject, 'correct attendance', ['deputyDirector']),
          () => requireReason(metadata.reason, 'correcting attendance'),
          () => {
            const lesson = subject.lessons.get(entry.lessonId);
            return requirePeriodOpen(state, subject, data.pupilId, lesson === undefined ? undefined : periodOfLesson(rules, state, subject, lesson));
          },
        ),
        () => emit({ type: 'AttendanceCorrected', data: { ...data, supersedesEventId: entry.lastEventId } }),
      );
    }),
  GrantExemption: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) =>
      then(
        all(
          () => requireRole(metadata.actor, ['deputyDirector', 'director'], 'grant exemptions', `subject ${subject.subjectId}`),
          () => requireInSchoolYear(state, 'from', data.from),
          () => requireInSchoolYear(state, 'to', data.to),
          () =>
            data.from > data.to
              ? fail({ kind: 'InvalidExemption', from: data.from, to: data.to, message: `exemption from ${data.from} ends before it starts (${data.to})` })
              : ok,
          // An exemption takes the summatives of its days out of the pupil's grade: not in a finalized period.
          () =>
            all(
              ...periodsOfSubject(state.calendar, byHalfYear(rules, state, subject))
                .filter((p) => {
                  const dates = datesOfPeriod(state.calendar, p);
                  return dates !== undefined && dates.startsOn <= data.to && data.from <= dates.endsOn;
                })
                .map((p) => () => requirePeriodOpen(state, subject, data.pupilId, p)),
            ),
        ),
        () => emit({ type: 'ExemptionGranted', data }),
      ),
    ),
  FinalizePeriodGrade: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) => {
      const halfYear = byHalfYear(rules, state, subject);
      const dates = datesOfPeriod(state.calendar, data.period);
      const period = describePeriod(data.period);
      if (dates === undefined || (data.period.kind === 'halfYear') !== halfYear)
        return fail({
          kind: 'PeriodNotInCalendar',
          period,
          message: `subject ${subject.subjectId} is graded per ${halfYear ? 'half-year' : 'term'}; ${period} is not one of its periods`,
        });
      const context = { gradeLevel: state.gradeLevel, gradingMode: subject.gradingMode, period: data.period };
      const ruleSetId = state.calendar.ruleSetId;
      return then(
        all(
          () =>
            wasEnrolledDuring(state.enrolments.get(data.pupilId), dates)
              ? ok
              : fail({ kind: 'PupilNotEnrolled', pupilId: data.pupilId, date: dates.startsOn, message: `pupil ${data.pupilId} was not in class ${state.classId} during ${period}` }),
          () => requirePeriodOpen(state, subject, data.pupilId, data.period),
          () => requireGradeAllowed(rules, state, subject, data.grade),
        ),
        () =>
          pipe(
            rules.recommendPeriodGrade(ruleSetId, context, periodMarksOf(rules, state, subject, data.pupilId, data.period)),
            mapLeftE(ruleError),
            chainE((recommendation) =>
              then(checkFinalization(metadata.actor, subject, data.grade, recommendation?.grade, data.overrideReason, `finalize ${period} grades`), () =>
                emit({
                  type: 'PeriodGradeFinalized',
                  data: withOverrideReason(
                    { subjectId: data.subjectId, pupilId: data.pupilId, period: data.period, grade: data.grade, recommendation, ruleSetId },
                    data.overrideReason,
                    recommendation,
                    data.grade,
                  ),
                }),
              ),
            ),
          ),
      );
    }),
  FinalizeYearGrade: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) => {
      const record = recordOf(subject, data.pupilId);
      const ruleSetId = state.calendar.ruleSetId;
      const context = { gradeLevel: state.gradeLevel, gradingMode: subject.gradingMode };
      const stays = state.enrolments.get(data.pupilId);
      const due = periodsOfSubject(state.calendar, byHalfYear(rules, state, subject)).filter((p) => {
        const dates = datesOfPeriod(state.calendar, p);
        return dates !== undefined && wasEnrolledDuring(stays, dates);
      });
      const missing = due.filter((p) => !record.periodGrades.has(`${p.kind}-${p.number}`)).map(describePeriod);
      return then(
        all(
          () => requirePeriodOpen(state, subject, data.pupilId, undefined),
          () =>
            due.length === 0
              ? fail({ kind: 'PupilNotEnrolled', pupilId: data.pupilId, date: state.calendar.startsOn, message: `pupil ${data.pupilId} was never in class ${state.classId}` })
              : missing.length > 0
                ? fail({ kind: 'PeriodsNotFinalized', missing, message: `finalize ${missing.join(', ')} of pupil ${data.pupilId} in ${subject.subjectId} first` })
                : ok,
          () => requireGradeAllowed(rules, state, subject, data.grade),
        ),
        () =>
          pipe(
            rules.recommendYearGrade(
              ruleSetId,
              context,
              due.map((p) => record.periodGrades.get(`${p.kind}-${p.number}`)?.grade as GradeValue),
            ),
            mapLeftE(ruleError),
            chainE((recommendation) =>
              then(checkFinalization(metadata.actor, subject, data.grade, recommendation?.grade, data.overrideReason, 'finalize year grades'), () =>
                emit({
                  type: 'YearGradeFinalized',
                  data: withOverrideReason(
                    { subjectId: data.subjectId, pupilId: data.pupilId, grade: data.grade, recommendation, ruleSetId },
                    data.overrideReason,
                    recommendation,
                    data.grade,
                  ),
                }),
              ),
            ),
          ),
      );
    }),
  RecordResitResult: (rules, { data, metadata }, state) =>
    withSubject(state, data.subjectId, (subject) => {
      const record = recordOf(subject, data.pupilId);
      const ruleSetId = state.calendar.ruleSetId;
      const current = record.finalGrade;
      const notAllowed = (why: string) =>
        fail({ kind: 'ResitNotAllowed', pupilId: data.pupilId, subjectId: subject.subjectId, message: `no re-sit for pupil ${data.pupilId} in ${subject.subjectId}: ${why}` });
      if (record.yearGrade === undefined || current === undefined) return notAllowed('the year grade is not finalized');
      // The rule sets define a re-sit's final grade as a mean on the grade scale: for "зачёт/незачёт" there is none.
      if (subject.gradingMode === 'passFail')
        return notAllowed(`${subject.subjectId} is a pass/fail subject: the rule sets define re-sits (a mean of the year grade and the test) for graded subjects only`);
      if (!rules.isFailingGrade(ruleSetId, state.gradeLevel, current)) return notAllowed(`the grade ${String(current)} is not a fail`);
      const maxAttempts = rules.maxResitAttempts(ruleSetId);
      if (record.resitAttempts >= maxAttempts)
        return notAllowed(`all ${maxAttempts} re-sit attempt(s) allowed by rule set ${ruleSetId} are used`);
      // A failing year grade in more subjects than the rule set allows means repeating the year, not re-sits.
      const failed = [...state.subjects.values()].filter((s) => {
        const year = s.pupils.get(data.pupilId)?.yearGrade;
        return year !== undefined && rules.isFailingGrade(ruleSetId, state.gradeLevel, year);
      }).length;
      const maxFailed = rules.maxFailedSubjectsForResits(ruleSetId);
      if (failed > maxFailed)
        return notAllowed(`failing year grades in ${failed} subjects (more than ${maxFailed}) mean repeating the year under rule set ${ruleSetId}`);
      const context = { gradeLevel: state.gradeLevel, gradingMode: subject.gradingMode };
      return then(
        all(
          () => requireSubjectTeacher(metadata.actor, subject, 'record re-sit results', ['deputyDirector']),
          () =>
            rules.isGradeAllowed(ruleSetId, context, data.testGrade)
              ? ok
              : fail({ kind: 'GradeNotOnScale', grade: data.testGrade, message: `re-sit grade ${String(data.testGrade)} is not on the scale` }),
        ),
        () =>
          pipe(
            rules.resitFinalGrade(ruleSetId, state.gradeLevel, record.yearGrade as GradeValue, data.testGrade),
            mapLeftE(ruleError),
            chainE((finalGrade) =>
              emit({
                type: 'ResitResultRecorded',
                data: { subjectId: data.subjectId, pupilId: data.pupilId, attempt: record.resitAttempts + 1, testGrade: data.testGrade, finalGrade, ruleSetId },
              }),
            ),
          ),
      );
    }),
};

/** Moderation, correction and annulment: all change a recorded mark, with a reason, in an open period. */
function changeMark(
  rules: JournalRules,
  command: ClassJournalCommandOfType<'ModerateSummativeScore' | 'CorrectMark' | 'AnnulMark'>,
  state: OpenClassState,
  action: string,
  also: ReadonlyArray<string>,
): Result {
  const { data, metadata } = command;
  return withSubject(state, data.subjectId, (subject) =>
    pipe(
      markOf(subject, data.pupilId, data.markId),
      chainE((mark) => {
        const lessonId = mark.kind === 'formative' ? mark.lessonId : subject.summatives.get(mark.summativeId)?.lessonId;
        const lesson = lessonId === undefined ? undefined : subject.lessons.get(lessonId);
        const maxPoints = mark.kind === 'summative' ? subject.summatives.get(mark.summativeId)?.maxPoints ?? 0 : 0;
        const mismatch = (): ClassJournalError => ({ kind: 'MarkKindMismatch', markId: data.markId, message: `mark ${data.markId} is a ${mark.kind} mark` });
        const pointsWithinMax = (points: number): Check =>
          points > maxPoints && mark.kind === 'summative'
            ? fail({ kind: 'ScoreAboveMaximum', points, maxPoints, summativeId: mark.summativeId, message: `points ${points} exceed the maximum ${maxPoints} of summative ${mark.summativeId}` })
            : ok;
        return then(
          all(
            () => requireSubjectTeacher(metadata.actor, subject, action, also),
            () => requireReason(metadata.reason, action),
            () => requirePeriodOpen(state, subject, data.pupilId, lesson === undefined ? undefined : periodOfLesson(rules, state, subject, lesson)),
          ),
          (): Result => {
            const base = { subjectId: data.subjectId, markId: data.markId, pupilId: data.pupilId };
            switch (command.type) {
              case 'ModerateSummativeScore':
                if (mark.kind !== 'summative') return fail(mismatch());
                return then(pointsWithinMax(command.data.points), () =>
                  emit({ type: 'SummativeScoreModerated', data: { ...base, points: command.data.points } }),
                );
              case 'CorrectMark': {
                const value = command.data.value;
                if (value.kind !== mark.kind) return fail(mismatch());
                return then(value.kind === 'summative' ? pointsWithinMax(value.points) : requireMarkOnScale(rules, state, value.mark), () =>
                  emit({ type: 'MarkCorrected', data: { ...base, supersedesEventId: mark.lastEventId, value } }),
                );
              }
              case 'AnnulMark':
                return emit({ type: 'MarkAnnulled', data: { ...base, supersedesEventId: mark.lastEventId } });
            }
          },
        );
      }),
    ),
  );
}

const decodeCommand = (command: ClassJournalCommand): E.Either<ClassJournalError, ClassJournalCommand> => {
  if (!isCommandTypeOf(classJournalCommandCodecs, command.type)) return E.left(unknownCommandType(command.type, Object.keys(classJournalCommandCodecs)));
  const codec = classJournalCommandCodecs[command.type] as { decode: (u: unknown) => E.Either<import('io-ts').Errors, unknown> };
  return pipe(
    codec.decode(command.data),
    E.bimap(
      (errors) => {
        const issues = validationIssues(errors).map((i) => ({ ...i, path: i.path === '(root)' ? 'data' : `data.${i.path}` }));
        return { kind: 'InvalidCommand' as const, commandType: command.type, issues, message: `${command.type}: ${formatIssues(issues)}` };
      },
      (data) => ({ ...command, data }) as ClassJournalCommand,
    ),
  );
};

const decideOpenClass = (rules: JournalRules, command: ClassJournalCommandOfType<'OpenClass'>, state: ClassJournalState): Result => {
  if (state.status === 'open')
    return fail({ kind: 'ClassAlreadyOpened', classId: state.classId, message: `class ${state.classId} is already opened` });
  const problem = calendarProblem(command.data.calendar);
  if (problem !== undefined)
    return fail({
      kind: 'InvalidCalendar',
      field: `calendar.${problem.field}`,
      value: problem.value,
      message: `calendar.${problem.field} ${JSON.stringify(problem.value)}: ${problem.why}`,
    });
  const ruleSetId = command.data.calendar.ruleSetId;
  if (!rules.isKnownRuleSet(ruleSetId))
    return fail({ kind: 'InvalidCalendar', field: 'calendar.ruleSetId', value: ruleSetId, message: `calendar.ruleSetId ${ruleSetId}: not a known rule set` });
  return then(requireRole(command.metadata.actor, ADMIN_ROLES, 'open classes', `class ${command.data.classId}`), () =>
    emit({ type: 'ClassOpened', data: command.data }),
  );
};

/**
 * What the class's own state knows of who leads and teaches it. A class not opened yet has
 * neither class teacher nor subject teachers, so only a role with the `all` scope may open it.
 */
const journalWriteFactsOfState = (state: ClassJournalState, classId: string): JournalWriteFacts =>
  state.status === 'open'
    ? { classId: state.classId, classTeacherId: state.classTeacherId, teacherIds: [...state.subjects.values()].map((s) => s.teacherId) }
    : { classId, classTeacherId: undefined, teacherIds: [] };

/**
 * The rules of the class journal's `decide`, for a command whose data is already decoded: asks
 * the school's access policy whether the actor's role may write to this class's journal at all
 * (its `journal.write` scopes, with the class teacher and subject teachers from the class's own
 * state), then applies the journal's finer rules.
 */
const decideDecoded =
  (rules: JournalRules, policy: AccessPolicy) =>
  (decoded: ClassJournalCommand, state: ClassJournalState): Result => {
    // A plain branch rather than E.map (a dual wrapper): asked for every command.
    const mayWrite = (classId: string): Check => {
      const allowed = authorizeJournalWrite(policy, decoded.metadata.actor, journalWriteFactsOfState(state, classId));
      return E.isLeft(allowed) ? allowed : ok;
    };
    if (decoded.type === 'OpenClass') return then(mayWrite(decoded.data.classId), () => decideOpenClass(rules, decoded, state));
    // Nothing to write to yet, and no facts to decide a write by.
    if (state.status !== 'open') return fail({ kind: 'ClassNotOpened', message: `${decoded.type}: the class is not opened yet` });
    return then(mayWrite(state.classId), () => (decideOpen[decoded.type] as Decide<typeof decoded.type>)(rules, decoded as never, state));
  };

/**
 * The class journal's `decide`: decodes the command, then applies the rules (decideDecoded):
 * the access policy, then the journal's finer rules.
 */
export const decideClassJournal = (rules: JournalRules, policy: AccessPolicy) => {
  const decide = decideDecoded(rules, policy);
  return (command: ClassJournalCommand, state: ClassJournalState): Result => pipe(decodeCommand(command), chainE((decoded) => decide(decoded, state)));
};

/** Per command type: true when its data decodes with its codec and comes out unchanged. */
const commandDataIsDecoded: Readonly<Record<string, (data: unknown) => boolean>> = Object.fromEntries(
  Object.entries(classJournalCommandCodecs).map(([type, codec]) => [type, decodesUnchanged(codec)] as const),
);

/**
 * The same answer as decideClassJournal, for readers that rebuild commands from events already
 * decoded (the archive verifier, millions of them): where the command's data is one its codec
 * would give back unchanged (a read-only check, no io-ts decode, no copy), the rules run on it
 * directly; anything else (a wrong type, a bad or extra field) goes through decideClassJournal,
 * which decodes it and names the field. No rule is skipped either way: decoding a value that
 * decodes to itself changes nothing the rules see.
 */
export const decideClassJournalOfDecoded = (rules: JournalRules, policy: AccessPolicy) => {
  const decide = decideDecoded(rules, policy);
  const decodeFirst = decideClassJournal(rules, policy);
  return (command: ClassJournalCommand, state: ClassJournalState): Result => {
    const isDecoded = isCommandTypeOf(commandDataIsDecoded, command.type) ? commandDataIsDecoded[command.type] : undefined;
    return isDecoded !== undefined && isDecoded(command.data) ? decide(command, state) : decodeFirst(command, state);
  };
};
