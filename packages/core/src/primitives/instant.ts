import * as t from 'io-ts';
import { daysInMonth } from './localDate';

/**
 * A moment in time as an ISO 8601 UTC timestamp (`2021-03-15T08:30:00.000Z` or without
 * milliseconds). The core never reads a clock: instants come in with commands and from the
 * command handler's clock port.
 */
export type Instant = string;

const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

const twoDigits = (value: string, at: number): number => (value.charCodeAt(at) - 0x30) * 10 + (value.charCodeAt(at + 1) - 0x30);

/**
 * Whether a text of the instant's form (its digits and separators already checked) names a real
 * time: month 1-12, a day of that month, hour 0-23, minute and second 0-59. Date.parse is not
 * asked: it takes 30 February for 2 March and 24:00 for the next midnight, which would let two
 * texts name one time (and "as of" compares instants as text).
 */
export const isCalendarTime = (value: string): boolean => {
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(Number(value.slice(0, 4)), month) &&
    twoDigits(value, 11) <= 23 &&
    twoDigits(value, 14) <= 59 &&
    twoDigits(value, 17) <= 59
  );
};

export const isInstant = (value: unknown): value is Instant => typeof value === 'string' && INSTANT_PATTERN.test(value) && isCalendarTime(value);

export const InstantCodec = new t.Type<Instant, string, unknown>(
  'Instant',
  isInstant,
  (input, context) =>
    isInstant(input) ? t.success(input) : t.failure(input, context, 'expected a UTC timestamp YYYY-MM-DDTHH:mm:ssZ'),
  t.identity,
);

/** The calendar day (UTC) of an instant. */
export const dayOf = (instant: Instant): string => instant.slice(0, 10);
