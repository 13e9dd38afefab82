import * as fc from 'fast-check';
import type {
  Actor,
  AttendanceCode,
  GradingMode,
  Id,
  Instant,
  LocalDate,
  SchoolYearOpenedData,
} from '@grade-ledger/core';

/*
 * Small building blocks for property tests: ids, marks, dates, calendars. Every value is one
 * the core's codecs accept, and all randomness comes from fast-check (so a failing run
 * replays from its seed and shrinks).
 */

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');

/**
 * An opaque id `<prefix>-<suffix>` (suffix 1-8 of `[a-z0-9]`), valid for `IdCodec`. Ids of
 * different prefixes never collide, so `arbId('pupil')` and `arbId('teacher')` can be mixed.
 */
export const arbId = (prefix: string): fc.Arbitrary<Id> =>
  fc
    .string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 8 })
    .map((suffix) => (prefix === '' ? suffix : `${prefix}-${suffix}`));

/** A formative mark (ФО): an integer from 1 to 10. */
export const arbFormativeMark = (): fc.Arbitrary<number> => fc.integer({ min: 1, max: 10 });

/** A value that is not a formative mark: out of 1..10, or not an integer. */
export const arbInvalidFormativeMark = (): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: -1000, max: 0 }),
    fc.integer({ min: 11, max: 1000 }),
    fc.double({ min: 1, max: 10, noNaN: true }).filter((x) => !Number.isInteger(x)),
  );

/** Summative points out of `maxPoints` (0..maxPoints). */
export const arbSummativePoints = (maxPoints: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: maxPoints });

/** A grade level (сынып): 2..11 by default, the levels where the Kazakhstan rules give marks. */
export const arbGradeLevel = (options: { readonly min?: number; readonly max?: number } = {}): fc.Arbitrary<number> =>
  fc.integer({ min: options.min ?? 2, max: options.max ?? 11 });

/** A grading mode, mostly `scored`; `noMarks` only when asked for. */
export const arbGradingMode = (options: { readonly noMarks?: boolean } = {}): fc.Arbitrary<GradingMode> =>
  fc.oneof(
    { arbitrary: fc.constant<GradingMode>('scored'), weight: 6 },
    { arbitrary: fc.constant<GradingMode>('passFail'), weight: 1 },
    ...(options.noMarks === true ? [{ arbitrary: fc.constant<GradingMode>('noMarks'), weight: 1 }] : []),
  );

/** An attendance code (absent unexcused, excused, ill, late). */
export const arbAttendanceCode = (): fc.Arbitrary<AttendanceCode> =>
  fc.constantFrom<AttendanceCode>('unexcused', 'excused', 'illness', 'late');

/** Subject codes as a school would name them (ids, not display names). */
export const subjectCodes = [
  'math',
  'algebra',
  'geometry',
  'kazakhLanguage',
  'russianLanguage',
  'english',
  'physics',
  'chemistry',
  'biology',
  'history',
  'geography',
  'informatics',
  'music',
  'physicalEducation',
  'artsAndCrafts',
  'digitalLiteracy',
] as const;

export const arbSubjectId = (): fc.Arbitrary<Id> => fc.constantFrom(...subjectCodes);

/** A class letter (параллель): А, Ә, Б, В, Г or a Latin letter. */
export const arbClassLetter = (): fc.Arbitrary<string> => fc.constantFrom('А', 'Ә', 'Б', 'В', 'Г', 'A', 'B');

/** Reasons a correction or annulment carries. */
export const reasons = [
  'typo in the journal',
  'mark entered for the wrong pupil',
  're-checked after an appeal (moderation)',
  'ошибка при вводе',
  'қате енгізілді',
] as const;

export const arbReason = (): fc.Arbitrary<string> => fc.constantFrom(...reasons);

// --- dates ------------------------------------------------------------------------------
// Plain day arithmetic in UTC on 'YYYY-MM-DD' text: no clock and no local time zone.

const DAY_MS = 86_400_000;

const dayNumber = (date: LocalDate): number =>
  Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;

const fromDayNumber = (day: number): LocalDate => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The date `days` days after `date` (before, if negative). */
export const addDays = (date: LocalDate, days: number): LocalDate => fromDayNumber(dayNumber(date) + days);

/** Days from `a` to `b` (negative when `b` is before `a`). */
export const daysBetween = (a: LocalDate, b: LocalDate): number => dayNumber(b) - dayNumber(a);

/** 0 = Sunday .. 6 = Saturday. */
export const weekdayOf = (date: LocalDate): number => new Date(dayNumber(date) * DAY_MS).getUTCDay();

/** Monday to Friday of an inclusive range, in order: the days lessons can fall on. */
export const schoolDaysIn = (range: { readonly startsOn: LocalDate; readonly endsOn: LocalDate }): ReadonlyArray<LocalDate> => {
  const days: LocalDate[] = [];
  for (let day = dayNumber(range.startsOn); day <= dayNumber(range.endsOn); day++) {
    const date = fromDayNumber(day);
    const weekday = weekdayOf(date);
    if (weekday !== 0 && weekday !== 6) days.push(date);
  }
  return days;
};

/** An instant on a date, as UTC `HH:MM` (Almaty school hours are 02:00-12:00 UTC). */
export const instantOn = (date: LocalDate, hour: number, minute = 0): Instant =>
  `${date}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`;

// --- calendars --------------------------------------------------------------------------

/**
 * The rule set a school year of the shipped Kazakhstan catalogue records, by its start year
 * (with the catalogue's default boundaries: 2020-09-01 and 2022-09-01). The ids are the stable
 * ids of `kazakhstanRuleSetIds`.
 */
export const kazakhstanRuleSetIdFor = (startYear: number): string =>
  startYear < 2020 ? 'kz-older-g1-marks' : startYear < 2022 ? 'kz-older' : 'kz-current';

export type SchoolYearCalendarOptions = {
  readonly minStartYear?: number;
  readonly maxStartYear?: number;
  /** The rule set recorded for a year starting in `startYear`; default {@link kazakhstanRuleSetIdFor}. */
  readonly ruleSetIdFor?: (startYear: number) => string;
};

/**
 * A school year's calendar (the data of `SchoolYearOpened` / `OpenSchoolYear`): starts 1
 * September of `startYear` (2018..2026 by default), four terms separated by holidays, the last
 * ending between 22 and 31 May, and two half-years (terms 1-2 and 3-4). Every calendar passes
 * the school-year decider's checks.
 */
export const arbSchoolYearCalendar = (options: SchoolYearCalendarOptions = {}): fc.Arbitrary<SchoolYearOpenedData> =>
  fc
    .record({
      startYear: fc.integer({ min: options.minStartYear ?? 2018, max: options.maxStartYear ?? 2026 }),
      term1End: fc.integer({ min: 0, max: 7 }),
      autumnBreak: fc.integer({ min: 6, max: 10 }),
      term2End: fc.integer({ min: 0, max: 7 }),
      term3Start: fc.integer({ min: 0, max: 5 }),
      term3End: fc.integer({ min: 0, max: 6 }),
      springBreak: fc.integer({ min: 7, max: 12 }),
      term4End: fc.integer({ min: 0, max: 9 }),
    })
    .map((g) => {
      const y = g.startYear;
      const next = y + 1;
      const t1 = { number: 1, startsOn: `${y}-09-01`, endsOn: addDays(`${y}-10-24`, g.term1End) };
      const t2 = { number: 2, startsOn: addDays(t1.endsOn, g.autumnBreak), endsOn: addDays(`${y}-12-22`, g.term2End) };
      const t3 = { number: 3, startsOn: addDays(`${next}-01-06`, g.term3Start), endsOn: addDays(`${next}-03-15`, g.term3End) };
      const t4 = { number: 4, startsOn: addDays(t3.endsOn, g.springBreak), endsOn: addDays(`${next}-05-22`, g.term4End) };
      return {
        schoolYearId: `sy-${y}-${next}`,
        startYear: y,
        startsOn: t1.startsOn,
        endsOn: t4.endsOn,
        terms: [t1, t2, t3, t4],
        halfYears: [
          { number: 1, startsOn: t1.startsOn, endsOn: t2.endsOn },
          { number: 2, startsOn: t3.startsOn, endsOn: t4.endsOn },
        ],
        ruleSetId: (options.ruleSetIdFor ?? kazakhstanRuleSetIdFor)(y),
      };
    });

/** An actor of a role that may never write to a class journal. */
export const arbReadOnlyActor = (): fc.Arbitrary<Actor> =>
  fc.record({ id: arbId('reader'), role: fc.constantFrom<Actor['role']>('auditor', 'parent', 'pupil') });
