import * as E from 'fp-ts/Either';
import {
  chooseRuleSet,
  classCalendarOf,
  classJournalDecider,
  classStreamId,
  commandHandler,
  gradingModeFor,
  inMemoryEventStore,
  journalRulesFromRuleSets,
  kazakhstanRuleSets,
  periodMarksOf,
  schoolYearDecider,
  schoolYearStreamId,
  type Actor,
  type AssessmentPeriod,
  type AttendanceCode,
  type ClassJournalCommand,
  type ClassJournalCommandData,
  type ClassJournalCommandType,
  type ClassJournalState,
  type DatedPeriod,
  type EventStore,
  type GradeValue,
  type JournalRules,
  type LedgerEvent,
  type LocalDate,
  type OpenClassState,
  type RuleSet,
  type SchoolYearOpenedData,
} from '@grade-ledger/core';
import { addDays, instantOn, kazakhstanLikeCalendar, plusMinutes, schoolDaysOf, weekdayOf } from './calendar';
import { mulberry32, type Prng } from './prng';
import { journalReasons } from '../reasons';

/*
 * A small school's history, built the way a real one is: every event is the outcome of a
 * command accepted by the deciders (so every rule of the ledger holds in it), with a seeded
 * generator instead of randomness and a clock derived from each command's own time instead of
 * the real clock. The same options always give the same events, byte for byte.
 */

export type SmallSchoolOptions = {
  /** Seed of the generator (an unsigned 32-bit integer). Default 2018. */
  readonly seed?: number;
  /** First school year (its start year). Default 2018, i.e. 2018-2019. */
  readonly since?: number;
  /** Last school year (its start year), included. Default 2025, i.e. 2025-2026. */
  readonly until?: number;
  /** Where the commands' events go. Default: a new in-memory store. */
  readonly store?: EventStore;
  /** The rule sets the school works by. Default: `kazakhstanRuleSets()`. */
  readonly ruleSets?: ReadonlyArray<RuleSet>;
};

export type SmallSchoolError =
  | { readonly kind: 'InvalidOption'; readonly field: string; readonly value: unknown; readonly message: string }
  | { readonly kind: 'NoRuleSet'; readonly startYear: number; readonly message: string }
  | {
      readonly kind: 'CommandRefused';
      readonly streamId: string;
      readonly commandType: string;
      readonly commandId: string;
      readonly error: { readonly kind: string; readonly message: string };
      readonly message: string;
    };

export type SmallSchoolSubject = {
  readonly subjectId: string;
  readonly teacherId: string;
  readonly hoursPerWeek: number;
  readonly gradingMode: 'scored' | 'passFail' | 'noMarks';
  readonly gradedPer: 'term' | 'halfYear';
};

export type SmallSchoolClass = {
  readonly classId: string;
  readonly schoolYearId: string;
  readonly gradeLevel: number;
  readonly letter: string;
  readonly classTeacherId: string;
  readonly pupilIds: ReadonlyArray<string>;
  readonly subjects: ReadonlyArray<SmallSchoolSubject>;
};

export type SmallSchoolYear = {
  readonly schoolYearId: string;
  readonly startYear: number;
  readonly ruleSetId: string;
  readonly classIds: ReadonlyArray<string>;
};

export type SmallSchoolSummary = {
  readonly seed: number;
  readonly since: number;
  readonly until: number;
  readonly years: ReadonlyArray<SmallSchoolYear>;
  readonly classes: ReadonlyArray<SmallSchoolClass>;
  /** Every pupil, in id order. */
  readonly pupilIds: ReadonlyArray<string>;
  /** The pupils who go through every year together, one class a year. */
  readonly cohortPupilIds: ReadonlyArray<string>;
  /** A cohort pupil whose history has a deputy director's override and a failed year grade with its re-sit. */
  readonly focusPupilId: string;
  readonly staffIds: ReadonlyArray<string>;
  /** The rule set of each school year, by school year id. */
  readonly ruleSetsByYear: Readonly<Record<string, string>>;
  readonly commands: number;
  readonly events: number;
  readonly eventsByType: Readonly<Record<string, number>>;
};

export type SmallSchool = { readonly store: EventStore; readonly summary: SmallSchoolSummary };

const DIRECTOR: Actor = { id: 'director-01', role: 'director' };
const DEPUTY: Actor = { id: 'deputy-01', role: 'deputyDirector' };
const PE_TEACHER = 'teacher-03';
const COHORT_SIZE = 8;
const GRADE_ONE_SIZE = 6;
/** Minutes between a command's occurredAt and the moment the generated clock says it was recorded. */
const RECORDING_DELAY_MINUTES = 3;

const CORRECTION_REASONS = [journalReasons.markCorrections[0], journalReasons.markCorrections[1]] as const;
const SCORE_CORRECTION_REASON = journalReasons.scoreCorrection;
const ANNULMENT_REASONS = journalReasons.annulments;
const MODERATION_REASONS = journalReasons.moderations;
const ATTENDANCE_REASON = journalReasons.attendanceExcused;
const PERIOD_OVERRIDE_REASON = 'A СОР missed for a valid reason was sat late and re-marked by the school commission';
const YEAR_OVERRIDE_REASON = journalReasons.yearOverride;

type SubjectSpec = {
  readonly subjectId: string;
  readonly hoursPerWeek: number;
  /** Days of the week with a lesson of the subject (1 = Monday); fewer than its hours, to keep the history small. */
  readonly weekdays: ReadonlyArray<number>;
  readonly lessonPeriod: number;
  readonly teacherId: string;
};

const subjectsFor = (gradeLevel: number, primaryTeacherId: string): ReadonlyArray<SubjectSpec> =>
  gradeLevel <= 4
    ? [
        { subjectId: 'mathematics', hoursPerWeek: 4, weekdays: [1, 3], lessonPeriod: 1, teacherId: primaryTeacherId },
        { subjectId: 'kazakhLanguage', hoursPerWeek: 3, weekdays: [2, 4], lessonPeriod: 2, teacherId: primaryTeacherId },
        { subjectId: 'naturalScience', hoursPerWeek: 1, weekdays: [5], lessonPeriod: 1, teacherId: primaryTeacherId },
        { subjectId: 'physicalEducation', hoursPerWeek: 3, weekdays: [5], lessonPeriod: 3, teacherId: PE_TEACHER },
      ]
    : [
        { subjectId: 'mathematics', hoursPerWeek: 4, weekdays: [1, 3], lessonPeriod: 1, teacherId: 'teacher-04' },
        { subjectId: 'kazakhLanguage', hoursPerWeek: 3, weekdays: [2, 4], lessonPeriod: 2, teacherId: 'teacher-05' },
        { subjectId: 'historyOfKazakhstan', hoursPerWeek: 1, weekdays: [5], lessonPeriod: 2, teacherId: 'teacher-06' },
        { subjectId: 'physicalEducation', hoursPerWeek: 2, weekdays: [5], lessonPeriod: 4, teacherId: PE_TEACHER },
      ];

type PupilSpec = {
  readonly pupilId: string;
  /** Expected share of the maximum (0..1) the pupil reaches in a subject. */
  readonly ability: (subjectId: string) => number;
};

type ClassSpec = {
  readonly classId: string;
  readonly gradeLevel: number;
  readonly letter: string;
  readonly classTeacherId: string;
  readonly pupils: ReadonlyArray<PupilSpec>;
  readonly subjects: ReadonlyArray<SubjectSpec>;
};

/** What the generator still has to place somewhere: the story the demo tells. */
type Plans = {
  readonly focusPupilId: string;
  readonly failYear: number;
  readonly periodOverrideYear: number;
  readonly yearOverrideYear: number;
  periodOverrideDone: boolean;
  yearOverrideDone: boolean;
};

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

const invalidOption = (field: string, value: unknown, expected: string): E.Either<SmallSchoolError, never> =>
  E.left({ kind: 'InvalidOption', field, value, message: `${field} ${JSON.stringify(value)}: expected ${expected}` });

/**
 * Builds a small school's history through commands: per school year a Kazakhstan-like
 * calendar and the rule set in force at its start; a cohort of eight pupils advancing one grade
 * a year (grade 2 in the first year), plus a grade-1 class in the second and third years;
 * lessons, formative marks, СОР and СОЧ, absences, a few corrections, annulments and
 * moderations with reasons, finalized term, half-year and year grades equal to the computed
 * recommendation, two deputy-director overrides and a failed year grade with its re-sit.
 */
export const buildSmallSchool = async (options: SmallSchoolOptions = {}): Promise<E.Either<SmallSchoolError, SmallSchool>> => {
  const seed = options.seed ?? 2018;
  const since = options.since ?? 2018;
  const until = options.until ?? 2025;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return invalidOption('seed', seed, 'an integer from 0 to 4294967295');
  if (!Number.isInteger(since) || since < 2000 || since > 2090) return invalidOption('since', since, 'a year from 2000 to 2090');
  if (!Number.isInteger(until) || until < since || until > since + 10)
    return invalidOption('until', until, `a year from ${since} to ${since + 10} (the cohort starts in grade 2)`);
  const ruleSets =
    options.ruleSets ??
    (() => {
      const shipped = kazakhstanRuleSets();
      return E.isRight(shipped) ? shipped.right : [];
    })();
  if (ruleSets.length === 0) return invalidOption('ruleSets', ruleSets, 'at least one valid rule set');
  const store = options.store ?? inMemoryEventStore();
  const rules = journalRulesFromRuleSets(ruleSets);
  const random = mulberry32(seed);

  // The generated clock: a command is recorded a few minutes after it occurred.
  let occurred = instantOn(`${since}-08-20`, 9);
  const clock = (): string => plusMinutes(occurred, RECORDING_DELAY_MINUTES);
  const years = commandHandler(schoolYearDecider(ruleSets.map((r) => r.id)), { store, clock });
  const journal = commandHandler(classJournalDecider(rules), { store, clock });

  let commandSeq = 0;
  const eventsByType = new Map<string, number>();
  const count = (events: ReadonlyArray<LedgerEvent>): void => {
    for (const event of events) eventsByType.set(event.type, (eventsByType.get(event.type) ?? 0) + 1);
  };
  const refused = (streamId: string, commandType: string, commandId: string, error: { kind: string; message: string }): SmallSchoolError => ({
    kind: 'CommandRefused',
    streamId,
    commandType,
    commandId,
    error: { kind: error.kind, message: error.message },
    message: `${commandType} (${commandId}) on ${streamId} was refused: ${error.message}`,
  });

  // Cohort pupils: a base ability, a fixed leaning per subject, and a little drift each year.
  const cohort = Array.from({ length: COHORT_SIZE }, (_, i) => {
    const base = random.between(0.6, 0.95);
    const leaning = new Map(['mathematics', 'kazakhLanguage', 'naturalScience', 'historyOfKazakhstan', 'physicalEducation'].map((s) => [s, random.between(-0.07, 0.07)]));
    return { pupilId: `pupil-${pad(i + 1, 4)}`, base, leaning };
  });
  const yearCount = until - since + 1;
  // The focus pupil is a good one (mostly 4s and 5s), so that the failed year stands out.
  const good = cohort.filter((p) => p.base >= 0.72 && p.base <= 0.88);
  const candidates = good.length > 0 ? good : cohort;
  const focus = candidates[random.int(0, candidates.length - 1)];
  const plans: Plans = {
    focusPupilId: focus?.pupilId ?? 'pupil-0001',
    failYear: since + Math.min(yearCount - 1, random.int(2, 4)),
    periodOverrideYear: until,
    yearOverrideYear: since + Math.min(yearCount - 1, 1),
    periodOverrideDone: false,
    yearOverrideDone: false,
  };

  const summaryYears: SmallSchoolYear[] = [];
  const summaryClasses: SmallSchoolClass[] = [];
  let nextPupilNumber = COHORT_SIZE + 1;

  for (let startYear = since; startYear <= until; startYear++) {
    const calendar = kazakhstanLikeCalendar(startYear);
    const chosen = chooseRuleSet(ruleSets, { date: calendar.startsOn });
    if (E.isLeft(chosen)) return E.left({ kind: 'NoRuleSet', startYear, message: chosen.left.message });
    const schoolYearId = `${startYear}-${startYear + 1}`;
    const yearData: SchoolYearOpenedData = { schoolYearId, startYear, ...calendar, ruleSetId: chosen.right.id };
    occurred = instantOn(`${startYear}-08-20`, 9);
    const commandId = `cmd-${pad(++commandSeq, 6)}`;
    const opened = await years(schoolYearStreamId(schoolYearId), {
      type: 'OpenSchoolYear',
      data: yearData,
      metadata: { commandId, actor: DIRECTOR, occurredAt: occurred },
    });
    if (E.isLeft(opened)) return E.left(refused(schoolYearStreamId(schoolYearId), 'OpenSchoolYear', commandId, opened.left));
    count(opened.right.events);

    const drift = new Map(cohort.map((p) => [p.pupilId, random.between(-0.04, 0.04)]));
    const gradeLevel = 2 + (startYear - since);
    const classes: ClassSpec[] = [
      {
        classId: `${startYear}-${gradeLevel}A`,
        gradeLevel,
        letter: 'A',
        classTeacherId: gradeLevel <= 4 ? 'teacher-01' : 'teacher-05',
        pupils: cohort.map((p) => ({
          pupilId: p.pupilId,
          ability: (subjectId) =>
            p.pupilId === plans.focusPupilId && startYear === plans.failYear && subjectId === 'mathematics'
              ? 0.2 // the year the focus pupil fails mathematics
              : clamp(p.base + (p.leaning.get(subjectId) ?? 0) + (drift.get(p.pupilId) ?? 0), 0.4, 0.97),
        })),
        subjects: subjectsFor(gradeLevel, gradeLevel <= 4 ? 'teacher-01' : 'teacher-04'),
      },
    ];
    if (startYear === since + 1 || startYear === since + 2) {
      const pupils = Array.from({ length: GRADE_ONE_SIZE }, () => {
        const base = random.between(0.6, 0.95);
        return { pupilId: `pupil-${pad(nextPupilNumber++, 4)}`, ability: () => base };
      });
      classes.push({ classId: `${startYear}-1A`, gradeLevel: 1, letter: 'A', classTeacherId: 'teacher-02', pupils, subjects: subjectsFor(1, 'teacher-02') });
    }

    for (const spec of classes) {
      const built = await runClassYear({ journal, rules, ruleSet: chosen.right, yearData, spec, random, plans, startYear, nextCommandId: () => `cmd-${pad(++commandSeq, 6)}`, setOccurred: (at) => (occurred = at), count, refused });
      if (E.isLeft(built)) return built;
      summaryClasses.push(built.right);
    }
    summaryYears.push({ schoolYearId, startYear, ruleSetId: chosen.right.id, classIds: classes.map((c) => c.classId) });
  }

  const pupilIds = [...new Set(summaryClasses.flatMap((c) => c.pupilIds))].sort();
  const staffIds = [...new Set([DIRECTOR.id, DEPUTY.id, ...summaryClasses.flatMap((c) => [c.classTeacherId, ...c.subjects.map((s) => s.teacherId)])])].sort();
  return E.right({
    store,
    summary: {
      seed,
      since,
      until,
      years: summaryYears,
      classes: summaryClasses,
      pupilIds,
      cohortPupilIds: cohort.map((p) => p.pupilId),
      focusPupilId: plans.focusPupilId,
      staffIds,
      ruleSetsByYear: Object.fromEntries(summaryYears.map((y) => [y.schoolYearId, y.ruleSetId])),
      commands: commandSeq,
      events: [...eventsByType.values()].reduce((a, b) => a + b, 0),
      eventsByType: Object.fromEntries([...eventsByType.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    },
  });
};

type Lesson = { readonly subject: SubjectSpec; readonly lessonId: string; readonly date: LocalDate; readonly summative?: PlannedSummative };
type PlannedSummative = { readonly summativeId: string; readonly kind: 'section' | 'term'; readonly maxPoints: number; readonly periodEndsOn: LocalDate };

type ClassYearContext = {
  readonly journal: (streamId: string, command: ClassJournalCommand) => Promise<E.Either<{ kind: string; message: string }, { state: ClassJournalState; events: ReadonlyArray<LedgerEvent> }>>;
  readonly rules: JournalRules;
  readonly ruleSet: RuleSet;
  readonly yearData: SchoolYearOpenedData;
  readonly spec: ClassSpec;
  readonly random: Prng;
  readonly plans: Plans;
  readonly startYear: number;
  readonly nextCommandId: () => string;
  readonly setOccurred: (at: string) => void;
  readonly count: (events: ReadonlyArray<LedgerEvent>) => void;
  readonly refused: (streamId: string, commandType: string, commandId: string, error: { kind: string; message: string }) => SmallSchoolError;
};

/** One class through one school year: roster, plan, the journal day by day, grades and re-sits. */
const runClassYear = async (ctx: ClassYearContext): Promise<E.Either<SmallSchoolError, SmallSchoolClass>> => {
  const { rules, ruleSet, yearData, spec, random, plans } = ctx;
  const streamId = classStreamId(spec.classId);
  const teacher = (subject: SubjectSpec): Actor => ({ id: subject.teacherId, role: 'subjectTeacher' });
  const classTeacher: Actor = { id: spec.classTeacherId, role: 'classTeacher' };
  let state: ClassJournalState = { status: 'notOpened' };
  let failure: SmallSchoolError | undefined;

  /** Sends one command; after a refusal every later call does nothing, and the refusal is returned at the end. */
  const send = async <T extends ClassJournalCommandType>(
    type: T,
    data: ClassJournalCommandData<T>,
    actor: Actor,
    occurredAt: string,
    reason?: string,
  ): Promise<void> => {
    if (failure !== undefined) return;
    ctx.setOccurred(occurredAt);
    const commandId = ctx.nextCommandId();
    const command = { type, data, metadata: { commandId, actor, occurredAt, ...(reason === undefined ? {} : { reason }) } } as ClassJournalCommand;
    const handled = await ctx.journal(streamId, command);
    if (E.isLeft(handled)) {
      failure = ctx.refused(streamId, type, commandId, handled.left);
      return;
    }
    state = handled.right.state;
    ctx.count(handled.right.events);
  };
  const open = (): OpenClassState | undefined => (state.status === 'open' ? state : undefined);

  const calendar = classCalendarOf(yearData);
  const noMarksLevel = rules.isNoMarksGradeLevel(ruleSet.id, spec.gradeLevel);
  const subjects = spec.subjects.map((subject) => ({
    spec: subject,
    gradingMode: gradingModeFor(ruleSet, spec.gradeLevel, subject.subjectId),
    halfYear: rules.isHalfYearSubject(ruleSet.id, subject.hoursPerWeek),
  }));

  const setUp = instantOn(`${ctx.startYear}-08-25`, 10);
  await send('OpenClass', { classId: spec.classId, gradeLevel: spec.gradeLevel, letter: spec.letter, classTeacherId: spec.classTeacherId, calendar }, DIRECTOR, setUp);
  for (const s of subjects)
    await send('AssignSubject', { subjectId: s.spec.subjectId, teacherId: s.spec.teacherId, hoursPerWeek: s.spec.hoursPerWeek, gradingMode: s.gradingMode }, DIRECTOR, setUp);
  for (const pupil of spec.pupils) await send('EnrolPupil', { pupilId: pupil.pupilId, on: calendar.startsOn }, DIRECTOR, setUp);

  // The calendar-thematic plan (КТП): lessons on the subject's weekdays, СОР and СОЧ placed in each period.
  const lessonsByDay = new Map<LocalDate, Lesson[]>();
  const planAt = instantOn(`${ctx.startYear}-08-28`, 11);
  for (const s of subjects) {
    const periods: ReadonlyArray<DatedPeriod> = s.halfYear ? calendar.halfYears : calendar.terms;
    let lessonNumber = 0;
    for (const period of periods) {
      const days = calendar.terms.filter((t) => t.startsOn >= period.startsOn && t.endsOn <= period.endsOn).flatMap(schoolDaysOf);
      const dates = days.filter((d) => s.spec.weekdays.includes(weekdayOf(d)));
      const summatives = new Map<number, PlannedSummative>();
      if (s.gradingMode === 'scored' && !noMarksLevel && dates.length >= 4) {
        const prefix = s.halfYear ? `h${period.number}` : `t${period.number}`;
        const sectionCount = s.halfYear || dates.length < 9 ? 2 : random.int(2, 3);
        const span = s.halfYear ? dates.length : dates.length - 2;
        for (let k = 1; k <= sectionCount; k++)
          summatives.set(Math.floor((k * span) / (sectionCount + 1)), {
            summativeId: `${prefix}-sor${k}`,
            kind: 'section',
            maxPoints: spec.gradeLevel <= 4 ? random.int(8, 15) : random.int(15, 25),
            periodEndsOn: period.endsOn,
          });
        // The СОЧ on the last lesson but one: never on the term's last day.
        if (!s.halfYear)
          summatives.set(dates.length - 2, {
            summativeId: `${prefix}-soch`,
            kind: 'term',
            maxPoints: spec.gradeLevel <= 4 ? random.int(15, 20) : random.int(20, 30),
            periodEndsOn: period.endsOn,
          });
      }
      for (const [index, date] of dates.entries()) {
        lessonNumber++;
        const lessonId = `L${pad(lessonNumber, 3)}`;
        const summative = summatives.get(index);
        await send(
          'PlanLesson',
          { subjectId: s.spec.subjectId, lessonId, date, period: s.spec.lessonPeriod, unit: `Section ${Math.ceil(lessonNumber / 8)}`, topic: `Lesson ${lessonNumber}`, hours: 1 },
          teacher(s.spec),
          planAt,
        );
        if (summative !== undefined)
          await send('PlanSummative', { subjectId: s.spec.subjectId, summativeId: summative.summativeId, lessonId, kind: summative.kind, maxPoints: summative.maxPoints }, teacher(s.spec), planAt);
        const lesson: Lesson = summative === undefined ? { subject: s.spec, lessonId, date } : { subject: s.spec, lessonId, date, summative };
        lessonsByDay.set(date, [...(lessonsByDay.get(date) ?? []), lesson]);
      }
    }
    await send('ApprovePlan', { subjectId: s.spec.subjectId }, DEPUTY, instantOn(`${ctx.startYear}-08-30`, 12));
  }
  if (failure !== undefined) return E.left(failure);

  let markSeq = 0;
  let attendanceSeq = 0;
  const marksAllowed = (gradingMode: string): boolean => !noMarksLevel && gradingMode === 'scored';
  const modeOf = (subjectId: string) => subjects.find((s) => s.spec.subjectId === subjectId);

  /** Term, half-year grades at the end of their period: the recommendation, or an override. */
  const finalizePeriod = async (period: AssessmentPeriod, dates: DatedPeriod): Promise<void> => {
    const at = instantOn(dates.endsOn, 16);
    for (const s of subjects) {
      if (s.halfYear !== (period.kind === 'halfYear') || noMarksLevel || s.gradingMode === 'noMarks') continue;
      for (const pupil of spec.pupils) {
        const current = open();
        const subject = current?.subjects.get(s.spec.subjectId);
        if (current === undefined || subject === undefined) return;
        const recommended = rules.recommendPeriodGrade(
          ruleSet.id,
          { gradeLevel: spec.gradeLevel, gradingMode: s.gradingMode, period },
          periodMarksOf(rules, current, subject, pupil.pupilId, period),
        );
        const rec = E.isRight(recommended) && recommended.right !== null ? recommended.right.grade : s.gradingMode === 'passFail' ? 'pass' : 'notAssessed';
        const overrideHere =
          !plans.periodOverrideDone &&
          ctx.startYear === plans.periodOverrideYear &&
          pupil.pupilId === plans.focusPupilId &&
          period.number >= 2 &&
          (rec === 3 || rec === 4);
        if (overrideHere) {
          plans.periodOverrideDone = true;
          await send('FinalizePeriodGrade', { subjectId: s.spec.subjectId, pupilId: pupil.pupilId, period, grade: Number(rec) + 1, overrideReason: PERIOD_OVERRIDE_REASON }, DEPUTY, plusMinutes(at, 60));
        } else await send('FinalizePeriodGrade', { subjectId: s.spec.subjectId, pupilId: pupil.pupilId, period, grade: rec }, teacher(s.spec), at);
      }
    }
  };

  const absenceCode = (wholeDay: boolean): AttendanceCode =>
    wholeDay
      ? random.pick(['illness', 'illness', 'illness', 'excused', 'excused', 'unexcused'] as const)
      : random.pick(['late', 'late', 'late', 'unexcused', 'unexcused'] as const);

  // Every lesson day, and every period's last day (a holiday may fall on it) for the grades.
  const schoolDays = [...new Set([...lessonsByDay.keys(), ...calendar.terms.map((t) => t.endsOn), ...calendar.halfYears.map((h) => h.endsOn)])].sort();
  for (const day of schoolDays) {
    const lessons = (lessonsByDay.get(day) ?? []).slice().sort((a, b) => a.subject.lessonPeriod - b.subject.lessonPeriod);
    // Whole-day absences (illness mostly), decided once per pupil and day.
    const absentAllDay = new Map(spec.pupils.map((p) => [p.pupilId, random.chance(0.035) ? absenceCode(true) : undefined]));
    for (const lesson of lessons) {
      const subjectId = lesson.subject.subjectId;
      const marked = modeOf(subjectId);
      const scored = marked !== undefined && marksAllowed(marked.gradingMode);
      const scores: Array<{ pupilId: string; markId: string; points: number }> = [];
      for (const [index, pupil] of spec.pupils.entries()) {
        let code = absentAllDay.get(pupil.pupilId) ?? (random.chance(0.025) ? absenceCode(false) : undefined);
        // An unexcused absence from one lesson on a summative day would be a 0: keep those days to lates.
        if (lesson.summative !== undefined && code === 'unexcused' && absentAllDay.get(pupil.pupilId) === undefined) code = 'late';
        if (code !== undefined) {
          const attendanceId = `${spec.classId}.a${pad(++attendanceSeq, 5)}`;
          await send('MarkAttendance', { subjectId, attendanceId, lessonId: lesson.lessonId, pupilId: pupil.pupilId, code }, teacher(lesson.subject), instantOn(day, 8 + lesson.subject.lessonPeriod, 5, index));
          if (code === 'unexcused' && random.chance(0.2))
            await send('CorrectAttendance', { subjectId, attendanceId, pupilId: pupil.pupilId, code: 'excused' }, classTeacher, instantOn(addDays(day, 1), 8, 30, index), ATTENDANCE_REASON);
        }
        const present = code === undefined || code === 'late';
        const ability = pupil.ability(subjectId);
        if (!scored) continue;
        if (lesson.summative !== undefined) {
          if (!present && code === 'unexcused') continue; // missed without a valid reason: counts 0
          const points = Math.round(lesson.summative.maxPoints * clamp(ability + random.between(-0.12, 0.12), 0, 1));
          const markId = `${spec.classId}.m${pad(++markSeq, 5)}`;
          // Missed for a valid reason: sat later on an individual schedule, before the period ends.
          const sittingDay = present ? day : [addDays(day, 2), lesson.summative.periodEndsOn].sort()[0] ?? day;
          await send('RecordSummativeScore', { subjectId, markId, summativeId: lesson.summative.summativeId, pupilId: pupil.pupilId, points }, teacher(lesson.subject), instantOn(sittingDay, present ? 14 : 15, 0, index));
          scores.push({ pupilId: pupil.pupilId, markId, points });
        } else if (present && random.chance(0.3)) {
          const mark = clamp(Math.round(10 * clamp(ability + random.between(-0.15, 0.15), 0.05, 1)), 1, 10);
          const markId = `${spec.classId}.m${pad(++markSeq, 5)}`;
          await send('RecordFormativeMark', { subjectId, markId, lessonId: lesson.lessonId, pupilId: pupil.pupilId, mark }, teacher(lesson.subject), instantOn(day, 8 + lesson.subject.lessonPeriod, 40, index));
          if (random.chance(0.012)) {
            const corrected = clamp(mark + random.pick([-2, -1, 1, 2] as const), 1, 10);
            if (corrected !== mark)
              await send('CorrectMark', { subjectId, markId, pupilId: pupil.pupilId, value: { kind: 'formative', mark: corrected } }, teacher(lesson.subject), instantOn(day, 15, 0, index), random.pick(CORRECTION_REASONS));
          } else if (random.chance(0.004))
            await send('AnnulMark', { subjectId, markId, pupilId: pupil.pupilId }, teacher(lesson.subject), instantOn(day, 15, 10, index), random.pick(ANNULMENT_REASONS));
        }
      }
      // After the summative: a few appeals (moderation of a СОЧ) and corrected sums.
      if (lesson.summative !== undefined)
        for (const [index, score] of scores.entries()) {
          const max = lesson.summative.maxPoints;
          if (lesson.summative.kind === 'term' && random.chance(0.04)) {
            const moved = clamp(score.points + random.pick([-2, -1, 1, 2, 3] as const), 0, max);
            if (moved !== score.points)
              await send('ModerateSummativeScore', { subjectId, markId: score.markId, pupilId: score.pupilId, points: moved }, DEPUTY, instantOn(addDays(day, 1), 11, 0, index), random.pick(MODERATION_REASONS));
          } else if (random.chance(0.01)) {
            const fixed = clamp(score.points + 1, 0, max);
            if (fixed !== score.points)
              await send('CorrectMark', { subjectId, markId: score.markId, pupilId: score.pupilId, value: { kind: 'summative', points: fixed } }, teacher(lesson.subject), instantOn(day, 16, 0, index), SCORE_CORRECTION_REASON);
          }
        }
    }
    for (const term of calendar.terms) if (term.endsOn === day) await finalizePeriod({ kind: 'term', number: term.number }, term);
    for (const half of calendar.halfYears) if (half.endsOn === day) await finalizePeriod({ kind: 'halfYear', number: half.number }, half);
    if (failure !== undefined) return E.left(failure);
  }

  // Year grades: the mean of the period grades as recommended, one override; then re-sits.
  const yearAt = instantOn(calendar.terms[calendar.terms.length - 1]?.endsOn ?? calendar.endsOn, 17);
  const failed: Array<{ subject: SubjectSpec; pupilId: string }> = [];
  for (const s of subjects) {
    if (noMarksLevel || s.gradingMode === 'noMarks') continue;
    for (const pupil of spec.pupils) {
      const record = open()?.subjects.get(s.spec.subjectId)?.pupils.get(pupil.pupilId);
      const grades: ReadonlyArray<GradeValue> = [...(record?.periodGrades.values() ?? [])]
        .sort((a, b) => a.period.number - b.period.number)
        .map((p) => p.grade);
      const recommended = rules.recommendYearGrade(ruleSet.id, { gradeLevel: spec.gradeLevel, gradingMode: s.gradingMode }, grades);
      const rec: GradeValue =
        E.isRight(recommended) && recommended.right !== null ? recommended.right.grade : s.gradingMode === 'passFail' ? 'pass' : grades[grades.length - 1] ?? 3;
      const overrideHere =
        !plans.yearOverrideDone && ctx.startYear === plans.yearOverrideYear && pupil.pupilId !== plans.focusPupilId && s.gradingMode === 'scored' && (rec === 3 || rec === 4);
      if (overrideHere) {
        plans.yearOverrideDone = true;
        await send('FinalizeYearGrade', { subjectId: s.spec.subjectId, pupilId: pupil.pupilId, grade: Number(rec) + 1, overrideReason: YEAR_OVERRIDE_REASON }, DEPUTY, plusMinutes(yearAt, 60));
      } else await send('FinalizeYearGrade', { subjectId: s.spec.subjectId, pupilId: pupil.pupilId, grade: rec }, teacher(s.spec), yearAt);
      const final = open()?.subjects.get(s.spec.subjectId)?.pupils.get(pupil.pupilId)?.finalGrade;
      if (final !== undefined && rules.isFailingGrade(ruleSet.id, spec.gradeLevel, final)) failed.push({ subject: s.spec, pupilId: pupil.pupilId });
    }
  }
  for (const [index, { subject, pupilId }] of failed.entries())
    await send('RecordResitResult', { subjectId: subject.subjectId, pupilId, testGrade: 4 }, teacher(subject), instantOn(`${ctx.startYear + 1}-06-10`, 10, 0, index));
  if (failure !== undefined) return E.left(failure);

  return E.right({
    classId: spec.classId,
    schoolYearId: yearData.schoolYearId,
    gradeLevel: spec.gradeLevel,
    letter: spec.letter,
    classTeacherId: spec.classTeacherId,
    pupilIds: spec.pupils.map((p) => p.pupilId),
    subjects: subjects.map((s) => ({
      subjectId: s.spec.subjectId,
      teacherId: s.spec.teacherId,
      hoursPerWeek: s.spec.hoursPerWeek,
      gradingMode: s.gradingMode,
      gradedPer: s.halfYear ? 'halfYear' : 'term',
    })),
  });
};
