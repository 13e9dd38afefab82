import type { RecordedEvent } from '../eventStore/eventStore';
import type { AssessmentPeriod, AttendanceCode, GradeValue, GradingMode } from '../events/common';
import type { Actor, ActorRole } from '../events/metadata';
import type { SummativeKind } from '../events/plan';
import { eventTypes } from '../events/registry';
import type { Recommendation } from '../events/results';
import type { ClassCalendar } from '../events/roster';
import type { LocalDate } from '../primitives/localDate';
import type { AuditStamp, GradeHistoryEntry, JournalChange, MarkValue } from './auditTrail';
import { projectionOf, type Projection } from './projection';

/*
 * The school ledger fold: one pass over the whole ledger that keeps what every read model
 * needs, once. For every class (one stream `class-<classId>`, one school year) its roster,
 * plan (КТП), marks, attendance, exemptions and finalized grades, as they stand after the
 * events applied so far; and the audit log: event counts by role and type, every change to a
 * mark or absence, every finalized grade. The class journal, term results, report card,
 * attendance summary, class analytics and audit trail are queries of this one state.
 *
 * Why one fold: the read models need the same facts, and keeping them once (a mark is one
 * object, carrying both its value and, in compact form, who recorded it when) keeps memory
 * growing with pupils, lessons and marks, never with events, and the work per event to a few
 * Map lookups. No event is kept. Objects are written field by field, not with spreads, which V8
 * builds slowly. The state is mutable and belongs to its fold (see projection.ts).
 *
 * Class events other than ClassOpened do not carry their class: the class is the stream's.
 */

/** One stay of a pupil in the class: from `from` (included) until `until` (excluded), if they left. */
export type JournalStay = { readonly from: LocalDate; until: LocalDate | undefined };

export type JournalLesson = {
  readonly lessonId: string;
  date: LocalDate;
  period: number;
  readonly unit: string;
  topic: string;
  readonly hours: number;
  cancelled: boolean;
};

export type JournalSummative = {
  readonly summativeId: string;
  readonly lessonId: string;
  readonly kind: SummativeKind;
  readonly maxPoints: number;
  cancelled: boolean;
};

/** A formative mark or a summative score, with its first record in compact form and its changes. */
export type JournalMark = {
  readonly kind: 'formative' | 'summative';
  readonly markId: string;
  /** The lesson (formative mark) or summative (score) it was given on. */
  readonly on: string;
  /** The mark 1-10 or the points, after moderations and corrections. */
  value: number;
  annulled: boolean;
  /** The recording event. */
  readonly eventId: string;
  readonly actor: Actor;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly reason: string | null;
  readonly globalPosition: number;
  /** Moderations, corrections and the annulment, in ledger order; null when none. */
  changes: JournalChange[] | null;
};

export type JournalAttendanceEntry = { readonly attendanceId: string; readonly lessonId: string; code: AttendanceCode | 'present' };

export type JournalExemption = { readonly exemptionId: string; readonly from: LocalDate; readonly to: LocalDate; readonly ground: 'medical' | 'sport' | 'other' };

/**
 * A pupil's record in one subject of a class. Marks and absences are kept in arrays, in order of
 * recording (a push per event); an index by id is built only when a change first needs one
 * (corrections are rare), and then kept up to date.
 */
export type JournalPupilRecord = {
  readonly pupilId: string;
  readonly marks: JournalMark[];
  markIndex: Map<string, JournalMark> | null;
  readonly attendance: JournalAttendanceEntry[];
  attendanceIndex: Map<string, JournalAttendanceEntry> | null;
  exemptions: JournalExemption[] | null;
  /** Finalized period grades, one per period, in order of finalization. */
  readonly periodGrades: GradeHistoryEntry[];
  yearGrade: GradeHistoryEntry | null;
  resits: GradeHistoryEntry[] | null;
};

export type JournalSubject = {
  readonly subjectId: string;
  teacherId: string;
  hoursPerWeek: number;
  gradingMode: GradingMode;
  planApproved: boolean;
  /** The plan's lessons in order of planning; an index by id is built on first need (see `lessonIndexOf`). */
  readonly lessons: JournalLesson[];
  lessonIndex: Map<string, JournalLesson> | null;
  readonly summatives: Map<string, JournalSummative>;
  readonly pupils: Map<string, JournalPupilRecord>;
};

export type JournalClass = {
  readonly classId: string;
  readonly streamId: string;
  readonly schoolYearId: string;
  /** The calendar year the class's school year starts in (the year of its calendar's first day). */
  readonly startYear: number;
  readonly gradeLevel: number;
  readonly letter: string;
  readonly classTeacherId: string;
  readonly calendar: ClassCalendar;
  /** In order of assignment. */
  readonly subjects: Map<string, JournalSubject>;
  /** Pupils ever enrolled, in order of first enrolment, with their stays. */
  readonly pupils: Map<string, JournalStay[]>;
};

export type SchoolYearRecord = { readonly schoolYearId: string; readonly startYear: number; readonly ruleSetId: string };

type RoleCount = { events: number; readonly actors: Map<string, Actor> };

/** What the audit trail keeps beyond the journals: counts, changes, finalized grades. */
export type AuditLog = {
  totalEvents: number;
  /** Events per type, by the type's index in `eventTypes`. */
  readonly typeCounts: number[];
  /** Events and distinct actors per role; the actors double as the one actor object the state keeps per actor. */
  readonly roles: Map<ActorRole, RoleCount>;
  /** Changes to marks and absences, in ledger order. */
  readonly changes: JournalChange[];
  /** Finalized period, year and re-sit grades, in ledger order. */
  readonly grades: GradeHistoryEntry[];
  readonly counts: { moderated: number; corrected: number; annulled: number; attendanceCorrected: number; overrides: number; resits: number };
};

export type SchoolLedgerState = {
  readonly schoolYears: Map<string, SchoolYearRecord>;
  readonly classesByStream: Map<string, JournalClass>;
  /** In order of opening. */
  readonly classes: Map<string, JournalClass>;
  /** The classes each pupil was enrolled in, in order of enrolment. */
  readonly classesOfPupil: Map<string, JournalClass[]>;
  readonly audit: AuditLog;
  /** The last event's stream and class, and actor: consecutive events mostly share them. */
  lastStreamId: string | undefined;
  lastClass: JournalClass | undefined;
  lastActorId: string | undefined;
  lastActorRole: ActorRole | undefined;
  lastRole: RoleCount | undefined;
  lastActor: Actor | undefined;
  lastSubjectClass: JournalClass | undefined;
  lastSubjectId: string | undefined;
  lastSubject: JournalSubject | undefined;
};

export const initialSchoolLedgerState = (): SchoolLedgerState => ({
  schoolYears: new Map(),
  classesByStream: new Map(),
  classes: new Map(),
  classesOfPupil: new Map(),
  audit: {
    totalEvents: 0,
    typeCounts: eventTypes.map(() => 0),
    roles: new Map(),
    changes: [],
    grades: [],
    counts: { moderated: 0, corrected: 0, annulled: 0, attendanceCorrected: 0, overrides: 0, resits: 0 },
  },
  lastStreamId: undefined,
  lastClass: undefined,
  lastActorId: undefined,
  lastActorRole: undefined,
  lastRole: undefined,
  lastActor: undefined,
  lastSubjectClass: undefined,
  lastSubjectId: undefined,
  lastSubject: undefined,
});

/** The year a class's school year starts in, from its calendar (so that it never depends on other streams). */
export const startYearOfCalendar = (calendar: { readonly startsOn: LocalDate }): number => Number(calendar.startsOn.slice(0, 4));

/** The event this mark was last set by (recorded, or its last change). */
export const lastEventIdOf = (mark: JournalMark): string => (mark.changes === null ? mark.eventId : (mark.changes[mark.changes.length - 1]?.eventId ?? mark.eventId));

/** The mark's value in force: null once annulled. */
export const markValueOf = (mark: Pick<JournalMark, 'kind' | 'value' | 'annulled'>): MarkValue | null =>
  mark.annulled ? null : mark.kind === 'formative' ? { kind: 'formative', mark: mark.value } : { kind: 'summative', points: mark.value };

const countEvent = (state: SchoolLedgerState, recorded: RecordedEvent, typeIndex: number): void => {
  const { audit } = state;
  audit.totalEvents++;
  if (typeIndex >= 0) audit.typeCounts[typeIndex] = (audit.typeCounts[typeIndex] ?? 0) + 1;
  const { actor } = recorded.event.metadata;
  let role = state.lastRole;
  if (role === undefined || actor.id !== state.lastActorId || actor.role !== state.lastActorRole) {
    role = audit.roles.get(actor.role);
    if (role === undefined) {
      role = { events: 0, actors: new Map() };
      audit.roles.set(actor.role, role);
    }
    let known = role.actors.get(actor.id);
    if (known === undefined) {
      known = actor;
      role.actors.set(actor.id, actor);
    }
    state.lastActorId = actor.id;
    state.lastActorRole = actor.role;
    state.lastRole = role;
    state.lastActor = known;
  }
  role.events++;
};

/** The class of the event's stream (a one-entry cache in front of the Map). */
const classOf = (state: SchoolLedgerState, recorded: RecordedEvent): JournalClass | undefined => {
  const { streamId } = recorded;
  if (streamId === state.lastStreamId) return state.lastClass;
  const cls = state.classesByStream.get(streamId);
  state.lastStreamId = streamId;
  state.lastClass = cls;
  return cls;
};

/** The one actor object kept for the event's actor (set by `countEvent`, which runs first). */
const actorOf = (state: SchoolLedgerState, recorded: RecordedEvent): Actor => state.lastActor ?? recorded.event.metadata.actor;

/** Who, when, why and where of a change, for the audit trail (rare events only: not the mark path). */
const auditStampOf = (state: SchoolLedgerState, recorded: RecordedEvent): AuditStamp => {
  const { metadata } = recorded.event;
  return {
    eventId: metadata.eventId,
    actor: actorOf(state, recorded),
    occurredAt: metadata.occurredAt,
    recordedAt: metadata.recordedAt,
    reason: metadata.reason ?? null,
    streamId: recorded.streamId,
    globalPosition: recorded.globalPosition,
  };
};

/** The subject of the event's class (a one-entry cache in front of the Map). */
const subjectOf = (state: SchoolLedgerState, recorded: RecordedEvent, subjectId: string): JournalSubject | undefined => {
  const cls = classOf(state, recorded);
  if (cls === undefined) return undefined;
  if (cls === state.lastSubjectClass && subjectId === state.lastSubjectId) return state.lastSubject;
  const subject = cls.subjects.get(subjectId);
  state.lastSubjectClass = cls;
  state.lastSubjectId = subjectId;
  state.lastSubject = subject;
  return subject;
};

/** The pupil's record in the subject, made on first use. */
const recordOf = (subject: JournalSubject, pupilId: string): JournalPupilRecord => {
  let record = subject.pupils.get(pupilId);
  if (record === undefined) {
    record = { pupilId, marks: [], markIndex: null, attendance: [], attendanceIndex: null, exemptions: null, periodGrades: [], yearGrade: null, resits: null };
    subject.pupils.set(pupilId, record);
  }
  return record;
};

/** The subject's lessons by id (built on first need, then kept up to date by LessonPlanned). */
export const lessonIndexOf = (subject: JournalSubject): ReadonlyMap<string, JournalLesson> => {
  if (subject.lessonIndex === null) subject.lessonIndex = new Map(subject.lessons.map((lesson) => [lesson.lessonId, lesson] as const));
  return subject.lessonIndex;
};

/** The record's marks by id (built on first need). */
export const markIndexOf = (record: JournalPupilRecord): ReadonlyMap<string, JournalMark> => {
  if (record.markIndex === null) record.markIndex = new Map(record.marks.map((mark) => [mark.markId, mark] as const));
  return record.markIndex;
};

/** The record's absences by id (built on first need). */
export const attendanceIndexOf = (record: JournalPupilRecord): ReadonlyMap<string, JournalAttendanceEntry> => {
  if (record.attendanceIndex === null) record.attendanceIndex = new Map(record.attendance.map((entry) => [entry.attendanceId, entry] as const));
  return record.attendanceIndex;
};

const lessonOf = (state: SchoolLedgerState, recorded: RecordedEvent, subjectId: string, lessonId: string): JournalLesson | undefined => {
  const subject = subjectOf(state, recorded, subjectId);
  return subject === undefined ? undefined : lessonIndexOf(subject).get(lessonId);
};

const recordMark = (
  state: SchoolLedgerState,
  recorded: RecordedEvent,
  data: { readonly subjectId: string; readonly pupilId: string; readonly markId: string },
  kind: 'formative' | 'summative',
  on: string,
  value: number,
): void => {
  const subject = subjectOf(state, recorded, data.subjectId);
  if (subject === undefined) return;
  const { metadata } = recorded.event;
  const record = recordOf(subject, data.pupilId);
  const mark: JournalMark = {
    kind,
    markId: data.markId,
    on,
    value,
    annulled: false,
    eventId: metadata.eventId,
    actor: actorOf(state, recorded),
    occurredAt: metadata.occurredAt,
    // Usually the same text as occurredAt: keep one string then.
    recordedAt: metadata.recordedAt === metadata.occurredAt ? metadata.occurredAt : metadata.recordedAt,
    reason: metadata.reason ?? null,
    globalPosition: recorded.globalPosition,
    changes: null,
  };
  // A valid ledger never records a mark id twice for one pupil and subject (the decider refuses it).
  record.marks.push(mark);
  if (record.markIndex !== null) record.markIndex.set(data.markId, mark);
};

/** A moderation, correction or annulment: the audit keeps it in full; the mark takes the new value. */
const changeMark = (
  state: SchoolLedgerState,
  recorded: RecordedEvent,
  data: { readonly subjectId: string; readonly markId: string; readonly pupilId: string; readonly supersedesEventId?: string },
  action: 'moderated' | 'corrected' | 'annulled',
  value: MarkValue | null,
): void => {
  const cls = classOf(state, recorded);
  if (cls === undefined) return;
  const record = subjectOf(state, recorded, data.subjectId)?.pupils.get(data.pupilId);
  const mark = record === undefined ? undefined : markIndexOf(record).get(data.markId);
  const change: JournalChange = {
    ...auditStampOf(state, recorded),
    action,
    markId: data.markId,
    classId: cls.classId,
    subjectId: data.subjectId,
    pupilId: data.pupilId,
    lessonId: mark?.kind === 'formative' ? mark.on : null,
    summativeId: mark?.kind === 'summative' ? mark.on : null,
    value,
    previous: mark === undefined ? null : markValueOf(mark),
    supersedesEventId: data.supersedesEventId ?? (mark === undefined ? null : lastEventIdOf(mark)),
  };
  state.audit.changes.push(change);
  state.audit.counts[action]++;
  // A change of the other kind (a correction to points of a formative mark) changes nothing: the decider never records one.
  if (mark === undefined || (value !== null && value.kind !== mark.kind)) return;
  if (value === null) mark.annulled = true;
  else mark.value = value.kind === 'formative' ? value.mark : value.points;
  if (mark.changes === null) mark.changes = [change];
  else mark.changes.push(change);
};

type FinalizedData = {
  readonly subjectId: string;
  readonly pupilId: string;
  readonly grade: GradeValue;
  readonly recommendation: Recommendation;
  readonly ruleSetId: string;
  readonly overrideReason?: string;
};

/** A finalized grade as the audit and the journal keep it (one object for both). */
const gradeEntry = (
  state: SchoolLedgerState,
  recorded: RecordedEvent,
  cls: JournalClass,
  subject: JournalSubject | undefined,
  level: 'period' | 'year',
  period: AssessmentPeriod | null,
  data: FinalizedData,
): GradeHistoryEntry => {
  const overridden = data.recommendation !== null && String(data.recommendation.grade) !== String(data.grade);
  if (overridden) state.audit.counts.overrides++;
  const entry: GradeHistoryEntry = {
    ...auditStampOf(state, recorded),
    level,
    classId: cls.classId,
    subjectId: data.subjectId,
    pupilId: data.pupilId,
    period,
    grade: data.grade,
    recommended: data.recommendation === null ? null : data.recommendation.grade,
    percentage: data.recommendation === null ? null : data.recommendation.percentage,
    overridden,
    overrideReason: data.overrideReason ?? null,
    ruleSetId: data.ruleSetId,
    attempt: null,
    testGrade: null,
    teacherId: subject === undefined ? null : subject.teacherId,
  };
  state.audit.grades.push(entry);
  return entry;
};

const closeStay = (state: SchoolLedgerState, recorded: RecordedEvent, pupilId: string, on: LocalDate): void => {
  const stays = classOf(state, recorded)?.pupils.get(pupilId);
  const last = stays?.[stays.length - 1];
  if (last !== undefined && last.until === undefined) last.until = on;
};

/** The school ledger fold behind every read model (see the queries in this folder). */
export const schoolLedgerProjection: Projection<SchoolLedgerState> = projectionOf(
  initialSchoolLedgerState,
  {
    SchoolYearOpened: (state, { data }) => {
      state.schoolYears.set(data.schoolYearId, { schoolYearId: data.schoolYearId, startYear: data.startYear, ruleSetId: data.ruleSetId });
    },
    ClassOpened: (state, { data }, recorded) => {
      const opened: JournalClass = {
        classId: data.classId,
        streamId: recorded.streamId,
        schoolYearId: data.calendar.schoolYearId,
        startYear: startYearOfCalendar(data.calendar),
        gradeLevel: data.gradeLevel,
        letter: data.letter,
        classTeacherId: data.classTeacherId,
        calendar: data.calendar,
        subjects: new Map(),
        pupils: new Map(),
      };
      state.classesByStream.set(recorded.streamId, opened);
      state.classes.set(data.classId, opened);
      state.lastStreamId = recorded.streamId;
      state.lastClass = opened;
      state.lastSubjectClass = undefined;
    },
    SubjectAssigned: (state, { data }, recorded) => {
      const cls = classOf(state, recorded);
      if (cls === undefined) return;
      const subject = cls.subjects.get(data.subjectId);
      if (subject === undefined) {
        cls.subjects.set(data.subjectId, {
          subjectId: data.subjectId,
          teacherId: data.teacherId,
          hoursPerWeek: data.hoursPerWeek,
          gradingMode: data.gradingMode,
          planApproved: false,
          lessons: [],
          lessonIndex: null,
          summatives: new Map(),
          pupils: new Map(),
        });
        state.lastSubjectClass = undefined;
      } else {
        subject.teacherId = data.teacherId;
        subject.hoursPerWeek = data.hoursPerWeek;
        subject.gradingMode = data.gradingMode;
      }
    },
    PupilEnrolled: (state, { data }, recorded) => {
      const cls = classOf(state, recorded);
      if (cls === undefined) return;
      const stays = cls.pupils.get(data.pupilId);
      if (stays === undefined) cls.pupils.set(data.pupilId, [{ from: data.on, until: undefined }]);
      else stays.push({ from: data.on, until: undefined });
      const classes = state.classesOfPupil.get(data.pupilId);
      if (classes === undefined) state.classesOfPupil.set(data.pupilId, [cls]);
      else if (!classes.includes(cls)) classes.push(cls);
    },
    PupilTransferred: (state, { data }, recorded) => closeStay(state, recorded, data.pupilId, data.on),
    PupilWithdrawn: (state, { data }, recorded) => closeStay(state, recorded, data.pupilId, data.on),
    LessonPlanned: (state, { data }, recorded) => {
      const subject = subjectOf(state, recorded, data.subjectId);
      if (subject === undefined) return;
      const lesson: JournalLesson = {
        lessonId: data.lessonId,
        date: data.date,
        period: data.period,
        unit: data.unit,
        topic: data.topic,
        hours: data.hours,
        cancelled: false,
      };
      // A valid plan never plans a lesson id twice (the decider refuses it).
      subject.lessons.push(lesson);
      if (subject.lessonIndex !== null) subject.lessonIndex.set(data.lessonId, lesson);
    },
    LessonRescheduled: (state, { data }, recorded) => {
      const lesson = lessonOf(state, recorded, data.subjectId, data.lessonId);
      if (lesson === undefined) return;
      lesson.date = data.date;
      lesson.period = data.period;
    },
    LessonCancelled: (state, { data }, recorded) => {
      const lesson = lessonOf(state, recorded, data.subjectId, data.lessonId);
      if (lesson !== undefined) lesson.cancelled = true;
    },
    LessonTopicRevised: (state, { data }, recorded) => {
      const lesson = lessonOf(state, recorded, data.subjectId, data.lessonId);
      if (lesson !== undefined) lesson.topic = data.topic;
    },
    SummativePlanned: (state, { data }, recorded) => {
      subjectOf(state, recorded, data.subjectId)?.summatives.set(data.summativeId, {
        summativeId: data.summativeId,
        lessonId: data.lessonId,
        kind: data.kind,
        maxPoints: data.maxPoints,
        cancelled: false,
      });
    },
    SummativeCancelled: (state, { data }, recorded) => {
      const summative = subjectOf(state, recorded, data.subjectId)?.summatives.get(data.summativeId);
      if (summative !== undefined) summative.cancelled = true;
    },
    PlanApproved: (state, { data }, recorded) => {
      const subject = subjectOf(state, recorded, data.subjectId);
      if (subject !== undefined) subject.planApproved = true;
    },
    FormativeMarkRecorded: (state, { data }, recorded) => recordMark(state, recorded, data, 'formative', data.lessonId, data.mark),
    SummativeScoreRecorded: (state, { data }, recorded) => recordMark(state, recorded, data, 'summative', data.summativeId, data.points),
    SummativeScoreModerated: (state, { data }, recorded) => changeMark(state, recorded, data, 'moderated', { kind: 'summative', points: data.points }),
    MarkCorrected: (state, { data }, recorded) => changeMark(state, recorded, data, 'corrected', data.value),
    MarkAnnulled: (state, { data }, recorded) => changeMark(state, recorded, data, 'annulled', null),
    AttendanceMarked: (state, { data }, recorded) => {
      const subject = subjectOf(state, recorded, data.subjectId);
      if (subject === undefined) return;
      const record = recordOf(subject, data.pupilId);
      const entry: JournalAttendanceEntry = { attendanceId: data.attendanceId, lessonId: data.lessonId, code: data.code };
      // A valid ledger never records an attendance id twice for one pupil and subject.
      record.attendance.push(entry);
      if (record.attendanceIndex !== null) record.attendanceIndex.set(data.attendanceId, entry);
    },
    AttendanceCorrected: (state, { data }, recorded) => {
      const cls = classOf(state, recorded);
      if (cls === undefined) return;
      const record = subjectOf(state, recorded, data.subjectId)?.pupils.get(data.pupilId);
      const entry = record === undefined ? undefined : attendanceIndexOf(record).get(data.attendanceId);
      state.audit.changes.push({
        ...auditStampOf(state, recorded),
        action: 'attendanceCorrected',
        attendanceId: data.attendanceId,
        classId: cls.classId,
        subjectId: data.subjectId,
        pupilId: data.pupilId,
        from: entry === undefined ? null : entry.code,
        to: data.code,
        supersedesEventId: data.supersedesEventId,
      });
      state.audit.counts.attendanceCorrected++;
      if (entry !== undefined) entry.code = data.code;
    },
    ExemptionGranted: (state, { data }, recorded) => {
      const subject = subjectOf(state, recorded, data.subjectId);
      if (subject === undefined) return;
      const record = recordOf(subject, data.pupilId);
      (record.exemptions ??= []).push({ exemptionId: data.exemptionId, from: data.from, to: data.to, ground: data.ground });
    },
    PeriodGradeFinalized: (state, { data }, recorded) => {
      const cls = classOf(state, recorded);
      if (cls === undefined) return;
      const subject = subjectOf(state, recorded, data.subjectId);
      const entry = gradeEntry(state, recorded, cls, subject, 'period', data.period, data);
      if (subject === undefined) return;
      // One grade per period: a later one (never recorded by the decider) replaces it.
      const grades = recordOf(subject, data.pupilId).periodGrades;
      const same = grades.findIndex((g) => g.period !== null && g.period.kind === data.period.kind && g.period.number === data.period.number);
      if (same < 0) grades.push(entry);
      else grades[same] = entry;
    },
    YearGradeFinalized: (state, { data }, recorded) => {
      const cls = classOf(state, recorded);
      if (cls === undefined) return;
      const subject = subjectOf(state, recorded, data.subjectId);
      const entry = gradeEntry(state, recorded, cls, subject, 'year', null, data);
      if (subject !== undefined) recordOf(subject, data.pupilId).yearGrade = entry;
    },
    ResitResultRecorded: (state, { data }, recorded) => {
      const cls = classOf(state, recorded);
      if (cls === undefined) return;
      const subject = subjectOf(state, recorded, data.subjectId);
      state.audit.counts.resits++;
      const entry: GradeHistoryEntry = {
        ...auditStampOf(state, recorded),
        level: 'resit',
        classId: cls.classId,
        subjectId: data.subjectId,
        pupilId: data.pupilId,
        period: null,
        grade: data.finalGrade,
        recommended: null,
        percentage: null,
        overridden: false,
        overrideReason: null,
        ruleSetId: data.ruleSetId,
        attempt: data.attempt,
        testGrade: data.testGrade,
        teacherId: subject === undefined ? null : subject.teacherId,
      };
      state.audit.grades.push(entry);
      if (subject === undefined) return;
      const record = recordOf(subject, data.pupilId);
      (record.resits ??= []).push(entry);
    },
  },
  countEvent,
);
