import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kazakhstanRuleSets, replayStore, type EventStore, type RecordedEvent, type RuleSet } from '@grade-ledger/core';
import { importArchiveWithCopy, postgresEventStore, type PostgresEventStore } from '@grade-ledger/postgres';
import { buildSmallSchool } from '@grade-ledger/testing/school';
// The workspace root does not list @grade-ledger/archive, so the tests reach its source directly.
import { archiveText } from '@grade-ledger/archive';
import { eventFactory } from '../contract/events';
import { startPostgres, type TestPostgres } from './server';

/*
 * Archive import through COPY against a real server: a small school exported from the
 * in-memory store comes back from PostgreSQL event for event, re-exports byte for byte and
 * replays to the same projections; a bad archive, a second import and a connection killed
 * halfway write nothing.
 */

let server: TestPostgres | undefined;
const pools: pg.Pool[] = [];
let archive = '';
let original: ReadonlyArray<RecordedEvent> = [];
let pupilIds: ReadonlyArray<string> = [];
let ruleSets: ReadonlyArray<RuleSet> = [];

const newPool = (max: number): pg.Pool => {
  if (server === undefined) throw new Error('no server');
  const pool = new pg.Pool({ connectionString: server.url, max });
  // Connections killed by pg_terminate_backend are reported to the queries; idle ones only here.
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
};

const everything = async (store: Pick<EventStore, 'readAll'>): Promise<ReadonlyArray<RecordedEvent>> => {
  const all: RecordedEvent[] = [];
  for await (const page of store.readAll({ pageSize: 500 })) all.push(...page);
  return all;
};

/** The archive as a byte source opened anew on each call, in small chunks (as a file stream gives it). */
const sourceOf = (text: string) => () => {
  const bytes = Buffer.from(text, 'utf8');
  return Array.from({ length: Math.ceil(bytes.length / 65_536) }, (_, i) => bytes.subarray(i * 65_536, (i + 1) * 65_536));
};

const newSchool = (max = 2): PostgresEventStore => postgresEventStore({ pool: newPool(max), schoolId: `school-${randomUUID()}` });

/** What the school holds: its rows and its head. */
const tableState = async (store: PostgresEventStore) => {
  const { rows } = await store.pool.query<{ count: string; head: string }>(
    `SELECT (SELECT count(*) FROM ${store.schema}.events WHERE school_id = $1) AS count,
            (SELECT last_position FROM ${store.schema}.school_heads WHERE school_id = $1) AS head`,
    [store.schoolId],
  );
  return { count: Number(rows[0]?.count), head: Number(rows[0]?.head), events: await everything(store) };
};

beforeAll(async () => {
  server = await startPostgres();
  const built = await buildSmallSchool({ seed: 7, since: 2023, until: 2023 });
  if (E.isLeft(built)) throw new Error(built.left.message);
  original = await everything(built.right.store);
  pupilIds = built.right.summary.pupilIds;
  const written = await archiveText(built.right.store, { pseudonymizer: null });
  if (E.isLeft(written)) throw new Error(written.left.message);
  archive = written.right.text;
  const shipped = kazakhstanRuleSets();
  if (E.isLeft(shipped)) throw new Error(shipped.left.message);
  ruleSets = shipped.right;
}, 120_000);

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  await server?.stop();
});

describe('importArchiveWithCopy', () => {
  it('loads a school that reads back, re-exports byte for byte and replays as the in-memory store', async () => {
    const store = newSchool();
    const imported = await importArchiveWithCopy(store, sourceOf(archive), { batchSize: 250 });
    if (E.isLeft(imported)) throw new Error(imported.left.message);
    expect(imported.right.events).toBe(original.length);
    expect(imported.right.batches).toBe(Math.ceil(original.length / 250));
    expect([imported.right.firstPosition, imported.right.lastPosition]).toEqual([1, original.length]);

    expect(await everything(store)).toEqual(original);
    const reexported = await archiveText(store, { pseudonymizer: null });
    if (E.isLeft(reexported)) throw new Error(reexported.left.message);
    expect(reexported.right.text).toBe(archive);

    const fromPostgres = await replayStore(store, { ruleSets });
    const fromMemory = await replayStore({ readAll: async function* () { yield original; } } as unknown as EventStore, { ruleSets });
    expect(pupilIds.length).toBeGreaterThan(2);
    for (const pupilId of pupilIds.slice(0, 3)) expect(fromPostgres.reportCard(pupilId)).toEqual(fromMemory.reportCard(pupilId));
    expect(fromPostgres.auditTrail.summary()).toEqual(fromMemory.auditTrail.summary());

    // The store goes on from the imported head.
    const f = eventFactory();
    const appended = await store.appendToStream(f.streamId('after'), f.batch(1), { expectedRevision: 'noStream' });
    expect(E.isRight(appended) && appended.right.lastGlobalPosition).toBe(original.length + 1);
  });

  it('refuses to import the same archive twice, writing nothing', async () => {
    const store = newSchool();
    expect(E.isRight(await importArchiveWithCopy(store, sourceOf(archive)))).toBe(true);
    const before = await tableState(store);
    const again = await importArchiveWithCopy(store, sourceOf(archive));
    expect(E.isLeft(again) && again.left.kind).toBe('StreamsExist');
    if (E.isLeft(again) && again.left.kind === 'StreamsExist')
      expect(again.left.streamIds).toEqual([...new Set(original.map((r) => r.streamId))].sort());
    expect(await tableState(store)).toEqual(before);
  });

  it('refuses a tampered archive with its finding, writing nothing', async () => {
    const store = newSchool();
    const lines = archive.split('\n');
    const target = lines.findIndex((line, i) => i > 0 && line.includes('"occurredAt":"2023'));
    expect(target).toBeGreaterThan(0);
    lines[target] = (lines[target] as string).replace('"occurredAt":"2023', '"occurredAt":"2022');
    const rejected = await importArchiveWithCopy(store, sourceOf(lines.join('\n')));
    if (E.isRight(rejected) || rejected.left.kind !== 'ArchiveRejected') throw new Error('the tampered archive was not rejected');
    expect(rejected.left.report.findings).toContainEqual(expect.objectContaining({ check: 'chain', line: target + 1 }));
    expect(await tableState(store)).toEqual({ count: 0, head: 0, events: [] });
  });

  it('reads the archive once; a tampered line near the end, found after most rows were copied, still writes nothing', async () => {
    const store = newSchool();
    const lines = archive.split('\n');
    // The last event line (the manifest and a trailing empty string follow it).
    const target = lines.length - 3;
    expect(lines[target]).toContain('"streamRevision"');
    lines[target] = (lines[target] as string).replace(/"occurredAt":"(\d{4})/, (_m, year: string) => `"occurredAt":"${Number(year) - 1}`);
    const tampered = sourceOf(lines.join('\n'));
    let opened = 0;
    let copied = 0;
    const rejected = await importArchiveWithCopy(
      store,
      () => {
        opened += 1;
        return tampered();
      },
      { batchSize: 50, domain: false, afterBatch: ({ events }) => void (copied = events) },
    );
    if (E.isRight(rejected) || rejected.left.kind !== 'ArchiveRejected') throw new Error('the tampered archive was not rejected');
    expect(rejected.left.report.findings).toContainEqual(expect.objectContaining({ check: 'chain', line: target + 1 }));
    expect(opened).toBe(1);
    expect(copied).toBeGreaterThan(original.length / 2);
    expect(await tableState(store)).toEqual({ count: 0, head: 0, events: [] });
  });

  it('refuses an archive whose event ids are recorded in another stream of the school (EventIdsExist), writing nothing', async () => {
    const store = newSchool();
    const last = original[original.length - 1] as RecordedEvent;
    const appended = await store.appendToStream('class-elsewhere', [last.event], { expectedRevision: 'noStream' });
    expect(E.isRight(appended)).toBe(true);
    const before = await tableState(store);
    const refused = await importArchiveWithCopy(store, sourceOf(archive), { batchSize: 100, domain: false });
    expect(E.isLeft(refused) && refused.left.kind).toBe('EventIdsExist');
    expect(E.isLeft(refused) && refused.left.message).toContain(last.event.metadata.eventId);
    expect(await tableState(store)).toEqual(before);
  });

  it('a connection killed halfway leaves the school as it was; the retry continues its head', async () => {
    const store = newSchool(1);
    const admin = newPool(1);
    const f = eventFactory();
    await store.appendToStream(f.streamId('before'), f.batch(2), { expectedRevision: 'noStream' });
    const before = await tableState(store);
    expect(before.head).toBe(2);
    const pid = (await store.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;

    let copied = 0;
    const killed = await importArchiveWithCopy(store, sourceOf(archive), {
      batchSize: 200,
      afterBatch: async ({ batches, events }) => {
        copied = events;
        if (batches === 2) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      },
    });
    expect(copied).toBe(400);
    expect(E.isLeft(killed) && killed.left.kind).toBe('StoreUnavailable');
    expect(await tableState(store)).toEqual(before);

    const retried = await importArchiveWithCopy(store, sourceOf(archive), { batchSize: 200 });
    if (E.isLeft(retried)) throw new Error(retried.left.message);
    expect([retried.right.firstPosition, retried.right.lastPosition]).toEqual([3, original.length + 2]);
    const after = await everything(store);
    expect(after.map((r) => r.globalPosition)).toEqual(Array.from({ length: original.length + 2 }, (_, i) => i + 1));
    expect(after.slice(2)).toEqual(original.map((r) => ({ ...r, globalPosition: r.globalPosition + 2 })));
  });
});
