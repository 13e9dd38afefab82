/**
 * The PostgreSQL store's benchmark: `pnpm --filter @grade-ledger/postgres bench` (full run, a few
 * minutes; writes docs/benchmarks.md between the bench:postgres markers and the "Measured"
 * figures of docs/postgres.md) or `... bench --quick` (a small run that only prints; add
 * `--write` to write the docs anyway).
 *
 * One embedded PostgreSQL 18.4 started here (defaults: durable commits), one connection per
 * contender, side by side in the same run:
 * - appends: a lesson's marks (FormativeMarkRecorded batches) per transaction through
 *   `postgresEventStore`, raw `pg` (one INSERT per batch, the batch as one JSON parameter) and
 *   Emmett's PostgreSQL event store 0.42, interleaved slice by slice so that a noisy neighbour
 *   hurts all three alike;
 * - import: raw COPY of a realistic school's history into an equivalent table against the store's
 *   archive import (`importArchiveWithCopy`: one pass, verification and one COPY side by side) of
 *   the same events, interleaved round by round, after an untimed warm-up of both (CPU per event
 *   of Node and of the server backend logged for each);
 * - read-all: the store's `readAll` against raw keyset paging, pages of 10,000, at the small and
 *   the large size (the tables grown by COPY in between);
 * - replay: `replayStore` (read-all + every projection) against the raw keyset read-all.
 * With GRADE_LEDGER_ESDB_URL set, the same appends and reads also go through the EventStoreDB
 * adapter and the raw @eventstore/db-client (bench/esdb.ts); without it that part is skipped.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/Either';
import pg from 'pg';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { kazakhstanRuleSets, replayEvents, replayStore, type RecordedEvent } from '@grade-ledger/core';
import { archiveLines } from '@grade-ledger/archive';
import { importArchiveWithCopy, postgresEventStore, type PostgresEventStore } from '../src/index';
import { esdbBench, ESDB_URL_VARIABLE, type EsdbFigures } from './esdb';
import { copyInto, createRawTable, RAW_SCHEMA, rawAppender, rawReadAll } from './raw';
import { renderReport, writeDocs, type Figures, type Machine } from './report';
import { averageEventBytes, formativeMarkBatches, rawCopyLine, schoolHistory, storeCopyLine, type AppendBatch } from './workload';
// The tests' server helper, with PostgreSQL's durable defaults: appends are measured as durable commits.
import { startPostgres } from '../../../test/postgres/server';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const write = args.has('--write') || (!quick && !args.has('--no-write'));

const SIZES = quick
  ? { appendEvents: 28_000, small: 20_000, large: 100_000, readRounds: 1, largeRounds: 1, slices: 50, importRounds: 5 }
  : { appendEvents: 200_000, small: 200_000, large: 2_000_000, readRounds: 3, largeRounds: 1, slices: 100, importRounds: 3 };
const BATCH = 28;
const PAGE = 10_000;
const APPEND_SCHOOL = 'bench-appends';
const READ_SCHOOL = 'bench-school';
const IMPORT_SCHOOL = 'bench-import';

const log = (message: string): void => void process.stdout.write(`[bench] ${message}\n`);
const seconds = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
};
const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const onePool = (url: string): pg.Pool => {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => undefined);
  return pool;
};

/** The rules the generated school works by (the workload's default). */
const ledgerRuleSets = () => {
  const ruleSets = kazakhstanRuleSets();
  if (E.isLeft(ruleSets)) throw new Error(`kazakhstanRuleSets: ${JSON.stringify(ruleSets.left)}`);
  return ruleSets.right;
};

// --- appends -------------------------------------------------------------------------------

type Appender = { readonly name: 'store' | 'storeLean' | 'raw' | 'emmett'; readonly append: (batch: AppendBatch) => Promise<void>; readonly close: () => Promise<void> };

/** The store with its defaults; `lean`: without validation and NOTIFY, to show what those cost. */
const storeAppender = async (url: string, lean: boolean): Promise<Appender> => {
  const pool = onePool(url);
  const store = postgresEventStore({ pool, schoolId: lean ? `${APPEND_SCHOOL}-lean` : APPEND_SCHOOL, ...(lean ? { validate: false, notifications: false } : {}) });
  await store.ready();
  const revisions = new Map<string, number>();
  return {
    name: lean ? 'storeLean' : 'store',
    append: async (batch) => {
      const current = revisions.get(batch.streamId);
      const result = await store.appendToStream(batch.streamId, batch.events, { expectedRevision: current ?? 'noStream' });
      if (E.isLeft(result) || !result.right.written) throw new Error(`store append to ${batch.streamId} failed: ${JSON.stringify(result)}`);
      revisions.set(batch.streamId, result.right.nextExpectedRevision);
    },
    close: () => pool.end(),
  };
};

const rawAppend = async (url: string): Promise<Appender> => {
  const pool = onePool(url);
  await createRawTable(pool, 'appends');
  const append = rawAppender(pool, 'appends');
  const next = new Map<string, number>();
  return {
    name: 'raw',
    append: async (batch) => {
      const first = next.get(batch.streamId) ?? 0;
      await append(batch, first);
      next.set(batch.streamId, first + batch.events.length);
    },
    close: () => pool.end(),
  };
};

const emmettAppender = async (url: string): Promise<Appender> => {
  const store = getPostgreSQLEventStore(url);
  const versions = new Map<string, bigint>();
  return {
    name: 'emmett',
    append: async (batch) => {
      const version = versions.get(batch.streamId);
      const result = await store.appendToStream(
        batch.streamId,
        batch.events.map((event) => ({ type: event.type, data: event.data as Record<string, unknown>, metadata: { ...event.metadata, schemaVersion: event.schemaVersion } })),
        { expectedStreamVersion: version ?? STREAM_DOES_NOT_EXIST },
      );
      versions.set(batch.streamId, result.nextExpectedStreamVersion);
    },
    close: () => store.close(),
  };
};

const benchAppends = async (url: string, batches: ReadonlyArray<AppendBatch>): Promise<Figures['appends']> => {
  const appenders = [await storeAppender(url, false), await rawAppend(url), await emmettAppender(url), await storeAppender(url, true)];
  // Warm-up, untimed: schemas created, statements planned, connections open.
  const warmup = formativeMarkBatches(BATCH * 3, BATCH).map((batch) => ({ ...batch, streamId: `${batch.streamId}-warmup`, events: batch.events.map((event) => ({ ...event, metadata: { ...event.metadata, eventId: `warmup.${event.metadata.eventId}` } })) }));
  for (const appender of appenders) for (const batch of warmup) await appender.append(batch);

  const totals = new Map<Appender['name'], number>();
  const latencies = new Map<Appender['name'], number[]>();
  const sliceSize = Math.ceil(batches.length / SIZES.slices);
  for (let slice = 0; slice * sliceSize < batches.length; slice++) {
    const part = batches.slice(slice * sliceSize, (slice + 1) * sliceSize);
    // Small slices (a noisy neighbour hurts all contenders alike), each in a rotated order, so no
    // contender always runs first or last.
    const order = appenders.map((_, i) => appenders[(i + slice) % appenders.length] as Appender);
    for (const appender of order) {
      const own = latencies.get(appender.name) ?? [];
      latencies.set(appender.name, own);
      const start = performance.now();
      for (const batch of part) {
        const t = performance.now();
        await appender.append(batch);
        own.push(performance.now() - t);
      }
      totals.set(appender.name, (totals.get(appender.name) ?? 0) + (performance.now() - start) / 1000);
    }
    const slices = Math.ceil(batches.length / sliceSize);
    if ((slice + 1) % Math.max(1, Math.floor(slices / 5)) === 0 || slice + 1 === slices) log(`appends: slice ${slice + 1}/${slices} done`);
  }
  for (const appender of appenders) await appender.close();
  const events = batches.reduce((sum, batch) => sum + batch.events.length, 0);
  const figure = (name: Appender['name']) => ({
    seconds: totals.get(name) ?? 0,
    eventsPerSecond: events / (totals.get(name) ?? Number.NaN),
    medianMsPerAppend: median(latencies.get(name) ?? []),
  });
  return { events, batches: batches.length, store: figure('store'), storeLean: figure('storeLean'), raw: figure('raw'), emmett: figure('emmett') };
};

// --- import, read-all, replay ----------------------------------------------------------------

function* chunksOf<T>(items: ReadonlyArray<T>, size: number): Generator<ReadonlyArray<T>> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Positions in the raw and the store table: dense, from 1, in the history's order. */
type Numbered = { readonly position: number; readonly recorded: RecordedEvent };
const rawTarget = (pool: pg.Pool) => ({
  pool,
  copySql: `COPY ${RAW_SCHEMA}.events (position, stream_id, stream_revision, event_id, type, schema_version, data, metadata) FROM STDIN`,
  text: (chunk: ReadonlyArray<Numbered>) => chunk.map(({ position, recorded }) => rawCopyLine(position, recorded)).join(''),
});
const storeTarget = (pool: pg.Pool, store: PostgresEventStore) => ({
  pool,
  copySql: `COPY ${store.schema}.events (school_id, position, stream_id, stream_revision, event_id, type, schema_version, data, metadata) FROM STDIN`,
  text: (chunk: ReadonlyArray<Numbered>) => chunk.map(({ position, recorded }) => storeCopyLine(READ_SCHOOL, position, recorded)).join(''),
});

const vacuum = async (pool: pg.Pool, store: PostgresEventStore): Promise<void> => {
  // Set hint bits and statistics, as autovacuum would after a load, so the first timed read is not the one paying for it.
  await pool.query(`VACUUM (ANALYZE) ${RAW_SCHEMA}.events`);
  await pool.query(`VACUUM (ANALYZE) ${store.schema}.events`);
};

type ReadFigure = Figures['reads'][number];

const benchReads = async (
  size: number,
  rounds: number,
  store: PostgresEventStore,
  rawPool: pg.Pool,
  withReplay: boolean,
): Promise<ReadFigure> => {
  const ruleSets = ledgerRuleSets();
  const storeTimes: number[] = [];
  const rawTimes: number[] = [];
  const replayTimes: number[] = [];
  let storePages = 0;
  let rawPages = 0;
  for (let round = 0; round < rounds; round++) {
    const runStore = async () => {
      let events = 0;
      let pages = 0;
      storeTimes.push(
        await seconds(async () => {
          for await (const page of store.readAll({ pageSize: PAGE })) {
            events += page.length;
            pages++;
          }
        }),
      );
      if (events !== size) throw new Error(`store readAll gave ${events} events, expected ${size}`);
      storePages = pages;
    };
    const runRaw = async () => {
      let result = { events: 0, pages: 0 };
      rawTimes.push(await seconds(async () => (result = await rawReadAll(rawPool, 'events', PAGE))));
      if (result.events !== size) throw new Error(`raw read gave ${result.events} events, expected ${size}`);
      rawPages = result.pages;
    };
    const runReplay = async () => {
      let applied = 0;
      replayTimes.push(await seconds(async () => (applied = (await replayStore(store, { ruleSets, pageSize: PAGE })).eventsApplied())));
      if (applied !== size) throw new Error(`replayStore applied ${applied} events, expected ${size}`);
    };
    const steps = withReplay ? [runStore, runRaw, runReplay] : [runStore, runRaw];
    for (let i = 0; i < steps.length; i++) await (steps[(i + round) % steps.length] as () => Promise<void>)();
    log(`read-all at ${size.toLocaleString('en')}: round ${round + 1}/${rounds} done`);
  }
  const perPageMs = (times: ReadonlyArray<number>, pages: number) => (median(times) * 1000) / Math.max(1, pages);
  return {
    events: size,
    store: { eventsPerSecond: size / median(storeTimes), msPerPage: perPageMs(storeTimes, storePages) },
    raw: { eventsPerSecond: size / median(rawTimes), msPerPage: perPageMs(rawTimes, rawPages) },
    replay: replayTimes.length === 0 ? undefined : { eventsPerSecond: size / median(replayTimes) },
  };
};

/** Projections alone, over events already in memory: what replay costs without the database. */
const projectionsInMemory = (events: ReadonlyArray<RecordedEvent>): number => {
  const ruleSets = ledgerRuleSets();
  replayEvents(events.slice(0, Math.min(events.length, 5_000)), { ruleSets }); // warm-up
  const start = performance.now();
  const projections = replayEvents(events, { ruleSets });
  const elapsed = (performance.now() - start) / 1000;
  if (projections.eventsApplied() !== events.length) throw new Error('in-memory replay skipped events');
  return events.length / elapsed;
};

// --- the run ---------------------------------------------------------------------------------

const machine = async (pool: pg.Pool): Promise<Machine> => {
  const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
  const cpu = cpus();
  return {
    date: new Date().toISOString().slice(0, 10),
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    postgres: rows[0]?.server_version ?? 'unknown',
  };
};

const main = async (): Promise<void> => {
  const started = performance.now();
  log(`${quick ? 'quick' : 'full'} run; starting an embedded PostgreSQL`);
  const server = await startPostgres({ requireEmbedded: true, durable: true });
  const stopOnSignal = () => void server.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const admin = new pg.Pool({ connectionString: server.url, max: 2 });
  admin.on('error', () => undefined);
  try {
    const host = await machine(admin);
    log(`PostgreSQL ${host.postgres}, Node ${host.node}, ${host.cpu} × ${host.cores}`);

    // Appends.
    const batches = formativeMarkBatches(SIZES.appendEvents, BATCH);
    const appendEventBytes = averageEventBytes(batches.flatMap((batch) => batch.events));
    log(`appends: ${SIZES.appendEvents.toLocaleString('en')} events in ${batches.length.toLocaleString('en')} batches of ${BATCH}`);
    const appends = await benchAppends(server.url, batches);

    // Import: raw COPY of the school's history into an equivalent, empty table.
    const history = schoolHistory();
    const small = history.take(SIZES.small).map((recorded, i): Numbered => ({ position: i + 1, recorded }));
    if (small.length !== SIZES.small) throw new Error(`the school history has only ${small.length} events`);
    const historyEventBytes = averageEventBytes(small.map(({ recorded }) => recorded.event));
    const rawPool = onePool(server.url);
    await createRawTable(rawPool, 'events');
    const readPool = onePool(server.url);
    const store = postgresEventStore({ pool: readPool, schoolId: READ_SCHOOL });
    await store.ready();
    // Import, interleaved round by round (each round in a rotated order): raw COPY of the events
    // into a fresh equivalent table, against the store's archive import (importArchiveWithCopy) of
    // the same events from an archive in memory into a fresh school: verification of chain, format
    // and schema included, domain replay left out.
    const archiveChunks: Buffer[] = [];
    const archived = archiveLines(small.map(({ recorded }) => recorded), { pseudonymizer: null });
    for await (const chunk of archived.chunks) archiveChunks.push(Buffer.from(chunk, 'utf8'));
    if (E.isLeft(await archived.result)) throw new Error('the bench archive could not be written');
    const importPool = onePool(server.url);
    const rawCopyTimes: number[] = [];
    const storeImportTimes: number[] = [];
    // CPU per event, Node and the server backend apart (Linux: /proc): what bounds each contender
    // (on a quiet machine, the larger of the two; when the cores are shared, their sum).
    const cpu = { raw: { node: 0, server: 0 }, store: { node: 0, server: 0 } };
    const backendPid = async (pool: pg.Pool): Promise<number> => (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
    const serverSeconds = (pid: number): number => {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return Number.NaN;
      }
    };
    const withCpu = async (into: { node: number; server: number }, pid: number, work: () => Promise<unknown>): Promise<void> => {
      const node = process.cpuUsage();
      const server = serverSeconds(pid);
      await work();
      const used = process.cpuUsage(node);
      into.node += (used.user + used.system) / 1e6;
      into.server += serverSeconds(pid) - server;
    };
    const rawCopyPool = onePool(server.url);
    const [rawPid, importPid] = [await backendPid(rawCopyPool), await backendPid(importPool)];
    const rawCopy = (table: string, numbered: ReadonlyArray<Numbered>) =>
      copyInto(chunksOf(numbered, 2_000), [{ ...rawTarget(rawCopyPool), copySql: rawTarget(rawCopyPool).copySql.replace(`${RAW_SCHEMA}.events`, `${RAW_SCHEMA}.${table}`) }]);
    const storeImport = async (importStore: PostgresEventStore, chunks: ReadonlyArray<Buffer>, events: number) => {
      const imported = await importArchiveWithCopy(importStore, () => chunks, { domain: false });
      if (E.isLeft(imported) || imported.right.events !== events) throw new Error(`importArchiveWithCopy failed: ${E.isLeft(imported) ? imported.left.message : 'wrong count'}`);
    };
    {
      // Warm-up, untimed: both contenders once over (up to) the same archive: compiled code, planned COPY.
      const few = small.slice(0, 20_000);
      const warmChunks: Buffer[] = [];
      if (few.length === small.length) warmChunks.push(...archiveChunks);
      else {
        const warmArchive = archiveLines(few.map(({ recorded }) => recorded), { pseudonymizer: null });
        for await (const chunk of warmArchive.chunks) warmChunks.push(Buffer.from(chunk, 'utf8'));
      }
      await createRawTable(rawPool, 'import_warmup');
      await rawCopy('import_warmup', few);
      const warmStore = postgresEventStore({ pool: importPool, schoolId: `${IMPORT_SCHOOL}-warmup` });
      await storeImport(warmStore, warmChunks, few.length);
      await admin.query(`DROP TABLE ${RAW_SCHEMA}.import_warmup`);
      await admin.query(`DELETE FROM ${warmStore.schema}.events WHERE school_id = $1`, [warmStore.schoolId]);
    }
    for (let round = 0; round < SIZES.importRounds; round++) {
      const table = `import_${round}`;
      await createRawTable(rawPool, table);
      const importStore = postgresEventStore({ pool: importPool, schoolId: `${IMPORT_SCHOOL}-${round}` });
      await importStore.ready();
      const runRaw = async () => {
        rawCopyTimes.push(await seconds(() => withCpu(cpu.raw, rawPid, () => rawCopy(table, small))));
      };
      const runStore = async () => {
        storeImportTimes.push(await seconds(() => withCpu(cpu.store, importPid, () => storeImport(importStore, archiveChunks, SIZES.small))));
      };
      for (const step of round % 2 === 0 ? [runRaw, runStore] : [runStore, runRaw]) await step();
      // Out of the way of the reads below.
      await admin.query(`DROP TABLE ${RAW_SCHEMA}.${table}`);
      await admin.query(`DELETE FROM ${importStore.schema}.events WHERE school_id = $1`, [importStore.schoolId]);
      log(`import: round ${round + 1}/${SIZES.importRounds} done (raw COPY ${(SIZES.small / (rawCopyTimes.at(-1) ?? 1) / 1000).toFixed(1)}k ev/s, store import ${(SIZES.small / (storeImportTimes.at(-1) ?? 1) / 1000).toFixed(1)}k ev/s)`);
    }
    const perEvent = (value: number) => ((value / SIZES.importRounds / SIZES.small) * 1e6).toFixed(1);
    log(
      `import: CPU per event (µs, Node / server backend): raw COPY ${perEvent(cpu.raw.node)} / ${perEvent(cpu.raw.server)}, store import ${perEvent(cpu.store.node)} / ${perEvent(cpu.store.server)}`,
    );
    await rawCopyPool.end();
    archiveChunks.length = 0;
    await importPool.end();
    // The raw table of the reads, loaded by the same COPY.
    await copyInto(chunksOf(small, 2_000), [rawTarget(admin)]);
    // The bench's set-up for the reads: the store's table loaded by COPY directly.
    const copyStoreSeconds = await seconds(() => copyInto(chunksOf(small, 2_000), [storeTarget(admin, store)]));
    await admin.query(`UPDATE ${store.schema}.school_heads SET last_position = $2 WHERE school_id = $1`, [READ_SCHOOL, SIZES.small]);
    await vacuum(admin, store);

    // Read-all and replay at the small size.
    const reads: ReadFigure[] = [await benchReads(SIZES.small, SIZES.readRounds, store, rawPool, true)];
    const inMemory = projectionsInMemory(small.map(({ recorded }) => recorded));
    small.length = 0;

    // Grow both tables to the large size with the rest of the history, then read again.
    const growBy = SIZES.large - SIZES.small;
    log(`growing both tables by ${growBy.toLocaleString('en')} events (generated as they are copied)`);
    let position = SIZES.small;
    function* growth(): Generator<ReadonlyArray<Numbered>> {
      for (let left = growBy; left > 0; ) {
        const taken = history.take(Math.min(2_000, left));
        if (taken.length === 0) throw new Error(`the school history ran out ${left} events short`);
        left -= taken.length;
        yield taken.map((recorded) => ({ position: ++position, recorded }));
      }
    }
    const growSeconds = await seconds(() => copyInto(growth(), [storeTarget(admin, store), rawTarget(admin)]));
    await admin.query(`UPDATE ${store.schema}.school_heads SET last_position = $2 WHERE school_id = $1`, [READ_SCHOOL, SIZES.large]);
    await vacuum(admin, store);
    reads.push(await benchReads(SIZES.large, SIZES.largeRounds, store, rawPool, true));
    await rawPool.end();
    await readPool.end();

    // EventStoreDB, only where a server is given.
    const esdbUrl = process.env[ESDB_URL_VARIABLE];
    let esdb: EsdbFigures | 'skipped' = 'skipped';
    if (esdbUrl !== undefined && esdbUrl !== '') esdb = await esdbBench(esdbUrl, quick ? batches.slice(0, 200) : batches.slice(0, 2_000), log);
    else log(`EventStoreDB: skipped (${ESDB_URL_VARIABLE} is not set)`);

    const figures: Figures = {
      quick,
      machine: host,
      appendEventBytes,
      historyEventBytes,
      pageSize: PAGE,
      batchSize: BATCH,
      appends,
      import: { events: SIZES.small, rounds: SIZES.importRounds, rawCopyPerSecond: SIZES.small / median(rawCopyTimes), storeTableCopyPerSecond: SIZES.small / copyStoreSeconds, storeImportPerSecond: SIZES.small / median(storeImportTimes) },
      growth: { events: growBy, seconds: growSeconds },
      reads,
      projectionsInMemoryPerSecond: inMemory,
      esdb,
      runSeconds: (performance.now() - started) / 1000,
    };
    const report = renderReport(figures);
    process.stdout.write(`\n${report}\n`);
    if (write) {
      await writeDocs(figures);
      log('wrote docs/benchmarks.md (bench:postgres section) and docs/postgres.md (Measured)');
    } else log('docs not written (quick run; add --write to write them)');
  } finally {
    await admin.end().catch(() => undefined);
    await server.stop();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
