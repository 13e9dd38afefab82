import * as E from 'fp-ts/Either';
import {
  chooseRuleSet,
  classCalendarOf,
  classStreamId,
  eventDefinitions,
  gradingModeFor,
  journalRulesFromRuleSets,
  kazakhstanRuleSets,
  schoolYearStreamId,
  type Actor,
  type AssessmentPeriod,
  type AttendanceCode,
  type ClassCalendar,
  type DatedPeriod,
  type EventType,
  type GradeValue,
  type GradingMode,
  type JournalRules,
  type LedgerEvent,
  type LocalDate,
  type PeriodMarks,
  type RecordedEvent,
  type RuleSet,
  type SchoolYearOpenedData,
  type Summative,
} from '@grade-ledger/core';
import { addDays, kazakhstanLikeCalendar, schoolDaysOf, weekdayOf } from '../school/calendar';
import { mulberry32, type Prng } from '../school/prng';
import { curriculumFor, MAX_SUBJECTS, timetableOf, type CurriculumSubject } from './curriculum';
import { hash32, textHash, unitOf } from './hash';
import { journalReasons } from '../reasons';

/*
 * A realistic school's whole history, generated directly as recorded events (no command
 * handler, no store), streamed class-year by class-year so that memory stays bounded. Every
 * event is what the class journal's decider would emit for the command it stands for (the
 * workload test replays a small school through `decide` to prove it); grades are the rules
 * engine's recommendations, computed from the marks in force exactly as `periodMarksOf` takes
 * them. Same options, same events, byte for byte: randomness is a seeded generator per
 * class-year, time is derived from the calendar, never read from a clock.
 */

export type WorkloadOptions = {
  /** Seed (unsigned 32-bit integer). Default 2018. */
  readonly seed?: number;
  /** First school year, by its start year. Default 2018 (2018-2019). */
  readonly since?: number;
  /** Last school year, by its start year, included. Default 2025 (2025-2026, ending in 2026). */
  readonly until?: number;
  /** Classes (parallels А, Б, В, ...) per grade level. Default 4 × scale, at least 1. */
  readonly classesPerGradeLevel?: number;
  /** Pupils a new class starts with (each class draws ±2 around it). Default 27. */
  readonly pupilsPerClass?: number;
  /** Multiplies the default number of classes per grade level. Default 1 (44 classes). */
  readonly scale?: number;
  /** Grade levels the school has. Default 1..11. */
  readonly gradeLevels?: ReadonlyArray<number>;
  /** Subjects per class (the first n of the curriculum). Default 12, all of them. */
  readonly subjectsPerClass?: number;
  /** Share of the pupils present on an ordinary lesson who get a formative mark. Default 0.25. */
  readonly markRate?: number;
  /** Rule sets the school works by. Default `kazakhstanRuleSets()`. */
  readonly ruleSets?: ReadonlyArray<RuleSet>;
};

export type InvalidWorkloadOption = {
  readonly kind: 'InvalidWorkloadOption';
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
};

export type ResolvedWorkloadOptions = {
  readonly seed: number;
  readonly since: number;
  readonly until: number;
  readonly classesPerGradeLevel: number;
  readonly pupilsPerClass: number;
  readonly gradeLevels: ReadonlyArray<number>;
  readonly subjectsPerClass: number;
  readonly markRate: number;
  readonly ruleSets: ReadonlyArray<RuleSet>;
};

/** What a run generated, counted as it went. */
export type WorkloadSummary = {
  readonly options: Omit<ResolvedWorkloadOptions, 'ruleSets'> & { readonly ruleSetIds: ReadonlyArray<string> };
  readonly events: number;
  readonly eventsByType: Readonly<Record<string, number>>;
  readonly streams: number;
  readonly schoolYears: ReadonlyArray<{ readonly schoolYearId: string; readonly ruleSetId: string; readonly classes: number; readonly pupils: number }>;
  /** Class-years (one stream each). */
  readonly classYears: number;
  /** Distinct pupils over all years. */
  readonly pupils: number;
  /** Lessons held (planned and not cancelled). */
  readonly lessonsHeld: number;
  /** Pupils enrolled on held lessons, summed over lessons: the denominator of the absence rate. */
  readonly pupilLessons: number;
  /** Formative marks and summative scores recorded. */
  readonly marks: number;
  /** MarkCorrected, MarkAnnulled and SummativeScoreModerated events. */
  readonly markChanges: number;
  readonly overrides: number;
};

const LETTERS = 'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮ';
const LATIN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const DIRECTOR: Actor = { id: 'director-01', role: 'director' };
const DEPUTY: Actor = { id: 'deputy-01', role: 'deputyDirector' };

// Rates: about 6% of pupil-lessons with an absence or lateness, about 1% of marks changed.
const WHOLE_DAY_ABSENCE = 0.045;
const LESSON_ABSENCE = 0.015;
const FORMATIVE_MARK_RATE = 0.25;
const MARK_CORRECTION = 0.01;
const MARK_ANNULMENT = 0.002;
const SCORE_CORRECTION = 0.008;
const TERM_SUMMATIVE_MODERATION = 0.03;
const ATTENDANCE_EXCUSED_LATER = 0.15;
const MAKE_UP_MISSED = 0.03;
const LESSON_CANCELLED = 0.004;
const TOPIC_REVISED = 0.005;
const PERIOD_OVERRIDE = 0.003;
const YEAR_OVERRIDE = 0.002;
const PASS_FAIL_FAIL = 0.002;
const WITHDRAWAL = 0.015;
const JOINERS_PER_CLASS = 0.4; // chance, twice, of a pupil joining at the start of term 3

const CORRECTION_REASONS = journalReasons.markCorrections;
const SCORE_CORRECTION_REASON = journalReasons.scoreCorrection;
const ANNULMENT_REASONS = journalReasons.annulments;
const MODERATION_REASONS = journalReasons.moderations;
const ATTENDANCE_REASON = journalReasons.attendanceExcused;
const PERIOD_OVERRIDE_REASON = 'Pedagogical council: the pupil sat a missed section summative late and was re-marked';
const YEAR_OVERRIDE_REASON = journalReasons.yearOverride;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

const TOPICS = Array.from({ length: 220 }, (_, i) => `Lesson ${i + 1}`);
const UNITS = Array.from({ length: 40 }, (_, i) => `Section ${i + 1}`);
const LESSON_IDS = Array.from({ length: 220 }, (_, i) => `L${pad(i + 1, 3)}`);
const SCHEMA_VERSIONS = new Map<string, number>(Object.values(eventDefinitions).map((d) => [d.type, d.schemaVersion]));

/** `YYYY-MM-DDTHH:mm:00Z`, `minutes` after midnight of `date` (may run into later days). */
const instant = (date: LocalDate, minutes: number): string => {
  const days = Math.floor(minutes / 1440);
  const rest = minutes - days * 1440;
  return `${days === 0 ? date : addDays(date, days)}T${pad(Math.floor(rest / 60), 2)}:${pad(rest % 60, 2)}:00Z`;
};

const invalid = (field: string, value: unknown, expected: string): E.Either<InvalidWorkloadOption, never> =>
  E.left({ kind: 'InvalidWorkloadOption', field, value, message: `${field} ${JSON.stringify(value)}: expected ${expected}` });

const isIntIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** Checks the options and fills in the defaults; a bad option is named with its value. */
export const resolveWorkloadOptions = (options: WorkloadOptions = {}): E.Either<InvalidWorkloadOption, ResolvedWorkloadOptions> => {
  const seed = options.seed ?? 2018;
  const since = options.since ?? 2018;
  const until = options.until ?? 2025;
  const scale = options.scale ?? 1;
  if (!isIntIn(seed, 0, 0xffffffff)) return invalid('seed', seed, 'an integer from 0 to 4294967295');
  if (!isIntIn(since, 2000, 2090)) return invalid('since', since, 'a start year from 2000 to 2090');
  if (!isIntIn(until, since, since + 30)) return invalid('until', until, `a start year from ${since} to ${since + 30}`);
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0 || scale > 6) return invalid('scale', scale, 'a number above 0, at most 6');
  const classesPerGradeLevel = options.classesPerGradeLevel ?? Math.max(1, Math.round(4 * scale));
  if (!isIntIn(classesPerGradeLevel, 1, LATIN.length)) return invalid('classesPerGradeLevel', classesPerGradeLevel, `an integer from 1 to ${LATIN.length}`);
  const pupilsPerClass = options.pupilsPerClass ?? 27;
  if (!isIntIn(pupilsPerClass, 1, 45)) return invalid('pupilsPerClass', pupilsPerClass, 'an integer from 1 to 45');
  const gradeLevels = options.gradeLevels ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const badLevel = gradeLevels.find((g) => !isIntIn(g, 1, 11));
  if (badLevel !== undefined || gradeLevels.length === 0 || new Set(gradeLevels).size !== gradeLevels.length)
    return invalid('gradeLevels', gradeLevels, 'distinct grade levels from 1 to 11, at least one');
  const subjectsPerClass = options.subjectsPerClass ?? MAX_SUBJECTS;
  if (!isIntIn(subjectsPerClass, 1, MAX_SUBJECTS)) return invalid('subjectsPerClass', subjectsPerClass, `an integer from 1 to ${MAX_SUBJECTS}`);
  const markRate = options.markRate ?? FORMATIVE_MARK_RATE;
  if (typeof markRate !== 'number' || !(markRate >= 0 && markRate <= 1)) return invalid('markRate', markRate, 'a share from 0 to 1');
  const ruleSets =
    options.ruleSets ??
    (() => {
      const shipped = kazakhstanRuleSets();
      return E.isRight(shipped) ? shipped.right : [];
    })();
  if (ruleSets.length === 0) return invalid('ruleSets', ruleSets, 'at least one valid rule set');
  return E.right({ seed, since, until, classesPerGradeLevel, pupilsPerClass, gradeLevels: [...gradeLevels].sort((a, b) => a - b), subjectsPerClass, markRate, ruleSets });
};

// --- the per class-year model ---------------------------------------------------------------

type SummativeInfo = {
  readonly summativeId: string;
  readonly kind: 'section' | 'term';
  readonly maxPoints: number;
  readonly lesson: LessonInfo;
};

type LessonInfo = {
  readonly subject: SubjectInfo;
  readonly lessonId: string;
  readonly number: number;
  readonly date: LocalDate;
  readonly period: number;
  /** Index of the subject's assessment period (term 0..3 or half-year 0..1) the lesson is in. */
  readonly periodIndex: number;
  cancelled: boolean;
  revised: boolean;
  summative: SummativeInfo | undefined;
};

type SubjectInfo = {
  readonly index: number;
  readonly subjectId: string;
  readonly code: number;
  readonly hoursPerWeek: number;
  readonly gradingMode: GradingMode;
  readonly halfYear: boolean;
  readonly teacher: Actor;
  readonly periods: ReadonlyArray<DatedPeriod>;
  readonly lessons: LessonInfo[];
  /** Sorted by id, as `periodMarksOf` hands them to the rules. */
  readonly summatives: SummativeInfo[];
};

type MarkRecord = {
  readonly markId: string;
  readonly kind: 'formative' | 'summative';
  value: number;
  lastEventId: string;
  annulled: boolean;
  readonly periodIndex: number;
  readonly summative: SummativeInfo | undefined;
};

type PupilSubject = {
  readonly formative: MarkRecord[];
  readonly scores: Map<string, MarkRecord>;
  /** Lessons on which the pupil's current attendance code is excused or illness. */
  readonly excusedLessons: Set<string>;
  readonly periodGrades: Array<GradeValue | undefined>;
};

type Pupil = {
  readonly pupilId: string;
  readonly number: number;
  readonly from: LocalDate;
  /** First day the pupil is no longer in the class (withdrawn), if they leave this year. */
  readonly until: LocalDate | undefined;
  readonly subjects: PupilSubject[];
  readonly ability: number[];
};

type Stats = {
  events: number;
  eventsByType: Map<string, number>;
  streams: number;
  classYears: number;
  pupils: Set<string>;
  lessonsHeld: number;
  pupilLessons: number;
  marks: number;
  markChanges: number;
  overrides: number;
  years: Array<{ schoolYearId: string; ruleSetId: string; classes: number; pupils: number }>;
};

type ClassYearInput = {
  readonly options: ResolvedWorkloadOptions;
  readonly rules: JournalRules;
  readonly ruleSet: RuleSet;
  readonly year: SchoolYearOpenedData;
  readonly gradeLevel: number;
  readonly letterIndex: number;
  /** Index of the class in the school (grade by grade, letter by letter): picks its teachers. */
  readonly classIndex: number;
  /** Pupils continuing from last year's class (numbers), or undefined for a new class. */
  readonly continuing: ReadonlyArray<number> | undefined;
  readonly newPupilNumber: () => number;
  readonly nextGlobalPosition: () => number;
  readonly stats: Stats;
};

/** Pupils' expected share of the maximum in a subject: a stable trait of the pupil (0.35..0.97). */
const abilityOf = (seed: number, pupilNumber: number, subjectCode: number): number => {
  const base = 0.45 + 0.5 * ((unitOf(seed, pupilNumber, 1) + unitOf(seed, pupilNumber, 2)) / 2);
  return clamp(base + 0.16 * (unitOf(seed, pupilNumber, subjectCode) - 0.5), 0.35, 0.97);
};

const teacherOf = (subject: CurriculumSubject, gradeLevel: number, classIndex: number): Actor => {
  if (gradeLevel <= 4 && subject.byPrimaryTeacher) return { id: `t-primary-${pad(classIndex + 1, 3)}`, role: 'subjectTeacher' };
  // A specialist teaches about six classes.
  return { id: `t-${subject.subjectId}-${pad(Math.floor(classIndex / 6) + 1, 2)}`, role: 'subjectTeacher' };
};

/**
 * One class through one school year, as the events of its stream in date order:
 * 1. set-up (25 Aug): ClassOpened, SubjectAssigned per subject, PupilEnrolled per pupil;
 * 2. the plan (28-30 Aug): LessonPlanned per lesson with its SummativePlanned, PlanApproved;
 * 3. each day: LessonCancelled / LessonTopicRevised (07:00), PupilWithdrawn / PupilEnrolled
 *    (07:30), then lesson by lesson AttendanceMarked (start + 5 min) and FormativeMarkRecorded
 *    or SummativeScoreRecorded (start + 40 min); then, from the end of the last lesson (15:00
 *    at the earliest), make-up summative scores, MarkCorrected / MarkAnnulled (+1 h),
 *    SummativeScoreModerated (+1.5 h), AttendanceCorrected (+2.5 h); on a period's last day
 *    PeriodGradeFinalized (18:00 or later) and on the last term's last day YearGradeFinalized
 *    (an hour later). So occurredAt never goes back within a stream;
 * 4. re-sits in June: ResitResultRecorded.
 * Returns the pupils who stay in the class to the end of the year.
 */
const generateClassYear = (input: ClassYearInput, out: RecordedEvent[]): ReadonlyArray<number> => {
  const { options, rules, ruleSet, year, gradeLevel, letterIndex, classIndex, stats } = input;
  const random: Prng = mulberry32(hash32(options.seed, year.startYear, gradeLevel, letterIndex));
  const classId = `${year.startYear}-${gradeLevel}${LATIN[letterIndex] ?? 'A'}`;
  const streamId = classStreamId(classId);
  const calendar: ClassCalendar = classCalendarOf(year);
  const ruleSetId = ruleSet.id;
  const marksLevel = !rules.isNoMarksGradeLevel(ruleSetId, gradeLevel);
  const commandPrefix = `c.${classId}.`;
  let revision = 0;

  const emit = (type: EventType, data: unknown, actor: Actor, occurredAt: string, recordedAt: string, reason?: string): string => {
    const commandId = commandPrefix + revision;
    const eventId = `${commandId}.0`;
    const metadata =
      reason === undefined
        ? { eventId, occurredAt, recordedAt, actor, correlationId: commandId, causationId: commandId }
        : { eventId, occurredAt, recordedAt, actor, correlationId: commandId, causationId: commandId, reason };
    out.push({
      event: { type, schemaVersion: SCHEMA_VERSIONS.get(type) ?? 1, data, metadata } as LedgerEvent,
      streamId,
      streamRevision: revision,
      globalPosition: input.nextGlobalPosition(),
    });
    revision++;
    return eventId;
  };

  // --- set-up -------------------------------------------------------------------------------
  const curriculum = curriculumFor(gradeLevel, options.subjectsPerClass);
  const subjects: SubjectInfo[] = curriculum.map((c, index) => {
    const halfYear = rules.isHalfYearSubject(ruleSetId, c.hoursPerWeek);
    return {
      index,
      subjectId: c.subjectId,
      code: textHash(c.subjectId),
      hoursPerWeek: c.hoursPerWeek,
      gradingMode: gradingModeFor(ruleSet, gradeLevel, c.subjectId),
      halfYear,
      teacher: teacherOf(c, gradeLevel, classIndex),
      periods: halfYear ? calendar.halfYears : calendar.terms,
      lessons: [],
      summatives: [],
    };
  });
  const classTeacherId = gradeLevel <= 4 ? `t-primary-${pad(classIndex + 1, 3)}` : (subjects[classIndex % subjects.length] ?? subjects[0])?.teacher.id ?? 't-class';
  const classTeacher: Actor = { id: classTeacherId, role: 'classTeacher' };

  const newPupil = (number: number, from: LocalDate): Pupil => ({
    pupilId: `p${pad(number, 5)}`,
    number,
    from,
    until: undefined,
    subjects: subjects.map(() => ({ formative: [], scores: new Map(), excusedLessons: new Set(), periodGrades: [] })),
    ability: subjects.map((s) => abilityOf(options.seed, number, s.code)),
  });
  const startNumbers =
    input.continuing !== undefined && input.continuing.length > 0
      ? input.continuing
      : Array.from({ length: Math.max(1, options.pupilsPerClass + random.int(-2, 2)) }, () => input.newPupilNumber());
  const term3 = calendar.terms[2];
  const joinerNumbers = term3 === undefined ? [] : [0, 1].filter(() => random.chance(JOINERS_PER_CLASS)).map(() => input.newPupilNumber());

  // Withdrawals: on a school day of terms 2-4 (not a term's first day, to keep them mid-term).
  const laterDays = calendar.terms.slice(1).flatMap((t) => schoolDaysOf(t).slice(1));
  const pupils: Pupil[] = startNumbers.map((n) => {
    const pupil = newPupil(n, calendar.startsOn);
    const leaves = laterDays.length > 0 && random.chance(WITHDRAWAL) ? laterDays[random.int(0, laterDays.length - 1)] : undefined;
    return leaves === undefined ? pupil : { ...pupil, until: leaves };
  });
  const joiners = term3 === undefined ? [] : joinerNumbers.map((n) => newPupil(n, term3.startsOn));
  const everyone = [...pupils, ...joiners];
  for (const p of everyone) stats.pupils.add(p.pupilId);

  const setUp = instant(`${year.startYear}-08-25`, 600);
  const setUpRecorded = instant(`${year.startYear}-08-25`, 603);
  emit('ClassOpened', { classId, gradeLevel, letter: LETTERS[letterIndex] ?? 'А', classTeacherId, calendar }, DIRECTOR, setUp, setUpRecorded);
  for (const s of subjects)
    emit('SubjectAssigned', { subjectId: s.subjectId, teacherId: s.teacher.id, hoursPerWeek: s.hoursPerWeek, gradingMode: s.gradingMode }, DIRECTOR, setUp, setUpRecorded);
  for (const p of pupils) emit('PupilEnrolled', { pupilId: p.pupilId, on: calendar.startsOn }, DIRECTOR, setUp, setUpRecorded);

  // --- the plan (КТП) ---------------------------------------------------------------------------
  const slotsByWeekday = new Map<number, Array<{ subjectIndex: number; period: number }>>();
  for (const slot of timetableOf(curriculum, classIndex % 5)) {
    const list = slotsByWeekday.get(slot.weekday) ?? [];
    list.push({ subjectIndex: slot.subjectIndex, period: slot.period });
    slotsByWeekday.set(slot.weekday, list);
  }
  const lessonsByDate = new Map<LocalDate, LessonInfo[]>();
  const periodIndexOf = (s: SubjectInfo, date: LocalDate): number => s.periods.findIndex((p) => p.startsOn <= date && date <= p.endsOn);
  for (const term of calendar.terms)
    for (const date of schoolDaysOf(term)) {
      const today: LessonInfo[] = [];
      for (const slot of (slotsByWeekday.get(weekdayOf(date)) ?? []).slice().sort((a, b) => a.period - b.period)) {
        const s = subjects[slot.subjectIndex];
        if (s === undefined) continue;
        const number = s.lessons.length + 1;
        const lesson: LessonInfo = {
          subject: s,
          lessonId: LESSON_IDS[number - 1] ?? `L${number}`,
          number,
          date,
          period: slot.period,
          periodIndex: periodIndexOf(s, date),
          cancelled: random.chance(LESSON_CANCELLED),
          revised: random.chance(TOPIC_REVISED),
          summative: undefined,
        };
        s.lessons.push(lesson);
        today.push(lesson);
      }
      lessonsByDate.set(date, today);
    }

  // Summatives: per period 2-3 СОР and, for term-graded subjects, one СОЧ late in the term,
  // never on its last day, never on a day with 3 СОЧ of the class already.
  const termSummativesOn = new Map<LocalDate, number>();
  const primary = gradeLevel <= 4;
  for (const s of subjects) {
    if (!marksLevel || s.gradingMode !== 'scored') continue;
    const tag = s.halfYear ? 'h' : 't';
    for (const [k, period] of s.periods.entries()) {
      const candidates = s.lessons.filter((l) => l.periodIndex === k && !l.cancelled);
      if (candidates.length < 4) continue;
      let end = candidates.length;
      if (!s.halfYear) {
        for (let j = candidates.length - 1; j >= Math.floor(candidates.length / 2); j--) {
          const lesson = candidates[j];
          if (lesson === undefined || lesson.date === period.endsOn || (termSummativesOn.get(lesson.date) ?? 0) >= 3) continue;
          lesson.summative = { summativeId: `${s.subjectId}.${tag}${period.number}.soch`, kind: 'term', maxPoints: primary ? random.int(15, 20) : random.int(20, 30), lesson };
          termSummativesOn.set(lesson.date, (termSummativesOn.get(lesson.date) ?? 0) + 1);
          end = j;
          break;
        }
      }
      const count = Math.min(random.int(2, 3), end - 1);
      for (let i = 1; i <= count; i++) {
        const lesson = candidates[Math.floor((i * end) / (count + 1))];
        if (lesson === undefined || lesson.summative !== undefined) continue;
        lesson.summative = { summativeId: `${s.subjectId}.${tag}${period.number}.sor${i}`, kind: 'section', maxPoints: primary ? random.int(7, 15) : random.int(10, 25), lesson };
      }
    }
    for (const l of s.lessons) if (l.summative !== undefined) s.summatives.push(l.summative);
    s.summatives.sort((a, b) => (a.summativeId < b.summativeId ? -1 : 1));
  }

  const planAt = instant(`${year.startYear}-08-28`, 660);
  const planRecorded = instant(`${year.startYear}-08-28`, 665);
  for (const s of subjects) {
    for (const l of s.lessons) {
      emit(
        'LessonPlanned',
        { subjectId: s.subjectId, lessonId: l.lessonId, date: l.date, period: l.period, unit: UNITS[Math.floor((l.number - 1) / 8)] ?? 'Section', topic: TOPICS[l.number - 1] ?? `Lesson ${l.number}`, hours: 1 },
        s.teacher,
        planAt,
        planRecorded,
      );
      if (l.summative !== undefined)
        emit('SummativePlanned', { subjectId: s.subjectId, summativeId: l.summative.summativeId, lessonId: l.lessonId, kind: l.summative.kind, maxPoints: l.summative.maxPoints }, s.teacher, planAt, planRecorded);
    }
  }
  for (const s of subjects) emit('PlanApproved', { subjectId: s.subjectId }, DEPUTY, instant(`${year.startYear}-08-30`, 720), instant(`${year.startYear}-08-30`, 722));

  // --- the journal, day by day -------------------------------------------------------------
  const enrolledOn = (p: Pupil, date: LocalDate): boolean => p.from <= date && (p.until === undefined || date < p.until);
  const scoredHere = (s: SubjectInfo): boolean => marksLevel && s.gradingMode === 'scored';
  let markSeq = 0;
  let attendanceSeq = 0;

  // The day's afternoon: after its last lesson, at 15:00 at the earliest; grades from 18:00.
  let afterLessons = 900;
  let gradesAt = 1080;
  type Pending = { readonly run: () => void };
  const makeUps = new Map<LocalDate, Pending[]>();
  let corrections: Pending[] = [];
  let moderations: Pending[] = [];
  let attendanceCorrections: Pending[] = [];

  const recordScore = (p: Pupil, s: SubjectInfo, summative: SummativeInfo, day: LocalDate, occurredAt: string, recordedAt: string): void => {
    const ability = p.ability[s.index] ?? 0.7;
    const points = Math.round(summative.maxPoints * clamp(ability + random.between(-0.12, 0.12), 0, 1));
    const markId = `m${++markSeq}`;
    const eventId = emit('SummativeScoreRecorded', { subjectId: s.subjectId, markId, summativeId: summative.summativeId, pupilId: p.pupilId, points }, s.teacher, occurredAt, recordedAt);
    stats.marks++;
    const record: MarkRecord = { markId, kind: 'summative', value: points, lastEventId: eventId, annulled: false, periodIndex: summative.lesson.periodIndex, summative };
    p.subjects[s.index]?.scores.set(summative.summativeId, record);
    const max = summative.maxPoints;
    if (summative.kind === 'term' && random.chance(TERM_SUMMATIVE_MODERATION)) {
      const moved = clamp(points + random.pick([-2, -1, 1, 2, 3] as const), 0, max);
      if (moved !== points)
        moderations.push({
          run: () => {
            const at = instant(day, afterLessons + 90);
            record.lastEventId = emit('SummativeScoreModerated', { subjectId: s.subjectId, markId, pupilId: p.pupilId, points: moved }, DEPUTY, at, instant(day, afterLessons + 95), random.pick(MODERATION_REASONS));
            record.value = moved;
            stats.markChanges++;
          },
        });
    } else if (random.chance(SCORE_CORRECTION)) {
      const fixed = points < max ? points + 1 : points - 1;
      if (fixed >= 0 && fixed !== points)
        corrections.push({
          run: () => {
            const at = instant(day, afterLessons + 60);
            record.lastEventId = emit(
              'MarkCorrected',
              { subjectId: s.subjectId, markId, pupilId: p.pupilId, supersedesEventId: record.lastEventId, value: { kind: 'summative', points: fixed } },
              s.teacher,
              at,
              instant(day, afterLessons + 62),
              SCORE_CORRECTION_REASON,
            );
            record.value = fixed;
            stats.markChanges++;
          },
        });
    }
  };

  const absenceCode = (wholeDay: boolean): AttendanceCode =>
    wholeDay
      ? random.pick(['illness', 'illness', 'illness', 'illness', 'excused', 'excused', 'excused', 'unexcused'] as const)
      : random.pick(['late', 'late', 'late', 'unexcused', 'unexcused'] as const);

  const holdLesson = (lesson: LessonInfo, present: ReadonlyArray<Pupil>, absentAllDay: ReadonlyMap<Pupil, AttendanceCode>): void => {
    const s = lesson.subject;
    const start = 480 + (lesson.period - 1) * 55;
    const attendanceAt = instant(lesson.date, start + 5);
    const attendanceRecorded = instant(lesson.date, start + 7);
    const marksAt = instant(lesson.date, start + 40);
    const marksRecorded = instant(lesson.date, start + 40 + random.int(1, 360));
    const scored = scoredHere(s);
    const summative = scored ? lesson.summative : undefined;
    stats.lessonsHeld++;
    stats.pupilLessons += present.length;
    // The register first (start + 5 min), then the marks (start + 40 min).
    const codes = present.map((p) => absentAllDay.get(p) ?? (random.chance(LESSON_ABSENCE) ? absenceCode(false) : undefined));
    for (const [index, p] of present.entries()) {
      const code = codes[index];
      const record = p.subjects[s.index];
      if (record === undefined || code === undefined) continue;
      const attendanceId = `a${++attendanceSeq}`;
      const eventId = emit('AttendanceMarked', { subjectId: s.subjectId, attendanceId, lessonId: lesson.lessonId, pupilId: p.pupilId, code }, s.teacher, attendanceAt, attendanceRecorded);
      if (code === 'excused' || code === 'illness') record.excusedLessons.add(lesson.lessonId);
      // A parent's note turns an unexcused absence into an excused one (not on summative days:
      // that would change the pupil's summative from 0 points to "not assessed").
      if (code === 'unexcused' && summative === undefined && random.chance(ATTENDANCE_EXCUSED_LATER))
        attendanceCorrections.push({
          run: () => {
            emit('AttendanceCorrected', { subjectId: s.subjectId, attendanceId, pupilId: p.pupilId, code: 'excused', supersedesEventId: eventId }, classTeacher, instant(lesson.date, afterLessons + 150), instant(lesson.date, afterLessons + 152), ATTENDANCE_REASON);
            record.excusedLessons.add(lesson.lessonId);
          },
        });
    }
    if (!scored) return;
    for (const [index, p] of present.entries()) {
      const code = codes[index];
      const record = p.subjects[s.index];
      if (record === undefined) continue;
      const here = code === undefined || code === 'late';
      if (summative !== undefined) {
        if (here) recordScore(p, s, summative, lesson.date, marksAt, marksRecorded);
        else if ((code === 'excused' || code === 'illness') && !random.chance(MAKE_UP_MISSED)) {
          // Sat later on an individual schedule, before the period ends.
          const periodEnd = s.periods[lesson.periodIndex]?.endsOn ?? lesson.date;
          const day = [addDays(lesson.date, random.int(2, 6)), periodEnd].sort()[0] ?? periodEnd;
          const list = makeUps.get(day) ?? [];
          list.push({ run: () => (p.until === undefined || day < p.until ? recordScore(p, s, summative, day, instant(day, afterLessons), instant(day, afterLessons + 5)) : undefined) });
          makeUps.set(day, list);
        }
        continue;
      }
      if (!here || !random.chance(options.markRate)) continue;
      const ability = p.ability[s.index] ?? 0.7;
      const value = clamp(Math.round(10 * clamp(ability + random.between(-0.15, 0.15), 0.05, 1)), 1, 10);
      const markId = `m${++markSeq}`;
      const eventId = emit('FormativeMarkRecorded', { subjectId: s.subjectId, markId, lessonId: lesson.lessonId, pupilId: p.pupilId, mark: value }, s.teacher, marksAt, marksRecorded);
      stats.marks++;
      const mark: MarkRecord = { markId, kind: 'formative', value, lastEventId: eventId, annulled: false, periodIndex: lesson.periodIndex, summative: undefined };
      record.formative.push(mark);
      if (random.chance(MARK_CORRECTION)) {
        const corrected = clamp(value + random.pick([-2, -1, 1, 2] as const), 1, 10);
        if (corrected !== value)
          corrections.push({
            run: () => {
              mark.lastEventId = emit(
                'MarkCorrected',
                { subjectId: s.subjectId, markId, pupilId: p.pupilId, supersedesEventId: mark.lastEventId, value: { kind: 'formative', mark: corrected } },
                s.teacher,
                instant(lesson.date, afterLessons + 60),
                instant(lesson.date, afterLessons + 63),
                random.pick(CORRECTION_REASONS),
              );
              mark.value = corrected;
              stats.markChanges++;
            },
          });
      } else if (random.chance(MARK_ANNULMENT))
        corrections.push({
          run: () => {
            mark.lastEventId = emit('MarkAnnulled', { subjectId: s.subjectId, markId, pupilId: p.pupilId, supersedesEventId: mark.lastEventId }, s.teacher, instant(lesson.date, afterLessons + 60), instant(lesson.date, afterLessons + 63), random.pick(ANNULMENT_REASONS));
            mark.annulled = true;
            stats.markChanges++;
          },
        });
    }
  };

  /** The marks in force for a pupil, subject and period, as `periodMarksOf` takes them from the decider's state. */
  const periodMarks = (p: Pupil, s: SubjectInfo, periodIndex: number): PeriodMarks => {
    const record = p.subjects[s.index];
    const formative: number[] = [];
    const sectionSummatives: Summative[] = [];
    let termSummative: Summative | undefined;
    if (record === undefined) return { formative, sectionSummatives };
    for (const m of record.formative) if (!m.annulled && m.periodIndex === periodIndex) formative.push(m.value);
    for (const summative of s.summatives) {
      if (summative.lesson.periodIndex !== periodIndex) continue;
      const score = record.scores.get(summative.summativeId);
      const outcome: Summative['outcome'] =
        score !== undefined && !score.annulled
          ? { kind: 'scored', points: score.value }
          : { kind: record.excusedLessons.has(summative.lesson.lessonId) ? 'missedExcused' : 'missedUnexcused' };
      const entry: Summative = { summativeId: summative.summativeId, maxPoints: summative.maxPoints, outcome };
      if (summative.kind === 'section') sectionSummatives.push(entry);
      else termSummative = entry;
    }
    formative.sort((a, b) => a - b);
    return termSummative === undefined ? { formative, sectionSummatives } : { formative, sectionSummatives, termSummative };
  };

  const gradable = (s: SubjectInfo): boolean => marksLevel && s.gradingMode !== 'noMarks';
  const overlaps = (p: Pupil, period: DatedPeriod): boolean => p.from <= period.endsOn && (p.until === undefined || p.until > period.startsOn);
  /** Grades for a period are entered while the pupil is still in the class at its end. */
  const gradedFor = (p: Pupil, period: DatedPeriod): boolean => overlaps(p, period) && (p.until === undefined || p.until > period.endsOn);

  const finalizePeriods = (date: LocalDate, halfYear: boolean): void => {
    for (const s of subjects) {
      if (s.halfYear !== halfYear || !gradable(s)) continue;
      const k = s.periods.findIndex((p) => p.endsOn === date);
      const dated = s.periods[k];
      if (dated === undefined) continue;
      const period: AssessmentPeriod = halfYear ? { kind: 'halfYear', number: dated.number } : { kind: 'term', number: dated.number };
      for (const p of everyone) {
        if (!gradedFor(p, dated)) continue;
        const recommended = rules.recommendPeriodGrade(ruleSetId, { gradeLevel, gradingMode: s.gradingMode, period }, periodMarks(p, s, k));
        if (E.isLeft(recommended)) throw new Error(`workload: no recommendation for ${classId} ${s.subjectId} ${p.pupilId}: ${recommended.left}`);
        const recommendation = recommended.right;
        // Written out, not spread from a base object: V8 gave each object built as
        // `{ ...base, grade }` a hidden class of its own, so a fold read their fields the slowest
        // way, unlike the events a store decodes (one hidden class per shape).
        const { subjectId } = s;
        const { pupilId } = p;
        let grade: GradeValue;
        if (recommendation === null) {
          grade = random.chance(PASS_FAIL_FAIL) ? 'fail' : 'pass';
          emit('PeriodGradeFinalized', { subjectId, pupilId, period, grade, recommendation, ruleSetId }, s.teacher, instant(date, gradesAt), instant(date, gradesAt + 5));
        } else if (typeof recommendation.grade === 'number' && (recommendation.grade === 3 || recommendation.grade === 4) && random.chance(PERIOD_OVERRIDE)) {
          grade = recommendation.grade + 1;
          emit('PeriodGradeFinalized', { subjectId, pupilId, period, grade, recommendation, ruleSetId, overrideReason: PERIOD_OVERRIDE_REASON }, DEPUTY, instant(date, gradesAt), instant(date, gradesAt + 10));
          stats.overrides++;
        } else {
          grade = recommendation.grade;
          emit('PeriodGradeFinalized', { subjectId, pupilId, period, grade, recommendation, ruleSetId }, s.teacher, instant(date, gradesAt), instant(date, gradesAt + 5));
        }
        const record = p.subjects[s.index];
        if (record !== undefined) record.periodGrades[k] = grade;
      }
    }
  };

  const failedYear: Array<{ pupil: Pupil; subject: SubjectInfo; grade: GradeValue }> = [];
  /** Each pupil's failing year grades, in every subject: more than the rule set allows means repeating the year, not re-sits. */
  const failedSubjects = new Map<Pupil, number>();
  const finalizeYear = (date: LocalDate): void => {
    for (const s of subjects) {
      if (!gradable(s)) continue;
      for (const p of everyone) {
        if (p.until !== undefined) continue;
        const record = p.subjects[s.index];
        if (record === undefined) continue;
        const due = s.periods.flatMap((period, k) => (overlaps(p, period) ? [record.periodGrades[k] as GradeValue] : []));
        if (due.length === 0) continue;
        const recommended = rules.recommendYearGrade(ruleSetId, { gradeLevel, gradingMode: s.gradingMode }, due);
        if (E.isLeft(recommended)) throw new Error(`workload: no year recommendation for ${classId} ${s.subjectId} ${p.pupilId}: ${recommended.left}`);
        const recommendation = recommended.right;
        const { subjectId } = s;
        const { pupilId } = p;
        let grade: GradeValue;
        if (recommendation === null) {
          // Nothing computed (pass/fail, or a period not assessed): the teacher decides.
          const numbers = due.filter((g): g is number => typeof g === 'number');
          grade =
            s.gradingMode === 'passFail'
              ? due.every((g) => g === 'pass')
                ? 'pass'
                : 'fail'
              : numbers.length > 0
                ? Math.floor(numbers.reduce((a, b) => a + b, 0) / numbers.length + 0.5)
                : 'notAssessed';
          emit('YearGradeFinalized', { subjectId, pupilId, grade, recommendation, ruleSetId }, s.teacher, instant(date, gradesAt + 60), instant(date, gradesAt + 65));
        } else if ((recommendation.grade === 3 || recommendation.grade === 4) && random.chance(YEAR_OVERRIDE)) {
          grade = Number(recommendation.grade) + 1;
          emit('YearGradeFinalized', { subjectId, pupilId, grade, recommendation, ruleSetId, overrideReason: YEAR_OVERRIDE_REASON }, DEPUTY, instant(date, gradesAt + 60), instant(date, gradesAt + 70));
          stats.overrides++;
        } else {
          grade = recommendation.grade;
          emit('YearGradeFinalized', { subjectId, pupilId, grade, recommendation, ruleSetId }, s.teacher, instant(date, gradesAt + 60), instant(date, gradesAt + 65));
        }
        if (rules.isFailingGrade(ruleSetId, gradeLevel, grade)) {
          failedSubjects.set(p, (failedSubjects.get(p) ?? 0) + 1);
          // Re-sits are for graded subjects only (a pass/fail "fail" counts towards repeating the year, though).
          if (typeof grade === 'number') failedYear.push({ pupil: p, subject: s, grade });
        }
      }
    }
  };

  const lastDay = calendar.terms.reduce((last, t) => (t.endsOn > last ? t.endsOn : last), calendar.startsOn);
  const termEnds = new Set(calendar.terms.map((t) => t.endsOn));
  const halfEnds = new Set(calendar.halfYears.map((h) => h.endsOn));
  const run = (list: ReadonlyArray<Pending>): void => {
    for (const item of list) item.run();
  };
  for (let date = calendar.startsOn; date <= lastDay; date = addDays(date, 1)) {
    const lessons = lessonsByDate.get(date) ?? [];
    for (const lesson of lessons) {
      if (lesson.cancelled) emit('LessonCancelled', { subjectId: lesson.subject.subjectId, lessonId: lesson.lessonId }, lesson.subject.teacher, instant(date, 420), instant(date, 421));
      if (lesson.revised)
        emit('LessonTopicRevised', { subjectId: lesson.subject.subjectId, lessonId: lesson.lessonId, topic: `${TOPICS[lesson.number - 1] ?? 'Lesson'} (revised)` }, lesson.subject.teacher, instant(date, 420), instant(date, 421));
    }
    for (const p of everyone) {
      if (p.until === date) emit('PupilWithdrawn', { pupilId: p.pupilId, on: date }, DEPUTY, instant(date, 450), instant(date, 452));
      if (p.from === date && p.from !== calendar.startsOn) emit('PupilEnrolled', { pupilId: p.pupilId, on: date }, DEPUTY, instant(date, 450), instant(date, 452));
    }
    const lastStart = lessons.reduce((latest, l) => Math.max(latest, 480 + (l.period - 1) * 55), 0);
    afterLessons = Math.max(900, lastStart + 55);
    gradesAt = Math.max(1080, afterLessons + 180);
    if (lessons.length > 0) {
      const present = everyone.filter((p) => enrolledOn(p, date));
      const absentAllDay = new Map<Pupil, AttendanceCode>();
      for (const p of present) if (random.chance(WHOLE_DAY_ABSENCE)) absentAllDay.set(p, absenceCode(true));
      for (const lesson of lessons) if (!lesson.cancelled) holdLesson(lesson, present, absentAllDay);
    }
    run(makeUps.get(date) ?? []);
    makeUps.delete(date);
    run(corrections);
    run(moderations);
    run(attendanceCorrections);
    corrections = [];
    moderations = [];
    attendanceCorrections = [];
    if (termEnds.has(date)) finalizePeriods(date, false);
    if (halfEnds.has(date)) finalizePeriods(date, true);
    if (date === lastDay) finalizeYear(date);
  }

  // Re-sits in June: a year summative test after a "2" for the year, unless the pupil failed more
  // subjects than the rule set allows re-sits for (resit.maxFailedSubjects): then the year is repeated
  // (which the generator does not model further: the pupil moves up with the class).
  const maxFailed = rules.maxFailedSubjectsForResits(ruleSetId);
  for (const [index, { pupil, subject, grade }] of failedYear.entries()) {
    if ((failedSubjects.get(pupil) ?? 0) > maxFailed) continue;
    const testGrade = random.int(3, 4);
    const final = rules.resitFinalGrade(ruleSetId, gradeLevel, grade, testGrade);
    if (E.isLeft(final)) throw new Error(`workload: no re-sit grade for ${classId} ${subject.subjectId} ${pupil.pupilId}: ${final.left}`);
    const day = `${year.startYear + 1}-06-10`;
    emit('ResitResultRecorded', { subjectId: subject.subjectId, pupilId: pupil.pupilId, attempt: 1, testGrade, finalGrade: final.right, ruleSetId }, subject.teacher, instant(day, 600 + index), instant(day, 640 + index));
  }

  stats.classYears++;
  stats.streams++;
  return everyone.filter((p) => p.until === undefined).map((p) => p.number);
};

/**
 * The events of a generated school in one global order: school year by school year (from
 * `since` to `until`); within a year first its `schoolYear-<id>` stream (SchoolYearOpened),
 * then class by class (grade 1 А, 1 Б, ..., 11 Г), each class's `class-<id>` stream whole and
 * in date order. `globalPosition` counts from 1, `streamRevision` from 0 in each stream.
 *
 * Pupils move up a grade each year with their class (grade 11 leaves; grade 1 is new); a few
 * withdraw during the year and a few join at the start of term 3. Throws on invalid options
 * (use `resolveWorkloadOptions` for the typed error). The generator's return value is the
 * run's {@link WorkloadSummary}.
 */
export function* generateSchoolWorkload(options: WorkloadOptions = {}): Generator<RecordedEvent, WorkloadSummary, undefined> {
  const resolved = resolveWorkloadOptions(options);
  if (E.isLeft(resolved)) throw new TypeError(resolved.left.message);
  const o = resolved.right;
  const rules = journalRulesFromRuleSets(o.ruleSets);
  const stats: Stats = {
    events: 0,
    eventsByType: new Map(),
    streams: 0,
    classYears: 0,
    pupils: new Set(),
    lessonsHeld: 0,
    pupilLessons: 0,
    marks: 0,
    markChanges: 0,
    overrides: 0,
    years: [],
  };
  let globalPosition = 0;
  const nextGlobalPosition = (): number => ++globalPosition;
  let pupilNumber = 0;
  const newPupilNumber = (): number => ++pupilNumber;
  const count = (recorded: RecordedEvent): void => {
    stats.events++;
    stats.eventsByType.set(recorded.event.type, (stats.eventsByType.get(recorded.event.type) ?? 0) + 1);
  };

  // Last year's classes, by grade level and letter: who moves up into next year's class.
  let previous = new Map<string, ReadonlyArray<number>>();
  for (let startYear = o.since; startYear <= o.until; startYear++) {
    const calendar = kazakhstanLikeCalendar(startYear);
    const chosen = chooseRuleSet(o.ruleSets, { date: calendar.startsOn });
    if (E.isLeft(chosen)) throw new Error(`workload: no rule set for ${startYear}: ${chosen.left.message}`);
    const ruleSet = chosen.right;
    const schoolYearId = `${startYear}-${startYear + 1}`;
    const year: SchoolYearOpenedData = { schoolYearId, startYear, ...calendar, ruleSetId: ruleSet.id };
    const commandId = `y.${schoolYearId}`;
    const opened: RecordedEvent = {
      event: {
        type: 'SchoolYearOpened',
        schemaVersion: SCHEMA_VERSIONS.get('SchoolYearOpened') ?? 1,
        data: year,
        metadata: {
          eventId: `${commandId}.0`,
          occurredAt: instant(`${startYear}-08-20`, 540),
          recordedAt: instant(`${startYear}-08-20`, 543),
          actor: DIRECTOR,
          correlationId: commandId,
          causationId: commandId,
        },
      },
      streamId: schoolYearStreamId(schoolYearId),
      streamRevision: 0,
      globalPosition: nextGlobalPosition(),
    };
    stats.streams++;
    count(opened);
    yield opened;

    const next = new Map<string, ReadonlyArray<number>>();
    let classes = 0;
    let pupilsThisYear = 0;
    for (const [levelIndex, gradeLevel] of o.gradeLevels.entries())
      for (let letterIndex = 0; letterIndex < o.classesPerGradeLevel; letterIndex++) {
        const buffer: RecordedEvent[] = [];
        const stay = generateClassYear(
          {
            options: o,
            rules,
            ruleSet,
            year,
            gradeLevel,
            letterIndex,
            classIndex: levelIndex * o.classesPerGradeLevel + letterIndex,
            continuing: startYear > o.since ? previous.get(`${gradeLevel - 1}-${letterIndex}`) : undefined,
            newPupilNumber,
            nextGlobalPosition,
            stats,
          },
          buffer,
        );
        next.set(`${gradeLevel}-${letterIndex}`, stay);
        classes++;
        pupilsThisYear += buffer.reduce((n, r) => (r.event.type === 'PupilEnrolled' ? n + 1 : n), 0);
        for (const recorded of buffer) {
          count(recorded);
          yield recorded;
        }
      }
    stats.years.push({ schoolYearId, ruleSetId: ruleSet.id, classes, pupils: pupilsThisYear });
    previous = next;
  }

  const { ruleSets, ...rest } = o;
  return {
    options: { ...rest, ruleSetIds: ruleSets.map((r) => r.id) },
    events: stats.events,
    eventsByType: Object.fromEntries([...stats.eventsByType.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    streams: stats.streams,
    schoolYears: stats.years,
    classYears: stats.classYears,
    pupils: stats.pupils.size,
    lessonsHeld: stats.lessonsHeld,
    pupilLessons: stats.pupilLessons,
    marks: stats.marks,
    markChanges: stats.markChanges,
    overrides: stats.overrides,
  };
}

/** Generates the whole workload, keeping nothing but the counts, and returns its summary. */
export const workloadSummary = (options: WorkloadOptions = {}): WorkloadSummary => {
  const generator = generateSchoolWorkload(options);
  for (;;) {
    const step = generator.next();
    if (step.done === true) return step.value;
  }
};
