import type { RecordedEvent } from '../eventStore/eventStore';
import type { AssessmentPeriod, AttendanceCode, GradeValue } from '../events/common';
import type { CorrectedValue } from '../events/journal';
import type { Actor, ActorRole } from '../events/metadata';
import { classIdOf, setEntry, withClassStream, type ClassIdsByStream } from './streams';

/*
 * The audit trail: who wrote how much, every change to a recorded mark or absence with who,
 * when and why, every finalized grade that differs from the computed recommendation, and the
 * full history of any one mark. A pure fold of the recorded events.
 */

/** Who did it, when, why, and where the event stands in the ledger. */
export type AuditStamp = {
  readonly eventId: string;
  readonly actor: Actor;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly reason: string | null;
  readonly streamId: string;
  readonly globalPosition: number;
};

/** A mark's value: a formative mark 1-10, or summative points. */
export type MarkValue = CorrectedValue;

export type MarkHistoryEntry = AuditStamp & {
  readonly action: 'recorded' | 'moderated' | 'corrected' | 'annulled';
  readonly markId: string;
  readonly classId: string;
  readonly subjectId: string;
  readonly pupilId: string;
  /** What the mark was given on: the lesson (formative) or the summative (СОР / СОЧ). */
  readonly lessonId: string | null;
  readonly summativeId: string | null;
  /** The value after this event (null once annulled). */
  readonly value: MarkValue | null;
  /** The value before it (null when recorded). */
  readonly previous: MarkValue | null;
  /** The event this one supersedes (the one that last set the mark); null when recorded. */
  readonly supersedesEventId: string | null;
};

export type AttendanceChange = AuditStamp & {
  readonly action: 'attendanceCorrected';
  readonly attendanceId: string;
  readonly classId: string;
  readonly subjectId: string;
  readonly pupilId: string;
  readonly from: AttendanceCode | 'present' | null;
  readonly to: AttendanceCode | 'present';
  readonly supersedesEventId: string;
};

/** A change to something already recorded: a moderation, correction or annulment of a mark, or an attendance correction. */
export type JournalChange = (MarkHistoryEntry & { readonly action: 'moderated' | 'corrected' | 'annulled' }) | AttendanceChange;

/** A finalized grade that differs from the rules' recommendation. */
export type GradeOverride = AuditStamp & {
  readonly level: 'period' | 'year';
  readonly classId: string;
  readonly subjectId: string;
  readonly pupilId: string;
  readonly period: AssessmentPeriod | null;
  readonly grade: GradeValue;
  readonly recommended: GradeValue;
  /** The exact percentage behind the recommendation ("n/d"), if any. */
  readonly percentage: string | null;
  readonly overrideReason: string | null;
  readonly ruleSetId: string;
};

export type AuditTrailState = {
  readonly totalEvents: number;
  readonly eventsByRole: ReadonlyMap<ActorRole, number>;
  /** The distinct actors seen in each role, sorted. */
  readonly actorsByRole: ReadonlyMap<ActorRole, ReadonlyArray<string>>;
  readonly eventsByType: ReadonlyMap<string, number>;
  readonly classIdsByStream: ClassIdsByStream;
  /** Changes in ledger order. */
  readonly changes: ReadonlyArray<JournalChange>;
  readonly overrides: ReadonlyArray<GradeOverride>;
  readonly resits: number;
  /** class → pupil → mark → history (nested so that folding one mark copies only small maps). */
  readonly marks: ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<string, ReadonlyArray<MarkHistoryEntry>>>>;
  /** class → attendance record → its current code and the event that set it. */
  readonly attendance: ReadonlyMap<string, ReadonlyMap<string, AttendanceCode | 'present'>>;
};

export const initialAuditTrailState = (): AuditTrailState => ({
  totalEvents: 0,
  eventsByRole: new Map(),
  actorsByRole: new Map(),
  eventsByType: new Map(),
  classIdsByStream: new Map(),
  changes: [],
  overrides: [],
  resits: 0,
  marks: new Map(),
  attendance: new Map(),
});

const stampOf = (recorded: RecordedEvent): AuditStamp => {
  const { metadata } = recorded.event;
  return {
    eventId: metadata.eventId,
    actor: metadata.actor,
    occurredAt: metadata.occurredAt,
    recordedAt: metadata.recordedAt,
    reason: metadata.reason ?? null,
    streamId: recorded.streamId,
    globalPosition: recorded.globalPosition,
  };
};

const countEvent = (state: AuditTrailState, recorded: RecordedEvent): AuditTrailState => {
  const { actor } = recorded.event.metadata;
  const actors = state.actorsByRole.get(actor.role) ?? [];
  return {
    ...state,
    totalEvents: state.totalEvents + 1,
    eventsByRole: setEntry(state.eventsByRole, actor.role, (state.eventsByRole.get(actor.role) ?? 0) + 1),
    eventsByType: setEntry(state.eventsByType, recorded.event.type, (state.eventsByType.get(recorded.event.type) ?? 0) + 1),
    actorsByRole: actors.includes(actor.id) ? state.actorsByRole : setEntry(state.actorsByRole, actor.role, [...actors, actor.id].sort()),
  };
};

const historyOf = (state: AuditTrailState, classId: string, pupilId: string, markId: string): ReadonlyArray<MarkHistoryEntry> =>
  state.marks.get(classId)?.get(pupilId)?.get(markId) ?? [];

const addMarkEntry = (state: AuditTrailState, entry: MarkHistoryEntry): AuditTrailState => {
  const byPupil = state.marks.get(entry.classId) ?? new Map<string, ReadonlyMap<string, ReadonlyArray<MarkHistoryEntry>>>();
  const byMark = byPupil.get(entry.pupilId) ?? new Map<string, ReadonlyArray<MarkHistoryEntry>>();
  const marks = setEntry(state.marks, entry.classId, setEntry(byPupil, entry.pupilId, setEntry(byMark, entry.markId, [...(byMark.get(entry.markId) ?? []), entry])));
  return entry.action === 'recorded' ? { ...state, marks } : { ...state, marks, changes: [...state.changes, entry as JournalChange] };
};

/** A change to a mark: what it was, and which event it supersedes, come from the mark's history. */
const markChange = (
  state: AuditTrailState,
  recorded: RecordedEvent,
  classId: string,
  data: { readonly subjectId: string; readonly markId: string; readonly pupilId: string; readonly supersedesEventId?: string },
  action: 'moderated' | 'corrected' | 'annulled',
  value: MarkValue | null,
): AuditTrailState => {
  const history = historyOf(state, classId, data.pupilId, data.markId);
  const last = history[history.length - 1];
  const first = history[0];
  return addMarkEntry(state, {
    ...stampOf(recorded),
    action,
    markId: data.markId,
    classId,
    subjectId: data.subjectId,
    pupilId: data.pupilId,
    lessonId: first?.lessonId ?? null,
    summativeId: first?.summativeId ?? null,
    value,
    previous: last?.value ?? null,
    supersedesEventId: data.supersedesEventId ?? last?.eventId ?? null,
  });
};

const overrideOf = (
  recorded: RecordedEvent,
  classId: string,
  level: 'period' | 'year',
  period: AssessmentPeriod | null,
  data: {
    readonly subjectId: string;
    readonly pupilId: string;
    readonly grade: GradeValue;
    readonly recommendation: { readonly grade: GradeValue; readonly percentage: string | null } | null;
    readonly ruleSetId: string;
    readonly overrideReason?: string;
  },
): GradeOverride | undefined =>
  data.recommendation === null || String(data.recommendation.grade) === String(data.grade)
    ? undefined
    : {
        ...stampOf(recorded),
        level,
        classId,
        subjectId: data.subjectId,
        pupilId: data.pupilId,
        period,
        grade: data.grade,
        recommended: data.recommendation.grade,
        percentage: data.recommendation.percentage,
        overrideReason: data.overrideReason ?? null,
        ruleSetId: data.ruleSetId,
      };

const withOverride = (state: AuditTrailState, override: GradeOverride | undefined): AuditTrailState =>
  override === undefined ? state : { ...state, overrides: [...state.overrides, override] };

/** Folds one recorded event into the audit trail. */
export const evolveAuditTrail = (current: AuditTrailState, recorded: RecordedEvent): AuditTrailState => {
  const state = { ...countEvent(current, recorded), classIdsByStream: withClassStream(current.classIdsByStream, recorded) };
  const classId = classIdOf(state.classIdsByStream, recorded);
  if (classId === undefined) return state;
  const { event } = recorded;
  switch (event.type) {
    case 'FormativeMarkRecorded': {
      const { subjectId, markId, pupilId, lessonId, mark } = event.data;
      return addMarkEntry(state, {
        ...stampOf(recorded),
        action: 'recorded',
        markId,
        classId,
        subjectId,
        pupilId,
        lessonId,
        summativeId: null,
        value: { kind: 'formative', mark },
        previous: null,
        supersedesEventId: null,
      });
    }
    case 'SummativeScoreRecorded': {
      const { subjectId, markId, pupilId, summativeId, points } = event.data;
      return addMarkEntry(state, {
        ...stampOf(recorded),
        action: 'recorded',
        markId,
        classId,
        subjectId,
        pupilId,
        lessonId: null,
        summativeId,
        value: { kind: 'summative', points },
        previous: null,
        supersedesEventId: null,
      });
    }
    case 'SummativeScoreModerated':
      return markChange(state, recorded, classId, event.data, 'moderated', { kind: 'summative', points: event.data.points });
    case 'MarkCorrected':
      return markChange(state, recorded, classId, event.data, 'corrected', event.data.value);
    case 'MarkAnnulled':
      return markChange(state, recorded, classId, event.data, 'annulled', null);
    case 'AttendanceMarked': {
      const codes = state.attendance.get(classId) ?? new Map<string, AttendanceCode | 'present'>();
      return { ...state, attendance: setEntry(state.attendance, classId, setEntry(codes, event.data.attendanceId, event.data.code)) };
    }
    case 'AttendanceCorrected': {
      const { attendanceId, subjectId, pupilId, code, supersedesEventId } = event.data;
      const codes = state.attendance.get(classId) ?? new Map<string, AttendanceCode | 'present'>();
      const change: AttendanceChange = {
        ...stampOf(recorded),
        action: 'attendanceCorrected',
        attendanceId,
        classId,
        subjectId,
        pupilId,
        from: codes.get(attendanceId) ?? null,
        to: code,
        supersedesEventId,
      };
      return { ...state, attendance: setEntry(state.attendance, classId, setEntry(codes, attendanceId, code)), changes: [...state.changes, change] };
    }
    case 'PeriodGradeFinalized':
      return withOverride(state, overrideOf(recorded, classId, 'period', event.data.period, event.data));
    case 'YearGradeFinalized':
      return withOverride(state, overrideOf(recorded, classId, 'year', null, event.data));
    case 'ResitResultRecorded':
      return { ...state, resits: state.resits + 1 };
    default:
      return state;
  }
};

/** The audit-trail projection: `evolve` and `initialState`, to fold with `foldEvents`. */
export const auditTrailProjection = { evolve: evolveAuditTrail, initialState: initialAuditTrailState } as const;

// --- queries -----------------------------------------------------------------------------

export type AuditSummary = {
  readonly totalEvents: number;
  /** Per role (alphabetical): events written and distinct actors. */
  readonly byRole: ReadonlyArray<{ readonly role: ActorRole; readonly events: number; readonly actors: number }>;
  readonly moderations: number;
  readonly corrections: number;
  readonly annulments: number;
  readonly attendanceCorrections: number;
  readonly overrides: number;
  readonly resits: number;
};

export const auditSummary = (state: AuditTrailState): AuditSummary => {
  const countOf = (action: JournalChange['action']): number => state.changes.filter((c) => c.action === action).length;
  return {
    totalEvents: state.totalEvents,
    byRole: [...state.eventsByRole.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([role, events]) => ({ role, events, actors: state.actorsByRole.get(role)?.length ?? 0 })),
    moderations: countOf('moderated'),
    corrections: countOf('corrected'),
    annulments: countOf('annulled'),
    attendanceCorrections: countOf('attendanceCorrected'),
    overrides: state.overrides.length,
    resits: state.resits,
  };
};

/**
 * The full history of one mark, oldest first: recorded, then each moderation, correction or
 * annulment with who, when and why. Give the class when mark ids are only unique per class.
 */
export const markHistory = (state: AuditTrailState, markId: string, classId?: string): ReadonlyArray<MarkHistoryEntry> =>
  [...(classId === undefined ? state.marks.values() : [state.marks.get(classId) ?? new Map()])]
    .flatMap((byPupil) => [...byPupil.values()].flatMap((byMark) => byMark.get(markId) ?? []))
    .sort((a, b) => a.globalPosition - b.globalPosition);
