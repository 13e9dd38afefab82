import * as t from 'io-ts';

/**
 * A calendar date without a time zone, as `YYYY-MM-DD` (ISO 8601).
 *
 * School records are about days (a lesson on 2021-03-15), not instants, so dates are kept as
 * strings: they compare correctly as text, serialize canonically, and never shift with a
 * machine's time zone.
 */
export type LocalDate = string;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export const isLeapYear = (year: number): boolean =>
  (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** True when `value` is a real calendar date written as `YYYY-MM-DD`. */
export const isLocalDate = (value: unknown): value is LocalDate => {
  if (typeof value !== 'string') return false;
  const match = DATE_PATTERN.exec(value);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
};

/** io-ts codec of {@link LocalDate}: rejects `2021-02-30` as well as `15.03.2021`. */
export const LocalDateCodec = new t.Type<LocalDate, string, unknown>(
  'LocalDate',
  isLocalDate,
  (input, context) => (isLocalDate(input) ? t.success(input) : t.failure(input, context, 'expected a date YYYY-MM-DD')),
  t.identity,
);

/** Negative, zero or positive as `a` is before, on or after `b`. */
export const compareDates = (a: LocalDate, b: LocalDate): number => (a < b ? -1 : a > b ? 1 : 0);

export const isBefore = (a: LocalDate, b: LocalDate): boolean => a < b;
export const isAfter = (a: LocalDate, b: LocalDate): boolean => a > b;

/** An inclusive range of days, such as a term (четверть / тоқсан). */
export type DateRange = { readonly startsOn: LocalDate; readonly endsOn: LocalDate };

/** True when `date` falls within the range, both ends included. */
export const isWithinRange = (date: LocalDate, range: DateRange): boolean =>
  date >= range.startsOn && date <= range.endsOn;

/** True when two inclusive ranges share at least one day. */
export const rangesOverlap = (a: DateRange, b: DateRange): boolean =>
  a.startsOn <= b.endsOn && b.startsOn <= a.endsOn;

/** The date's year, month and day as numbers (no Date object, so no time zone). */
export const dateParts = (date: LocalDate): { year: number; month: number; day: number } => ({
  year: Number(date.slice(0, 4)),
  month: Number(date.slice(5, 7)),
  day: Number(date.slice(8, 10)),
});
