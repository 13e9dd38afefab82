import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEvent, kazakhstanRuleSets, replayStore, type EventStore, type LedgerEvent, type RecordedEvent, type RuleSet } from '@grade-ledger/core';
import { importArchiveWithCopy, postgresEventStore, type PostgresEventStore } from '@grade-ledger/postgres';
import { buildSmallSchool } from '@grade-ledger/testing/school';
// The workspace root does not list @grade-ledger/archive, so the tests reach its source directly.
import { archiveLines, archiveText, canonicalJsonUnsafe } from '@grade-ledger/archive';
// Not part of the package's API: the scan that lets an import copy an event's JSON from its line.
import { eventMemberSpans } from '../../packages/postgres/src/importArchive';
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

  it('refuses an archive that repeats an event id (ArchiveRejected, with verify\'s finding at the repeat), writing nothing, though its chain is valid', async () => {
    // A prefix of the history (revisions from 0), the 201st event given the 11th's id, written as a writer would.
    const first = original.slice(0, 300);
    const repeatedId = (first[10] as RecordedEvent).event.metadata.eventId;
    const events = first.map((r, k) => (k === 200 ? { ...r, event: { ...r.event, metadata: { ...r.event.metadata, eventId: repeatedId } } } : r));
    const written = await archiveText(events, { pseudonymizer: null });
    if (E.isLeft(written)) throw new Error(written.left.message);
    const store = newSchool();
    const refused = await importArchiveWithCopy(store, sourceOf(written.right.text), { batchSize: 50, domain: false });
    expect(E.isLeft(refused) && refused.left.kind).toBe('ArchiveRejected');
    expect(E.isLeft(refused) && refused.left.kind === 'ArchiveRejected' && refused.left.report.findings).toEqual([
      expect.objectContaining({ line: 202, check: 'order', field: 'event.metadata.eventId', eventId: repeatedId }),
    ]);
    expect(await tableState(store)).toEqual({ count: 0, head: 0, events: [] });
  });

  it.each([
    ['halfway, while the archive is read', 50, 3],
    ['on the last batch, after the archive was read (the open COPY is aborted)', 1_000_000, 1],
  ])('a failing afterBatch stops the import, writing nothing: %s', async (_when, batchSize, failingBatch) => {
    const store = newSchool();
    const failed = await importArchiveWithCopy(store, sourceOf(archive), {
      batchSize,
      domain: false,
      afterBatch: async ({ batches }) => {
        if (batches === failingBatch) throw new Error('the caller gave up');
      },
    });
    expect(E.isLeft(failed) && failed.left.message).toContain('the caller gave up');
    expect(await tableState(store)).toEqual({ count: 0, head: 0, events: [] });
    // The connection went back to the pool usable.
    expect(E.isRight(await importArchiveWithCopy(store, sourceOf(archive), { domain: false }))).toBe(true);
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
        if (batches === 2) {
          // Until the server process is gone (its farewell is then on the import's socket), and one
          // turn of the event loop for the import to hear it: only then is the next batch due.
          await admin.query('SELECT pg_terminate_backend($1, 10000)', [pid]);
          await new Promise((resolve) => setImmediate(resolve));
        }
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

/** An archive (as a byte source) of events given as they are to be written, valid or not for the store. */
const archiveOf = async (events: ReadonlyArray<RecordedEvent>) => {
  const written = archiveLines(events, { pseudonymizer: null });
  let text = '';
  for await (const chunk of written.chunks) text += chunk;
  const result = await written.result;
  if (E.isLeft(result)) throw new Error(result.left.message);
  return sourceOf(text);
};

/** What the store must hold for an archived event: the event as decoding gives it (stripped, upcast). */
const decodedAs = (recorded: RecordedEvent): RecordedEvent => {
  const decoded = decodeEvent(recorded.event);
  if (E.isLeft(decoded)) throw new Error(decoded.left.message);
  return { ...recorded, event: decoded.right };
};

/**
 * Text that COPY and JSON both escape: backslashes, quotes, tabs, newlines, control and non-Latin
 * characters (not U+0000 or lone surrogates: jsonb holds neither, whoever writes it).
 */
const awkwardText = fc
  .string({ unit: fc.oneof(fc.constantFrom('\\', '"', '\t', '\n', '\r', '\u0001', '\u001f', '\u2028', 'Қ', 'ә', '😀', 'N'), fc.string({ minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 30 })
  .filter((text) => text.trim().length > 0 && !text.includes('\u0000'));

describe('importArchiveWithCopy: the rows copied from the archive lines', () => {
  it('eventMemberSpans finds the event\'s data and metadata in a canonical line, whatever they hold (property)', () => {
    const plainKey = fc.stringMatching(/^[a-z]{1,6}$/).filter((key) => !['data', 'metadata', 'schemaVersion', 'type'].includes(key));
    const member = fc.oneof(fc.jsonValue(), fc.record({ data: fc.jsonValue(), metadata: fc.jsonValue() }));
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.dictionary(plainKey, member, { maxKeys: 3 }), fc.string(), (data, metadata, extra, streamId) => {
        const body = canonicalJsonUnsafe({ event: { ...extra, data, metadata, schemaVersion: 1, type: 'T' }, position: 1, streamId, streamRevision: 0 });
        const line = Buffer.from(`{"digest":"${'0'.repeat(64)}",${body.slice(1)}`, 'utf8');
        const spans = new Int32Array(5);
        expect(eventMemberSpans(line, spans)).toBe(true);
        const dataText = line.toString('utf8', spans[0], spans[1]);
        const metadataText = line.toString('utf8', spans[2], spans[3]);
        expect(dataText).toBe(canonicalJsonUnsafe(data));
        expect(metadataText).toBe(canonicalJsonUnsafe(metadata));
        // Escapes counted: none only when neither text holds a backslash (then each is copied as it is).
        expect((spans[4] as number) > 0).toBe((dataText + metadataText).includes('\\'));
      }),
      { numRuns: 500 },
    );
  });

  it('eventMemberSpans says no to lines not laid out as the archive writes them', () => {
    const spans = new Int32Array(5);
    const line = (text: string) => Buffer.from(text, 'utf8');
    const digest = '0'.repeat(64);
    expect(eventMemberSpans(line(`{"digest":"${digest}","event":{"data":{},"metadata":{}}}`), spans)).toBe(true);
    expect(eventMemberSpans(line(`{"digest":"${digest}","event":{"data":{}}}`), spans)).toBe(false);
    expect(eventMemberSpans(line(`{"digest":"${digest}","event":{"metadata":{},"type":"T"}}`), spans)).toBe(false);
    expect(eventMemberSpans(line(`{"digest":"${digest}", "event":{"data":{},"metadata":{}}}`), spans)).toBe(false);
    expect(eventMemberSpans(line(`{"digest":"${digest}","event":{"d\\u0061ta":{},"metadata":{}}}`), spans)).toBe(false);
    expect(eventMemberSpans(line(`{"digest":"${digest}","event":{"data":{"a":"unterminated}`), spans)).toBe(false);
    expect(eventMemberSpans(line('{"kind":"manifest"}'), spans)).toBe(false);
  });

  it('stores every event as decoding gives it: escaped and non-Latin text, stripped members, upcast versions (property)', async () => {
    const f = eventFactory();
    await fc.assert(
      fc.asyncProperty(awkwardText, awkwardText, async (reason, streamName) => {
        const mark = f.formativeMark();
        const withReason: LedgerEvent = { ...mark, metadata: { ...mark.metadata, reason } } as LedgerEvent;
        // Members an exact codec strips, and an event of an older schema version (upcast on decoding).
        const withExtra = { ...f.formativeMark(), extra: { note: reason } } as unknown as LedgerEvent;
        const stripped = f.formativeMark();
        const withExtraMetadata = { ...stripped, metadata: { ...stripped.metadata, note: reason } } as unknown as LedgerEvent;
        const oldAttendance = {
          type: 'AttendanceMarked',
          schemaVersion: 1,
          data: { subjectId: 'math', attendanceId: `a-${mark.metadata.eventId}`, lessonId: 'lesson-1', pupilId: 'pupil-1', code: 'н' },
          metadata: { ...f.formativeMark().metadata, reason },
        } as unknown as LedgerEvent;
        const streams = [`class-${streamName}`, `class-${streamName}-2`];
        const events: RecordedEvent[] = [withReason, withExtra, withExtraMetadata, oldAttendance].map((event, i) => ({
          event,
          streamId: streams[i % 2] as string,
          streamRevision: Math.floor(i / 2),
          globalPosition: i + 1,
        }));
        const store = newSchool(1);
        const imported = await importArchiveWithCopy(store, await archiveOf(events), { domain: false });
        if (E.isLeft(imported)) throw new Error(imported.left.message);
        expect(await everything(store)).toEqual(events.map(decodedAs));
      }),
      { numRuns: 15 },
    );
  });
});
