import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { postgresCheckpointStore, postgresEventStore } from '@grade-ledger/postgres';
import { startPostgres, type TestPostgres } from '../postgres/server';
import { eventStoreContract } from './eventStoreContract';

// The contract on a real PostgreSQL: embedded, or the server in GRADE_LEDGER_POSTGRES_URL.
let server: TestPostgres | undefined;
let pool: pg.Pool | undefined;

beforeAll(async () => {
  server = await startPostgres();
  pool = new pg.Pool({ connectionString: server.url, max: 12 });
  pool.on('error', () => undefined);
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

const poolOf = (): pg.Pool => {
  if (pool === undefined) throw new Error('the PostgreSQL pool is not ready');
  return pool;
};

// One school for the whole file (the contract runs on a shared, non-empty store), another for isolation.
const schoolId = `school-${randomUUID()}`;
const otherSchoolId = `school-${randomUUID()}`;

eventStoreContract(
  'PostgreSQL',
  async () => ({
    store: postgresEventStore({ pool: poolOf(), schoolId }),
    checkpoints: postgresCheckpointStore({ pool: poolOf(), schoolId }),
    otherSchool: postgresEventStore({ pool: poolOf(), schoolId: otherSchoolId }),
  }),
  { schools: true },
);
