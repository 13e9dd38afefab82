import type { RecordedEvent } from '../eventStore/eventStore';
import type { AssessmentPeriod, AttendanceCode, GradeValue, GradingMode } from '../events/common';
import type { Actor, ActorRole } from '../events/metadata';
import type { SummativeKind } from '../events/plan';
import { eventTypes, type EventType } from '../events/registry';
import type { Recommendation } from '../events/results';
import type { ClassCalendar } from '../events/roster';
import type { LocalDate } from '../primitives/localDate';
import type { AuditStamp, GradeHistoryEntry, JournalChange, MarkValue, PlanChange } from './auditTrail';
import {
  decodeId,
  emptyIdCache,
  emptyLedgerTables,
  emptyMomentCache,
  fitsPair,
  fitsPositionAndMoment,
  MOMENT_UNIT,
  momentOfSlot,
  positionOfSlot,
  highOfPair,
  lowOfPair,
  PAIR_UNIT,
  TEMPLATE_UNIT,
  writeId,
  isIdOfCode,
  appendSlotBlock,
  cutSlotBlock,
  unsealSlotBlock,
  freeSlotBlock,
  sealColumns,
  sealScratchColumns,
  sealedValue,
  sealedBlockBytes,
  sealScratch,
  localValueNumberOf,
  momentOf,
  occurredAtOfMoment,
  recordedAtOfMoment,
  sharedString,
  valueAt,
  valueNumberOf,
  type IdCache,
  type LedgerTables,
  type MomentCache,
  type Slots,
} from './ledgerTables';
import { eventTypeIndex, type EventHandlers, type Projection } from './projection';

/*
 * The school ledger fold: one pass over the whole ledger that keeps what every read model
 * needs, once. For every class (one stream `class-<classId>`, one school year) its roster,
 * plan (КТП), marks, attendance, exemptions and finalized grades, as they stand after the
 * events applied so far; and the audit log: event counts by role and type, every change to a
 * mark or absence, every finalized grade. The class journal, term results, report card,
 * attendance summary, class analytics and audit trail are queries of this one state.
 *
 * Why one fold: the read models need the same facts, and keeping them once (a mark is a few
 * numbers in its subject's array, carrying both its value and who recorded it when)
 * keeps memory growing with pupils, lessons and marks, never with events, and the work per
 * event to a switch and an append. No event is kept, nor any of its strings that repeat per mark,
 * absence or grade: ids, instants and repeated values are numbers of the state's tables
 * (ledgerTables.ts), so an event read from a store leaves nothing of itself behind. Objects are
 * written field by field, not with spreads, which V8 builds slowly. The state is mutable and
 * belongs to its fold (see projection.ts).
 *
 * Class events other than ClassOpened do not carry their class: the class is the stream's.
 */

/** One stay of a pupil in the class: from `from` (included) until `until` (excluded), if they left. */
export type JournalStay = { readonly from: LocalDate; until: LocalDate | undefined };

/** A lesson of the plan as a query sees it (`lessonAt`, `lessonsOf`: a fresh object); the fold keeps it in `LessonSlots`. */
export type JournalLesson = {
  readonly lessonId: string;
  readonly date: LocalDate;
  readonly period: number;
  readonly unit: string;
  readonly topic: string;
  readonly hours: number;
  readonly cancelled: boolean;
};

/**
 * A subject's plan, in order of planning, `LESSON_SLOTS` numbers a lesson, in three pairs (see
 * `PAIR_UNIT`): its id and unit; its topic and its date's number × 2 + 1 if cancelled (27 bits:
 * topic × 2^27 + date); its period and hours (texts as value numbers of the state's tables, which
 * the plans of all classes share). 24 bytes a lesson in blocks of `LESSONS_PER_CHUNK` cut from the
 * tables' arenas (see `slotBlock`), against 88 for an object and the array's pointer to it (37,000
 * lessons a school year in the generated school). A lesson whose numbers do not all fit (a value
 * number past 2^26, a period or hours that are no integer 0 to 2^26 - 1) is *wide*: -1 in its first
 * slot, its numbers in the subject's `wideLessons`. Read them with `lessonCount`, `lessonAt`, `lessonsOf`.
 */
export type LessonSlots = Slots;
export const LESSON_SLOTS = 3;
const LESSON_SHIFT = 4;
export const LESSONS_PER_CHUNK = 1 << LESSON_SHIFT;
const LESSON_MASK = LESSONS_PER_CHUNK - 1;
const L_ID_UNIT = 0;
const L_TOPIC_DATE = 1;
const L_PERIOD_HOURS = 2;
/** The date's field in a lesson's second slot: its value number × 2 + 1 if cancelled. */
const DATE_UNIT = 2 ** 27;

/** A lesson's numbers, as a wide lesson keeps them (`date`: the date's value number × 2 + 1 if cancelled). */
export type LessonNumbers = { id: number; unit: number; topic: number; date: number; period: number; hours: number };

export type JournalSummative = {
  readonly summativeId: string;
  readonly lessonId: string;
  readonly kind: SummativeKind;
  readonly maxPoints: number;
  cancelled: boolean;
};

/**
 * A formative mark or a summative score as a query sees it (`markAt`): its value in force, its
 * first record (who, when, why, where in the ledger) and its changes. The fold keeps no such
 * object: a record keeps its marks in `MarkSlots`.
 */
export type JournalMark = {
  readonly kind: 'formative' | 'summative';
  readonly markId: string;
  /** The lesson (formative mark) or summative (score) it was given on. */
  readonly on: string;
  /** The mark 1-10 or the points, after moderations and corrections. */
  readonly value: number;
  readonly annulled: boolean;
  /** The recording event. */
  readonly eventId: string;
  readonly actor: Actor;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly reason: string | null;
  readonly globalPosition: number;
  /** Moderations, corrections and the annulment, in ledger order; null when none. */
  readonly changes: ReadonlyArray<JournalChange> | null;
};

/**
 * A subject's marks (of all its pupils), in order of recording, `MARK_SLOTS` integer slots each:
 * mark id (its code, see `encodeId`); the pupil and what the mark was given on (value numbers, a
 * pair in one slot: see `PAIR_UNIT`; -1 when either does not fit, both then in the subject's
 * `markPupilOn`); flags (summative, annulled, the value and the recording actor's number in
 * `AuditLog.actors`); the recording event's global position and its moment (occurredAt and
 * recordedAt, see `momentOf`) in one slot (see `MOMENT_UNIT`; -1 when they do not fit, both then
 * in the subject's `markPositions`); its event id (code). Strings are numbers of the state's `LedgerTables`:
 * a mark is 5 numbers at the end of one array of doubles (see `Slots`: 40 bytes, never traced),
 * keeps none of its event's strings alive, and is no object for the garbage collector to move. The slots are in blocks of
 * `MARKS_PER_CHUNK` marks, each cut once at its full size from an arena of the tables (see
 * `slotBlock`) and filled in place: a growing array would be copied at every growth. A block that
 * will hardly change again is then *sealed* into columns of a few bytes (about 12 bytes a mark:
 * see `sealMarkBlock`), its slots reused by later blocks. Read them with `markAt`, `markCount`
 * and the `mark…At` functions (which read sealed and unsealed blocks alike).
 */
export type MarkSlots = Slots;

export const MARK_SLOTS = 5;
const CHUNK_SHIFT = 6;
export const MARKS_PER_CHUNK = 1 << CHUNK_SHIFT;
const CHUNK_MASK = MARKS_PER_CHUNK - 1;
const M_ID = 0;
/** Pupil × `PAIR_UNIT` + what it was given on (the pupil high: a scan for a pupil's mark compares a quotient). */
const M_PUPIL_ON = 1;
const M_FLAGS = 2;
/** Global position × `MOMENT_UNIT` + moment. */
const M_POSITION_MOMENT = 3;
const M_EVENT = 4;
/**
 * Flags: bit 0 summative, bit 1 annulled, bits 3-9 the value (a mark 1-10 or points 0-100),
 * bits 10-30 the actor's number. A value or an actor number that does not fit (never, for a
 * decoded event, until two million actors) sets bit 2 instead: both are then in the subject's
 * `markOverflow`. One small integer: a slot fewer per mark than value and flags apart.
 */
const SUMMATIVE = 1;
const ANNULLED = 2;
const OVERFLOW = 4;
const VALUE_SHIFT = 3;
const VALUE_MASK = 127;
const ACTOR_SHIFT = 10;
const MAX_ACTOR = (1 << 21) - 1;
const fitsValue = (value: number): boolean => Number.isInteger(value) && value >= 0 && value <= VALUE_MASK;

/**
 * A subject's absences, lates (and presences), in order of recording, `ATTENDANCE_SLOTS` integer
 * slots each: attendance id (code); pupil and lesson (value numbers, a pair: see `PAIR_UNIT`; -1
 * when either does not fit, both then in the subject's `attendancePupilLesson`); code (a value
 * number); in chunks of `ENTRIES_PER_ATTENDANCE_CHUNK` entries allocated once at full size, as marks.
 */
export type AttendanceSlots = Slots;
export const ATTENDANCE_SLOTS = 3;
const ATTENDANCE_SHIFT = 5;
export const ENTRIES_PER_ATTENDANCE_CHUNK = 1 << ATTENDANCE_SHIFT;
const ATTENDANCE_MASK = ENTRIES_PER_ATTENDANCE_CHUNK - 1;

export type JournalAttendanceEntry = { readonly attendanceId: string; readonly lessonId: string; readonly code: AttendanceCode | 'present' };

export type JournalExemption = { readonly exemptionId: string; readonly from: LocalDate; readonly to: LocalDate; readonly ground: 'medical' | 'sport' | 'other' };

/**
 * A pupil's exemptions and finalized grades in one subject of a class (their marks and
 * attendance are the subject's). Grades are numbers in `AuditLog.grades` (read them with
 * `gradesOfRecord` or `gradeAt`).
 */
export type JournalPupilRecord = {
  readonly pupilId: string;
  exemptions: JournalExemption[] | null;
  /**
   * Finalized period grades, one per period, in order of finalization: each its number ×
   * `PERIOD_UNIT` + its period's bits (see `periodBitsOf`), so that a new period grade finds the
   * one it replaces without reading the grades' slots (written months before: not in the cache).
   * Replaced by a copy one longer for each new period (see `appended`).
   */
  periodGrades: number[];
  yearGrade: number | null;
  resits: number[] | null;
};

/**
 * Finalized grades (period, year, re-sit) of all classes, in ledger order, `GRADE_SLOTS` integer
 * slots each, in chunks of `MARKS_PER_CHUNK` grades allocated once (as marks): event id (code);
 * flags (level, overridden, the period's kind and number) with the actor's number and the class's
 * (its number in `SchoolLedgerState.classList`); global position and moment (see `MOMENT_UNIT`);
 * subject and pupil, teacher and rule set (value numbers, two pairs: see `PAIR_UNIT`); grade and
 * recommended grade (`smallGradeField`, a pair); the recommendation's percentage (see
 * `gradeValueSlot`). A grade is 7 numbers, not an object of 21 fields (12 numbers before pairs).
 * A grade whose numbers do not all fit (an actor's number from 2^29 on, a class's from 2^16 on,
 * a value number from 2^26 on, a position from 2^31 on, a moment's number from 2^22 on, a grade
 * that is no integer 0-1,000,000 nor a label) is *wide*: -1 in its subject-and-pupil slot, its
 * flags' bits alone, and its numbers in `AuditLog.wideGrades`. The rare reason, override reason and re-sit figures are in
 * `AuditLog.gradeNotes`. Read them with `gradeAt`.
 */
export type GradeSlots = Slots;
export const GRADE_SLOTS = 7;
const G_EVENT = 0;
/** (Actor × `GRADE_CLASS_UNIT` + class) × `GRADE_ACTOR_UNIT` + the flags' bits. */
const G_FLAGS = 1;
const G_POSITION_MOMENT = 2;
/** Subject × `PAIR_UNIT` + pupil; -1 for a wide grade. */
const G_SUBJECT_PUPIL = 3;
/** (Teacher + 1, or 0 for none) × `PAIR_UNIT` + rule set. */
const G_TEACHER_RULE_SET = 4;
/** Grade × `PAIR_UNIT` + recommended grade, each a `smallGradeField`. */
const G_GRADE_RECOMMENDED = 5;
const G_PERCENTAGE = 6;
/** Classes and actors a compact grade's flags hold: 2^16 and 2^29 (8 bits + 16 + 29 = 53). */
const GRADE_CLASS_UNIT = 2 ** 16;
const MAX_GRADE_ACTOR = 2 ** 29 - 1;

/** The numbers of a wide grade (see `GradeSlots`): grade and recommended as `gradeValueSlot` codes, teacher -1 for none. */
export type WideGrade = {
  readonly actor: number;
  readonly classNumber: number;
  readonly position: number;
  readonly moment: number;
  readonly subject: number;
  readonly pupil: number;
  readonly teacher: number;
  readonly ruleSet: number;
  readonly grade: number;
  readonly recommended: number;
};

/**
 * A grade (or a nullable value) in one slot: an integer grade within ±1,000,000 as itself, null
 * as `NO_VALUE`, a fraction `n/d` of digits (a recommendation's percentage) as `FRACTION_BASE` +
 * n × 2^21 + d, anything else (a label, a percentage of another form, an id) as `VALUE_BASE`
 * minus its value number.
 */
const NO_VALUE = -1_000_001;
const VALUE_BASE = -1_000_002;
/**
 * Fractions as numbers, not values: a percentage is mostly a fraction of its own (tens of
 * thousands of them a year), which as a value would cost two Map misses and two Map entries.
 */
const FRACTION_BASE = 2 ** 31;
const DENOMINATOR_UNIT = 2 ** 21;
const SLASH = 47;
/** The code of `text` if it is a fraction `n/d` in canonical digits (n < 2^31, 0 < d < 2^21), else -1. */
const fractionCode = (text: string): number => {
  const length = text.length;
  if (length < 3 || length > 18) return -1;
  let k = 0;
  let numerator = 0;
  for (; k < length; k++) {
    const c = text.charCodeAt(k);
    if (c === SLASH) break;
    if (c < 48 || c > 57 || (k === 1 && numerator === 0)) return -1;
    numerator = numerator * 10 + (c - 48);
  }
  if (k === 0 || k === length - 1 || k > 10 || numerator >= FRACTION_BASE) return -1;
  let denominator = 0;
  for (let j = k + 1; j < length; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57 || (j === k + 2 && denominator === 0)) return -1;
    denominator = denominator * 10 + (c - 48);
  }
  return denominator > 0 && denominator < DENOMINATOR_UNIT ? FRACTION_BASE + numerator * DENOMINATOR_UNIT + denominator : -1;
};
const gradeValueSlot = (tables: LedgerTables, local: Map<string | number, number>, value: string | number | null): number => {
  if (value === null) return NO_VALUE;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -1_000_000 && value <= 1_000_000) return value;
  } else {
    const fraction = fractionCode(value);
    if (fraction >= 0) return fraction;
  }
  return VALUE_BASE - localValueNumberOf(tables, local, value);
};
const valueOfSlot = (tables: LedgerTables, slot: number): string | number | null => {
  if (slot === NO_VALUE) return null;
  if (slot >= FRACTION_BASE) {
    const numerator = Math.floor((slot - FRACTION_BASE) / DENOMINATOR_UNIT);
    return `${numerator}/${slot - FRACTION_BASE - numerator * DENOMINATOR_UNIT}`;
  }
  return slot > NO_VALUE ? slot : valueAt(tables, VALUE_BASE - slot);
};
/**
 * A grade's or recommended grade's `gradeValueSlot` code as a field of a pair (below 2^26): 0 for
 * null, 1 + n for an integer n from 0 to 1,000,000 (the integers a code holds as themselves),
 * `SMALL_LABEL` + its value number for a label (value numbers below 2^26 - `SMALL_LABEL`, about
 * 66 million); -1 for anything else (a negative grade, -0 included, or a fraction: the grade is
 * then wide).
 */
const SMALL_LABEL = 1_000_002;
const smallGradeField = (code: number): number =>
  code === NO_VALUE
    ? 0
    : (code > 0 || Object.is(code, 0)) && code <= 1_000_000
      ? code + 1
      : code <= VALUE_BASE && VALUE_BASE - code < PAIR_UNIT - SMALL_LABEL
        ? SMALL_LABEL + (VALUE_BASE - code)
        : -1;
const codeOfSmallGradeField = (field: number): number => (field === 0 ? NO_VALUE : field < SMALL_LABEL ? field - 1 : VALUE_BASE - (field - SMALL_LABEL));

/**
 * Flags: bits 0-1 the level, bit 2 overridden, bit 3 a term / bit 4 a half-year, bits 5-7 its
 * number, and above them (× `GRADE_ACTOR_UNIT`, not shifted: a slot is a double, exact to 2^53,
 * where a shift would wrap at 2^32) the actor's and the class's numbers (see `G_FLAGS`).
 */
const LEVELS = ['period', 'year', 'resit'] as const;
const OVERRIDDEN = 4;
const TERM = 8;
const HALF_YEAR = 16;
const PERIOD_SHIFT = 5;
const GRADE_ACTOR_UNIT = 256;

/** What few grades carry beyond their slots. */
export type GradeNotes = {
  readonly reason: string | null;
  readonly overrideReason: string | null;
  readonly attempt: number | null;
  readonly testGrade: GradeValue | null;
  /** A period the flags cannot hold (never, for a decoded event). */
  readonly period: AssessmentPeriod | null;
};

export type JournalSubject = {
  readonly subjectId: string;
  teacherId: string;
  hoursPerWeek: number;
  gradingMode: GradingMode;
  planApproved: boolean;
  /** The plan's lessons in order of planning (see `LessonSlots`): the number of each block's arena in `tables.arenas`, and how many. */
  readonly lessonSlots: number[];
  /** Where each of `lessonSlots`' blocks starts in its arena (see `slotBlock`). */
  readonly lessonBases: number[];
  lessonCount: number;
  /** Lesson numbers by id, built by the first query that needs it (`lessonNumbersOf`), then kept up to date by LessonPlanned. */
  lessonIndex: Map<string, number> | null;
  /** The numbers of lessons that do not fit their slots (see `LessonSlots`), by the lesson's number. */
  wideLessons: Map<number, LessonNumbers> | null;
  readonly summatives: Map<string, JournalSummative>;
  /**
   * Marks and attendance of all the subject's pupils, in order of recording (slots filled per event):
   * the number of each block's arena in `tables.arenas` (see `slotBlock`), or -1 - k for a block
   * sealed as the tables' sealed block k (see `sealMarkBlock`); a change finds its entry by a
   * scan back (`markNumberOf`).
   */
  readonly marks: number[];
  /** Where each of `marks`' blocks starts in its arena (0 for a sealed block). */
  readonly markBases: number[];
  /** How many marks `marks` holds (the last block is filled up to here). */
  recordedMarks: number;
  /** Value and actor of marks whose flags cannot hold them (see `MarkSlots`), by the mark's number. */
  markOverflow: Map<number, { value: number; readonly actor: number }> | null;
  /** Global positions and moments that do not fit one slot (see `MOMENT_UNIT`), by the mark's number. */
  markPositions: Map<number, { readonly position: number; readonly moment: number }> | null;
  /** Pupil and given-on value numbers that do not fit one slot (see `PAIR_UNIT`), by the mark's number. */
  markPupilOn: Map<number, { readonly pupil: number; readonly on: number }> | null;
  /** The state's tables (the one object for all subjects), which the slots' numbers refer to. */
  readonly tables: LedgerTables;
  /** The value numbers of its id and of its teacher's. */
  readonly subjectNumber: number;
  teacherNumber: number;
  /** What the last mark was given on, and its value number (a lesson's marks come together). */
  lastOn: string | undefined;
  lastOnNumber: number;
  /** Reasons given when recording a mark (rare), by the mark's number. */
  markReasons: Map<number, string> | null;
  /** Each changed mark's changes, by the mark's number. */
  markChanges: Map<number, JournalChange[]> | null;
  /** Absences, lates and presences (see `AttendanceSlots`): each block's arena's number, or -1 - k for a block sealed as the tables' sealed block k (see `sealAttendanceBlock`). */
  readonly attendance: number[];
  /** Where each of `attendance`'s blocks starts in its arena (0 for a sealed block). */
  readonly attendanceBases: number[];
  /** How many entries `attendance` holds. */
  attendanceCount: number;
  /** Pupil and lesson value numbers that do not fit one slot (see `PAIR_UNIT`), by the entry's number. */
  attendancePupilLesson: Map<number, { readonly pupil: number; readonly lesson: number }> | null;
  /** Pupils with exemptions or finalized grades. */
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
  /** Its number in `SchoolLedgerState.classList` (grades refer to their class by it). */
  readonly number: number;
  /** Where the class's ids and instants were last encoded (see ledgerTables.ts). */
  readonly caches: ClassCaches;
};

/** Per class (one stream): the templates of its event, mark and attendance ids, and its last moment. */
export type ClassCaches = {
  readonly eventIds: IdCache;
  readonly markIds: IdCache;
  readonly attendanceIds: IdCache;
  readonly moment: MomentCache;
  /** The numbers of the values the class's marks, absences and grades use (see `localValueNumberOf`). */
  readonly values: Map<string | number, number>;
  /** The numbers of its pupils' ids. */
  readonly pupils: Map<string, number>;
  /** The last attendance code, and its number. */
  lastCode: string | undefined;
  lastCodeNumber: number;
};

export type SchoolYearRecord = { readonly schoolYearId: string; readonly startYear: number; readonly ruleSetId: string };

/** Events of one role, and its actors: actor id → the actor's number in `AuditLog.actors`. */
type RoleCount = { events: number; readonly actors: Map<string, number> };

/** What the audit trail keeps beyond the journals: counts, changes, finalized grades. */
export type AuditLog = {
  totalEvents: number;
  /** Events per type, by the type's index in `eventTypes`. */
  readonly typeCounts: number[];
  /** Events and distinct actors per role. */
  readonly roles: Map<ActorRole, RoleCount>;
  /** Every actor, in order of first event: the one actor object the state keeps per actor (marks refer to it by number). */
  readonly actors: Actor[];
  /** Changes to marks and absences, in ledger order. */
  readonly changes: JournalChange[];
  /** Changes to plans, summatives and who sits a subject, in ledger order. */
  readonly planChanges: PlanChange[];
  /** Finalized period, year and re-sit grades, in ledger order, in blocks (see `GradeSlots`): the number of each block's arena in `tables.arenas`, or -1 - its head if sealed (see `sealGradeBlock`). */
  readonly grades: number[];
  /** Where each of `grades`' blocks starts in its arena. */
  readonly gradeBases: number[];
  /** The slots of the last block of grades sealed (its arena and base), which the next block is written into (see `sealGradeBlock`). */
  spareGradeBlock: readonly [number, number] | null;
  gradeCount: number;
  /** Reasons, override reasons, re-sit figures, by the grade's number (only for grades that have any). */
  gradeNotes: Map<number, GradeNotes> | null;
  /** The numbers of grades that do not fit their slots (see `GradeSlots`), by the grade's number. */
  wideGrades: Map<number, WideGrade> | null;
  readonly counts: { moderated: number; corrected: number; annulled: number; attendanceCorrected: number; overrides: number; resits: number };
};

export type SchoolLedgerState = {
  readonly schoolYears: Map<string, SchoolYearRecord>;
  readonly classesByStream: Map<string, JournalClass>;
  /** In order of opening. */
  readonly classes: Map<string, JournalClass>;
  /** Every class opened, by its number (a class opened twice is there twice). */
  readonly classList: JournalClass[];
  /** Strings, ids and instants of marks, absences and grades as numbers (see ledgerTables.ts). */
  readonly tables: LedgerTables;
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
  lastActorNumber: number;
  lastSubjectClass: JournalClass | undefined;
  lastSubjectId: string | undefined;
  lastSubject: JournalSubject | undefined;
  /** How many of `classList`, from the first, have had their marks sealed at the opening of a later school year (see `sealYearsBefore`). */
  sealedClasses: number;
};

export const initialSchoolLedgerState = (): SchoolLedgerState => ({
  schoolYears: new Map(),
  classesByStream: new Map(),
  classes: new Map(),
  classList: [],
  tables: emptyLedgerTables(),
  classesOfPupil: new Map(),
  audit: {
    totalEvents: 0,
    typeCounts: eventTypes.map(() => 0),
    roles: new Map(),
    actors: [],
    changes: [],
    planChanges: [],
    grades: [],
    gradeBases: [],
    spareGradeBlock: null,
    gradeCount: 0,
    gradeNotes: null,
    wideGrades: null,
    counts: { moderated: 0, corrected: 0, annulled: 0, attendanceCorrected: 0, overrides: 0, resits: 0 },
  },
  lastStreamId: undefined,
  lastClass: undefined,
  lastActorId: undefined,
  lastActorRole: undefined,
  lastRole: undefined,
  lastActor: undefined,
  lastActorNumber: 0,
  lastSubjectClass: undefined,
  lastSubjectId: undefined,
  lastSubject: undefined,
  sealedClasses: 0,
});

/** The year a class's school year starts in, from its calendar (so that it never depends on other streams). */
export const startYearOfCalendar = (calendar: { readonly startsOn: LocalDate }): number => Number(calendar.startsOn.slice(0, 4));

type Marks = Pick<JournalSubject, 'marks' | 'markBases' | 'recordedMarks' | 'markOverflow' | 'markPositions' | 'markPupilOn' | 'tables'>;

/** Mark `i`'s block (its arena) and the offset of its first slot there: a block in slots (not sealed: see `liveMarkBlock`). */
const markChunk = (subject: Marks, i: number): MarkSlots => subject.tables.arenas[subject.marks[i >> CHUNK_SHIFT] as number] as MarkSlots;
const markOffset = (subject: Marks, i: number): number => (subject.markBases[i >> CHUNK_SHIFT] as number) + (i & CHUNK_MASK) * MARK_SLOTS;
/** Slot `k` of mark `i`, from its block's slots or, sealed, from its columns. */
const markSlot = (subject: Marks, i: number, k: number): number => {
  const arena = subject.marks[i >> CHUNK_SHIFT] as number;
  return arena >= 0
    ? ((subject.tables.arenas[arena] as MarkSlots)[(subject.markBases[i >> CHUNK_SHIFT] as number) + (i & CHUNK_MASK) * MARK_SLOTS + k] as number)
    : sealedMarkSlot(subject.tables, -1 - arena, i & CHUNK_MASK, k);
};

/**
 * Sealed blocks of marks (see `sealColumns`): a full block of 64 marks that will hardly change
 * again (the subject has filled `LedgerTables.sealLag` blocks since; every block of a class,
 * the last partly filled one too, once a later school year opens: `sealYearsBefore`) is
 * kept as seven columns:
 * mark id (code), pupil and given-on (the pair's two numbers; -1 and 0 for a pair kept beside,
 * see `markPupilOn`), flags, position and moment (-1 and 0 for a pair kept beside, see
 * `markPositions`), event id (code). In the generated school most columns take 0-2 bytes a mark
 * (ids are consecutive, a lesson's marks share their lesson and moment, the actor is the
 * subject's teacher): about 12 bytes a mark with its block's place and bases, against 40 in
 * slots. Its slots' block becomes a hole the next block of marks (of any subject) is cut from. A
 * change to a sealed mark (a correction, moderation or annulment of an old one; in the generated
 * school all come within days, never that late), or a mark recorded into a sealed last block,
 * first puts its block back in slots (`liveMarkBlock`), for good. A sealed block's head k (see
 * `sealColumns`) is in `marks` as -1 - k. Sealing costs a pass over the block's slots and its bytes' writes, once.
 */
const MARK_COLUMNS = 7;
const C_ID = 0;
const C_PUPIL = 1;
const C_ON = 2;
const C_FLAGS = 3;
const C_POSITION = 4;
const C_MOMENT = 5;
const C_EVENT = 6;
const markColumn = (tables: LedgerTables, k: number, c: number, j: number): number => sealedValue(tables, k, MARK_COLUMNS, MARKS_PER_CHUNK, c, j);
/** Slot `slot` of mark `j` of sealed block `k`, as its slots held it. */
const sealedMarkSlot = (tables: LedgerTables, k: number, j: number, slot: number): number => {
  switch (slot) {
    case M_ID:
      return markColumn(tables, k, C_ID, j);
    case M_PUPIL_ON: {
      const pupil = markColumn(tables, k, C_PUPIL, j);
      return pupil < 0 ? -1 : pupil * PAIR_UNIT + markColumn(tables, k, C_ON, j);
    }
    case M_FLAGS:
      return markColumn(tables, k, C_FLAGS, j);
    case M_POSITION_MOMENT: {
      const position = markColumn(tables, k, C_POSITION, j);
      return position < 0 ? -1 : position * MOMENT_UNIT + markColumn(tables, k, C_MOMENT, j);
    }
    default:
      return markColumn(tables, k, C_EVENT, j);
  }
};

/**
 * Seals block `b` of the subject's marks (in slots; `filled` of its 64 marks recorded, the rest
 * sealed as copies of its last: only marks below `recordedMarks` are read): its slots split into
 * columns, each column's least and largest value found on the way. Every slot is an integer (no
 * -0: a position of -0 is kept beside, see `fitsPositionAndMoment`), so its columns give it back exactly.
 */
const sealMarkBlock = (subject: JournalSubject, b: number, filled = MARKS_PER_CHUNK): void => {
  const { tables } = subject;
  const arena = subject.marks[b] as number;
  const base = subject.markBases[b] as number;
  const slots = tables.arenas[arena] as MarkSlots;
  const n = MARKS_PER_CHUNK;
  const values = sealScratch(tables, MARK_COLUMNS * n);
  let idLeast = Infinity;
  let idMost = -Infinity;
  let pupilLeast = Infinity;
  let pupilMost = -Infinity;
  let onLeast = Infinity;
  let onMost = -Infinity;
  let flagsLeast = Infinity;
  let flagsMost = -Infinity;
  let positionLeast = Infinity;
  let positionMost = -Infinity;
  let momentLeast = Infinity;
  let momentMost = -Infinity;
  let eventLeast = Infinity;
  let eventMost = -Infinity;
  for (let j = 0, at = base; j < n; j++, at += j < filled ? MARK_SLOTS : 0) {
    const id = slots[at + M_ID] as number;
    const pupilOn = slots[at + M_PUPIL_ON] as number;
    const flags = slots[at + M_FLAGS] as number;
    const positionMoment = slots[at + M_POSITION_MOMENT] as number;
    const event = slots[at + M_EVENT] as number;
    const pupil = pupilOn < 0 ? -1 : highOfPair(pupilOn);
    const on = pupilOn < 0 ? 0 : pupilOn - pupil * PAIR_UNIT;
    const position = positionMoment < 0 ? -1 : positionOfSlot(positionMoment);
    const moment = positionMoment < 0 ? 0 : positionMoment - position * MOMENT_UNIT;
    values[C_ID * n + j] = id;
    values[C_PUPIL * n + j] = pupil;
    values[C_ON * n + j] = on;
    values[C_FLAGS * n + j] = flags;
    values[C_POSITION * n + j] = position;
    values[C_MOMENT * n + j] = moment;
    values[C_EVENT * n + j] = event;
    idLeast = Math.min(idLeast, id);
    idMost = Math.max(idMost, id);
    pupilLeast = Math.min(pupilLeast, pupil);
    pupilMost = Math.max(pupilMost, pupil);
    onLeast = Math.min(onLeast, on);
    onMost = Math.max(onMost, on);
    flagsLeast = Math.min(flagsLeast, flags);
    flagsMost = Math.max(flagsMost, flags);
    positionLeast = Math.min(positionLeast, position);
    positionMost = Math.max(positionMost, position);
    momentLeast = Math.min(momentLeast, moment);
    momentMost = Math.max(momentMost, moment);
    eventLeast = Math.min(eventLeast, event);
    eventMost = Math.max(eventMost, event);
  }
  const { sealLeast: least, sealMost: most } = tables;
  least[C_ID] = idLeast;
  most[C_ID] = idMost;
  least[C_PUPIL] = pupilLeast;
  most[C_PUPIL] = pupilMost;
  least[C_ON] = onLeast;
  most[C_ON] = onMost;
  least[C_FLAGS] = flagsLeast;
  most[C_FLAGS] = flagsMost;
  least[C_POSITION] = positionLeast;
  most[C_POSITION] = positionMost;
  least[C_MOMENT] = momentLeast;
  most[C_MOMENT] = momentMost;
  least[C_EVENT] = eventLeast;
  most[C_EVENT] = eventMost;
  const k = sealColumns(tables, MARK_COLUMNS, n);
  subject.marks[b] = -1 - k;
  subject.markBases[b] = 0;
  freeSlotBlock(tables.holes, arena, base);
  tables.sealCounts.sealed++;
};

/** Seals the block `sealLag` blocks before block `filled`, which has just filled, if it is in slots. */
const sealMarksBehind = (subject: JournalSubject, filled: number): void => {
  const b = filled - subject.tables.sealLag;
  if (b >= 0 && (subject.marks[b] as number) >= 0) sealMarkBlock(subject, b);
};

/** Puts mark `i`'s block back in slots if sealed (a change is about to write one of its slots). */
const liveMarkBlock = (subject: JournalSubject, i: number): void => {
  const { tables } = subject;
  if (unsealSlotBlock(tables, tables.holes, subject.marks, subject.markBases, i >> CHUNK_SHIFT, MARKS_PER_CHUNK, MARK_SLOTS, sealedMarkSlot)) tables.sealCounts.unsealed++;
};

/** Seals every block of the subject's marks still in slots, the last (partly filled) too. */
const sealAllMarksOf = (subject: JournalSubject): void => {
  const n = subject.recordedMarks;
  for (let b = 0; b < subject.marks.length; b++) if ((subject.marks[b] as number) >= 0) sealMarkBlock(subject, b, Math.min(MARKS_PER_CHUNK, n - b * MARKS_PER_CHUNK));
};

/** Seals every block of the subject's marks and attendance still in slots, the last (partly filled) too. */
const sealAllOf = (subject: JournalSubject): void => {
  sealAllMarksOf(subject);
  sealAllAttendanceOf(subject);
};

/**
 * When a school year opens, the marks and attendance of the classes of earlier years are sealed,
 * every block (the two last of each subject would otherwise stay in slots for good): an entry
 * recorded or changed later unseals its block again. Each class once (`sealedClasses`: how many of
 * `classList` are done, in order; a class of a later year opened before stops the sweep there).
 */
const sealYearsBefore = (state: SchoolLedgerState, startYear: number): void => {
  if (state.tables.sealLag === Infinity) return;
  const { classList } = state;
  let k = state.sealedClasses;
  for (; k < classList.length; k++) {
    const cls = classList[k] as JournalClass | undefined;
    if (cls === undefined) continue;
    if (cls.startYear >= startYear) break;
    for (const subject of cls.subjects.values()) sealAllOf(subject);
  }
  state.sealedClasses = k;
};

/** Seals every block of marks and of attendance of every subject still in slots, the last of each too (a test's way to seal as early as can be). */
export const sealEveryBlock = (state: SchoolLedgerState): void => {
  for (const cls of state.classList) if (cls !== undefined) for (const subject of cls.subjects.values()) sealAllOf(subject);
};

/** Whether mark `i`'s block is sealed. */
export const isMarkSealedAt = (subject: Marks, i: number): boolean => (subject.marks[i >> CHUNK_SHIFT] as number) < 0;
type Attendance = Pick<JournalSubject, 'attendance' | 'attendanceBases' | 'attendanceCount' | 'attendancePupilLesson' | 'tables'>;

/** The number of marks of a subject. */
export const markCount = (subject: Marks): number => subject.recordedMarks;
export const markIdAt = (subject: Marks, i: number): string => decodeId(subject.tables, markSlot(subject, i, M_ID));
/** What the mark was given on: its lesson (formative) or summative (score). */
export const markOnAt = (subject: Marks, i: number): string => valueAt(subject.tables, onNumberAt(subject, i, markSlot(subject, i, M_PUPIL_ON))) as string;
/** The value number of mark `i`'s pupil (from its column if sealed: no pair to build). */
const markPupilNumber = (subject: Marks, i: number): number => {
  const arena = subject.marks[i >> CHUNK_SHIFT] as number;
  if (arena >= 0) return pupilNumberAt(subject, i, (subject.tables.arenas[arena] as MarkSlots)[markOffset(subject, i) + M_PUPIL_ON] as number);
  const pupil = markColumn(subject.tables, -1 - arena, C_PUPIL, i & CHUNK_MASK);
  return pupil >= 0 ? pupil : (subject.markPupilOn?.get(i)?.pupil as number);
};
/** The value numbers of mark `i`'s pupil and of what it was given on, from its pair slot `slot`. */
const pupilNumberAt = (subject: Marks, i: number, slot: number): number => (slot >= 0 ? highOfPair(slot) : (subject.markPupilOn?.get(i)?.pupil as number));
const onNumberAt = (subject: Marks, i: number, slot: number): number => (slot >= 0 ? lowOfPair(slot) : (subject.markPupilOn?.get(i)?.on as number));
export const markValueAt = (subject: Marks, i: number): number => valueOfFlags(subject, i, markSlot(subject, i, M_FLAGS));
const valueOfFlags = (subject: Marks, i: number, flags: number): number =>
  (flags & OVERFLOW) === 0 ? (flags >>> VALUE_SHIFT) & VALUE_MASK : (subject.markOverflow?.get(i)?.value as number);
const actorNumberOfFlags = (subject: Marks, i: number, flags: number): number =>
  (flags & OVERFLOW) === 0 ? flags >>> ACTOR_SHIFT : (subject.markOverflow?.get(i)?.actor as number);
export const markPupilAt = (subject: Marks, i: number): string => valueAt(subject.tables, markPupilNumber(subject, i)) as string;
export const markKindAt = (subject: Marks, i: number): 'formative' | 'summative' => (markSlot(subject, i, M_FLAGS) & SUMMATIVE) === 0 ? 'formative' : 'summative';
export const isMarkAnnulledAt = (subject: Marks, i: number): boolean => (markSlot(subject, i, M_FLAGS) & ANNULLED) !== 0;

/**
 * The number of the pupil's mark with this id in the subject, if any: a scan from the latest
 * mark back. Only changes (about 1% of the events) and the audit's queries look marks up by id,
 * and a subject holds one class's marks of one school year: an index by id would cost a Map
 * entry per mark and a Map write per recorded mark for the few lookups. Without `pupilId`, the
 * latest mark with the id of any pupil.
 */
export const markNumberOf = (subject: Marks, markId: string, pupilId?: string): number | undefined => {
  const pupil = pupilId === undefined ? -1 : subject.tables.valueNumbers.get(pupilId);
  if (pupil === undefined) return undefined;
  for (let i = subject.recordedMarks - 1; i >= 0; i--)
    if ((pupil < 0 || markPupilNumber(subject, i) === pupil) && isIdOfCode(subject.tables, markSlot(subject, i, M_ID), markId)) return i;
  return undefined;
};

/** The numbers of each pupil's marks in the subject, in order of recording. */
export const markNumbersByPupil = (subject: Marks): Map<string, number[]> => {
  const byPupil = new Map<string, number[]>();
  for (let i = 0, n = markCount(subject); i < n; i++) {
    const pupilId = markPupilAt(subject, i);
    const numbers = byPupil.get(pupilId);
    if (numbers === undefined) byPupil.set(pupilId, [i]);
    else numbers.push(i);
  }
  return byPupil;
};

/** Mark `i`'s global position and moment, from its slot `slot`. */
const markPositionOf = (subject: Marks, i: number, slot: number): number => (slot >= 0 ? positionOfSlot(slot) : (subject.markPositions?.get(i)?.position as number));
const markMomentOf = (subject: Marks, i: number, slot: number): number => (slot >= 0 ? momentOfSlot(slot) : (subject.markPositions?.get(i)?.moment as number));

/** The mark as a query sees it (a fresh object). */
export const markAt = (state: SchoolLedgerState, subject: JournalSubject, i: number): JournalMark => {
  const flags = markSlot(subject, i, M_FLAGS);
  const { tables } = subject;
  const positionAndMoment = markSlot(subject, i, M_POSITION_MOMENT);
  const moment = markMomentOf(subject, i, positionAndMoment);
  return {
    kind: (flags & SUMMATIVE) === 0 ? 'formative' : 'summative',
    markId: decodeId(tables, markSlot(subject, i, M_ID)),
    on: valueAt(tables, onNumberAt(subject, i, markSlot(subject, i, M_PUPIL_ON))) as string,
    value: valueOfFlags(subject, i, flags),
    annulled: (flags & ANNULLED) !== 0,
    eventId: decodeId(tables, markSlot(subject, i, M_EVENT)),
    actor: state.audit.actors[actorNumberOfFlags(subject, i, flags)] as Actor,
    occurredAt: occurredAtOfMoment(tables, moment),
    recordedAt: recordedAtOfMoment(tables, moment),
    reason: subject.markReasons?.get(i) ?? null,
    globalPosition: markPositionOf(subject, i, positionAndMoment),
    // A copy: the fold appends the mark's later changes to its own list.
    changes: subject.markChanges?.get(i)?.slice() ?? null,
  };
};

type MarksEntry = { readonly kind: 'formative' | 'summative'; readonly on: string; readonly value: number; readonly annulled: boolean };

/** Mark `i` of the subject as the rules' `marksInForce` reads it (a fresh object). */
const marksEntryAt = (subject: Marks, i: number): MarksEntry => ({ kind: markKindAt(subject, i), on: markOnAt(subject, i), value: markValueAt(subject, i), annulled: isMarkAnnulledAt(subject, i) });

/** Each pupil's marks as the rules' `marksInForce` reads them (kind, given on, value, annulled), in order of recording. */
export const marksEntriesByPupil = (subject: Marks): Map<string, MarksEntry[]> => {
  const byPupil = new Map<string, MarksEntry[]>();
  for (let i = 0, n = markCount(subject); i < n; i++) {
    const entry = marksEntryAt(subject, i);
    const pupilId = markPupilAt(subject, i);
    const entries = byPupil.get(pupilId);
    if (entries === undefined) byPupil.set(pupilId, [entry]);
    else entries.push(entry);
  }
  return byPupil;
};

/** One pupil's marks as `marksEntriesByPupil` gives them, without building every pupil's (a report card asks for one). */
export const marksEntriesOfPupil = (subject: Marks, pupilId: string): MarksEntry[] => {
  const entries: MarksEntry[] = [];
  for (let i = 0, n = markCount(subject); i < n; i++)
    if (markPupilAt(subject, i) === pupilId)
      entries.push(marksEntryAt(subject, i));
  return entries;
};

/** The event this mark was last set by (recorded, or its last change). */
const lastEventIdAt = (subject: JournalSubject, i: number): string => {
  const changes = subject.markChanges?.get(i);
  return changes?.[changes.length - 1]?.eventId ?? decodeId(subject.tables, markSlot(subject, i, M_EVENT));
};

/** The mark's value in force: null once annulled. */
export const markValueOf = (mark: Pick<JournalMark, 'kind' | 'value' | 'annulled'>): MarkValue | null =>
  mark.annulled ? null : mark.kind === 'formative' ? { kind: 'formative', mark: mark.value } : { kind: 'summative', points: mark.value };

/** The number of finalized grades (period, year, re-sit) in the ledger. */
export const gradeCount = (state: SchoolLedgerState): number => state.audit.gradeCount;

/** Grade `n`'s block (its arena) and the offset of its first slot there: a block in slots (the last: see `sealGradeBlock`). */
const gradeChunk = (state: SchoolLedgerState, n: number): GradeSlots => state.tables.arenas[state.audit.grades[n >> CHUNK_SHIFT] as number] as GradeSlots;
const gradeOffset = (state: SchoolLedgerState, n: number): number => (state.audit.gradeBases[n >> CHUNK_SHIFT] as number) + (n & CHUNK_MASK) * GRADE_SLOTS;
/** Slot `k` of grade `n`, from its block's slots or, sealed, from its columns. */
const gradeSlot = (state: SchoolLedgerState, n: number, k: number): number => {
  const arena = state.audit.grades[n >> CHUNK_SHIFT] as number;
  return arena >= 0
    ? ((state.tables.arenas[arena] as GradeSlots)[(state.audit.gradeBases[n >> CHUNK_SHIFT] as number) + (n & CHUNK_MASK) * GRADE_SLOTS + k] as number)
    : sealedGradeSlot(state.tables, -1 - arena, n & CHUNK_MASK, k);
};

/**
 * Sealed blocks of grades (see `sealColumns`). A finalized grade's slots are never written again
 * (a later grade supersedes it, and the audit keeps both), so with sealing on
 * (`ReplayOptions.sealBlocks`) a block of 64 grades is sealed as soon as it fills, and its slots
 * take the next 64: one block of grades in slots at any time (`AuditLog.spareGradeBlock`). Each
 * slot's numbers are a column of their own: the event id's template and number; the actor, the
 * class and the flags' bits; position and moment, subject and pupil, teacher + 1 and rule set,
 * grade and recommended grade (-1 and 0 for a wide grade's pair); the percentage's code above and
 * below 2^21 (a fraction's numerator and denominator). Grades are finalized a class's subject at
 * a time, so most columns take 0-1 bytes a grade: about 12 bytes a grade with its block's place
 * and bases, against 56 in slots. A sealed block's head k is in `audit.grades` as -1 - k.
 */
const GRADE_COLUMNS = 15;
const GC_TEMPLATE = 0;
const GC_ID = 1;
const GC_ACTOR = 2;
const GC_CLASS = 3;
const GC_BITS = 4;
const GC_POSITION = 5;
const GC_MOMENT = 6;
const GC_SUBJECT = 7;
const GC_PUPIL = 8;
const GC_TEACHER = 9;
const GC_RULE_SET = 10;
const GC_GRADE = 11;
const GC_RECOMMENDED = 12;
const GC_PERCENTAGE_HIGH = 13;
const GC_PERCENTAGE_LOW = 14;
/** Where a percentage's code is cut in two columns: a fraction's denominator is below it (see `DENOMINATOR_UNIT`). */
const PERCENTAGE_UNIT = 2 ** 21;

const gradeColumn = (tables: LedgerTables, k: number, c: number, j: number): number => sealedValue(tables, k, GRADE_COLUMNS, MARKS_PER_CHUNK, c, j);
/** A pair slot from its two columns (-1 for a wide grade's, kept as -1 and 0). */
const sealedPair = (tables: LedgerTables, k: number, high: number, low: number, j: number, unit: number): number => {
  const h = gradeColumn(tables, k, high, j);
  return h < 0 ? -1 : h * unit + gradeColumn(tables, k, low, j);
};
/** Slot `slot` of grade `j` of the sealed block at head `k`, as its slots held it. */
const sealedGradeSlot = (tables: LedgerTables, k: number, j: number, slot: number): number => {
  switch (slot) {
    case G_EVENT:
      return gradeColumn(tables, k, GC_TEMPLATE, j) * TEMPLATE_UNIT + gradeColumn(tables, k, GC_ID, j);
    case G_FLAGS:
      return (gradeColumn(tables, k, GC_ACTOR, j) * GRADE_CLASS_UNIT + gradeColumn(tables, k, GC_CLASS, j)) * GRADE_ACTOR_UNIT + gradeColumn(tables, k, GC_BITS, j);
    case G_POSITION_MOMENT:
      return sealedPair(tables, k, GC_POSITION, GC_MOMENT, j, MOMENT_UNIT);
    case G_SUBJECT_PUPIL:
      return sealedPair(tables, k, GC_SUBJECT, GC_PUPIL, j, PAIR_UNIT);
    case G_TEACHER_RULE_SET:
      return sealedPair(tables, k, GC_TEACHER, GC_RULE_SET, j, PAIR_UNIT);
    case G_GRADE_RECOMMENDED:
      return sealedPair(tables, k, GC_GRADE, GC_RECOMMENDED, j, PAIR_UNIT);
    default:
      return gradeColumn(tables, k, GC_PERCENTAGE_HIGH, j) * PERCENTAGE_UNIT + gradeColumn(tables, k, GC_PERCENTAGE_LOW, j);
  }
};

/** A slot's number above `unit` (a pair's high part). */
const highPart = (slot: number, unit: number): number => Math.floor(slot / unit);
/** The pair slots of a grade, and the columns of their high and low parts. */
const GRADE_PAIRS = [
  [G_POSITION_MOMENT, GC_POSITION, GC_MOMENT, MOMENT_UNIT],
  [G_SUBJECT_PUPIL, GC_SUBJECT, GC_PUPIL, PAIR_UNIT],
  [G_TEACHER_RULE_SET, GC_TEACHER, GC_RULE_SET, PAIR_UNIT],
  [G_GRADE_RECOMMENDED, GC_GRADE, GC_RECOMMENDED, PAIR_UNIT],
] as const;

/**
 * Seals block `b` of the grades (full, in slots): its slots split into columns (every slot an
 * integer, none -0: a -0 grade or position makes its grade wide, and codes are never -0), each
 * column's least and largest value found after; its slots become the spare block the next grade
 * is written into.
 */
const sealGradeBlock = (state: SchoolLedgerState, b: number): void => {
  const { tables, audit } = state;
  const arena = audit.grades[b] as number;
  const base = audit.gradeBases[b] as number;
  const slots = tables.arenas[arena] as GradeSlots;
  const n = MARKS_PER_CHUNK;
  const values = sealScratch(tables, GRADE_COLUMNS * n);
  const put = (c: number, j: number, value: number): void => {
    values[c * n + j] = value;
  };
  for (let j = 0, at = base; j < n; j++, at += GRADE_SLOTS) {
    const event = slots[at + G_EVENT] as number;
    const template = highPart(event, TEMPLATE_UNIT);
    put(GC_TEMPLATE, j, template);
    put(GC_ID, j, event - template * TEMPLATE_UNIT);
    const flags = slots[at + G_FLAGS] as number;
    const actorAndClass = highPart(flags, GRADE_ACTOR_UNIT);
    const actor = highPart(actorAndClass, GRADE_CLASS_UNIT);
    put(GC_ACTOR, j, actor);
    put(GC_CLASS, j, actorAndClass - actor * GRADE_CLASS_UNIT);
    put(GC_BITS, j, flags - actorAndClass * GRADE_ACTOR_UNIT);
    for (const [slot, high, low, unit] of GRADE_PAIRS) {
      const pair = slots[at + slot] as number;
      const h = pair < 0 ? -1 : highPart(pair, unit);
      put(high, j, h);
      put(low, j, pair < 0 ? 0 : pair - h * unit);
    }
    const percentage = slots[at + G_PERCENTAGE] as number;
    const percentageHigh = highPart(percentage, PERCENTAGE_UNIT);
    put(GC_PERCENTAGE_HIGH, j, percentageHigh);
    put(GC_PERCENTAGE_LOW, j, percentage - percentageHigh * PERCENTAGE_UNIT);
  }
  audit.grades[b] = -1 - sealScratchColumns(tables, GRADE_COLUMNS, n);
  audit.gradeBases[b] = 0;
  audit.spareGradeBlock = [arena, base];
  tables.sealCounts.gradesSealed++;
};

/**
 * Bytes of sealed blocks, of marks, of grades and of attendance (each block's bytes, place and bases; not the
 * rest of the last slab): for the memory benchmark's breakdown.
 */
export const sealedBytesByKind = (state: SchoolLedgerState): { readonly marks: number; readonly grades: number; readonly attendance: number } => {
  const { tables } = state;
  let marks = 0;
  for (const cls of state.classList)
    if (cls !== undefined) for (const subject of cls.subjects.values()) for (const k of subject.marks) if (k < 0) marks += sealedBlockBytes(tables, -1 - k, MARK_COLUMNS, MARKS_PER_CHUNK);
  let grades = 0;
  for (const k of state.audit.grades) if (k < 0) grades += sealedBlockBytes(tables, -1 - k, GRADE_COLUMNS, MARKS_PER_CHUNK);
  let attendance = 0;
  for (const cls of state.classList)
    if (cls !== undefined) for (const subject of cls.subjects.values()) for (const k of subject.attendance) if (k < 0) attendance += sealedBlockBytes(tables, -1 - k, ATTENDANCE_COLUMNS, ENTRIES_PER_ATTENDANCE_CHUNK);
  return { marks, grades, attendance };
};

/** Whether grade `n`'s block is sealed. */
export const isGradeSealedAt = (state: SchoolLedgerState, n: number): boolean => (state.audit.grades[n >> CHUNK_SHIFT] as number) < 0;

/** Finalized grade `n` (in ledger order) as the audit trail shows it (a fresh object). */
export const gradeAt = (state: SchoolLedgerState, n: number): GradeHistoryEntry => {
  const { tables } = state;
  const subjectAndPupil = gradeSlot(state, n, G_SUBJECT_PUPIL);
  const wide = subjectAndPupil < 0 ? (state.audit.wideGrades?.get(n) as WideGrade) : undefined;
  const flagSlot = gradeSlot(state, n, G_FLAGS);
  const above = Math.floor(flagSlot / GRADE_ACTOR_UNIT);
  const flags = flagSlot - above * GRADE_ACTOR_UNIT;
  const actorNumber = wide === undefined ? Math.floor(above / GRADE_CLASS_UNIT) : wide.actor;
  const cls = state.classList[wide === undefined ? above - actorNumber * GRADE_CLASS_UNIT : wide.classNumber] as JournalClass;
  const notes = state.audit.gradeNotes?.get(n);
  const number = (flags >>> PERIOD_SHIFT) & 7;
  const period: AssessmentPeriod | null =
    (flags & TERM) !== 0 ? ({ kind: 'term', number } as AssessmentPeriod) : (flags & HALF_YEAR) !== 0 ? ({ kind: 'halfYear', number } as AssessmentPeriod) : (notes?.period ?? null);
  const positionAndMoment = gradeSlot(state, n, G_POSITION_MOMENT);
  const moment = wide === undefined ? momentOfSlot(positionAndMoment) : wide.moment;
  const teacherAndRuleSet = gradeSlot(state, n, G_TEACHER_RULE_SET);
  const teacher = wide === undefined ? highOfPair(teacherAndRuleSet) - 1 : wide.teacher;
  const grades = gradeSlot(state, n, G_GRADE_RECOMMENDED);
  return {
    eventId: decodeId(tables, gradeSlot(state, n, G_EVENT)),
    actor: state.audit.actors[actorNumber] as Actor,
    occurredAt: occurredAtOfMoment(tables, moment),
    recordedAt: recordedAtOfMoment(tables, moment),
    reason: notes?.reason ?? null,
    streamId: cls.streamId,
    globalPosition: wide === undefined ? positionOfSlot(positionAndMoment) : wide.position,
    level: LEVELS[flags & 3] as GradeHistoryEntry['level'],
    classId: cls.classId,
    subjectId: valueAt(tables, wide === undefined ? highOfPair(subjectAndPupil) : wide.subject) as string,
    pupilId: valueAt(tables, wide === undefined ? lowOfPair(subjectAndPupil) : wide.pupil) as string,
    period,
    grade: valueOfSlot(tables, wide === undefined ? codeOfSmallGradeField(highOfPair(grades)) : wide.grade) as GradeValue,
    recommended: valueOfSlot(tables, wide === undefined ? codeOfSmallGradeField(lowOfPair(grades)) : wide.recommended) as GradeValue | null,
    percentage: valueOfSlot(tables, gradeSlot(state, n, G_PERCENTAGE)) as string | null,
    overridden: (flags & OVERRIDDEN) !== 0,
    overrideReason: notes?.overrideReason ?? null,
    ruleSetId: valueAt(tables, wide === undefined ? lowOfPair(teacherAndRuleSet) : wide.ruleSet) as string,
    attempt: notes?.attempt ?? null,
    testGrade: notes?.testGrade ?? null,
    teacherId: teacher < 0 ? null : (valueAt(tables, teacher) as string),
  };
};

/** A pupil's finalized grades in a subject (fresh objects): period grades in order of finalization, year grade, re-sits. */
export const gradesOfRecord = (
  state: SchoolLedgerState,
  record: JournalPupilRecord | undefined,
): { readonly periodGrades: ReadonlyArray<GradeHistoryEntry>; readonly yearGrade: GradeHistoryEntry | null; readonly resits: ReadonlyArray<GradeHistoryEntry> | null } | undefined =>
  record === undefined
    ? undefined
    : {
        periodGrades: record.periodGrades.map((entry) => gradeAt(state, Math.floor(entry / PERIOD_UNIT))),
        yearGrade: record.yearGrade === null ? null : gradeAt(state, record.yearGrade),
        resits: record.resits === null ? null : record.resits.map((n) => gradeAt(state, n)),
      };

/** A period grade's entry in its record (see `JournalPupilRecord.periodGrades`). */
const PERIOD_UNIT = 256;

/** A period as the bits of a grade's flags (a term or half-year 1-7), or 0 if it does not fit (kept in the grade's notes). */
const periodBitsOf = (period: AssessmentPeriod): number =>
  Number.isInteger(period.number) && period.number >= 1 && period.number <= 7 && (period.kind === 'term' || period.kind === 'halfYear')
    ? (period.kind === 'term' ? TERM : HALF_YEAR) | (period.number << PERIOD_SHIFT)
    : 0;

/** Whether a record's period grade entry is of this period (of these bits). */
const isEntryOfPeriod = (state: SchoolLedgerState, entry: number, period: AssessmentPeriod, bits: number): boolean => {
  const own = entry % PERIOD_UNIT;
  if (own !== 0 || bits !== 0) return own === bits;
  const other = state.audit.gradeNotes?.get(Math.floor(entry / PERIOD_UNIT))?.period;
  return other !== undefined && other !== null && other.kind === period.kind && other.number === period.number;
};

const A_ID = 0;
/** Pupil × `PAIR_UNIT` + lesson. */
const A_PUPIL_LESSON = 1;
const A_CODE = 2;

/** Attendance entry `i`'s block (its arena) and the offset of its first slot there: a block in slots (not sealed: see `liveAttendanceBlock`). */
const attendanceChunk = (subject: Attendance, i: number): AttendanceSlots => subject.tables.arenas[subject.attendance[i >> ATTENDANCE_SHIFT] as number] as AttendanceSlots;
const attendanceOffset = (subject: Attendance, i: number): number => (subject.attendanceBases[i >> ATTENDANCE_SHIFT] as number) + (i & ATTENDANCE_MASK) * ATTENDANCE_SLOTS;
/** Slot `k` of attendance entry `i`, from its block's slots or, sealed, from its columns. */
const attendanceSlot = (subject: Attendance, i: number, k: number): number => {
  const arena = subject.attendance[i >> ATTENDANCE_SHIFT] as number;
  return arena >= 0
    ? ((subject.tables.arenas[arena] as AttendanceSlots)[(subject.attendanceBases[i >> ATTENDANCE_SHIFT] as number) + (i & ATTENDANCE_MASK) * ATTENDANCE_SLOTS + k] as number)
    : sealedAttendanceSlot(subject.tables, -1 - arena, i & ATTENDANCE_MASK, k);
};

/**
 * Sealed blocks of attendance (see `sealColumns`), as marks' (see `sealMarkBlock`): a full block
 * of 32 entries once its subject has filled `LedgerTables.sealLag` blocks since, and every block
 * of a class, the last partly filled one too, once a later school year opens
 * (`sealYearsBefore`), is kept as four columns: attendance id (code), pupil and lesson
 * (the pair's two numbers; -1 and 0 for a pair kept beside, see `attendancePupilLesson`), code.
 * In the generated school the columns take 1-2 bytes an entry (a class's ids are consecutive, a
 * block's pupils are one class's, its lessons a few weeks'): about 8 bytes an entry with its
 * block's place and bases, against 24 in slots. Its slots' block becomes a hole the next block of
 * attendance (of any subject) is cut from (`LedgerTables.attendanceHoles`). An attendance
 * correction of a sealed entry, or an entry recorded into a sealed last block, first puts its
 * block back in slots (`liveAttendanceBlock`), for good. A sealed block's head k is in
 * `attendance` as -1 - k.
 */
const ATTENDANCE_COLUMNS = 4;
const AC_ID = 0;
const AC_PUPIL = 1;
const AC_LESSON = 2;
const AC_CODE = 3;
const attendanceColumn = (tables: LedgerTables, k: number, c: number, j: number): number => sealedValue(tables, k, ATTENDANCE_COLUMNS, ENTRIES_PER_ATTENDANCE_CHUNK, c, j);
/** Slot `slot` of entry `j` of the sealed block of attendance at head `k`, as its slots held it. */
const sealedAttendanceSlot = (tables: LedgerTables, k: number, j: number, slot: number): number => {
  switch (slot) {
    case A_ID:
      return attendanceColumn(tables, k, AC_ID, j);
    case A_PUPIL_LESSON: {
      const pupil = attendanceColumn(tables, k, AC_PUPIL, j);
      return pupil < 0 ? -1 : pupil * PAIR_UNIT + attendanceColumn(tables, k, AC_LESSON, j);
    }
    default:
      return attendanceColumn(tables, k, AC_CODE, j);
  }
};

/**
 * Seals block `b` of the subject's attendance (in slots; `filled` of its 32 entries recorded, the
 * rest sealed as copies of its last: only entries below `attendanceCount` are read): its slots
 * split into columns (see `sealScratchColumns`). Every slot is an
 * integer (codes and value numbers, never -0), so its columns give it back exactly.
 */
const sealAttendanceBlock = (subject: JournalSubject, b: number, filled = ENTRIES_PER_ATTENDANCE_CHUNK): void => {
  const { tables } = subject;
  const arena = subject.attendance[b] as number;
  const base = subject.attendanceBases[b] as number;
  const slots = tables.arenas[arena] as AttendanceSlots;
  const n = ENTRIES_PER_ATTENDANCE_CHUNK;
  const values = sealScratch(tables, ATTENDANCE_COLUMNS * n);
  for (let j = 0, at = base; j < n; j++, at += j < filled ? ATTENDANCE_SLOTS : 0) {
    const pupilLesson = slots[at + A_PUPIL_LESSON] as number;
    const pupil = pupilLesson < 0 ? -1 : highOfPair(pupilLesson);
    values[AC_ID * n + j] = slots[at + A_ID] as number;
    values[AC_PUPIL * n + j] = pupil;
    values[AC_LESSON * n + j] = pupilLesson < 0 ? 0 : pupilLesson - pupil * PAIR_UNIT;
    values[AC_CODE * n + j] = slots[at + A_CODE] as number;
  }
  const k = sealScratchColumns(tables, ATTENDANCE_COLUMNS, n);
  subject.attendance[b] = -1 - k;
  subject.attendanceBases[b] = 0;
  freeSlotBlock(tables.attendanceHoles, arena, base);
  tables.sealCounts.attendanceSealed++;
};

/** Seals the block of attendance `sealLag` blocks before block `filled`, which has just filled, if it is in slots. */
const sealAttendanceBehind = (subject: JournalSubject, filled: number): void => {
  const b = filled - subject.tables.sealLag;
  if (b >= 0 && (subject.attendance[b] as number) >= 0) sealAttendanceBlock(subject, b);
};

/** Puts attendance entry `i`'s block back in slots if sealed (a correction or a new entry is about to write one of its slots). */
const liveAttendanceBlock = (subject: JournalSubject, i: number): void => {
  const { tables } = subject;
  if (unsealSlotBlock(tables, tables.attendanceHoles, subject.attendance, subject.attendanceBases, i >> ATTENDANCE_SHIFT, ENTRIES_PER_ATTENDANCE_CHUNK, ATTENDANCE_SLOTS, sealedAttendanceSlot))
    tables.sealCounts.attendanceUnsealed++;
};

/** Seals every block of the subject's attendance still in slots, the last (partly filled) too. */
const sealAllAttendanceOf = (subject: JournalSubject): void => {
  const n = subject.attendanceCount;
  for (let b = 0; b < subject.attendance.length; b++)
    if ((subject.attendance[b] as number) >= 0) sealAttendanceBlock(subject, b, Math.min(ENTRIES_PER_ATTENDANCE_CHUNK, n - b * ENTRIES_PER_ATTENDANCE_CHUNK));
};

/** Whether attendance entry `i`'s block is sealed. */
export const isAttendanceSealedAt = (subject: Attendance, i: number): boolean => (subject.attendance[i >> ATTENDANCE_SHIFT] as number) < 0;

/** The value numbers of entry `i`'s pupil and lesson, from its pair slot `slot`. */
const attendancePupilAt = (subject: Attendance, i: number, slot: number): number => (slot >= 0 ? highOfPair(slot) : (subject.attendancePupilLesson?.get(i)?.pupil as number));
const attendanceLessonAt = (subject: Attendance, i: number, slot: number): number => (slot >= 0 ? lowOfPair(slot) : (subject.attendancePupilLesson?.get(i)?.lesson as number));
/** The value number of entry `i`'s pupil (from its column if sealed: no pair to build). */
const attendancePupilNumber = (subject: Attendance, i: number): number => {
  const arena = subject.attendance[i >> ATTENDANCE_SHIFT] as number;
  if (arena >= 0) return attendancePupilAt(subject, i, (subject.tables.arenas[arena] as AttendanceSlots)[attendanceOffset(subject, i) + A_PUPIL_LESSON] as number);
  const pupil = attendanceColumn(subject.tables, -1 - arena, AC_PUPIL, i & ATTENDANCE_MASK);
  return pupil >= 0 ? pupil : (subject.attendancePupilLesson?.get(i)?.pupil as number);
};

/** Attendance entry `i` (a fresh object): from its block's slots, or, sealed, from its columns (the block looked up once, not once a slot). */
const attendanceEntryOf = (subject: Attendance, i: number): JournalAttendanceEntry => {
  const { tables } = subject;
  const arena = subject.attendance[i >> ATTENDANCE_SHIFT] as number;
  if (arena >= 0) {
    const slots = tables.arenas[arena] as AttendanceSlots;
    const at = attendanceOffset(subject, i);
    return {
      attendanceId: decodeId(tables, slots[at + A_ID] as number),
      lessonId: valueAt(tables, attendanceLessonAt(subject, i, slots[at + A_PUPIL_LESSON] as number)) as string,
      code: valueAt(tables, slots[at + A_CODE] as number) as AttendanceCode | 'present',
    };
  }
  const k = -1 - arena;
  const j = i & ATTENDANCE_MASK;
  return {
    attendanceId: decodeId(tables, attendanceColumn(tables, k, AC_ID, j)),
    lessonId: valueAt(tables, attendanceColumn(tables, k, AC_PUPIL, j) >= 0 ? attendanceColumn(tables, k, AC_LESSON, j) : (subject.attendancePupilLesson?.get(i)?.lesson as number)) as string,
    code: valueAt(tables, attendanceColumn(tables, k, AC_CODE, j)) as AttendanceCode | 'present',
  };
};

/** Attendance entry `i` of the subject and its pupil (a fresh object). */
export const attendanceAt = (subject: Attendance, i: number): JournalAttendanceEntry & { readonly pupilId: string } => {
  const entry = attendanceEntryOf(subject, i);
  return { pupilId: valueAt(subject.tables, attendancePupilNumber(subject, i)) as string, attendanceId: entry.attendanceId, lessonId: entry.lessonId, code: entry.code };
};

/** Each pupil's attendance entries in the subject (fresh objects), in order of recording. */
export const attendanceByPupil = (subject: Attendance): Map<string, JournalAttendanceEntry[]> => {
  const byPupil = new Map<string, JournalAttendanceEntry[]>();
  for (let i = 0; i < subject.attendanceCount; i++) {
    const entry = attendanceEntryOf(subject, i);
    const pupilId = valueAt(subject.tables, attendancePupilNumber(subject, i)) as string;
    const entries = byPupil.get(pupilId);
    if (entries === undefined) byPupil.set(pupilId, [entry]);
    else entries.push(entry);
  }
  return byPupil;
};

/** One pupil's attendance entries in the subject (fresh objects), in order of recording. */
export const attendanceOfPupil = (subject: Attendance, pupilId: string): JournalAttendanceEntry[] => {
  const entries: JournalAttendanceEntry[] = [];
  const pupil = subject.tables.valueNumbers.get(pupilId);
  if (pupil === undefined) return entries;
  for (let i = 0; i < subject.attendanceCount; i++) if (attendancePupilNumber(subject, i) === pupil) entries.push(attendanceEntryOf(subject, i));
  return entries;
};

/** The number of the pupil's attendance entry with this id in the subject, if any (a scan from the latest back, as `markNumberOf`). */
const attendanceNumberOf = (subject: Attendance, attendanceId: string, pupilId: string): number | undefined => {
  const pupil = subject.tables.valueNumbers.get(pupilId);
  if (pupil === undefined) return undefined;
  for (let i = subject.attendanceCount - 1; i >= 0; i--)
    if (attendancePupilNumber(subject, i) === pupil && isIdOfCode(subject.tables, attendanceSlot(subject, i, A_ID), attendanceId)) return i;
  return undefined;
};

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
      known = audit.actors.length;
      audit.actors.push(actor);
      role.actors.set(actor.id, known);
    }
    state.lastActorId = actor.id;
    state.lastActorRole = actor.role;
    state.lastRole = role;
    state.lastActor = audit.actors[known];
    state.lastActorNumber = known;
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

/**
 * Who, when, why and where of a change, for the audit trail (rare events only: not the mark path).
 * The audit keeps these for good, so texts another entry holds are shared rather than kept once
 * per change: the stream id is its class's, a recordedAt equal to the occurredAt is that string,
 * and reasons (mostly a few texts a school repeats) are kept once in the state's tables.
 */
const auditStampOf = (state: SchoolLedgerState, recorded: RecordedEvent): AuditStamp => {
  const { metadata } = recorded.event;
  const { occurredAt, recordedAt, reason } = metadata;
  const cls = classOf(state, recorded);
  return {
    eventId: metadata.eventId,
    actor: actorOf(state, recorded),
    occurredAt,
    recordedAt: recordedAt === occurredAt ? occurredAt : recordedAt,
    reason: reason === undefined ? null : sharedString(state.tables, reason),
    streamId: cls === undefined ? recorded.streamId : cls.streamId,
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

/**
 * `items` and one more, in a new array of exactly that length. A record's lists stay short (a
 * grade per period), and V8 gives an array that grows by `push` room for 17 items at its first
 * push: 152 bytes of doubles where a pupil's four terms need 32, for every pupil and subject.
 */
const appended = <T>(items: ReadonlyArray<T>, item: T): T[] => {
  const longer = new Array<T>(items.length + 1);
  for (let i = 0; i < items.length; i++) longer[i] = items[i] as T;
  longer[items.length] = item;
  return longer;
};

/** The pupil's record in the subject, made on first use. */
const recordOf = (subject: JournalSubject, pupilId: string): JournalPupilRecord => {
  let record = subject.pupils.get(pupilId);
  if (record === undefined) {
    record = {
      pupilId: sharedString(subject.tables, pupilId),
      exemptions: null,
      periodGrades: [],
      yearGrade: null,
      resits: null,
    };
    subject.pupils.set(pupilId, record);
  }
  return record;
};

type Lessons = Pick<JournalSubject, 'lessonSlots' | 'lessonBases' | 'lessonCount' | 'lessonIndex' | 'wideLessons' | 'tables'>;

/** Lesson `i`'s chunk and the offset of its first slot there. */
const lessonChunk = (subject: Lessons, i: number): LessonSlots => subject.tables.arenas[subject.lessonSlots[i >> LESSON_SHIFT] as number] as LessonSlots;
const lessonOffset = (subject: Lessons, i: number): number => (subject.lessonBases[i >> LESSON_SHIFT] as number) + (i & LESSON_MASK) * LESSON_SLOTS;

/** An integer a lesson's period or hours field holds (-0 is not one: it would come back as 0). */
const isLessonField = (n: number): boolean => Number.isInteger(n) && (n > 0 || Object.is(n, 0)) && n < PAIR_UNIT;

/** Lesson `i`'s numbers (a fresh object: the plan's changes, which are rare, read and write a lesson whole). */
const lessonNumbersAt = (subject: Lessons, i: number): LessonNumbers => {
  const slots = lessonChunk(subject, i);
  const at = lessonOffset(subject, i);
  const idAndUnit = slots[at + L_ID_UNIT] as number;
  if (idAndUnit < 0) return { ...(subject.wideLessons?.get(i) as LessonNumbers) };
  const topicAndDate = slots[at + L_TOPIC_DATE] as number;
  const topic = Math.floor(topicAndDate / DATE_UNIT);
  const periodAndHours = slots[at + L_PERIOD_HOURS] as number;
  return { id: highOfPair(idAndUnit), unit: lowOfPair(idAndUnit), topic, date: topicAndDate - topic * DATE_UNIT, period: highOfPair(periodAndHours), hours: lowOfPair(periodAndHours) };
};

/** Lesson `i`'s numbers into its slots, or, if they do not fit, into the subject's `wideLessons`. */
const setLessonNumbers = (subject: JournalSubject, i: number, n: LessonNumbers): void => {
  const slots = lessonChunk(subject, i);
  const at = lessonOffset(subject, i);
  if (fitsPair(n.id, n.unit) && fitsPair(n.topic, Math.floor(n.date / 2)) && isLessonField(n.period) && isLessonField(n.hours)) {
    slots[at + L_ID_UNIT] = n.id * PAIR_UNIT + n.unit;
    slots[at + L_TOPIC_DATE] = n.topic * DATE_UNIT + n.date;
    slots[at + L_PERIOD_HOURS] = n.period * PAIR_UNIT + n.hours;
    subject.wideLessons?.delete(i);
  } else {
    slots[at + L_ID_UNIT] = -1;
    (subject.wideLessons ??= new Map()).set(i, n);
  }
};

/** Lesson `i`'s id (its value number). */
const lessonIdNumberAt = (subject: Lessons, i: number): number => {
  const idAndUnit = lessonChunk(subject, i)[lessonOffset(subject, i) + L_ID_UNIT] as number;
  return idAndUnit >= 0 ? highOfPair(idAndUnit) : (subject.wideLessons?.get(i)?.id as number);
};

/** The number of lessons the subject's plan holds. */
export const lessonCount = (subject: Lessons): number => subject.lessonCount;
export const lessonDateAt = (subject: Lessons, i: number): LocalDate => valueAt(subject.tables, Math.floor(lessonNumbersAt(subject, i).date / 2)) as LocalDate;
export const isLessonCancelledAt = (subject: Lessons, i: number): boolean => lessonNumbersAt(subject, i).date % 2 === 1;

/** Lesson `i` as a query sees it (a fresh object). */
export const lessonAt = (subject: Lessons, i: number): JournalLesson => {
  const { tables } = subject;
  const n = lessonNumbersAt(subject, i);
  return {
    lessonId: valueAt(tables, n.id) as string,
    date: valueAt(tables, Math.floor(n.date / 2)) as LocalDate,
    period: n.period,
    unit: valueAt(tables, n.unit) as string,
    topic: valueAt(tables, n.topic) as string,
    hours: n.hours,
    cancelled: n.date % 2 === 1,
  };
};

/** The subject's lessons in order of planning (fresh objects). */
export const lessonsOf = (subject: Lessons): JournalLesson[] => {
  const lessons: JournalLesson[] = [];
  for (let i = 0; i < subject.lessonCount; i++) lessons.push(lessonAt(subject, i));
  return lessons;
};

/**
 * The subject's lesson numbers by id (the last lesson planned with an id), built on first need and
 * kept: the fold's own index, which later LessonPlanned events extend. A building block of
 * queries, read within one; not a query result to keep (copy it for that).
 */
export const lessonNumbersOf = (subject: Lessons): ReadonlyMap<string, number> => {
  if (subject.lessonIndex === null) {
    const index = new Map<string, number>();
    for (let i = 0; i < subject.lessonCount; i++) index.set(valueAt(subject.tables, lessonIdNumberAt(subject, i)) as string, i);
    subject.lessonIndex = index;
  }
  return subject.lessonIndex;
};

/** The subject's lessons by id (fresh objects in a fresh Map). */
export const lessonIndexOf = (subject: Lessons): ReadonlyMap<string, JournalLesson> => new Map(lessonsOf(subject).map((lesson) => [lesson.lessonId, lesson] as const));

/**
 * The subject's lessons by id, each decoded when asked for (the rules' `marksInForce` asks for the
 * lessons of a pupil's marks): a view of the fold's state, which later events change, to read
 * within a query (`lessonIndexOf` gives a fresh Map).
 */
export const lessonsById = (subject: Lessons): { readonly get: (lessonId: string) => JournalLesson | undefined } => {
  const numbers = lessonNumbersOf(subject);
  return {
    get: (lessonId) => {
      const n = numbers.get(lessonId);
      return n === undefined ? undefined : lessonAt(subject, n);
    },
  };
};

/**
 * The number of the lesson with this id (the last planned with it), if any: from the index if a
 * query built one, else by a scan of the subject's lessons (a hundred or two) from the last.
 * Only changes to the plan look lessons up while folding, and they are rare: an index built for
 * them would stay in the state (a Map entry per lesson of every subject with one such change).
 */
export const lessonNumberOf = (subject: Lessons, lessonId: string): number | undefined => {
  if (subject.lessonIndex !== null) return subject.lessonIndex.get(lessonId);
  const id = subject.tables.valueNumbers.get(lessonId);
  if (id === undefined) return undefined;
  for (let i = subject.lessonCount - 1; i >= 0; i--) if (lessonIdNumberAt(subject, i) === id) return i;
  return undefined;
};

/** The subject and number of the lesson a change to the plan names, if any. */
const lessonOf = (state: SchoolLedgerState, recorded: RecordedEvent, subjectId: string, lessonId: string): { readonly subject: JournalSubject; readonly i: number } | undefined => {
  const subject = subjectOf(state, recorded, subjectId);
  const i = subject === undefined ? undefined : lessonNumberOf(subject, lessonId);
  return subject === undefined || i === undefined ? undefined : { subject, i };
};

const recordMark = (
  state: SchoolLedgerState,
  recorded: RecordedEvent,
  subjectId: string,
  pupilId: string,
  markId: string,
  summative: boolean,
  on: string,
  value: number,
): void => {
  const subject = subjectOf(state, recorded, subjectId);
  if (subject === undefined) return;
  const cls = state.lastClass as JournalClass; // set by subjectOf
  const { metadata } = recorded.event;
  const { tables } = state;
  const i = subject.recordedMarks;
  // A new block at its full size for every 64th mark (only slots below `recordedMarks` are read).
  // (From a hole a sealed block left, if any: see `sealMarkBlock`; a block sealed partly filled, its class's year over, back in slots first.)
  if ((i & CHUNK_MASK) !== 0 && (subject.marks[i >> CHUNK_SHIFT] as number) < 0) liveMarkBlock(subject, i);
  const at = (i & CHUNK_MASK) === 0 ? cutSlotBlock(tables, tables.holes, subject.marks, subject.markBases, MARKS_PER_CHUNK * MARK_SLOTS) : markOffset(subject, i);
  const slots = markChunk(subject, i);
  // A valid ledger never records a mark id twice for one pupil and subject (the decider refuses it).
  writeId(tables, cls.caches.markIds, markId, slots, at + M_ID);
  const onNumber = on === subject.lastOn ? subject.lastOnNumber : onNumberOf(subject, cls.caches.values, on);
  const pupil = pupilNumberOf(tables, cls.caches, pupilId);
  if (fitsPair(pupil, onNumber)) slots[at + M_PUPIL_ON] = pupil * PAIR_UNIT + onNumber;
  else {
    slots[at + M_PUPIL_ON] = -1;
    (subject.markPupilOn ??= new Map()).set(i, { pupil, on: onNumber });
  }
  const actor = state.lastActorNumber;
  if (fitsValue(value) && actor <= MAX_ACTOR) slots[at + M_FLAGS] = (actor << ACTOR_SHIFT) | (value << VALUE_SHIFT) | (summative ? SUMMATIVE : 0);
  else {
    slots[at + M_FLAGS] = OVERFLOW | (summative ? SUMMATIVE : 0);
    (subject.markOverflow ??= new Map()).set(i, { value, actor });
  }
  const position = recorded.globalPosition;
  const moment = momentOf(tables, cls.caches.moment, metadata.occurredAt, metadata.recordedAt);
  if (fitsPositionAndMoment(position, moment)) slots[at + M_POSITION_MOMENT] = position * MOMENT_UNIT + moment;
  else {
    slots[at + M_POSITION_MOMENT] = -1;
    (subject.markPositions ??= new Map()).set(i, { position, moment });
  }
  writeId(tables, cls.caches.eventIds, metadata.eventId, slots, at + M_EVENT);
  subject.recordedMarks = i + 1;
  if (metadata.reason !== undefined) (subject.markReasons ??= new Map()).set(i, metadata.reason);
  if (((i + 1) & CHUNK_MASK) === 0) sealMarksBehind(subject, i >> CHUNK_SHIFT);
};

/** A pupil's value number, from the class's own small map of its pupils' numbers. */
const pupilNumberOf = (tables: LedgerTables, caches: ClassCaches, pupilId: string): number => {
  let n = caches.pupils.get(pupilId);
  if (n === undefined) {
    n = valueNumberOf(tables, pupilId);
    caches.pupils.set(pupilId, n);
  }
  return n;
};

/** An attendance code's value number, kept as the class's last (absences of a lesson mostly share theirs). */
const codeNumberOf = (tables: LedgerTables, caches: ClassCaches, code: string): number => {
  const n = localValueNumberOf(tables, caches.values, code);
  caches.lastCode = code;
  caches.lastCodeNumber = n;
  return n;
};

/** The value number of what a mark was given on, kept as the subject's last (a lesson's marks come together). */
const onNumberOf = (subject: JournalSubject, local: Map<string | number, number>, on: string): number => {
  const n = localValueNumberOf(subject.tables, local, on);
  subject.lastOn = on;
  subject.lastOnNumber = n;
  return n;
};

/** A mark's new value, in its flags if it fits, else in the subject's `markOverflow` (with its actor). */
const setMarkValue = (subject: JournalSubject, i: number, value: number): void => {
  liveMarkBlock(subject, i);
  const slots = markChunk(subject, i);
  const at = markOffset(subject, i) + M_FLAGS;
  const flags = slots[at] as number;
  if ((flags & OVERFLOW) === 0 && fitsValue(value)) slots[at] = (flags & ~(VALUE_MASK << VALUE_SHIFT)) | (value << VALUE_SHIFT);
  else if ((flags & OVERFLOW) === 0) {
    (subject.markOverflow ??= new Map()).set(i, { value, actor: flags >>> ACTOR_SHIFT });
    slots[at] = (flags & (SUMMATIVE | ANNULLED)) | OVERFLOW;
  } else (subject.markOverflow?.get(i) as { value: number }).value = value;
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
  const subject = subjectOf(state, recorded, data.subjectId);
  const i = subject === undefined ? undefined : markNumberOf(subject, data.markId, data.pupilId);
  const mark =
    subject === undefined || i === undefined
      ? undefined
      : marksEntryAt(subject, i);
  // Field by field, not a spread of the stamp: V8 builds an object from a spread slowly, and
  // may keep it as a dictionary (the audit keeps these).
  const stamp = auditStampOf(state, recorded);
  const change: JournalChange = {
    eventId: stamp.eventId,
    actor: stamp.actor,
    occurredAt: stamp.occurredAt,
    recordedAt: stamp.recordedAt,
    reason: stamp.reason,
    streamId: stamp.streamId,
    globalPosition: stamp.globalPosition,
    action,
    markId: data.markId,
    classId: cls.classId,
    subjectId: subject === undefined ? data.subjectId : subject.subjectId,
    pupilId: data.pupilId,
    lessonId: mark?.kind === 'formative' ? mark.on : null,
    summativeId: mark?.kind === 'summative' ? mark.on : null,
    value,
    previous: mark === undefined ? null : markValueOf(mark),
    supersedesEventId: data.supersedesEventId ?? (subject === undefined || i === undefined ? null : lastEventIdAt(subject, i)),
  };
  state.audit.changes.push(change);
  state.audit.counts[action]++;
  // A change of the other kind (a correction to points of a formative mark) changes nothing: the decider never records one.
  if (subject === undefined || i === undefined || mark === undefined || (value !== null && value.kind !== mark.kind)) return;
  liveMarkBlock(subject, i);
  const slots = markChunk(subject, i);
  const at = markOffset(subject, i);
  if (value === null) slots[at + M_FLAGS] = (slots[at + M_FLAGS] as number) | ANNULLED;
  else setMarkValue(subject, i, value.kind === 'formative' ? value.mark : value.points);
  const changes = (subject.markChanges ??= new Map()).get(i);
  if (changes === undefined) subject.markChanges.set(i, [change]);
  else changes.push(change);
};

/**
 * Whether two grades read the same (`String(a) === String(b)`, which the audit's "overridden"
 * means), without making strings for the usual case of two numbers.
 */
const isSameGrade = (a: GradeValue, b: GradeValue): boolean =>
  a === b || ((typeof a !== 'number' || typeof b !== 'number' || (Number.isNaN(a) && Number.isNaN(b))) && String(a) === String(b));

/** The next block of grades' slots: the spare one a sealed block left (see `sealGradeBlock`), else cut from the arenas; returns its base. */
const newGradeBlock = (state: SchoolLedgerState): number => {
  const { audit } = state;
  const spare = audit.spareGradeBlock;
  if (spare === null) return appendSlotBlock(state.tables, audit.grades, audit.gradeBases, MARKS_PER_CHUNK * GRADE_SLOTS);
  audit.spareGradeBlock = null;
  audit.grades.push(spare[0]);
  audit.gradeBases.push(spare[1]);
  return spare[1];
};

/**
 * A finalized grade into the audit's slots (the journal's record refers to it by number);
 * returns its number. The event's fields come as arguments, read by each handler: the data of
 * period, year and re-sit grades (with and without an override reason) are objects of five
 * shapes, which would make every read of them here a megamorphic one.
 */
const recordGrade = (
  state: SchoolLedgerState,
  recorded: RecordedEvent,
  cls: JournalClass,
  subject: JournalSubject | undefined,
  level: 0 | 1 | 2,
  period: AssessmentPeriod | null,
  subjectId: string,
  pupilId: string,
  grade: GradeValue,
  recommendation: Recommendation,
  ruleSetId: string,
  overrideReason: string | undefined,
  resit: { readonly attempt: number; readonly testGrade: GradeValue } | null,
): number => {
  const overridden = recommendation !== null && !isSameGrade(recommendation.grade, grade);
  if (overridden) state.audit.counts.overrides++;
  const { metadata } = recorded.event;
  const { audit } = state;
  const n = audit.gradeCount;
  const at = (n & CHUNK_MASK) === 0 ? newGradeBlock(state) : gradeOffset(state, n);
  const slots = gradeChunk(state, n);
  // The period in the flags when it fits (always, for a decoded event), else in the grade's notes.
  const packed = period === null ? 0 : periodBitsOf(period) || -1;
  const { tables } = state;
  writeId(tables, cls.caches.eventIds, metadata.eventId, slots, at + G_EVENT);
  const bits = (packed > 0 ? packed : 0) | (overridden ? OVERRIDDEN : 0) | level;
  const actor = state.lastActorNumber;
  const moment = momentOf(tables, cls.caches.moment, metadata.occurredAt, metadata.recordedAt);
  const position = recorded.globalPosition;
  const local = cls.caches.values;
  const subjectNumber = subject !== undefined && subject.subjectId === subjectId ? subject.subjectNumber : localValueNumberOf(tables, local, subjectId);
  const pupil = pupilNumberOf(tables, cls.caches, pupilId);
  const teacher = subject === undefined ? -1 : subject.teacherNumber;
  const ruleSet = localValueNumberOf(tables, local, ruleSetId);
  const gradeCode = gradeValueSlot(tables, local, grade);
  const recommendedCode = gradeValueSlot(tables, local, recommendation === null ? null : recommendation.grade);
  const gradeField = smallGradeField(gradeCode);
  const recommendedField = smallGradeField(recommendedCode);
  slots[at + G_PERCENTAGE] = gradeValueSlot(tables, local, recommendation === null ? null : recommendation.percentage);
  if (
    actor <= MAX_GRADE_ACTOR &&
    cls.number < GRADE_CLASS_UNIT &&
    fitsPositionAndMoment(position, moment) &&
    fitsPair(subjectNumber, pupil) &&
    fitsPair(teacher + 1, ruleSet) &&
    gradeField >= 0 &&
    recommendedField >= 0
  ) {
    slots[at + G_FLAGS] = (actor * GRADE_CLASS_UNIT + cls.number) * GRADE_ACTOR_UNIT + bits;
    slots[at + G_POSITION_MOMENT] = position * MOMENT_UNIT + moment;
    slots[at + G_SUBJECT_PUPIL] = subjectNumber * PAIR_UNIT + pupil;
    slots[at + G_TEACHER_RULE_SET] = (teacher + 1) * PAIR_UNIT + ruleSet;
    slots[at + G_GRADE_RECOMMENDED] = gradeField * PAIR_UNIT + recommendedField;
  } else {
    slots[at + G_FLAGS] = bits;
    slots[at + G_POSITION_MOMENT] = -1;
    slots[at + G_SUBJECT_PUPIL] = -1;
    slots[at + G_TEACHER_RULE_SET] = -1;
    slots[at + G_GRADE_RECOMMENDED] = -1;
    (audit.wideGrades ??= new Map()).set(n, { actor, classNumber: cls.number, position, moment, subject: subjectNumber, pupil, teacher, ruleSet, grade: gradeCode, recommended: recommendedCode });
  }
  audit.gradeCount = n + 1;
  if (((n + 1) & CHUNK_MASK) === 0 && tables.sealLag !== Infinity) sealGradeBlock(state, n >> CHUNK_SHIFT);
  if (metadata.reason !== undefined || overrideReason !== undefined || resit !== null || packed < 0)
    (audit.gradeNotes ??= new Map()).set(n, {
      reason: metadata.reason ?? null,
      overrideReason: overrideReason ?? null,
      attempt: resit === null ? null : resit.attempt,
      testGrade: resit === null ? null : resit.testGrade,
      period: packed < 0 ? period : null,
    });
  return n;
};

const closeStay = (state: SchoolLedgerState, recorded: RecordedEvent, pupilId: string, on: LocalDate): void => {
  const stays = classOf(state, recorded)?.pupils.get(pupilId);
  const last = stays?.[stays.length - 1];
  if (last !== undefined && last.until === undefined) last.until = on;
};

/** The union's members, each without the stamp and class (which `notePlanChange` adds). */
type PlanChangeOf<C> = C extends unknown ? Omit<C, keyof AuditStamp | 'classId'> : never;

/** A change to the plan, summatives or who sits a subject, in the audit trail (rare events: a whole entry each). */
const notePlanChange = (state: SchoolLedgerState, recorded: RecordedEvent, change: PlanChangeOf<PlanChange>): void => {
  const cls = classOf(state, recorded);
  if (cls === undefined) return;
  state.audit.planChanges.push({ ...auditStampOf(state, recorded), classId: cls.classId, ...change } as PlanChange);
};

/** How each event type changes the state. */
const handlers = {
  SchoolYearOpened: (state, { data }) => {
    state.schoolYears.set(data.schoolYearId, { schoolYearId: data.schoolYearId, startYear: data.startYear, ruleSetId: data.ruleSetId });
    sealYearsBefore(state, data.startYear);
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
      number: state.classList.length,
      caches: { eventIds: emptyIdCache(), markIds: emptyIdCache(), attendanceIds: emptyIdCache(), moment: emptyMomentCache(), values: new Map(), pupils: new Map(), lastCode: undefined, lastCodeNumber: -1 },
    };
    state.classList.push(opened);
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
        lessonSlots: [],
        lessonBases: [],
        lessonCount: 0,
        lessonIndex: null,
        wideLessons: null,
        summatives: new Map(),
        marks: [],
        markBases: [],
        recordedMarks: 0,
        markOverflow: null,
        markPositions: null,
        markPupilOn: null,
        tables: state.tables,
        subjectNumber: valueNumberOf(state.tables, data.subjectId),
        teacherNumber: valueNumberOf(state.tables, data.teacherId),
        lastOn: undefined,
        lastOnNumber: -1,
        markReasons: null,
        markChanges: null,
        attendance: [],
        attendanceBases: [],
        attendanceCount: 0,
        attendancePupilLesson: null,
        pupils: new Map(),
      });
      state.lastSubjectClass = undefined;
    } else {
      subject.teacherId = data.teacherId;
      subject.teacherNumber = valueNumberOf(state.tables, data.teacherId);
      subject.hoursPerWeek = data.hoursPerWeek;
      subject.gradingMode = data.gradingMode;
    }
  },
  PupilEnrolled: (state, { data }, recorded) => {
    const cls = classOf(state, recorded);
    if (cls === undefined) return;
    const pupilId = sharedString(state.tables, data.pupilId);
    const stays = cls.pupils.get(pupilId);
    if (stays === undefined) cls.pupils.set(pupilId, [{ from: data.on, until: undefined }]);
    else stays.push({ from: data.on, until: undefined });
    const classes = state.classesOfPupil.get(pupilId);
    if (classes === undefined) state.classesOfPupil.set(pupilId, [cls]);
    else if (!classes.includes(cls)) classes.push(cls);
  },
  PupilTransferred: (state, { data }, recorded) => {
    closeStay(state, recorded, data.pupilId, data.on);
    notePlanChange(state, recorded, { action: 'pupilTransferred', pupilId: data.pupilId, on: data.on, toClassId: data.toClassId });
  },
  PupilWithdrawn: (state, { data }, recorded) => {
    closeStay(state, recorded, data.pupilId, data.on);
    notePlanChange(state, recorded, { action: 'pupilWithdrawn', pupilId: data.pupilId, on: data.on });
  },
  LessonPlanned: (state, { data }, recorded) => {
    const subject = subjectOf(state, recorded, data.subjectId);
    if (subject === undefined) return;
    // The texts are shared with other classes' plans (kept once: see ledgerTables.ts).
    const { tables } = state;
    const i = subject.lessonCount;
    if ((i & LESSON_MASK) === 0) appendSlotBlock(tables, subject.lessonSlots, subject.lessonBases, LESSONS_PER_CHUNK * LESSON_SLOTS);
    const id = valueNumberOf(tables, data.lessonId);
    // Not cancelled: the date's number × 2 (see `LessonSlots`).
    setLessonNumbers(subject, i, { id, unit: valueNumberOf(tables, data.unit), topic: valueNumberOf(tables, data.topic), date: valueNumberOf(tables, data.date) * 2, period: data.period, hours: data.hours });
    subject.lessonCount = i + 1;
    // A valid plan never plans a lesson id twice (the decider refuses it); the index holds the last.
    if (subject.lessonIndex !== null) subject.lessonIndex.set(valueAt(tables, id) as string, i);
  },
  LessonRescheduled: (state, { data }, recorded) => {
    const lesson = lessonOf(state, recorded, data.subjectId, data.lessonId);
    notePlanChange(state, recorded, { action: 'lessonRescheduled', subjectId: data.subjectId, lessonId: data.lessonId, from: lesson === undefined ? null : lessonDateAt(lesson.subject, lesson.i), to: data.date });
    if (lesson === undefined) return;
    const n = lessonNumbersAt(lesson.subject, lesson.i);
    n.date = valueNumberOf(state.tables, data.date) * 2 + (n.date % 2);
    n.period = data.period;
    setLessonNumbers(lesson.subject, lesson.i, n);
  },
  LessonCancelled: (state, { data }, recorded) => {
    const lesson = lessonOf(state, recorded, data.subjectId, data.lessonId);
    notePlanChange(state, recorded, { action: 'lessonCancelled', subjectId: data.subjectId, lessonId: data.lessonId });
    if (lesson === undefined) return;
    const n = lessonNumbersAt(lesson.subject, lesson.i);
    if (n.date % 2 === 0) n.date += 1;
    setLessonNumbers(lesson.subject, lesson.i, n);
  },
  LessonTopicRevised: (state, { data }, recorded) => {
    const lesson = lessonOf(state, recorded, data.subjectId, data.lessonId);
    notePlanChange(state, recorded, {
      action: 'topicRevised',
      subjectId: data.subjectId,
      lessonId: data.lessonId,
      from: lesson === undefined ? null : (valueAt(state.tables, lessonNumbersAt(lesson.subject, lesson.i).topic) as string),
      to: data.topic,
    });
    if (lesson === undefined) return;
    const n = lessonNumbersAt(lesson.subject, lesson.i);
    n.topic = valueNumberOf(state.tables, data.topic);
    setLessonNumbers(lesson.subject, lesson.i, n);
  },
  SummativePlanned: (state, { data }, recorded) => {
    subjectOf(state, recorded, data.subjectId)?.summatives.set(data.summativeId, {
      summativeId: sharedString(state.tables, data.summativeId),
      lessonId: sharedString(state.tables, data.lessonId),
      kind: data.kind,
      maxPoints: data.maxPoints,
      cancelled: false,
    });
  },
  SummativeCancelled: (state, { data }, recorded) => {
    const summative = subjectOf(state, recorded, data.subjectId)?.summatives.get(data.summativeId);
    notePlanChange(state, recorded, { action: 'summativeCancelled', subjectId: data.subjectId, summativeId: data.summativeId, kind: summative?.kind ?? null });
    if (summative !== undefined) summative.cancelled = true;
  },
  PlanApproved: (state, { data }, recorded) => {
    const subject = subjectOf(state, recorded, data.subjectId);
    notePlanChange(state, recorded, { action: 'planApproved', subjectId: data.subjectId });
    if (subject !== undefined) subject.planApproved = true;
  },
  FormativeMarkRecorded: (state, { data }, recorded) => recordMark(state, recorded, data.subjectId, data.pupilId, data.markId, false, data.lessonId, data.mark),
  SummativeScoreRecorded: (state, { data }, recorded) => recordMark(state, recorded, data.subjectId, data.pupilId, data.markId, true, data.summativeId, data.points),
  SummativeScoreModerated: (state, { data }, recorded) => changeMark(state, recorded, data, 'moderated', { kind: 'summative', points: data.points }),
  MarkCorrected: (state, { data }, recorded) => changeMark(state, recorded, data, 'corrected', data.value),
  MarkAnnulled: (state, { data }, recorded) => changeMark(state, recorded, data, 'annulled', null),
  AttendanceMarked: (state, { data }, recorded) => {
    const subject = subjectOf(state, recorded, data.subjectId);
    if (subject === undefined) return;
    // A valid ledger never records an attendance id twice for one pupil and subject.
    const { tables } = state;
    const i = subject.attendanceCount;
    // A new block for every 32nd entry, from a hole a sealed block left if any (see `sealAttendanceBlock`); a block sealed partly filled, its class's year over, back in slots first.
    if ((i & ATTENDANCE_MASK) !== 0 && (subject.attendance[i >> ATTENDANCE_SHIFT] as number) < 0) liveAttendanceBlock(subject, i);
    const at = (i & ATTENDANCE_MASK) === 0 ? cutSlotBlock(tables, tables.attendanceHoles, subject.attendance, subject.attendanceBases, ENTRIES_PER_ATTENDANCE_CHUNK * ATTENDANCE_SLOTS) : attendanceOffset(subject, i);
    const slots = attendanceChunk(subject, i);
    const { caches } = state.lastClass as JournalClass; // set by subjectOf
    writeId(tables, caches.attendanceIds, data.attendanceId, slots, at + A_ID);
    const lesson = data.lessonId === subject.lastOn ? subject.lastOnNumber : onNumberOf(subject, caches.values, data.lessonId);
    slots[at + A_CODE] = data.code === caches.lastCode ? caches.lastCodeNumber : codeNumberOf(tables, caches, data.code);
    const pupil = pupilNumberOf(tables, caches, data.pupilId);
    if (fitsPair(pupil, lesson)) slots[at + A_PUPIL_LESSON] = pupil * PAIR_UNIT + lesson;
    else {
      slots[at + A_PUPIL_LESSON] = -1;
      (subject.attendancePupilLesson ??= new Map()).set(i, { pupil, lesson });
    }
    subject.attendanceCount = i + 1;
    if (((i + 1) & ATTENDANCE_MASK) === 0) sealAttendanceBehind(subject, i >> ATTENDANCE_SHIFT);
  },
  AttendanceCorrected: (state, { data }, recorded) => {
    const cls = classOf(state, recorded);
    if (cls === undefined) return;
    const subject = subjectOf(state, recorded, data.subjectId);
    const i = subject === undefined ? undefined : attendanceNumberOf(subject, data.attendanceId, data.pupilId);
    const stamp = auditStampOf(state, recorded);
    state.audit.changes.push({
      eventId: stamp.eventId,
      actor: stamp.actor,
      occurredAt: stamp.occurredAt,
      recordedAt: stamp.recordedAt,
      reason: stamp.reason,
      streamId: stamp.streamId,
      globalPosition: stamp.globalPosition,
      action: 'attendanceCorrected',
      attendanceId: data.attendanceId,
      classId: cls.classId,
      subjectId: subject === undefined ? data.subjectId : subject.subjectId,
      pupilId: data.pupilId,
      from: subject === undefined || i === undefined ? null : (valueAt(state.tables, attendanceSlot(subject, i, A_CODE)) as AttendanceCode | 'present'),
      to: data.code,
      supersedesEventId: data.supersedesEventId,
    });
    state.audit.counts.attendanceCorrected++;
    if (subject !== undefined && i !== undefined) {
      // A sealed entry's block back in slots first (for good: see `liveAttendanceBlock`).
      liveAttendanceBlock(subject, i);
      attendanceChunk(subject, i)[attendanceOffset(subject, i) + A_CODE] = valueNumberOf(state.tables, data.code);
    }
  },
  ExemptionGranted: (state, { data }, recorded) => {
    notePlanChange(state, recorded, { action: 'exemptionGranted', subjectId: data.subjectId, pupilId: data.pupilId, exemptionId: data.exemptionId, from: data.from, to: data.to, ground: data.ground });
    const subject = subjectOf(state, recorded, data.subjectId);
    if (subject === undefined) return;
    const record = recordOf(subject, data.pupilId);
    record.exemptions = appended(record.exemptions ?? [], { exemptionId: data.exemptionId, from: data.from, to: data.to, ground: data.ground });
  },
  PeriodGradeFinalized: (state, { data }, recorded) => {
    const cls = classOf(state, recorded);
    if (cls === undefined) return;
    const subject = subjectOf(state, recorded, data.subjectId);
    const { period } = data;
    const n = recordGrade(state, recorded, cls, subject, 0, period, data.subjectId, data.pupilId, data.grade, data.recommendation, data.ruleSetId, data.overrideReason, null);
    if (subject === undefined) return;
    // One grade per period: a later one (never recorded by the decider) replaces it.
    const record = recordOf(subject, data.pupilId);
    const grades = record.periodGrades;
    const bits = periodBitsOf(period);
    let same = 0;
    while (same < grades.length && !isEntryOfPeriod(state, grades[same] as number, period, bits)) same++;
    if (same < grades.length) grades[same] = n * PERIOD_UNIT + bits;
    else record.periodGrades = appended(grades, n * PERIOD_UNIT + bits);
  },
  YearGradeFinalized: (state, { data }, recorded) => {
    const cls = classOf(state, recorded);
    if (cls === undefined) return;
    const subject = subjectOf(state, recorded, data.subjectId);
    const n = recordGrade(state, recorded, cls, subject, 1, null, data.subjectId, data.pupilId, data.grade, data.recommendation, data.ruleSetId, data.overrideReason, null);
    if (subject !== undefined) recordOf(subject, data.pupilId).yearGrade = n;
  },
  ResitResultRecorded: (state, { data }, recorded) => {
    const cls = classOf(state, recorded);
    if (cls === undefined) return;
    const subject = subjectOf(state, recorded, data.subjectId);
    state.audit.counts.resits++;
    const n = recordGrade(state, recorded, cls, subject, 2, null, data.subjectId, data.pupilId, data.finalGrade, null, data.ruleSetId, undefined, { attempt: data.attempt, testGrade: data.testGrade });
    if (subject === undefined) return;
    const record = recordOf(subject, data.pupilId);
    record.resits = appended(record.resits ?? [], n);
  },
} satisfies EventHandlers<SchoolLedgerState>;

/** Each event type's index in `eventTypes` (frozen: the switch below reads them as constants). */
const T: Readonly<Record<EventType, number>> = Object.freeze(Object.fromEntries(eventTypes.map((type, index) => [type, index] as const)) as Record<EventType, number>);

/**
 * One event into the state: a switch on the type (most frequent first), each case counting the
 * event and calling its handler directly (a call site per type, which the JIT can inline).
 */
const applyToLedger = (state: SchoolLedgerState, recorded: RecordedEvent): void => {
  const { event } = recorded;
  switch (event.type) {
    case 'FormativeMarkRecorded':
      countEvent(state, recorded, T.FormativeMarkRecorded);
      return handlers.FormativeMarkRecorded(state, event, recorded);
    case 'SummativeScoreRecorded':
      countEvent(state, recorded, T.SummativeScoreRecorded);
      return handlers.SummativeScoreRecorded(state, event, recorded);
    case 'AttendanceMarked':
      countEvent(state, recorded, T.AttendanceMarked);
      return handlers.AttendanceMarked(state, event, recorded);
    case 'PeriodGradeFinalized':
      countEvent(state, recorded, T.PeriodGradeFinalized);
      return handlers.PeriodGradeFinalized(state, event, recorded);
    case 'LessonPlanned':
      countEvent(state, recorded, T.LessonPlanned);
      return handlers.LessonPlanned(state, event, recorded);
    case 'YearGradeFinalized':
      countEvent(state, recorded, T.YearGradeFinalized);
      return handlers.YearGradeFinalized(state, event, recorded);
    case 'SummativePlanned':
      countEvent(state, recorded, T.SummativePlanned);
      return handlers.SummativePlanned(state, event, recorded);
    case 'MarkCorrected':
      countEvent(state, recorded, T.MarkCorrected);
      return handlers.MarkCorrected(state, event, recorded);
    case 'AttendanceCorrected':
      countEvent(state, recorded, T.AttendanceCorrected);
      return handlers.AttendanceCorrected(state, event, recorded);
    case 'PupilEnrolled':
      countEvent(state, recorded, T.PupilEnrolled);
      return handlers.PupilEnrolled(state, event, recorded);
    case 'SummativeScoreModerated':
      countEvent(state, recorded, T.SummativeScoreModerated);
      return handlers.SummativeScoreModerated(state, event, recorded);
    case 'SubjectAssigned':
      countEvent(state, recorded, T.SubjectAssigned);
      return handlers.SubjectAssigned(state, event, recorded);
    case 'PlanApproved':
      countEvent(state, recorded, T.PlanApproved);
      return handlers.PlanApproved(state, event, recorded);
    case 'MarkAnnulled':
      countEvent(state, recorded, T.MarkAnnulled);
      return handlers.MarkAnnulled(state, event, recorded);
    case 'LessonTopicRevised':
      countEvent(state, recorded, T.LessonTopicRevised);
      return handlers.LessonTopicRevised(state, event, recorded);
    case 'LessonCancelled':
      countEvent(state, recorded, T.LessonCancelled);
      return handlers.LessonCancelled(state, event, recorded);
    case 'LessonRescheduled':
      countEvent(state, recorded, T.LessonRescheduled);
      return handlers.LessonRescheduled(state, event, recorded);
    case 'ClassOpened':
      countEvent(state, recorded, T.ClassOpened);
      return handlers.ClassOpened(state, event, recorded);
    case 'PupilTransferred':
      countEvent(state, recorded, T.PupilTransferred);
      return handlers.PupilTransferred(state, event, recorded);
    case 'PupilWithdrawn':
      countEvent(state, recorded, T.PupilWithdrawn);
      return handlers.PupilWithdrawn(state, event, recorded);
    case 'ExemptionGranted':
      countEvent(state, recorded, T.ExemptionGranted);
      return handlers.ExemptionGranted(state, event, recorded);
    case 'ResitResultRecorded':
      countEvent(state, recorded, T.ResitResultRecorded);
      return handlers.ResitResultRecorded(state, event, recorded);
    case 'SchoolYearOpened':
      countEvent(state, recorded, T.SchoolYearOpened);
      return handlers.SchoolYearOpened(state, event);
    case 'SummativeCancelled':
      countEvent(state, recorded, T.SummativeCancelled);
      return handlers.SummativeCancelled(state, event, recorded);
    default:
      // A type the fold keeps nothing of (the archive's and personal-data events): counted in the totals only.
      countEvent(state, recorded, eventTypeIndex.get(event.type) ?? -1);
  }
};

/** The school ledger fold behind every read model (see the queries in this folder). */
export const schoolLedgerProjection: Projection<SchoolLedgerState> = {
  init: initialSchoolLedgerState,
  apply: applyToLedger,
  initialState: initialSchoolLedgerState,
  evolve: (state, recorded) => {
    applyToLedger(state, recorded);
    return state;
  },
};
