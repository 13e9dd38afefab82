import * as t from 'io-ts';

/**
 * A moment in time as an ISO 8601 UTC timestamp (`2021-03-15T08:30:00.000Z` or without
 * milliseconds). The core never reads a clock: instants come in with commands and from the
 * command handler's clock port.
 */
export type Instant = string;

const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export const isInstant = (value: unknown): value is Instant =>
  typeof value === 'string' && INSTANT_PATTERN.test(value) && Number.isFinite(Date.parse(value));

export const InstantCodec = new t.Type<Instant, string, unknown>(
  'Instant',
  isInstant,
  (input, context) =>
    isInstant(input) ? t.success(input) : t.failure(input, context, 'expected a UTC timestamp YYYY-MM-DDTHH:mm:ssZ'),
  t.identity,
);

/** The calendar day (UTC) of an instant. */
export const dayOf = (instant: Instant): string => instant.slice(0, 10);
