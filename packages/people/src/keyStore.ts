import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { jsonDirectory } from './jsonDirectory';
import { destroyedError, existsError, unavailable } from './keyStoreErrors';
import { dataKey, type DataKey } from './seal';

/*
 * The key-store port: where each person's data key lives, apart from the encrypted records,
 * so that destroying one key forgets the person everywhere their record was copied. A
 * destroyed key leaves a tombstone (the person id only): the store then refuses a new key for
 * that person, so forgetting cannot be undone by accident.
 *
 * Implementations: in memory (tests), a directory of key files (one file per person, written
 * atomically), and a PostgreSQL table beside the PostgreSQL event store (postgresKeyStore.ts).
 */

export type KeyLookup =
  | { readonly status: 'present'; readonly key: DataKey }
  | { readonly status: 'destroyed'; readonly personId: string }
  | { readonly status: 'missing'; readonly personId: string };

export type KeyStoreError =
  | { readonly kind: 'KeyStoreUnavailable'; readonly message: string; readonly cause?: unknown }
  | { readonly kind: 'KeyDestroyed'; readonly personId: string; readonly message: string }
  | { readonly kind: 'KeyAlreadyExists'; readonly personId: string; readonly keyId: string; readonly message: string };

export type KeyStore = {
  /** Stores a new person's key; refused when the person has a key, or had one destroyed. */
  readonly put: (key: DataKey) => Promise<E.Either<KeyStoreError, void>>;
  readonly get: (personId: string) => Promise<E.Either<KeyStoreError, KeyLookup>>;
  /**
   * Many people's keys at once (one query for the PostgreSQL store rather than one a person):
   * a lookup for every id asked, as `get` gives it.
   */
  readonly getMany: (personIds: ReadonlyArray<string>) => Promise<E.Either<KeyStoreError, ReadonlyMap<string, KeyLookup>>>;
  /** Destroys the person's key (O(1)); `destroyed` is false when there was none to destroy. */
  readonly destroy: (personId: string) => Promise<E.Either<KeyStoreError, { readonly destroyed: boolean }>>;
};

/** Keys in memory: for tests and single-process use. */
export const inMemoryKeyStore = (): KeyStore => {
  const keys = new Map<string, DataKey | 'destroyed'>();
  const lookup = (personId: string): KeyLookup => {
    const found = keys.get(personId);
    return found === undefined ? { status: 'missing', personId } : found === 'destroyed' ? { status: 'destroyed', personId } : { status: 'present', key: found };
  };
  return {
    put: async (key) => {
      const found = keys.get(key.personId);
      if (found === 'destroyed') return E.left(destroyedError(key.personId));
      if (found !== undefined) return E.left(existsError(key.personId, found.keyId));
      keys.set(key.personId, key);
      return E.right(undefined);
    },
    get: async (personId) => E.right(lookup(personId)),
    getMany: async (personIds) => E.right(new Map(personIds.map((personId) => [personId, lookup(personId)]))),
    destroy: async (personId) => {
      const found = keys.get(personId);
      keys.set(personId, 'destroyed');
      return E.right({ destroyed: found !== undefined && found !== 'destroyed' });
    },
  };
};

const KeyFileCodec = t.union([
  t.type({ personId: t.string, keyId: t.string, material: t.string }),
  t.type({ personId: t.string, destroyed: t.literal(true) }),
]);

/**
 * Keys in a directory, one file per person (mode 0600, written atomically). Destroying a key
 * renames a tombstone over the key file. The old bytes may survive on the disk's free blocks,
 * in file-system snapshots and in backups: see docs/personal-data.md on key handling.
 */
export const fileKeyStore = (dir: string): KeyStore => {
  const files = jsonDirectory(dir);
  // Operations on one person are serialized, so that put and destroy do not interleave.
  const queues = new Map<string, Promise<unknown>>();
  const serial = <A>(personId: string, run: () => Promise<A>): Promise<A> => {
    const next = (queues.get(personId) ?? Promise.resolve()).then(run, run);
    queues.set(personId, next.catch(() => undefined));
    return next;
  };
  const lookup = async (personId: string): Promise<KeyLookup> => {
    const raw = await files.read(personId);
    if (raw === undefined) return { status: 'missing', personId };
    const decoded = KeyFileCodec.decode(raw);
    if (E.isLeft(decoded) || decoded.right.personId !== personId) throw new Error(`the key file of ${personId} is damaged`);
    const file = decoded.right;
    return 'destroyed' in file ? { status: 'destroyed', personId } : { status: 'present', key: dataKey(personId, file.keyId, Buffer.from(file.material, 'base64')) };
  };
  return {
    put: (key) =>
      serial(key.personId, async () => {
        try {
          const found = await lookup(key.personId);
          if (found.status === 'destroyed') return E.left(destroyedError(key.personId));
          if (found.status === 'present') return E.left(existsError(key.personId, found.key.keyId));
          await files.write(key.personId, { personId: key.personId, keyId: key.keyId, material: key.material.toString('base64') });
          return E.right(undefined);
        } catch (error) {
          return E.left(unavailable(`storing the key of ${key.personId}`, error));
        }
      }),
    get: async (personId) => {
      try {
        return E.right(await lookup(personId));
      } catch (error) {
        return E.left(unavailable(`reading the key of ${personId}`, error));
      }
    },
    getMany: async (personIds) => {
      try {
        // A few files at a time: enough to overlap the reads, not so many as to run out of file handles.
        const found = new Map<string, KeyLookup>();
        for (let i = 0; i < personIds.length; i += 64) {
          const batch = personIds.slice(i, i + 64);
          for (const [j, lookedUp] of (await Promise.all(batch.map(lookup))).entries()) found.set(batch[j]!, lookedUp);
        }
        return E.right(found);
      } catch (error) {
        return E.left(unavailable(`reading the keys of ${personIds.length} people`, error));
      }
    },
    destroy: (personId) =>
      serial(personId, async () => {
        try {
          const found = await lookup(personId);
          await files.write(personId, { personId, destroyed: true });
          return E.right({ destroyed: found.status === 'present' });
        } catch (error) {
          return E.left(unavailable(`destroying the key of ${personId}`, error));
        }
      }),
  };
};
