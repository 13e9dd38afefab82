import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { formatIssues, IdCodec, LocalDateCodec, validationIssues, type PersonalField, type ValidationIssue } from '@grade-ledger/core';

/*
 * A person's personal record: what the ledger's events must never carry. It lives only
 * encrypted under the person's own key (see seal.ts), beside the ledger.
 */

export const PersonKindCodec = t.keyof({ pupil: null, parent: null, staff: null }, 'PersonKind');
export type PersonKind = t.TypeOf<typeof PersonKindCodec>;

const text = (max: number, label: string) =>
  new t.Type<string, string, unknown>(
    label,
    (u): u is string => typeof u === 'string' && u.trim().length > 0 && u.length <= max,
    (u, c) => (typeof u === 'string' && u.trim().length > 0 && u.length <= max ? t.success(u) : t.failure(u, c, `expected non-empty text of at most ${max} characters`)),
    t.identity,
  );

/**
 * ИИН (the national identification number): 12 digits. Only the form is checked; whether the
 * number exists is for the state registry to say.
 */
export const NationalIdCodec = new t.Type<string, string, unknown>(
  'NationalId',
  (u): u is string => typeof u === 'string' && /^\d{12}$/.test(u),
  (u, c) => (typeof u === 'string' && /^\d{12}$/.test(u) ? t.success(u) : t.failure(u, c, 'expected 12 digits (ИИН)')),
  t.identity,
);

export const FullNameCodec = t.readonly(
  t.intersection([t.type({ family: text(200, 'FamilyName'), given: text(200, 'GivenName') }), t.partial({ patronymic: text(200, 'Patronymic') })]),
  'FullName',
);
export type FullName = t.TypeOf<typeof FullNameCodec>;

export const ContactCodec = t.readonly(
  t.type({ kind: t.keyof({ phone: null, email: null, address: null }), value: text(500, 'ContactValue') }),
  'Contact',
);
export type Contact = t.TypeOf<typeof ContactCodec>;

/** The personal record: name, ИИН, birth date, contacts and, for a pupil, the parents (by id). */
export const PersonalRecordCodec = t.readonly(
  t.strict({
    personId: IdCodec,
    kind: PersonKindCodec,
    name: FullNameCodec,
    nationalId: NationalIdCodec,
    birthDate: LocalDateCodec,
    contacts: t.readonlyArray(ContactCodec),
    /** The pupil–parent link: a pupil's parents or a parent's children, by opaque id. */
    family: t.readonlyArray(IdCodec),
  }),
  'PersonalRecord',
);
export type PersonalRecord = t.TypeOf<typeof PersonalRecordCodec>;

export type InvalidRecord = { readonly kind: 'InvalidRecord'; readonly issues: ReadonlyArray<ValidationIssue>; readonly message: string };

export const decodePersonalRecord = (input: unknown): E.Either<InvalidRecord, PersonalRecord> => {
  const decoded = PersonalRecordCodec.decode(input);
  if (E.isRight(decoded)) return decoded;
  const issues = validationIssues(decoded.left);
  return E.left({ kind: 'InvalidRecord', issues, message: `personal record: ${formatIssues(issues)}` });
};

/** The parts of a record a grant of these kinds of data discloses. */
export type DisclosedFields = {
  readonly name?: FullName;
  readonly nationalId?: string;
  readonly birthDate?: string;
  readonly contacts?: ReadonlyArray<Contact>;
  readonly family?: ReadonlyArray<string>;
};

export const disclose = (record: PersonalRecord, fields: ReadonlyArray<PersonalField>): DisclosedFields => {
  const out: { -readonly [K in keyof DisclosedFields]: DisclosedFields[K] } = {};
  for (const field of fields) {
    if (field === 'name') out.name = record.name;
    else if (field === 'nationalId') out.nationalId = record.nationalId;
    else if (field === 'birthDate') out.birthDate = record.birthDate;
    else if (field === 'contacts') out.contacts = record.contacts;
    else out.family = record.family;
  }
  return out;
};

/** "Садыкова Айгерим Ерлановна": family name, given name, patronymic. */
export const fullNameText = (name: FullName): string => [name.family, name.given, name.patronymic].filter((p) => p !== undefined).join(' ');
