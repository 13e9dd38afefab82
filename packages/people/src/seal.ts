import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { IdCodec } from '@grade-ledger/core';
import { decodePersonalRecord, type PersonalRecord } from './record';

/*
 * Per-person encryption: AES-256-GCM from node:crypto, a 256-bit data key per person, a fresh
 * random 96-bit IV for every encryption, and the person id as additional authenticated data,
 * so that a record copied under another person's id fails to decrypt. Destroying the person's
 * key makes every copy of the sealed record, wherever it went, undecryptable.
 */

/** A person's data key. The key material is not enumerable: JSON and console output never show it. */
export type DataKey = { readonly personId: string; readonly keyId: string; readonly material: Buffer };

export const dataKey = (personId: string, keyId: string, material: Buffer): DataKey => {
  const key = { personId, keyId } as { personId: string; keyId: string; material: Buffer };
  Object.defineProperty(key, 'material', { value: material, enumerable: false, writable: false });
  return key;
};

/** A new random data key for a person. */
export const generateDataKey = (personId: string): DataKey => dataKey(personId, `key-${randomUUID()}`, randomBytes(32));

export const SEAL_FORMAT = 'aes-256-gcm/v1';

/** A personal record as stored and archived: ciphertext, IV, authentication tag, key id (base64). */
export const SealedRecordCodec = t.readonly(
  t.strict({
    format: t.literal(SEAL_FORMAT),
    personId: IdCodec,
    keyId: IdCodec,
    iv: t.string,
    tag: t.string,
    ciphertext: t.string,
  }),
  'SealedRecord',
);
export type SealedRecord = t.TypeOf<typeof SealedRecordCodec>;

export type DecryptionFailed = { readonly kind: 'DecryptionFailed'; readonly personId: string; readonly keyId: string; readonly message: string };

const aad = (personId: string): Buffer => Buffer.from(personId, 'utf8');

/** Encrypts a record under its person's key. */
export const seal = (record: PersonalRecord, key: DataKey): SealedRecord => {
  if (key.personId !== record.personId) throw new Error(`the key of ${key.personId} cannot seal the record of ${record.personId}`);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.material, iv);
  cipher.setAAD(aad(record.personId));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(record), 'utf8'), cipher.final()]);
  return { format: SEAL_FORMAT, personId: record.personId, keyId: key.keyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
};

/** Decrypts a sealed record; a wrong key, another person's id or any change to the bytes fails. */
export const unseal = (sealed: SealedRecord, key: DataKey): E.Either<DecryptionFailed, PersonalRecord> => {
  const failed = (why: string): E.Either<DecryptionFailed, never> =>
    E.left({ kind: 'DecryptionFailed', personId: sealed.personId, keyId: sealed.keyId, message: `the record of ${sealed.personId} (key ${sealed.keyId}) cannot be decrypted: ${why}` });
  if (key.keyId !== sealed.keyId || key.personId !== sealed.personId) return failed(`the key given is ${key.keyId} of ${key.personId}`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.material, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(aad(sealed.personId));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    const record = decodePersonalRecord(JSON.parse(plain));
    if (E.isLeft(record)) return failed('the decrypted content is not a personal record');
    return record.right.personId === sealed.personId ? record : failed('the record inside names another person');
  } catch {
    return failed('authentication failed (wrong key, or the record was altered)');
  }
};
