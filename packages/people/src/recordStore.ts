import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { IdCodec } from '@grade-ledger/core';
import { jsonDirectory } from './jsonDirectory';
import { PersonKindCodec } from './record';
import { SealedRecordCodec } from './seal';

/*
 * The records store: each person's sealed (encrypted) record, the person's kind and the
 * status of their data (a copy of what the person's stream in the ledger says, kept here so
 * that a read needs no ledger lookup). Nothing here is readable without the person's key,
 * except the kind ("pupil") and, after depersonalisation, the birth year.
 */

export const PersonalDataStatusCodec = t.keyof({ active: null, blocked: null, depersonalised: null, forgotten: null }, 'PersonalDataStatus');

export const StoredPersonCodec = t.readonly(
  t.strict({
    personId: IdCodec,
    kind: PersonKindCodec,
    status: PersonalDataStatusCodec,
    sealed: t.union([t.null, SealedRecordCodec]),
    /** What depersonalisation keeps: attributes that identify nobody. */
    remainder: t.union([t.null, t.readonly(t.strict({ birthYear: t.number }))]),
  }),
  'StoredPerson',
);
export type StoredPerson = t.TypeOf<typeof StoredPersonCodec>;

export type RecordStoreError = { readonly kind: 'RecordStoreUnavailable'; readonly message: string; readonly cause?: unknown };

export type RecordStore = {
  readonly put: (person: StoredPerson) => Promise<E.Either<RecordStoreError, void>>;
  readonly get: (personId: string) => Promise<E.Either<RecordStoreError, StoredPerson | undefined>>;
  readonly personIds: () => Promise<E.Either<RecordStoreError, ReadonlyArray<string>>>;
};

export const inMemoryRecordStore = (): RecordStore => {
  const people = new Map<string, StoredPerson>();
  return {
    put: async (person) => {
      people.set(person.personId, person);
      return E.right(undefined);
    },
    get: async (personId) => E.right(people.get(personId)),
    personIds: async () => E.right([...people.keys()]),
  };
};

const unavailable = (what: string, cause: unknown): RecordStoreError => ({
  kind: 'RecordStoreUnavailable',
  message: `record store: ${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
  cause,
});

/** Records in a directory, one JSON file per person, written atomically. */
export const fileRecordStore = (dir: string): RecordStore => {
  const files = jsonDirectory(dir);
  return {
    put: async (person) => {
      try {
        await files.write(person.personId, StoredPersonCodec.encode(person));
        return E.right(undefined);
      } catch (error) {
        return E.left(unavailable(`storing ${person.personId}`, error));
      }
    },
    get: async (personId) => {
      try {
        const raw = await files.read(personId);
        if (raw === undefined) return E.right(undefined);
        const decoded = StoredPersonCodec.decode(raw);
        return E.isRight(decoded) ? E.right(decoded.right) : E.left(unavailable(`reading ${personId}`, new Error('the file is damaged')));
      } catch (error) {
        return E.left(unavailable(`reading ${personId}`, error));
      }
    },
    personIds: async () => {
      try {
        return E.right(await files.ids());
      } catch (error) {
        return E.left(unavailable('listing', error));
      }
    },
  };
};
