import {
  currentSchemaVersion,
  type Actor,
  type EventPayload,
  type Instant,
  type LedgerEvent,
} from '@grade-ledger/core';

export type RecordedAs = {
  readonly actor?: Actor;
  readonly occurredAt?: Instant;
  readonly recordedAt?: Instant;
  /** Prefix of the generated event ids; the n-th event gets `<prefix>.<n>`. */
  readonly idPrefix?: string;
  readonly reason?: string;
};

const SYSTEM: Actor = { id: 'system', role: 'system' };

/**
 * Wraps payloads (type and data) into ledger events with plain, deterministic metadata, for
 * the `given` part of a specification.
 */
export const asLedgerEvents = (payloads: ReadonlyArray<EventPayload>, as: RecordedAs = {}): ReadonlyArray<LedgerEvent> =>
  payloads.map((payload, index) => {
    const eventId = `${as.idPrefix ?? 'given'}.${index}`;
    return {
      type: payload.type,
      schemaVersion: currentSchemaVersion(payload.type),
      data: payload.data,
      metadata: {
        eventId,
        occurredAt: as.occurredAt ?? '2018-09-01T08:00:00Z',
        recordedAt: as.recordedAt ?? as.occurredAt ?? '2018-09-01T08:00:00Z',
        actor: as.actor ?? SYSTEM,
        correlationId: eventId,
        causationId: eventId,
        ...(as.reason === undefined ? {} : { reason: as.reason }),
      },
    } as LedgerEvent;
  });
