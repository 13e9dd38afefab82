import * as t from 'io-ts';
import { IdCodec } from '../primitives/ids';
import { LocalDateCodec } from '../primitives/localDate';
import { boundedText, intInRange } from '../primitives/text';
import { defineEvent } from './ledgerEvent';

/*
 * Events about people's personal data and about access to it. Like every event they are
 * immutable and copied into archives, so they carry no personal data: people by opaque id,
 * and otherwise only reasons, purposes, legal bases, the kinds of data read and counts. The
 * personal data itself lives beside the ledger, encrypted per person (@grade-ledger/people).
 *
 * Streams: `person-<personId>` for what happened to one person's data (blocking,
 * depersonalisation, forgetting); `access-<schoolId>-<day>` for the reads of personal data of
 * one school day and the bulk-access requests and approvals that guard them.
 */

/** The legal ground of an operation on personal data, e.g. "Law 94-V art. 18: consent withdrawn". */
export const LegalBasisCodec = boundedText(500, 'LegalBasis');

/** Why personal data is read: stated by the reader, kept with the access. */
export const PurposeCodec = boundedText(500, 'Purpose');

/**
 * The kinds of personal data a read may disclose. `family` is the pupil–parent link. The
 * values name kinds of data; the events never carry the data.
 */
export const PersonalFieldCodec = t.keyof(
  { name: null, nationalId: null, birthDate: null, contacts: null, family: null },
  'PersonalField',
);
export type PersonalField = t.TypeOf<typeof PersonalFieldCodec>;

/** What was read: a class journal, report cards, personal records, or an export of several classes. */
export const AccessedResourceCodec = t.keyof(
  { journal: null, reportCard: null, personalRecord: null, export: null },
  'AccessedResource',
);
export type AccessedResource = t.TypeOf<typeof AccessedResourceCodec>;

/**
 * A person's data is blocked: hidden from every read (names show as a pseudonym) without being
 * destroyed, e.g. while a request to correct or delete it is examined (Law 94-V: блокирование).
 * The reason is the event's `metadata.reason`.
 */
export const PersonalDataBlocked = defineEvent(
  'PersonalDataBlocked',
  1,
  t.readonly(t.strict({ personId: IdCodec, legalBasis: LegalBasisCodec })),
);
export type PersonalDataBlockedData = t.TypeOf<typeof PersonalDataBlocked.data>;

/** A block is lifted: the data can be read again. */
export const PersonalDataUnblocked = defineEvent('PersonalDataUnblocked', 1, t.readonly(t.strict({ personId: IdCodec })));
export type PersonalDataUnblockedData = t.TypeOf<typeof PersonalDataUnblocked.data>;

/**
 * A person's data is depersonalised (обезличивание): the person's key is destroyed, and only
 * attributes that identify nobody (the kind of person, the birth year) are kept, for statistics.
 */
export const PersonalDataDepersonalised = defineEvent(
  'PersonalDataDepersonalised',
  1,
  t.readonly(t.strict({ personId: IdCodec, legalBasis: LegalBasisCodec })),
);
export type PersonalDataDepersonalisedData = t.TypeOf<typeof PersonalDataDepersonalised.data>;

/**
 * A person is forgotten (уничтожение): the person's key is destroyed, so that no copy of their
 * encrypted record, wherever it was copied, can be decrypted again. Grades and attendance,
 * which refer to the person by id only, stay as they are. Irreversible.
 */
export const PersonalDataForgotten = defineEvent(
  'PersonalDataForgotten',
  1,
  t.readonly(t.strict({ personId: IdCodec, legalBasis: LegalBasisCodec })),
);
export type PersonalDataForgottenData = t.TypeOf<typeof PersonalDataForgotten.data>;

/**
 * Personal data was read (decrypted and shown or exported): who (the metadata's actor), whose
 * (`personIds`), how many, which kinds of data, for what purpose, and the approved bulk-access
 * request it ran under, if it needed one. Recorded before the data is returned.
 */
export const PersonalDataRead = defineEvent(
  'PersonalDataRead',
  1,
  t.readonly(
    t.intersection([
      t.strict({
        accessId: IdCodec,
        /** The school day of the read (the bulk guard counts per day). */
        day: LocalDateCodec,
        resource: AccessedResourceCodec,
        classIds: t.readonlyArray(IdCodec),
        personIds: t.readonlyArray(IdCodec),
        personCount: intInRange(0, 10_000_000),
        fields: t.readonlyArray(PersonalFieldCodec),
        purpose: PurposeCodec,
      }),
      t.exact(t.partial({ bulkRequestId: IdCodec })),
    ]),
  ),
);
export type PersonalDataReadData = t.TypeOf<typeof PersonalDataRead.data>;

/**
 * A read above the bulk-access threshold is asked for: by whom (metadata), for how many
 * people and which classes, which kinds of data, for what purpose. It runs only once a second
 * actor of another role approves it (four eyes).
 */
export const BulkAccessRequested = defineEvent(
  'BulkAccessRequested',
  1,
  t.readonly(
    t.strict({
      requestId: IdCodec,
      day: LocalDateCodec,
      resource: AccessedResourceCodec,
      classIds: t.readonlyArray(IdCodec),
      personCount: intInRange(1, 10_000_000),
      fields: t.readonlyArray(PersonalFieldCodec),
      purpose: PurposeCodec,
    }),
  ),
);
export type BulkAccessRequestedData = t.TypeOf<typeof BulkAccessRequested.data>;

/** A bulk-access request is approved by a second actor of another role (the metadata's actor). */
export const BulkAccessApproved = defineEvent('BulkAccessApproved', 1, t.readonly(t.strict({ requestId: IdCodec })));
export type BulkAccessApprovedData = t.TypeOf<typeof BulkAccessApproved.data>;

/** A bulk-access request is declined; the reason is the metadata's. */
export const BulkAccessDeclined = defineEvent('BulkAccessDeclined', 1, t.readonly(t.strict({ requestId: IdCodec })));
export type BulkAccessDeclinedData = t.TypeOf<typeof BulkAccessDeclined.data>;
