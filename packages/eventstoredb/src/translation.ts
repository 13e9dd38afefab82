import { createHash } from 'node:crypto';
import * as E from 'fp-ts/Either';
import {
  concurrencyConflict,
  decodeEvent,
  type ConcurrencyConflict,
  type ExpectedRevision,
  type LedgerEvent,
  type RecordedEvent,
  type StoreUnavailable,
} from '@grade-ledger/core';

/*
 * The translation layer between the ledger's store port and an EventStoreDB / KurrentDB
 * client: names, ids, revisions, positions and errors. Pure functions only, so they are
 * tested without a server, and a successor client with the same shapes reuses them.
 */

/** Where a ledger stream of a school lives on the server: `grade-ledger/<school>/<stream>`. */
export const STREAM_PREFIX = 'grade-ledger/';
/** Event-id reservations (the server has no cross-stream unique ids): `grade-ledger-ids/<school>/<event id>`. */
export const RESERVATION_PREFIX = 'grade-ledger-ids/';
/** Checkpoints: `grade-ledger-checkpoints/<school>/<subscription>`. */
export const CHECKPOINT_PREFIX = 'grade-ledger-checkpoints/';

export const schoolPrefix = (schoolId: string): string => `${STREAM_PREFIX}${schoolId}/`;
export const serverStreamName = (schoolId: string, streamId: string): string => `${schoolPrefix(schoolId)}${streamId}`;
export const reservationStreamName = (schoolId: string, eventId: string): string => `${RESERVATION_PREFIX}${schoolId}/${eventId}`;
export const checkpointStreamName = (schoolId: string, subscriptionId: string): string =>
  `${CHECKPOINT_PREFIX}${schoolId}/${subscriptionId}`;

/** The ledger stream id of a server stream of this school, or undefined for any other stream (system, other school). */
export const ledgerStreamId = (schoolId: string, serverStream: string): string | undefined => {
  const prefix = schoolPrefix(schoolId);
  return serverStream.startsWith(prefix) && serverStream.length > prefix.length ? serverStream.slice(prefix.length) : undefined;
};

/** A fixed namespace for the ledger's name-based UUIDs (a random v4, chosen once). */
export const LEDGER_UUID_NAMESPACE = '6f1c1a52-3f0e-4c39-9d55-5b8c0a7e2d41';

/** An RFC 4122 name-based UUID, version 5 (SHA-1), of a name in a namespace. */
export const uuidV5 = (namespace: string, name: string): string => {
  const hash = createHash('sha1').update(Buffer.from(namespace.replaceAll('-', ''), 'hex')).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/**
 * The server's event id (EventStoreDB ids are UUIDs) for a ledger event id: the version-5 UUID
 * of `<school>/<event id>`, so a re-sent event gets the same server id. The ledger's id itself
 * travels in the metadata.
 */
export const serverEventId = (schoolId: string, eventId: string): string => uuidV5(LEDGER_UUID_NAMESPACE, `${schoolId}/${eventId}`);

/** The client's expected revision (the client's constants are these strings). */
export type ServerExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** The client's expected revision; -1 (a read's "no stream") is the client's no_stream, its revisions being unsigned. */
export const serverExpectedRevision = (expected: ExpectedRevision): ServerExpectedRevision =>
  expected === 'any'
    ? 'any'
    : expected === 'noStream' || expected === -1
      ? 'no_stream'
      : expected === 'streamExists'
        ? 'stream_exists'
        : BigInt(expected);

/** The server's current revision ('no_stream' or a bigint) as the port's number (-1: no stream). */
export const ledgerRevision = (current: unknown): number => (typeof current === 'bigint' ? Number(current) : -1);

/** What an event carries on the server: JSON data, and metadata keeping the ledger's own metadata whole. */
export type ServerEventData = {
  readonly id: string;
  readonly contentType: 'application/json';
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: ServerMetadata;
};

export type ServerMetadata = {
  readonly schemaVersion: number;
  /** The ledger's event id (the server's id is derived from it). */
  readonly ledgerEventId: string;
  readonly $correlationId: string;
  readonly $causationId: string;
  readonly ledger: LedgerEvent['metadata'];
};

export const serverEventData = (schoolId: string, event: LedgerEvent): ServerEventData => ({
  id: serverEventId(schoolId, event.metadata.eventId),
  contentType: 'application/json',
  type: event.type,
  data: event.data as Record<string, unknown>,
  metadata: {
    schemaVersion: event.schemaVersion,
    ledgerEventId: event.metadata.eventId,
    $correlationId: event.metadata.correlationId,
    $causationId: event.metadata.causationId,
    ledger: event.metadata,
  },
});

/** The parts of a server event the adapter reads (the client's RecordedEvent has these). */
export type ServerRecordedEvent = {
  readonly streamId: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: { readonly commit: bigint; readonly prepare: bigint } | undefined;
};

/** The global position of an event: its record's position in the server's log (the same in `$all` and stream reads). */
export const globalPositionOf = (position: ServerRecordedEvent['position']): number | undefined =>
  position === undefined ? undefined : Number(position.prepare);

/** The `$all` read position just at a global position (events written by one append have commit = prepare). */
export const serverPosition = (globalPosition: number): { readonly commit: bigint; readonly prepare: bigint } => ({
  commit: BigInt(globalPosition),
  prepare: BigInt(globalPosition),
});

/**
 * A server event as the port's recorded event: undefined when it is not this school's ledger
 * event (system events, other schools, foreign streams); an error when it is the school's but
 * not a valid ledger event.
 */
export const ledgerRecordedEvent = (schoolId: string, recorded: ServerRecordedEvent): E.Either<string, RecordedEvent> | undefined => {
  const streamId = ledgerStreamId(schoolId, recorded.streamId);
  if (streamId === undefined) return undefined;
  const metadata = recorded.metadata as Partial<ServerMetadata> | undefined;
  const globalPosition = globalPositionOf(recorded.position);
  if (globalPosition === undefined)
    return E.left(`${recorded.streamId}@${recorded.revision}: the server gave no log position (EventStoreDB 22.10 or later is needed)`);
  const decoded = decodeEvent({ type: recorded.type, schemaVersion: metadata?.schemaVersion, data: recorded.data, metadata: metadata?.ledger });
  if (E.isLeft(decoded)) return E.left(`${recorded.streamId}@${recorded.revision}: ${decoded.left.message}`);
  return E.right({ event: decoded.right, streamId, streamRevision: Number(recorded.revision), globalPosition });
};

/** The client's error `type` strings (CommandError). */
const UNAVAILABLE_TYPES = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'cancelled', 'not-leader']);

type ClientError = { readonly type?: unknown; readonly message?: unknown; readonly actualVersion?: unknown; readonly code?: unknown };

/** A WrongExpectedVersionError as the port's conflict; undefined for any other error. */
export const conflictOf = (error: unknown, streamId: string, expected: ExpectedRevision): ConcurrencyConflict | undefined =>
  (error as ClientError | null)?.type === 'wrong-expected-version'
    ? concurrencyConflict(streamId, expected, ledgerRevision((error as ClientError).actualVersion))
    : undefined;

/** Any other client failure as StoreUnavailable, saying whether the server could not be reached. */
export const unavailableOf = (what: string, error: unknown, written?: 'maybe'): StoreUnavailable => {
  const type = (error as ClientError | null)?.type;
  const message = (error as ClientError | null)?.message;
  const text = typeof message === 'string' ? message : String(error);
  const reason =
    typeof type === 'string' && UNAVAILABLE_TYPES.has(type)
      ? `the EventStoreDB server could not be reached or did not answer (${type}: ${text})`
      : `EventStoreDB failed${typeof type === 'string' ? ` (${type})` : ''}: ${text}`;
  return {
    kind: 'StoreUnavailable',
    message:
      `EventStoreDB event store unavailable while ${what}: ${reason}` +
      (written === 'maybe' ? '; re-sending the batch is safe (appends are idempotent)' : ''),
    cause: error,
  };
};
