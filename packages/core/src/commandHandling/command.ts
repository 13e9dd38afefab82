import * as t from 'io-ts';
import { ActorCodec, ReasonCodec, type Actor } from '../events/metadata';
import { currentSchemaVersion, type EventPayload, type LedgerEvent } from '../events/registry';
import { IdCodec } from '../primitives/ids';
import { InstantCodec, type Instant } from '../primitives/instant';

/**
 * What comes with every command: who acts, when it happened, and a command id chosen by the
 * caller. The ids of the recorded events derive from the command id (`<commandId>.<n>`), so a
 * command sent twice (a retry after a lost reply) records nothing the second time.
 */
export type CommandMetadata = {
  /** Chosen by the caller, unique per command; at most 120 characters of `[A-Za-z0-9._:-]`. */
  readonly commandId: string;
  readonly actor: Actor;
  readonly occurredAt: Instant;
  /** The user's whole operation; defaults to the command id. */
  readonly correlationId?: string;
  /** Required for corrections, annulments, moderations and overrides. */
  readonly reason?: string;
};

export const CommandMetadataCodec = t.intersection(
  [
    t.type({
      commandId: t.refinement(IdCodec, (s) => s.length <= 120, 'CommandId'),
      actor: ActorCodec,
      occurredAt: InstantCodec,
    }),
    t.partial({ correlationId: IdCodec, reason: ReasonCodec }),
  ],
  'CommandMetadata',
);

/** A command: a request to record something, which a decider may refuse. */
export type Command<Type extends string = string, Data = unknown> = {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: CommandMetadata;
};

/** The id the n-th event of a command gets. */
export const eventIdFor = (commandId: string, index: number): string => `${commandId}.${index}`;

/**
 * The ledger events a command's accepted payloads become: ids `<commandId>.<n>`, the command
 * as causation, its correlation id (default: the command id), actor, time and reason.
 */
export const recordedEventsOf = (
  metadata: CommandMetadata,
  payloads: ReadonlyArray<EventPayload>,
  recordedAt: Instant,
): ReadonlyArray<LedgerEvent> => {
  const { commandId, actor, occurredAt, correlationId, reason } = metadata;
  return payloads.map(
    (payload, index) =>
      ({
        type: payload.type,
        schemaVersion: currentSchemaVersion(payload.type),
        data: payload.data,
        metadata: {
          eventId: eventIdFor(commandId, index),
          occurredAt,
          recordedAt,
          actor: { id: actor.id, role: actor.role },
          correlationId: correlationId ?? commandId,
          causationId: commandId,
          ...(reason === undefined ? {} : { reason }),
        },
      }) as LedgerEvent,
  );
};

export type { Instant };
