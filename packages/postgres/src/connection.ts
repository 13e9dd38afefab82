import pg from 'pg';
import { checkSchemaName, DEFAULT_SCHEMA, migrate } from './schema';

/** Where the store connects: a pool the caller owns, or a connection string (the store owns its pool). */
export type PostgresConnection =
  | { readonly pool: pg.Pool; readonly connectionString?: undefined }
  | { readonly connectionString: string; readonly pool?: undefined };

export type PostgresTarget = PostgresConnection & {
  /** The school (tenant) whose events this store reads and writes. */
  readonly schoolId: string;
  /** The PostgreSQL schema holding the tables (default `grade_ledger`). */
  readonly schema?: string;
};

// The ledger's opaque id alphabet (core's IdCodec): a school id is safe in a NOTIFY payload.
const SCHOOL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export type Connected = {
  readonly pool: pg.Pool;
  readonly schoolId: string;
  readonly schema: string;
  /** Migrates the schema and registers the school, once; a failed attempt is retried on the next call. */
  readonly ready: () => Promise<void>;
  /** Ends the pool if the store made it; a given pool is left to its owner. */
  readonly close: () => Promise<void>;
};

/** Checks the options and makes (or takes) the pool; no connection is opened until `ready()`. */
export const connect = (target: PostgresTarget): Connected => {
  if (!SCHOOL_ID_PATTERN.test(target.schoolId))
    throw new Error(`schoolId: "${target.schoolId}" is not an opaque id ([A-Za-z0-9._:-], 1-128 characters)`);
  const schema = checkSchemaName(target.schema ?? DEFAULT_SCHEMA);
  const owned = target.pool === undefined;
  const pool = target.pool ?? new pg.Pool({ connectionString: target.connectionString });
  // An idle connection dropped by the server is removed from the pool; without a listener,
  // node-postgres would crash the process. The next query reports the failure as StoreUnavailable.
  if (owned) pool.on('error', () => undefined);

  let readying: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    readying ??= (async () => {
      await migrate(pool, schema);
      await pool.query(`INSERT INTO ${schema}.school_heads (school_id) VALUES ($1) ON CONFLICT (school_id) DO NOTHING`, [target.schoolId]);
    })().catch((error: unknown) => {
      readying = undefined;
      throw error;
    });
    return readying;
  };
  return {
    pool,
    schoolId: target.schoolId,
    schema,
    ready,
    close: async () => {
      if (owned) await pool.end();
    },
  };
};
