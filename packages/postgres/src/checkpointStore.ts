import type { CheckpointStore } from '@grade-ledger/core';
import { connect, type PostgresTarget } from './connection';
import { storeUnavailable, storeUnavailableError } from './errors';

export type PostgresCheckpointStore = CheckpointStore & {
  /** Ends the pool the store made from a connection string; a given pool is left open. */
  readonly close: () => Promise<void>;
};

/**
 * Subscription checkpoints of one school, in the same database as its events, so that a
 * restarted process resumes where it stopped. Failures throw an Error that is also a
 * StoreUnavailable (the port's `load`/`save` have no Either).
 */
export const postgresCheckpointStore = (target: PostgresTarget): PostgresCheckpointStore => {
  const { pool, schoolId, schema, ready, close } = connect(target);
  const attempt = async <A>(what: string, work: () => Promise<A>): Promise<A> => {
    try {
      await ready();
      return await work();
    } catch (error) {
      throw storeUnavailableError(storeUnavailable(what, error));
    }
  };
  return {
    load: (subscriptionId) =>
      attempt(`loading the checkpoint of ${subscriptionId}`, async () => {
        const { rows } = await pool.query<{ position: string }>(
          `SELECT position FROM ${schema}.checkpoints WHERE school_id = $1 AND subscription_id = $2`,
          [schoolId, subscriptionId],
        );
        const row = rows[0];
        return row === undefined ? undefined : Number(row.position);
      }),
    save: (subscriptionId, position) =>
      attempt(`saving the checkpoint of ${subscriptionId}`, async () => {
        await pool.query(
          `INSERT INTO ${schema}.checkpoints (school_id, subscription_id, position) VALUES ($1, $2, $3)
           ON CONFLICT (school_id, subscription_id) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
          [schoolId, subscriptionId, position],
        );
      }),
    close,
  };
};
