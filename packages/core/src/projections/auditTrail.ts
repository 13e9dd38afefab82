import type { AssessmentPeriod, AttendanceCode, GradeValue } from '../events/common';
import type { CorrectedValue } from '../events/journal';
import type { Actor, ActorRole } from '../events/metadata';
import { eventTypes } from '../events/registry';
import { gradeAt, gradeCount, markAt, markCount, markIdAt, markPupilAt, markValueOf, schoolLedgerProjection, type JournalClass, type JournalMark, type SchoolLedgerState } from './schoolLedger';

/*
 * The audit trail: who wrote how much; for every mark its full history (recorded, moderated,
 * corrected, annulled: who, when, why); every attendance correction; every finalized grade
 * (period, year, re-sit) with who finalized it and whether it differs from the computed
 * recommendation, and why. Queries of the school ledger fold, which keeps changes and grades
 * in full (they are few) and a mark's first record in compact form on the mark itself,
 * expanded into a history entry only when queried.
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

/**
 * A change to a class's plan (КТП), its summatives (СОР/СОЧ) or who sits a subject: who, when,
 * why. Each changes which marks count or how a grade is computed, so the trail lists them whole
 * (they are rare: about one event in a thousand). `from` is what the lesson held before.
 */
export type PlanChange = AuditStamp & { readonly classId: string } & (
    | { readonly action: 'planApproved'; readonly subjectId: string }
    | { readonly action: 'lessonRescheduled'; readonly subjectId: string; readonly lessonId: string; readonly from: string | null; readonly to: string }
    | { readonly action: 'lessonCancelled'; readonly subjectId: string; readonly lessonId: string }
    | { readonly action: 'topicRevised'; readonly subjectId: string; readonly lessonId: string; readonly from: string | null; readonly to: string }
    | { readonly action: 'summativeCancelled'; readonly subjectId: string; readonly summativeId: string; readonly kind: 'section' | 'term' | null }
    | { readonly action: 'exemptionGranted'; readonly subjectId: string; readonly pupilId: string; readonly exemptionId: string; readonly from: string; readonly to: string; readonly ground: string }
    | { readonly action: 'pupilTransferred'; readonly pupilId: string; readonly on: string; readonly toClassId: string }
    | { readonly action: 'pupilWithdrawn'; readonly pupilId: string; readonly on: string }
  );

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

/** One finalized grade: a period or year grade, or a re-sit's result. */
export type GradeHistoryEntry = AuditStamp & {
  readonly level: 'period' | 'year' | 'resit';
  readonly classId: string;
  readonly subjectId: string;
  readonly pupilId: string;
  readonly period: AssessmentPeriod | null;
  /** The grade entered (for a re-sit: the final grade it gives). */
  readonly grade: GradeValue;
  /** What the rules recommended when it was finalized (null: they compute none, or a re-sit). */
  readonly recommended: GradeValue | null;
  readonly percentage: string | null;
  /** True when the grade differs from the recommendation. */
  readonly overridden: boolean;
  readonly overrideReason: string | null;
  readonly ruleSetId: string;
  /** For a re-sit: the attempt and the test's grade. */
  readonly attempt: number | null;
  readonly testGrade: GradeValue | null;
  /** The subject's teacher when it was finalized (null when the subject was not assigned). */
  readonly teacherId: string | null;
};

/** The audit trail's fold: the school ledger fold (one fold keeps every read model's facts once). */
export const auditTrailProjection = schoolLedgerProjection;

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

export const auditSummary = (state: SchoolLedgerState): AuditSummary => {
  const { audit } = state;
  return {
    totalEvents: audit.totalEvents,
    byRole: [...audit.roles.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([role, count]) => ({ role, events: count.events, actors: count.actors.size })),
    moderations: audit.counts.moderated,
    corrections: audit.counts.corrected,
    annulments: audit.counts.annulled,
    attendanceCorrections: audit.counts.attendanceCorrected,
    overrides: audit.counts.overrides,
    resits: audit.counts.resits,
  };
};

/** Events by type (types with events, in the order of `eventTypes`). */
export const eventsByType = (state: SchoolLedgerState): ReadonlyArray<{ readonly type: string; readonly events: number }> =>
  eventTypes.flatMap((type, index) => {
    const events = state.audit.typeCounts[index] ?? 0;
    return events === 0 ? [] : [{ type, events }];
  });

/** Every change to a recorded mark or absence, in ledger order. */
export const journalChanges = (state: SchoolLedgerState): ReadonlyArray<JournalChange> => [...state.audit.changes];

/** Changes to plans, summatives and who sits a subject, in ledger order (see `PlanChange`). */
export const planChanges = (state: SchoolLedgerState): ReadonlyArray<PlanChange> => [...state.audit.planChanges];

export type GradeHistoryFilter = {
  readonly classId?: string;
  readonly pupilId?: string;
  readonly subjectId?: string;
  readonly level?: GradeHistoryEntry['level'];
};

/** Every finalized grade, expanded from the fold's compact form, in ledger order. */
const allGrades = (state: SchoolLedgerState): GradeHistoryEntry[] => {
  const grades: GradeHistoryEntry[] = [];
  for (let n = 0, count = gradeCount(state); n < count; n++) grades.push(gradeAt(state, n));
  return grades;
};

/** Finalized grades (period, year, re-sit) with who, when and why, in ledger order. */
export const gradeHistory = (state: SchoolLedgerState, filter: GradeHistoryFilter = {}): ReadonlyArray<GradeHistoryEntry> =>
  allGrades(state).filter(
    (g) =>
      (filter.classId === undefined || g.classId === filter.classId) &&
      (filter.pupilId === undefined || g.pupilId === filter.pupilId) &&
      (filter.subjectId === undefined || g.subjectId === filter.subjectId) &&
      (filter.level === undefined || g.level === filter.level),
  );

/** Finalized period and year grades that differ from the computed recommendation, in ledger order. */
export const gradeOverrides = (state: SchoolLedgerState): ReadonlyArray<GradeOverride> =>
  allGrades(state).flatMap((g): GradeOverride[] =>
    g.level === 'resit' || !g.overridden || g.recommended === null
      ? []
      : [
          {
            eventId: g.eventId,
            actor: g.actor,
            occurredAt: g.occurredAt,
            recordedAt: g.recordedAt,
            reason: g.reason,
            streamId: g.streamId,
            globalPosition: g.globalPosition,
            level: g.level,
            classId: g.classId,
            subjectId: g.subjectId,
            pupilId: g.pupilId,
            period: g.period,
            grade: g.grade,
            recommended: g.recommended,
            percentage: g.percentage,
            overrideReason: g.overrideReason,
            ruleSetId: g.ruleSetId,
          },
        ],
  );

/** The mark's history: its first record (expanded from the compact form) and its changes. */
const historyOfMark = (cls: JournalClass, subjectId: string, pupilId: string, mark: JournalMark): ReadonlyArray<MarkHistoryEntry> => {
  const changes = (mark.changes ?? []) as ReadonlyArray<MarkHistoryEntry>;
  // The value recorded: before the first change, the value the change replaced; else the value now.
  const recordedValue = changes[0] === undefined ? markValueOf({ kind: mark.kind, value: mark.value, annulled: false }) : changes[0].previous;
  return [
    {
      eventId: mark.eventId,
      actor: mark.actor,
      occurredAt: mark.occurredAt,
      recordedAt: mark.recordedAt,
      reason: mark.reason,
      streamId: cls.streamId,
      globalPosition: mark.globalPosition,
      action: 'recorded',
      markId: mark.markId,
      classId: cls.classId,
      subjectId,
      pupilId,
      lessonId: mark.kind === 'formative' ? mark.on : null,
      summativeId: mark.kind === 'summative' ? mark.on : null,
      value: recordedValue,
      previous: null,
      supersedesEventId: null,
    },
    ...changes,
  ];
};

/**
 * The full history of one mark, oldest first: recorded, then each moderation, correction or
 * annulment with who, when and why. Mark ids are unique per pupil and subject of a class: give
 * the class (and the pupil or subject) to pick one mark; without them every mark of that id, in
 * ledger order. A change to a mark the ledger never recorded is listed by `journalChanges` only.
 */
export const markHistory = (
  state: SchoolLedgerState,
  markId: string,
  classId?: string,
  of: { readonly pupilId?: string; readonly subjectId?: string } = {},
): ReadonlyArray<MarkHistoryEntry> => {
  const classes = classId === undefined ? [...state.classes.values()] : [state.classes.get(classId)].filter((c): c is JournalClass => c !== undefined);
  const entries: MarkHistoryEntry[] = [];
  for (const cls of classes)
    for (const subject of cls.subjects.values()) {
      if (of.subjectId !== undefined && subject.subjectId !== of.subjectId) continue;
      for (let i = 0, n = markCount(subject); i < n; i++) {
        if (markIdAt(subject, i) !== markId) continue;
        const pupilId = markPupilAt(subject, i);
        if (of.pupilId !== undefined && pupilId !== of.pupilId) continue;
        for (const entry of historyOfMark(cls, subject.subjectId, pupilId, markAt(state, subject, i))) entries.push(entry);
      }
    }
  return entries.sort((a, b) => a.globalPosition - b.globalPosition);
};
