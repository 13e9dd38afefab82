import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@grade-ledger/core';
import { migrate, migrations, postgresEventStore } from '@grade-ledger/postgres';
import { eventFactory } from '../contract/events';
import { startPostgres, type TestPostgres } from './server';

/*
 * The global order under concurrent writers. Positions come from the school's head row, locked
 * by each append until it commits, so a reader can never see a later position before an earlier
 * one commits: no subscriber skips or reorders an event, whatever the interleaving.
 */

let server: TestPostgres | undefined;
const pools: pg.Pool[] = [];

const newPool = (max: number): pg.Pool => {
  if (server === undefined) throw new Error('no server');
  const pool = new pg.Pool({ connectionString: server.url, max });
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
};

beforeAll(async () => {
  server = await startPostgres();
}, 120_000);

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await server?.stop();
});

const view = (events: ReadonlyArray<RecordedEvent>) => events.map((r) => `${r.globalPosition}:${r.streamId}:${r.streamRevision}:${r.event.metadata.eventId}`);

describe('PostgreSQL store: gap-safe global order', () => {
  it('many concurrent writers: every reader sees every event exactly once, in one dense order, never a later position before an earlier one', async () => {
    const writersPool = newPool(10);
    const readersPool = newPool(6);
    const schoolId = `school-${randomUUID()}`;
    // Writers and readers on separate pools: commits and reads interleave freely.
    const writer = postgresEventStore({ pool: writersPool, schoolId });
    const reader = postgresEventStore({ pool: readersPool, schoolId, pollIntervalMs: 20 });
    const f = eventFactory();
    await writer.ready();

    const subscribers = [3, 17].map((pageSize) => {
      const seen: RecordedEvent[] = [];
      const subscription = reader.subscribe({ pageSize, onEvents: (page) => void seen.push(...page) });
      return { seen, subscription };
    });

    // A reader paging readAll over and over while the writers run: each snapshot must be a prefix of the final order.
    const snapshots: Array<ReadonlyArray<string>> = [];
    let writing = true;
    const poller = (async () => {
      while (writing) {
        const all: RecordedEvent[] = [];
        for await (const page of reader.readAll({ pageSize: 50 })) all.push(...page);
        snapshots.push(view(all));
      }
    })();

    const WRITERS = 10;
    const BATCHES = 30;
    const appended: string[] = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let b = 0; b < BATCHES; b++) {
          // Each writer has its own stream, and every third batch goes to a stream they all share.
          const shared = b % 3 === 0;
          const events = f.batch(1 + ((w + b) % 5));
          const result = await writer.appendToStream(f.streamId(shared ? 'shared' : `w${w}`), events, { expectedRevision: 'any' });
          if (result._tag === 'Left') throw new Error(result.left.message);
          appended.push(...events.map((e) => e.metadata.eventId));
        }
      }),
    );
    writing = false;
    await poller;

    const final: RecordedEvent[] = [];
    for await (const page of reader.readAll({ pageSize: 1_000 })) final.push(...page);
    const finalView = view(final);

    // Each stream's revisions follow the global order.
    const revisions = new Map<string, number[]>();
    for (const r of final) revisions.set(r.streamId, [...(revisions.get(r.streamId) ?? []), r.streamRevision]);
    for (const [streamId, seen] of revisions) expect(seen, streamId).toEqual(seen.map((_, index) => index));

    // Every readAll snapshot taken during the writes is a prefix of the final order.
    expect(snapshots.length).toBeGreaterThan(1);
    for (const snapshot of snapshots) expect(finalView.slice(0, snapshot.length)).toEqual(snapshot);

    // The subscribers, with different page sizes, saw exactly the final order.
    const deadline = Date.now() + 10_000;
    while (subscribers.some(({ seen }) => seen.length < final.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const { seen, subscription } of subscribers) {
      await subscription.stop();
      expect(view(seen)).toEqual(finalView);
    }

    // Every appended event once; positions dense 1..n in this school (no gaps, nothing twice).
    expect(final).toHaveLength(appended.length);
    expect(new Set(final.map((r) => r.event.metadata.eventId))).toEqual(new Set(appended));
    expect(final.map((r) => r.globalPosition)).toEqual(final.map((_, index) => index + 1));
  });

  it('migrates one fresh schema from several pools at once: each migration runs once, every store works', async () => {
    const schema = `gl_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const racing = Array.from({ length: 5 }, () => newPool(2));
    const applied = await Promise.all(racing.map((pool) => migrate(pool, schema)));
    const versions = migrations.map((m) => m.version);
    // Exactly one of them applied everything, the others found the schema current.
    expect(applied.filter((list) => list.length > 0)).toEqual([versions]);
    const { rows } = await (racing[0] as pg.Pool).query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    expect(rows.map((row) => row.version)).toEqual(versions);
    expect(await migrate(racing[1] as pg.Pool, schema)).toEqual([]);

    const f = eventFactory();
    const stores = racing.map((pool) => postgresEventStore({ pool, schema, schoolId: 'school-1' }));
    const results = await Promise.all(stores.map((store, i) => store.appendToStream(f.streamId(`s${i}`), f.batch(2), { expectedRevision: 'noStream' })));
    expect(results.map((r) => r._tag)).toEqual(results.map(() => 'Right'));
  });

  it('stores of two schemas and both NOTIFY settings share one connection: each append goes to its own schema', async () => {
    // Appends are prepared statements named after their text: a name shared by two texts would
    // fail on the second store ("prepared statements must be unique") or write to the wrong schema.
    const pool = newPool(1);
    const schemas = [`gl_${randomUUID().replaceAll('-', '').slice(0, 12)}`, `gl_${randomUUID().replaceAll('-', '').slice(0, 12)}`];
    const schoolId = `school-${randomUUID()}`;
    const stores = schemas.flatMap((schema) => [true, false].map((notifications) => postgresEventStore({ pool, schema, schoolId, notifications })));
    const f = eventFactory();
    const streamId = f.streamId('shared-name');
    for (let round = 0; round < 3; round++)
      for (const store of stores) {
        const result = await store.appendToStream(streamId, f.batch(2), { expectedRevision: 'any' });
        expect(result._tag).toBe('Right');
      }
    for (const schema of schemas) {
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.events WHERE school_id = $1`, [schoolId]);
      expect(Number(rows[0]?.n)).toBe(2 * 3 * 2);
    }
    const read = await (stores[0] as ReturnType<typeof postgresEventStore>).readStream(streamId);
    expect(read._tag === 'Right' ? read.right.currentRevision : undefined).toBe(11);
  });
});
