import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeWithCheckpoints, type EventStoreError, type LedgerEvent, type RecordedEvent } from '@grade-ledger/core';
import { postgresCheckpointStore, postgresEventStore, type PostgresEventStore } from '@grade-ledger/postgres';
import { eventFactory } from '../contract/events';
import { startPostgres, type TestPostgres } from './server';

/*
 * Faults against a real server: connections killed mid-append, the server restarted under a
 * running subscription, two pools racing on one stream, a server that is not there. The
 * restart needs a server this process controls, so this file always starts an embedded one.
 */

let server: TestPostgres | undefined;
const pools: pg.Pool[] = [];

const serverOf = (): TestPostgres => {
  if (server === undefined) throw new Error('no server');
  return server;
};

const newPool = (max: number): pg.Pool => {
  const pool = new pg.Pool({ connectionString: serverOf().url, max });
  // Connections dropped by a restart or pg_terminate_backend are reported to the queries; idle ones only here.
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
};

beforeAll(async () => {
  server = await startPostgres({ requireEmbedded: true });
}, 120_000);

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  await server?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const waitUntil = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};

const idsOf = (events: ReadonlyArray<LedgerEvent | RecordedEvent>): ReadonlyArray<string> =>
  events.map((e) => ('event' in e ? e.event.metadata.eventId : e.metadata.eventId));

const leftKind = (result: { readonly _tag: string; readonly left?: EventStoreError }): string | undefined =>
  result._tag === 'Left' ? result.left?.kind : undefined;

/** The server process id of the one connection a pool of size 1 holds. */
const backendOf = async (pool: pg.Pool): Promise<number> => (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? -1;

const everything = async (store: PostgresEventStore): Promise<ReadonlyArray<RecordedEvent>> => {
  const all: RecordedEvent[] = [];
  for await (const page of store.readAll({ pageSize: 5_000 })) all.push(...page);
  return all;
};

describe('PostgreSQL store: faults', () => {
  it('a connection killed while a large append waits for the school head: nothing written, typed error, the retry writes it once', async () => {
    const schoolId = `school-${randomUUID()}`;
    const appender = newPool(1);
    const admin = newPool(2);
    const store = postgresEventStore({ pool: appender, schoolId });
    const observer = postgresEventStore({ pool: admin, schoolId });
    await store.ready();
    const f = eventFactory();
    const streamId = f.streamId('class');
    await store.appendToStream(streamId, f.batch(3), { expectedRevision: 'noStream' });
    const before = await everything(observer);
    const pid = await backendOf(appender);

    // Hold the school's head row, so the append is caught mid-statement, then kill its connection.
    const blocker = await admin.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT last_position FROM grade_ledger.school_heads WHERE school_id = $1 FOR UPDATE', [schoolId]);
    const batch = f.batch(5_000);
    const pending = store.appendToStream(streamId, batch, { expectedRevision: 2 });
    await waitUntil(
      async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid])).rowCount === 1,
      'the append to wait for the head row',
    );
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const result = await pending;
    await blocker.query('ROLLBACK');
    blocker.release();

    expect(leftKind(result)).toBe('StoreUnavailable');
    expect(result._tag === 'Left' ? result.left.message : '').toMatch(/connection|terminat/i);
    expect(result._tag === 'Left' ? result.left.message : '').toContain('re-sending it is safe');
    expect(await everything(observer)).toEqual(before);
    expect(await observer.readStream(streamId)).toMatchObject({ _tag: 'Right', right: { currentRevision: 2 } });

    // The retried command: written once, then a re-send writes nothing.
    const retried = await store.appendToStream(streamId, batch, { expectedRevision: 2 });
    expect(retried).toMatchObject({ _tag: 'Right', right: { written: true, nextExpectedRevision: 5_002 } });
    const again = await store.appendToStream(streamId, batch, { expectedRevision: 2 });
    expect(again).toMatchObject({ _tag: 'Right', right: { written: false, nextExpectedRevision: 5_002 } });
    expect(await everything(observer)).toHaveLength(before.length + batch.length);
  });

  it('a connection killed while a large append is inserting: nothing of it is ever visible', async () => {
    const schoolId = `school-${randomUUID()}`;
    const appender = newPool(1);
    const admin = newPool(2);
    const store = postgresEventStore({ pool: appender, schoolId });
    const observer = postgresEventStore({ pool: admin, schoolId });
    await store.ready();
    const f = eventFactory();
    const streamId = f.streamId('import');
    const pid = await backendOf(appender);
    const batch = f.batch(60_000);

    const pending = store.appendToStream(streamId, batch, { expectedRevision: 'noStream' });
    // Wait until the statement runs on the server, let it insert for a while, then kill it.
    await waitUntil(
      async () =>
        (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%json_to_recordset%'`, [pid]))
          .rowCount === 1,
      'the append to run',
    );
    const observed = new Set<number>();
    const watching = (async () => {
      for (let i = 0; i < 20; i++) {
        observed.add((await everything(observer)).length);
        await sleep(5);
      }
    })();
    await sleep(150);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const result = await pending;
    await watching;

    expect(leftKind(result)).toBe('StoreUnavailable');
    expect([...observed]).toEqual([0]);
    expect(await everything(observer)).toEqual([]);
    const read = await observer.readStream(streamId);
    expect(read).toEqual({ _tag: 'Right', right: { events: [], currentRevision: -1 } });
  });

  it('two pools racing on one stream: exactly one wins each revision, the other gets ConcurrencyConflict with the actual revision', async () => {
    const schoolId = `school-${randomUUID()}`;
    const stores = [newPool(3), newPool(3)].map((pool) => postgresEventStore({ pool, schoolId }));
    await Promise.all(stores.map((store) => store.ready()));
    const f = eventFactory();
    const streamId = f.streamId('raced');
    const winners: LedgerEvent[][] = [];
    for (let revision = -1; revision < 39; revision++) {
      const contenders = stores.map(() => [...f.batch(1)]);
      const results = await Promise.all(
        stores.map((store, i) =>
          store.appendToStream(streamId, contenders[i] as LedgerEvent[], { expectedRevision: revision < 0 ? 'noStream' : revision }),
        ),
      );
      const won = results.flatMap((result, i) => (result._tag === 'Right' ? [i] : []));
      expect(won, `revision ${revision + 1}`).toHaveLength(1);
      const lost = results.find((result) => result._tag === 'Left');
      expect(lost).toMatchObject({ _tag: 'Left', left: { kind: 'ConcurrencyConflict', actual: revision + 1 } });
      winners.push(contenders[won[0] as number] as LedgerEvent[]);
    }
    const read = await stores[0]?.readStream(streamId);
    expect(read?._tag === 'Right' ? idsOf(read.right.events) : []).toEqual(idsOf(winners.flat()));
    expect(read?._tag === 'Right' ? read.right.currentRevision : -2).toBe(39);
  });

  it('the server restarted under a running subscription: it resumes, and a restarted process resumes from its checkpoint; nothing lost or repeated', async () => {
    const schoolId = `school-${randomUUID()}`;
    const pool = newPool(4);
    const store = postgresEventStore({ pool, schoolId, pollIntervalMs: 50 });
    const checkpoints = postgresCheckpointStore({ pool, schoolId });
    const f = eventFactory();
    const streamId = f.streamId('s');
    const append = async (events: ReadonlyArray<LedgerEvent>) => {
      const result = await store.appendToStream(streamId, events, { expectedRevision: 'any' });
      if (result._tag === 'Left') throw new Error(result.left.message);
    };
    const seen: RecordedEvent[] = [];
    const run = () => subscribeWithCheckpoints({ store, checkpoints, subscriptionId: 'report-cards', pageSize: 4, onEvents: (page) => void seen.push(...page) });

    const first = f.batch(10);
    await append(first);
    const subscription = await run();
    await subscription.caughtUp;
    await waitUntil(() => seen.length === 10, 'the first events');

    await serverOf().halt();
    // While the server is down an append is a typed error, never a half-write.
    const refused = await store.appendToStream(streamId, f.batch(2), { expectedRevision: 'any' });
    expect(leftKind(refused)).toBe('StoreUnavailable');
    expect(refused._tag === 'Left' ? refused.left.message : '').toMatch(/PostgreSQL event store unavailable while appending/);
    await sleep(200);
    await serverOf().start();

    const second = f.batch(9);
    await waitUntil(async () => (await store.appendToStream(streamId, second, { expectedRevision: 'any' }))._tag === 'Right', 'the server back');
    await waitUntil(() => seen.length >= 19, 'the events after the restart');
    await subscription.stop();
    expect(await subscription.done).toEqual({ _tag: 'Right', right: undefined });

    // A new process: resumes from the stored checkpoint.
    const third = f.batch(5);
    await append(third);
    const resumed = await run();
    await resumed.caughtUp;
    await waitUntil(() => seen.length >= 24, 'the events after the checkpoint');
    await sleep(100);
    await resumed.stop();

    expect(idsOf(seen)).toEqual(idsOf([...first, ...second, ...third]));
    expect(seen.map((r) => r.globalPosition)).toEqual(seen.map((_, i) => i + 1));
    expect(await checkpoints.load('report-cards')).toBe(24);
  });

  it('a server that is not there: every operation is a StoreUnavailable saying it cannot be reached', async () => {
    const store = postgresEventStore({ connectionString: 'postgres://postgres:x@127.0.0.1:1/postgres', schoolId: 'school-1' });
    const f = eventFactory();
    const appended = await store.appendToStream(f.streamId('s'), f.batch(1), { expectedRevision: 'any' });
    expect(appended).toMatchObject({ _tag: 'Left', left: { kind: 'StoreUnavailable' } });
    expect(appended._tag === 'Left' ? appended.left.message : '').toMatch(/cannot reach the PostgreSQL server \(.*ECONNREFUSED/);
    const read = await store.readStream(f.streamId('s'));
    expect(read).toMatchObject({ _tag: 'Left', left: { kind: 'StoreUnavailable' } });
    await expect(store.readAll()[Symbol.asyncIterator]().next()).rejects.toMatchObject({ kind: 'StoreUnavailable' });
    await store.close();
  });
});
