import * as E from 'fp-ts/Either';
import { isInstant, type Instant } from '../primitives/instant';
import { dateParts, daysInMonth, isLocalDate, type LocalDate } from '../primitives/localDate';

/*
 * "As of" is about when the ledger recorded an event (`metadata.recordedAt`), not when the
 * act happened (`occurredAt`): a mark entered on 2021-03-16 for a lesson of 2021-03-15 was not
 * in the journal on the evening of the 15th. An event counts as of instant T when it was
 * recorded strictly before T.
 */

/**
 * True when the instant `recordedAt` is strictly before `asOf`. Both are ISO UTC instants
 * (`YYYY-MM-DDTHH:mm:ss[.fraction]Z`); fractions of a second compare by value, so
 * `…:00.5Z` is after `…:00Z` although it sorts before it as text.
 */
export const isRecordedBefore = (recordedAt: Instant, asOf: Instant): boolean => recordedBefore(asOf)(recordedAt);

/** {@link isRecordedBefore} for one `asOf`, prepared once: per event it compares text, without allocating. */
export const recordedBefore = (asOf: Instant): ((recordedAt: Instant) => boolean) => {
  const limit = canonicalInstant(asOf);
  const seconds = limit.slice(0, 19);
  const fraction = fractionOf(limit);
  // Text order is time order on the first 19 characters of canonical instants; only the same
  // second needs the fractions.
  return (text) => {
    const recordedAt = canonicalInstant(text);
    return recordedAt < seconds || (recordedAt.startsWith(seconds) && fractionOf(recordedAt) < fraction);
  };
};

/**
 * The instant in canonical form. The Instant codec accepts a day past the month's end
 * (`2021-02-30`, which names 2 March) and the hour 24 (`…T24:00:00Z`, the next midnight), whose
 * text order is not their time order; those are rewritten (the fraction kept as written). Per
 * event a few character reads: only days 29-31 and the hour 24 need a look at the month.
 */
const canonicalInstant = (instant: Instant): Instant => {
  const tens = instant.charCodeAt(8);
  const hour24 = instant.charCodeAt(11) === 50 && instant.charCodeAt(12) === 52;
  if (!hour24 && (tens < 50 || (tens === 50 && instant.charCodeAt(9) !== 57))) return instant;
  if (!hour24 && isDayOfMonth(digitsOf(instant, 0, 4), digitsOf(instant, 5, 2), digitsOf(instant, 8, 2))) return instant;
  const ms = Date.parse(`${instant.slice(0, 19)}Z`);
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19)}${instant.slice(19)}` : instant;
};

/** Whether day 29-31 is in the month (without `daysInMonth`'s array: this runs per event). */
const isDayOfMonth = (year: number, month: number, day: number): boolean =>
  month === 2 ? day === 29 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) : day <= 30 || (month !== 4 && month !== 6 && month !== 9 && month !== 11);

/** The number written by `count` digits at `at` (the caller knows they are digits: an Instant's). */
const digitsOf = (text: string, at: number, count: number): number => {
  let n = 0;
  for (let k = at; k < at + count; k++) n = n * 10 + (text.charCodeAt(k) - 48);
  return n;
};

/** The fraction of a second of an instant, as digits padded to nanoseconds ("" → "000000000"). */
const fractionOf = (instant: Instant): string => {
  const dot = instant.indexOf('.', 19);
  return (dot < 0 ? '' : instant.slice(dot + 1, instant.length - 1)).padEnd(9, '0');
};

/** The day after a date. */
export const nextDay = (date: LocalDate): LocalDate => {
  const { year, month, day } = dateParts(date);
  const [y, m, d] = day < daysInMonth(year, month) ? [year, month, day + 1] : month < 12 ? [year, month + 1, 1] : [year + 1, 1, 1];
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
};

/**
 * The instant that ends day D: midnight at the start of D + 1, in UTC or, with
 * `utcOffsetMinutes`, on the school's clock (Kazakhstan: +300 since March 2024; Almaty was +360
 * before). Replaying with `asOf: endOfDay(D, offset)` shows the projections "as they stood at the
 * end of day D" there: every event recorded on D or before, none recorded later. A mark entered
 * at 02:00 in Almaty on the 16th was recorded at 21:00 UTC on the 15th: in UTC it counts for the
 * 15th, on the school's clock it does not.
 */
export const endOfDay = (date: LocalDate, utcOffsetMinutes = 0): Instant => {
  if (utcOffsetMinutes === 0) return `${nextDay(date)}T00:00:00Z`;
  const { year, month, day } = dateParts(date);
  // Date.UTC is arithmetic on the given fields (no clock, no time zone of the machine).
  return `${new Date(Date.UTC(year, month - 1, day + 1) - utcOffsetMinutes * 60_000).toISOString().slice(0, 19)}Z`;
};

/** Offsets from UTC that exist on Earth's clocks, in minutes (-12:00 to +14:00). */
export const isUtcOffsetMinutes = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= -720 && value <= 840;

export type InvalidReplayOptions = {
  readonly kind: 'InvalidReplayOptions';
  readonly field: 'asOf' | 'utcOffsetMinutes' | 'sinceSchoolYear' | 'ruleSets' | 'sealBlocks';
  readonly value: unknown;
  readonly message: string;
};

/** Checks replay options that came from outside (a CLI flag, a request): a typed error names the field and value. */
export const checkReplayOptions = <O extends { readonly ruleSets: ReadonlyArray<unknown>; readonly sinceSchoolYear?: number; readonly asOf?: Instant; readonly sealBlocks?: boolean }>(
  options: O,
): E.Either<InvalidReplayOptions, O> => {
  const invalid = (field: InvalidReplayOptions['field'], value: unknown, message: string) =>
    E.left<InvalidReplayOptions, O>({ kind: 'InvalidReplayOptions', field, value, message });
  if (!Array.isArray(options.ruleSets)) return invalid('ruleSets', options.ruleSets, 'ruleSets must be a list of rule sets');
  if (options.asOf !== undefined && !isInstant(options.asOf))
    return invalid('asOf', options.asOf, `asOf ${JSON.stringify(options.asOf)} is not a UTC instant YYYY-MM-DDTHH:mm:ss[.fff]Z`);
  if (options.sinceSchoolYear !== undefined && !(Number.isInteger(options.sinceSchoolYear) && options.sinceSchoolYear >= 2000 && options.sinceSchoolYear <= 2100))
    return invalid('sinceSchoolYear', options.sinceSchoolYear, `sinceSchoolYear ${String(options.sinceSchoolYear)} is not a school year's start year (2000-2100)`);
  if (options.sealBlocks !== undefined && typeof options.sealBlocks !== 'boolean')
    return invalid('sealBlocks', options.sealBlocks, `sealBlocks ${JSON.stringify(options.sealBlocks)} is not true or false`);
  return E.right(options);
};

/** The end of a day given as text, checked (for "as of 2021-03-15" from outside), in UTC or at an offset (see `endOfDay`). */
export const endOfDayChecked = (date: string, utcOffsetMinutes: number = 0): E.Either<InvalidReplayOptions, Instant> => {
  if (!isLocalDate(date)) return E.left({ kind: 'InvalidReplayOptions', field: 'asOf', value: date, message: `asOf ${JSON.stringify(date)} is not a date YYYY-MM-DD` });
  if (!isUtcOffsetMinutes(utcOffsetMinutes))
    return E.left({ kind: 'InvalidReplayOptions', field: 'utcOffsetMinutes', value: utcOffsetMinutes, message: `utcOffsetMinutes ${String(utcOffsetMinutes)} is not an offset from UTC in whole minutes (-720 to 840)` });
  return E.right(endOfDay(date, utcOffsetMinutes));
};
