import * as E from 'fp-ts/Either';
import pg from 'pg';
import { IdCodec } from '@grade-ledger/core';
import { checkSchemaName, runMigrations, type Migration } from '@grade-ledger/postgres';
import type { KeyLookup, KeyStore, KeyStoreError } from './keyStore';
import { destroyedError, existsError, unavailable } from './keyStoreErrors';
import { dataKey, type DataKey } from './seal';

/*
 * Keys in PostgreSQL, beside the PostgreSQL event store: the same schema (default
 * `grade_ledger`), one table `person_keys` keyed by (school_id, person_id). A row holds either
 * a key (key_id, material) or a tombstone (destroyed_at, key id and material NULL); a
 * tombstone is never removed, so a destroyed person's key can never be stored again.
 *
 * Destroying a key is one UPDATE setting key id and material to NULL. PostgreSQL keeps the old
 * row version until VACUUM removes it, and the WAL, replicas and backups hold copies of the
 * key: docs/personal-data.md says what an operator does for a destruction to be complete.
 */

/** Where the key store connects: a pool the caller owns, or a connection string (the store owns its pool). */
export type PostgresKeyStoreOptions = (
  | { readonly pool: pg.Pool; readonly connectionString?: undefined }
  | { readonly connectionString: string; readonly pool?: undefined }
) & {
  /** The school (tenant) whose keys this store holds. */
  readonly schoolId: string;
  /** The PostgreSQL schema holding the table (default `grade_ledger`, the event store's). */
  readonly schema?: string;
};

export type PostgresKeyStore = KeyStore & {
  /** Creates or upgrades the table, once; every operation calls it first. */
  readonly ready: () => Promise<void>;
  /** Ends the pool the store made from a connection string; a given pool is left open. */
  readonly close: () => Promise<void>;
};

export const DEFAULT_KEY_STORE_SCHEMA = 'grade_ledger';

/** A step of the key store's schema history: the same shape as the event store's migrations. */
export type PersonKeyMigration = Migration;

/** The key store's own migrations, numbered apart from the event store's (table `person_key_migrations`). */
export const personKeyMigrations: ReadonlyArray<PersonKeyMigration> = [
  {
    version: 1,
    description: 'person keys by school and person, with destroyed-key tombstones',
    sql: (s) => `
      CREATE TABLE ${s}.person_keys (
        school_id text NOT NULL,
        person_id text NOT NULL,
        key_id text,
        material bytea,
        stored_at timestamptz NOT NULL DEFAULT now(),
        destroyed_at timestamptz,
        PRIMARY KEY (school_id, person_id),
        -- a row is a key or a tombstone, never both: a tombstone keeps no key bytes
        CONSTRAINT person_keys_key_or_tombstone CHECK (
          (destroyed_at IS NULL AND key_id IS NOT NULL AND material IS NOT NULL)
          OR (destroyed_at IS NOT NULL AND key_id IS NULL AND material IS NULL)
        )
      );`,
  },
];

/**
 * Brings the key store's table to the latest version, with its own migration history, under the
 * same advisory lock as the event store's migrations of this schema (both may create the schema).
 */
export const migratePersonKeys = (pool: pg.Pool, schema: string = DEFAULT_KEY_STORE_SCHEMA): Promise<ReadonlyArray<number>> =>
  runMigrations(pool, schema, 'person_key_migrations', personKeyMigrations);

type KeyRow = { readonly key_id: string | null; readonly material: Buffer | null; readonly destroyed_at: Date | null };

/**
 * The key store of one school in PostgreSQL. Put and destroy are single statements, safe
 * against each other from any number of processes: a put never overwrites a row, and a
 * destroy turns whatever row there is (or none) into a tombstone.
 */
export const postgresKeyStore = (options: PostgresKeyStoreOptions): PostgresKeyStore => {
  const { schoolId } = options;
  if (!IdCodec.is(schoolId)) throw new Error(`schoolId: "${schoolId}" is not an opaque id ([A-Za-z0-9._:-], 1-128 characters)`);
  const schema = checkSchemaName(options.schema ?? DEFAULT_KEY_STORE_SCHEMA);
  const owned = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString });
  // An idle connection dropped by the server is removed from the pool; without a listener,
  // node-postgres would crash the process. The next query reports KeyStoreUnavailable.
  if (owned) pool.on('error', () => undefined);
  const table = `${schema}.person_keys`;

  let readying: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    readying ??= migratePersonKeys(pool, schema).then(
      () => undefined,
      (error: unknown) => {
        readying = undefined;
        throw error;
      },
    );
    return readying;
  };

  const attempt = async <A>(what: string, work: () => Promise<E.Either<KeyStoreError, A>>): Promise<E.Either<KeyStoreError, A>> => {
    try {
      await ready();
      return await work();
    } catch (error) {
      return E.left(unavailable(what, error));
    }
  };

  const lookup = async (personId: string): Promise<KeyLookup | undefined> => {
    const { rows } = await pool.query<KeyRow>(`SELECT key_id, material, destroyed_at FROM ${table} WHERE school_id = $1 AND person_id = $2`, [schoolId, personId]);
    const row = rows[0];
    return row === undefined ? undefined : rowLookup(personId, row);
  };

  const rowLookup = (personId: string, row: KeyRow): KeyLookup => {
    if (row.destroyed_at !== null) return { status: 'destroyed', personId };
    if (row.key_id === null || row.material === null) throw new Error(`the key row of ${personId} is damaged`);
    return { status: 'present', key: dataKey(personId, row.key_id, row.material) };
  };

  /** One query per 5,000 people (a whole school's report cards in one round trip). */
  const lookupMany = async (personIds: ReadonlyArray<string>): Promise<ReadonlyMap<string, KeyLookup>> => {
    const found = new Map<string, KeyLookup>();
    const unique = [...new Set(personIds)];
    for (let i = 0; i < unique.length; i += 5_000) {
      const batch = unique.slice(i, i + 5_000);
      const { rows } = await pool.query<KeyRow & { person_id: string }>(
        `SELECT person_id, key_id, material, destroyed_at FROM ${table} WHERE school_id = $1 AND person_id = ANY($2::text[])`,
        [schoolId, batch],
      );
      for (const row of rows) found.set(row.person_id, rowLookup(row.person_id, row));
    }
    return new Map(personIds.map((personId) => [personId, found.get(personId) ?? { status: 'missing', personId }]));
  };

  const put = (key: DataKey) =>
    attempt(`storing the key of ${key.personId}`, async () => {
      const inserted = await pool.query(
        `INSERT INTO ${table} (school_id, person_id, key_id, material) VALUES ($1, $2, $3, $4)
         ON CONFLICT (school_id, person_id) DO NOTHING`,
        [schoolId, key.personId, key.keyId, key.material],
      );
      if (inserted.rowCount === 1) return E.right(undefined);
      // The row that won is committed (ON CONFLICT waited for it) and rows are never deleted,
      // so this later statement sees it.
      const found = await lookup(key.personId);
      if (found === undefined) throw new Error(`the key row of ${key.personId} conflicted but cannot be read`);
      return E.left(found.status === 'present' ? existsError(key.personId, found.key.keyId) : destroyedError(key.personId));
    });

  /*
   * One statement: turn a present key into a tombstone, or else write a tombstone where there
   * was nothing. `already` tells an existing tombstone apart from a row this statement's
   * snapshot could not see (a put committed meanwhile): then it runs again and sees it.
   */
  const destroyOnce = async (personId: string): Promise<{ readonly destroyed: boolean } | undefined> => {
    const { rows } = await pool.query<{ destroyed: boolean; tombstoned: boolean; already: boolean }>(
      `WITH destroyed AS (
         UPDATE ${table} SET key_id = NULL, material = NULL, destroyed_at = now()
         WHERE school_id = $1 AND person_id = $2 AND destroyed_at IS NULL
         RETURNING person_id
       ), tombstoned AS (
         INSERT INTO ${table} (school_id, person_id, destroyed_at)
         SELECT $1, $2, now() WHERE NOT EXISTS (SELECT 1 FROM destroyed)
         ON CONFLICT (school_id, person_id) DO NOTHING
         RETURNING person_id
       )
       SELECT EXISTS (SELECT 1 FROM destroyed) AS destroyed,
              EXISTS (SELECT 1 FROM tombstoned) AS tombstoned,
              EXISTS (SELECT 1 FROM ${table} WHERE school_id = $1 AND person_id = $2 AND destroyed_at IS NOT NULL) AS already`,
      [schoolId, personId],
    );
    const row = rows[0];
    if (row === undefined) throw new Error('the destroy statement returned no row');
    if (row.destroyed) return { destroyed: true };
    if (row.tombstoned || row.already) return { destroyed: false };
    return undefined;
  };

  const destroy = (personId: string) =>
    attempt(`destroying the key of ${personId}`, async () => {
      for (let round = 0; round < 5; round += 1) {
        const outcome = await destroyOnce(personId);
        if (outcome !== undefined) return E.right(outcome);
      }
      throw new Error(`the key row of ${personId} kept changing`);
    });

  return {
    put,
    get: (personId) =>
      attempt(`reading the key of ${personId}`, async () => E.right((await lookup(personId)) ?? { status: 'missing', personId })),
    getMany: (personIds) => attempt(`reading the keys of ${personIds.length} people`, async () => E.right(await lookupMany(personIds))),
    destroy,
    ready,
    close: async () => {
      if (owned) await pool.end();
    },
  };
};
