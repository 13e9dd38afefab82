import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type * as t from 'io-ts';
import { ledgerEventCodec, type EventDefinition } from './ledgerEvent';
import { eventDefinitions, isEventType, type LedgerEvent } from './registry';
import { upcasterFor } from './upcasting';
import { formatIssues, validationIssues, type ValidationIssue } from './validationIssues';

/** Why a stored or received value is not a ledger event. */
export type EventDecodeError = {
  readonly kind: 'EventDecodeError';
  /** The event type named by the value, where it named a known one. */
  readonly eventType: string | undefined;
  readonly schemaVersion: number | undefined;
  readonly issues: ReadonlyArray<ValidationIssue>;
  readonly message: string;
};

const decodeError = (
  eventType: string | undefined,
  schemaVersion: number | undefined,
  issues: ReadonlyArray<ValidationIssue>,
): EventDecodeError => ({
  kind: 'EventDecodeError',
  eventType,
  schemaVersion,
  issues,
  message: `${eventType ?? 'event'}${schemaVersion === undefined ? '' : ` v${schemaVersion}`}: ${formatIssues(issues)}`,
});

// Widened to plain codecs: the map is looked up by a runtime type name.
const codecs = new Map<string, t.Type<unknown, unknown, unknown>>(
  Object.values(eventDefinitions).map((definition) => [
    definition.type,
    ledgerEventCodec(definition as EventDefinition<string, unknown>) as t.Type<unknown, unknown, unknown>,
  ]),
);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Lifts a payload through the upcasters from `version` to the type's current version. */
const upcastData = (
  type: LedgerEvent['type'],
  version: number,
  data: unknown,
): E.Either<EventDecodeError, unknown> => {
  const current = eventDefinitions[type].schemaVersion;
  let result: unknown = data;
  for (let v = version; v < current; v++) {
    const upcaster = upcasterFor(type, v);
    if (upcaster === undefined)
      return E.left(
        decodeError(type, version, [{ path: 'schemaVersion', value: version, expected: `a version with an upcaster to v${current}` }]),
      );
    const lifted = upcaster.upcast(result);
    if (E.isLeft(lifted)) return E.left(decodeError(type, version, validationIssues(lifted.left).map(prefixData)));
    result = lifted.right;
  }
  return E.right(result);
};

const prefixData = (issue: ValidationIssue): ValidationIssue => ({
  ...issue,
  path: issue.path === '(root)' ? 'data' : `data.${issue.path}`,
});

/**
 * Decodes a value read from a store, an archive or the wire into a ledger event at its current
 * schema version, upcasting older versions. Bad input gives an error that names the field, the
 * value and what was expected; it never throws.
 */
export const decodeEvent = (raw: unknown): E.Either<EventDecodeError, LedgerEvent> => {
  if (!isRecord(raw)) return E.left(decodeError(undefined, undefined, [{ path: '(root)', value: raw, expected: 'an event object' }]));
  const { type, schemaVersion } = raw;
  if (!isEventType(type))
    return E.left(decodeError(undefined, undefined, [{ path: 'type', value: type, expected: 'a known event type' }]));
  const current = eventDefinitions[type].schemaVersion;
  if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > current)
    return E.left(
      decodeError(type, undefined, [{ path: 'schemaVersion', value: schemaVersion, expected: `an integer from 1 to ${current}` }]),
    );
  const codec = codecs.get(type);
  if (codec === undefined) return E.left(decodeError(type, schemaVersion, [{ path: 'type', value: type, expected: 'a known event type' }]));
  return pipe(
    upcastData(type, schemaVersion, raw.data),
    E.chain((data) =>
      pipe(
        codec.decode({ ...raw, schemaVersion: current, data }),
        E.mapLeft((errors) => decodeError(type, schemaVersion, validationIssues(errors))),
      ),
    ),
    E.map((event) => event as LedgerEvent),
  );
};

/** Checks a payload against its type's current codec (the decider's output, before metadata). */
export const decodeEventData = (type: LedgerEvent['type'], data: unknown): E.Either<EventDecodeError, unknown> =>
  pipe(
    (eventDefinitions[type].data as t.Type<unknown, unknown, unknown>).decode(data),
    E.mapLeft((errors) => decodeError(type, eventDefinitions[type].schemaVersion, validationIssues(errors).map(prefixData))),
  );
