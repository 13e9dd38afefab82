import * as t from 'io-ts';
import { IdCodec } from '../primitives/ids';
import { InstantCodec } from '../primitives/instant';
import { boundedText } from '../primitives/text';

/**
 * The roles an actor acts in. The access rules (who may do what) live in the deciders;
 * `system` is for imports and migrations, never for a person's act.
 */
export const ActorRoleCodec = t.keyof(
  {
    subjectTeacher: null, // предметник / пән мұғалімі
    classTeacher: null, // классный руководитель / сынып жетекшісі
    deputyDirector: null, // завуч / директордың орынбасары
    director: null,
    auditor: null,
    parent: null,
    pupil: null,
    system: null,
  },
  'ActorRole',
);
export type ActorRole = t.TypeOf<typeof ActorRoleCodec>;

export const ActorCodec = t.readonly(t.strict({ id: IdCodec, role: ActorRoleCodec }), 'Actor');
export type Actor = t.TypeOf<typeof ActorCodec>;

/** A reason, required on events that correct, annul, moderate or override something. */
export const ReasonCodec = boundedText(1000, 'Reason');

/**
 * Metadata every event carries: who did it, when it happened, when the ledger recorded it,
 * and how it relates to other events (correlation: the user's whole operation; causation:
 * the command that produced it).
 */
export const EventMetadataCodec = t.readonly(
  t.intersection([
    t.strict({
      eventId: IdCodec,
      occurredAt: InstantCodec,
      recordedAt: InstantCodec,
      actor: ActorCodec,
      correlationId: IdCodec,
      causationId: IdCodec,
    }),
    t.exact(t.partial({ reason: ReasonCodec })),
  ]),
  'EventMetadata',
);
export type EventMetadata = t.TypeOf<typeof EventMetadataCodec>;
