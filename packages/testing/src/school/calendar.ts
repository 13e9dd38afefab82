import type { DatedPeriod, LocalDate } from '@grade-ledger/core';

/*
 * Day arithmetic for generated calendars. Dates are `YYYY-MM-DD` text; Date.UTC is used only
 * to count days (never to read the clock), so the result does not depend on the time zone.
 */

const DAY_MS = 86_400_000;

const epochDay = (date: LocalDate): number =>
  Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;

const fromEpochDay = (day: number): LocalDate => new Date(day * DAY_MS).toISOString().slice(0, 10);

export const addDays = (date: LocalDate, days: number): LocalDate => fromEpochDay(epochDay(date) + days);

/** 0 = Sunday, 1 = Monday, ... 6 = Saturday. */
export const weekdayOf = (date: LocalDate): number => new Date(epochDay(date) * DAY_MS).getUTCDay();

/** An instant on a day: `YYYY-MM-DDTHH:mm:ssZ`, plus `plusSeconds` (may run past midnight). */
export const instantOn = (date: LocalDate, hour: number, minute = 0, plusSeconds = 0): string =>
  `${new Date(epochDay(date) * DAY_MS + ((hour * 60 + minute) * 60 + plusSeconds) * 1000).toISOString().slice(0, 19)}Z`;

/** An instant moved by some minutes (the recording delay of the generated clock). */
export const plusMinutes = (instant: string, minutes: number): string =>
  `${new Date(Date.parse(instant) + minutes * 60_000).toISOString().slice(0, 19)}Z`;

const weekdayOnOrBefore = (date: LocalDate, weekday: number): LocalDate => addDays(date, -((weekdayOf(date) - weekday + 7) % 7));
const weekdayOnOrAfter = (date: LocalDate, weekday: number): LocalDate => addDays(date, (weekday - weekdayOf(date) + 7) % 7);
const firstWorkdayFrom = (date: LocalDate): LocalDate => (weekdayOf(date) === 0 ? addDays(date, 1) : weekdayOf(date) === 6 ? addDays(date, 2) : date);

/** Public holidays on which no lessons are held (month-day; the calendar's own breaks aside). */
const PUBLIC_HOLIDAYS = ['10-25', '12-16', '03-08', '05-01', '05-07', '05-09'];

export type SchoolCalendar = {
  readonly startsOn: LocalDate;
  readonly endsOn: LocalDate;
  readonly terms: ReadonlyArray<DatedPeriod>;
  readonly halfYears: ReadonlyArray<DatedPeriod>;
};

/**
 * A Kazakhstan-like school calendar: the year from 1 September to 31 May; four terms with an
 * autumn break (about a week from the end of October), a winter break (end of December to the
 * second week of January) and a spring break around Nauryz (from mid-March); two half-years.
 * The real dates are set by the ministry each year; these follow the usual pattern.
 */
export const kazakhstanLikeCalendar = (startYear: number): SchoolCalendar => {
  const next = startYear + 1;
  const t1 = { number: 1, startsOn: firstWorkdayFrom(`${startYear}-09-01`), endsOn: weekdayOnOrBefore(`${startYear}-10-28`, 5) };
  const t2 = { number: 2, startsOn: addDays(t1.endsOn, 10), endsOn: weekdayOnOrBefore(`${startYear}-12-29`, 5) };
  const t3 = { number: 3, startsOn: weekdayOnOrAfter(`${next}-01-08`, 1), endsOn: weekdayOnOrBefore(`${next}-03-17`, 5) };
  const t4 = { number: 4, startsOn: addDays(t3.endsOn, 10), endsOn: weekdayOnOrBefore(`${next}-05-25`, 5) };
  return {
    startsOn: `${startYear}-09-01`,
    endsOn: `${next}-05-31`,
    terms: [t1, t2, t3, t4],
    halfYears: [
      { number: 1, startsOn: t1.startsOn, endsOn: t2.endsOn },
      { number: 2, startsOn: t3.startsOn, endsOn: t4.endsOn },
    ],
  };
};

/** The school days (Monday to Friday, not a public holiday) of a term, in order. */
export const schoolDaysOf = (term: DatedPeriod): ReadonlyArray<LocalDate> => {
  const days: LocalDate[] = [];
  for (let day = term.startsOn; day <= term.endsOn; day = addDays(day, 1)) {
    const weekday = weekdayOf(day);
    if (weekday >= 1 && weekday <= 5 && !PUBLIC_HOLIDAYS.includes(day.slice(5))) days.push(day);
  }
  return days;
};
