import type { EventStore, RecordedEvent } from '../eventStore/eventStore';
import type { Instant } from '../primitives/instant';
import type { RuleSet } from '../rules/ruleSet';
import { attendanceSummaryOf, type AttendanceFilter, type AttendanceSummaryRow } from '../projections/attendance';
import {
  auditSummary,
  eventsByType,
  gradeHistory,
  gradeOverrides,
  journalChanges,
  planChanges,
  markHistory,
  type AuditSummary,
  type GradeHistoryEntry,
  type GradeHistoryFilter,
  type GradeOverride,
  type JournalChange,
  type PlanChange,
  type MarkHistoryEntry,
} from '../projections/auditTrail';
import { classAnalyticsOf, type ClassAnalyticsFilter, type ClassAnalyticsRow } from '../projections/classAnalytics';
import { classJournalOf, type ClassJournalView } from '../projections/classJournalView';
import { SEAL_LAG } from '../projections/ledgerTables';
import { reportCardOf, type YearReportCard } from '../projections/reportCard';
import { byYearAndClass } from '../projections/rulesOfClass';
import { schoolLedgerProjection, startYearOfCalendar, type SchoolLedgerState } from '../projections/schoolLedger';
import { termResultsOf, type TermResult, type TermResultsFilter } from '../projections/termResults';
import { recordedBefore } from './asOf';

/*
 * Replay: the ledger's events folded in one pass (the school ledger fold, which keeps what
 * every read model needs, once), then queried. Per event the work is O(1): one lookup of the
 * event type, a few Map lookups keyed by ids. Term results and analytics run the rules engine
 * only when queried.
 */

export type ReplayOptions = {
  /** The rule sets the ledger's classes were run under (found by the id each class's calendar recorded). */
  readonly ruleSets: ReadonlyArray<RuleSet>;
  /**
   * Replay only school years starting in this year or later (the start year of a school year,
   * e.g. 2021 for 2021-2022): events of earlier years and of their classes' streams are skipped.
   * A class's year is the year of its calendar's first day.
   */
  readonly sinceSchoolYear?: number;
  /** Include only events recorded strictly before this instant (`metadata.recordedAt`); see `endOfDay`. */
  readonly asOf?: Instant;
  /**
   * Keep marks, grades and attendance in sealed blocks (default false): a block of 64 marks, or of
   * 32 absences and lates, once its subject has filled the next one, every block of a class once a
   * later school year opens, and a block of 64 finalized grades as it fills, is kept as columns of
   * bytes (see `sealColumns`): about 12 bytes a mark instead of 40, 17 a grade instead of 56, 7 an
   * absence instead of 24. The state then takes about two fifths less memory (the generated school:
   * about 16.5 MB a school year instead of 29); the fold takes some more time (sealing a block is a
   * pass over its slots: 1.0-1.1 times the fold's time in all, measured in one process, 1.08-1.11
   * times in the replay benchmark's interleaved A/B; see docs/projections.md), and queries
   * of sealed entries up to 1.3 times as long. For a process that keeps many years of a school in memory, and for a replay
   * from an archive (`grade-ledger replay`), whose reading takes far longer than the fold. Either way
   * the queries answer the same.
   */
  readonly sealBlocks?: boolean;
};

export type ClassSummary = {
  readonly classId: string;
  readonly schoolYearId: string;
  readonly startYear: number;
  readonly gradeLevel: number;
  readonly letter: string;
  readonly ruleSetId: string;
  readonly subjectIds: ReadonlyArray<string>;
  readonly pupilIds: ReadonlyArray<string>;
};

export type AuditTrailQueries = {
  readonly summary: () => AuditSummary;
  /** A mark's full history (see `markHistory`). */
  readonly markHistory: (markId: string, classId?: string, of?: { readonly pupilId?: string; readonly subjectId?: string }) => ReadonlyArray<MarkHistoryEntry>;
  readonly gradeHistory: (filter?: GradeHistoryFilter) => ReadonlyArray<GradeHistoryEntry>;
  readonly changes: () => ReadonlyArray<JournalChange>;
  /** Changes to plans (КТП), summatives (СОР/СОЧ) and who sits a subject: who, when, why. */
  readonly planChanges: () => ReadonlyArray<PlanChange>;
  readonly overrides: () => ReadonlyArray<GradeOverride>;
  readonly eventsByType: () => ReadonlyArray<{ readonly type: string; readonly events: number }>;
};

/**
 * All projections of a school, as of the events applied so far. `apply` folds one more event
 * (in the store's global order: a subscription's pages, say); queries return fresh values that
 * later events do not change.
 */
export type SchoolProjections = {
  readonly options: ReplayOptions;
  readonly apply: (recorded: RecordedEvent) => void;
  readonly applyAll: (events: Iterable<RecordedEvent>) => void;
  /** The global position of the last event given to `apply` (applied or skipped); 0 before any: resume a subscription after it. */
  readonly position: () => number;
  /** How many events were folded (not skipped by `asOf` or `sinceSchoolYear`). */
  readonly eventsApplied: () => number;
  /** The classes, by school year and id. */
  readonly classes: () => ReadonlyArray<ClassSummary>;
  readonly classJournal: (classId: string, subjectId: string) => ClassJournalView | null;
  readonly termResults: (filter?: TermResultsFilter) => ReadonlyArray<TermResult>;
  readonly reportCard: (pupilId: string) => ReadonlyArray<YearReportCard>;
  readonly attendanceSummary: (filter?: AttendanceFilter) => ReadonlyArray<AttendanceSummaryRow>;
  readonly classAnalytics: (filter?: ClassAnalyticsFilter) => ReadonlyArray<ClassAnalyticsRow>;
  readonly auditTrail: AuditTrailQueries;
  /** The folded state, read-only by contract: it belongs to this replay's fold (query it with the projections' functions). */
  readonly state: SchoolLedgerState;
};

/** The projections of a school, empty, ready to `apply` events (what `replayEvents` starts from). */
export const schoolProjections = (options: ReplayOptions): SchoolProjections => {
  const state = schoolLedgerProjection.init();
  if (options.sealBlocks === true) state.tables.sealLag = SEAL_LAG;
  const fold = schoolLedgerProjection.apply;
  const before = options.asOf === undefined ? undefined : recordedBefore(options.asOf);
  const since = options.sinceSchoolYear;
  /** Streams of classes of skipped years. */
  const skippedStreams = new Set<string>();
  let position = 0;
  let applied = 0;

  /** True when the event belongs to a school year before `sinceSchoolYear`. */
  const isBeforeSince = (recorded: RecordedEvent, sinceYear: number): boolean => {
    const { event } = recorded;
    if (event.type === 'SchoolYearOpened') return event.data.startYear < sinceYear;
    if (event.type === 'ClassOpened') {
      if (startYearOfCalendar(event.data.calendar) >= sinceYear) {
        skippedStreams.delete(recorded.streamId);
        return false;
      }
      skippedStreams.add(recorded.streamId);
      return true;
    }
    return skippedStreams.size > 0 && skippedStreams.has(recorded.streamId);
  };

  const apply = (recorded: RecordedEvent): void => {
    position = recorded.globalPosition;
    const { event } = recorded;
    // The year first: it learns which streams are of earlier years from their ClassOpened even
    // when that was recorded at or after `asOf` (a store's clock need not be monotonic), so that
    // none of their events is replayed.
    if (since !== undefined && isBeforeSince(recorded, since)) return;
    if (before !== undefined && !before(event.metadata.recordedAt)) return;
    applied++;
    fold(state, recorded);
  };

  const { ruleSets } = options;
  return {
    options,
    apply,
    applyAll: (events) => {
      // Without asOf and sinceSchoolYear every event is folded: the loop then skips the checks.
      if (before === undefined && since === undefined) {
        // An array (a store's page) by index: `for…of` allocated an iterator result per event here.
        if (Array.isArray(events)) {
          const page: ReadonlyArray<RecordedEvent> = events;
          for (let i = 0; i < page.length; i++) {
            const recorded = page[i] as RecordedEvent;
            position = recorded.globalPosition;
            applied++;
            fold(state, recorded);
          }
        } else
          for (const recorded of events) {
            position = recorded.globalPosition;
            applied++;
            fold(state, recorded);
          }
      } else for (const recorded of events) apply(recorded);
    },
    position: () => position,
    eventsApplied: () => applied,
    classes: () =>
      [...state.classes.values()].sort(byYearAndClass).map((cls) => ({
        classId: cls.classId,
        schoolYearId: cls.schoolYearId,
        startYear: cls.startYear,
        gradeLevel: cls.gradeLevel,
        letter: cls.letter,
        ruleSetId: cls.calendar.ruleSetId,
        subjectIds: [...cls.subjects.keys()],
        pupilIds: [...cls.pupils.keys()],
      })),
    classJournal: (classId, subjectId) => classJournalOf(state, ruleSets, classId, subjectId),
    termResults: (filter) => termResultsOf(state, ruleSets, filter),
    reportCard: (pupilId) => reportCardOf(state, pupilId),
    attendanceSummary: (filter) => attendanceSummaryOf(state, filter),
    classAnalytics: (filter) => classAnalyticsOf(state, ruleSets, filter),
    auditTrail: {
      summary: () => auditSummary(state),
      markHistory: (markId, classId, of) => markHistory(state, markId, classId, of),
      gradeHistory: (filter) => gradeHistory(state, filter),
      changes: () => journalChanges(state),
      planChanges: () => planChanges(state),
      overrides: () => gradeOverrides(state),
      eventsByType: () => eventsByType(state),
    },
    state,
  };
};

/** Replays events (in the order given: the store's global order) into every projection. */
export const replayEvents = (events: Iterable<RecordedEvent>, options: ReplayOptions): SchoolProjections => {
  const projections = schoolProjections(options);
  projections.applyAll(events);
  return projections;
};

/** Replays a whole store, page by page in its global order, into every projection. */
export const replayStore = async (store: EventStore, options: ReplayOptions & { readonly pageSize?: number }): Promise<SchoolProjections> => {
  const projections = schoolProjections(options);
  for await (const page of store.readAll(options.pageSize === undefined ? {} : { pageSize: options.pageSize })) projections.applyAll(page);
  return projections;
};
