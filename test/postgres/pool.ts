import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type TestPostgres } from './server';

/**
 * A PostgreSQL server and a pool of `max` connections for one test file: started before its
 * tests, ended after them. The returned function gives the pool (an error before it is ready).
 */
export const postgresPoolForTests = (max: number): (() => pg.Pool) => {
  let server: TestPostgres | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max });
    // Idle connections dropped by the server: queries report failures themselves.
    pool.on('error', () => undefined);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });
  return () => {
    if (pool === undefined) throw new Error('the PostgreSQL pool is not ready');
    return pool;
  };
};
