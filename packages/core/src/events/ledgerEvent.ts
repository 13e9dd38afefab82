import * as t from 'io-ts';
import { EventMetadataCodec, type EventMetadata } from './metadata';

/**
 * An event as the ledger keeps it: its `type`, the version of its payload schema, the payload
 * (`data`) and its metadata. Events are immutable facts; a mistake is put right by a later
 * event (a correction, an annulment), never by editing.
 */
export type LedgerEventOf<Type extends string, Data> = {
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: EventMetadata;
};

/** The payload part of an event, as a decider emits it (metadata is added by the handler). */
export type EventPayloadOf<Type extends string, Data> = { readonly type: Type; readonly data: Data };

/** Everything needed to decode one event type at its current schema version. */
export type EventDefinition<Type extends string = string, Data = unknown> = {
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: t.Type<Data, unknown, unknown>;
};

export const defineEvent = <Type extends string, Data>(
  type: Type,
  schemaVersion: number,
  data: t.Type<Data, any, unknown>,
): EventDefinition<Type, Data> => ({ type, schemaVersion, data });

/** The codec of a whole event of one definition (envelope, payload and metadata). */
export const ledgerEventCodec = <Type extends string, Data>(definition: EventDefinition<Type, Data>) =>
  t.readonly(
    t.strict({
      type: t.literal(definition.type),
      schemaVersion: t.literal(definition.schemaVersion),
      data: definition.data,
      metadata: EventMetadataCodec,
    }),
    definition.type,
  );
