import type { Pool, PoolClient } from 'pg';

/**
 * The store's own schema, created and upgraded by the library: numbered migrations, each run
 * once, in order, inside one transaction that holds an advisory lock, so that two processes
 * starting at once do not race (the second waits, then finds nothing left to do).
 */

export const DEFAULT_SCHEMA = 'grade_ledger';

/** How many hash partitions the events table has (fixed by migration 1; see docs/postgres.md). */
export const EVENT_PARTITIONS = 16;

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,47}$/;

/** The schema name goes into SQL text, so only plain lower-case identifiers are accepted. */
export const checkSchemaName = (schema: string): string => {
  if (!SCHEMA_PATTERN.test(schema))
    throw new Error(`schema: "${schema}" is not a plain PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 48 characters)`);
  return schema;
};

export type Migration = { readonly version: number; readonly description: string; readonly sql: (schema: string) => string };

const partitions = (schema: string): string =>
  Array.from(
    { length: EVENT_PARTITIONS },
    (_, remainder) =>
      `CREATE TABLE ${schema}.events_p${remainder} PARTITION OF ${schema}.events FOR VALUES WITH (MODULUS ${EVENT_PARTITIONS}, REMAINDER ${remainder});`,
  ).join('\n');

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: 'events partitioned by school, school heads (the per-school global order), checkpoints',
    sql: (s) => `
      -- One row per school: the last global position handed out. Appends lock it until they
      -- commit, so positions become visible in the order they are handed out (gap-safe).
      CREATE TABLE ${s}.school_heads (
        school_id text PRIMARY KEY,
        last_position bigint NOT NULL DEFAULT 0 CHECK (last_position >= 0)
      );
      CREATE TABLE ${s}.events (
        school_id text NOT NULL,
        position bigint NOT NULL,
        stream_id text NOT NULL,
        stream_revision integer NOT NULL CHECK (stream_revision >= 0),
        event_id text NOT NULL,
        type text NOT NULL,
        schema_version smallint NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (school_id, position),
        -- the optimistic concurrency check: two appends cannot both take a revision
        UNIQUE (school_id, stream_id, stream_revision),
        -- idempotency: an event id is recorded once per school
        UNIQUE (school_id, event_id)
      ) PARTITION BY HASH (school_id);
      ${partitions(s)}
      CREATE TABLE ${s}.checkpoints (
        school_id text NOT NULL,
        subscription_id text NOT NULL,
        position bigint NOT NULL CHECK (position >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (school_id, subscription_id)
      );`,
  },
];

/** The advisory lock key of a schema's migrations (any 64-bit number both processes agree on). */
const lockKey = (schema: string): string => `grade-ledger:migrate:${schema}`;

/**
 * Applies the pending migrations of one migration history (`versionTable`) in a schema: in one
 * transaction under the schema's advisory lock, so it is safe from many processes at once and
 * any number of times. Returns the versions it applied (empty when the schema was current).
 * Each part of the ledger that keeps tables (the event store, the personal-data key store) keeps
 * its own history in its own version table.
 */
export const runMigrations = async (
  pool: Pool,
  schema: string,
  versionTable: string,
  pending: ReadonlyArray<Migration>,
): Promise<ReadonlyArray<number>> => {
  checkSchemaName(schema);
  checkSchemaName(versionTable);
  const client: PoolClient = await pool.connect();
  let failure: unknown;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(schema)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.${versionTable} (
         version integer PRIMARY KEY,
         description text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${schema}.${versionTable}`);
    const current = rows[0]?.version ?? 0;
    const toApply = pending.filter((migration) => migration.version > current);
    for (const migration of toApply) {
      await client.query(migration.sql(schema));
      await client.query(`INSERT INTO ${schema}.${versionTable} (version, description) VALUES ($1, $2)`, [
        migration.version,
        migration.description,
      ]);
    }
    await client.query('COMMIT');
    return toApply.map((migration) => migration.version);
  } catch (error) {
    failure = error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A client whose connection failed is destroyed, not returned to the pool.
    client.release(failure instanceof Error ? failure : undefined);
  }
};

/** Brings the event store's schema to the latest version (see {@link runMigrations}). */
export const migrate = (pool: Pool, schema: string = DEFAULT_SCHEMA): Promise<ReadonlyArray<number>> =>
  runMigrations(pool, schema, 'schema_migrations', migrations);
