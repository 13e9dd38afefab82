/**
 * What keeping an archive's event ids costs (`pnpm --filter @grade-ledger/bench bench:eventIds`;
 * `--since YEAR` / `--until YEAR` for a slice of the generated school, by default 2018 to 2025,
 * the whole school; `--speed` for the time check instead).
 *
 * Memory: each contender in its own child process (node --expose-gc), fed the generated
 * workload's event ids (`generateSchoolWorkload({ seed: 2018, ... })`, each id copied into a flat
 * string, as `JSON.parse` of an archive line gives it): V8's heap used after a full GC, with the
 * contender holding every id, minus the same after generating without it. Contenders: the
 * compact `EventIdSet` (what verify and import keep), a `Set<string>`, and a `Map<string, number>`
 * of first lines (what import kept until 2026-11-27). `external` memory is printed too (the
 * compact set uses none: plain arrays and maps).
 *
 * Speed (`--speed`): one school year's archive verified (all checks) and, interleaved with it in
 * the same process, its event ids added to an `EventIdSet` alone; CPU time of each, median of 5:
 * the second over the first is the part of verify's time the id check takes.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addEventId, archiveBytes, emptyEventIdSet, fileSource, verifyArchive, writeTextFile } from '@grade-ledger/archive';
import { generateSchoolWorkload } from '@grade-ledger/testing/workload';
import { childScript, gc, int, runChild, shippedRuleSets } from './common';

type Contender = 'none' | 'eventIdSet' | 'set' | 'map';
type MemoryResult = { readonly contender: Contender; readonly ids: number; readonly heapUsed: number; readonly external: number; readonly seconds: number };

const argValue = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};

/** An id copied into a flat string (the workload builds it by concatenation). */
const flat = (id: string): string => JSON.parse(JSON.stringify(id)) as string;

const child = (contender: Contender, since: number, until: number): void => {
  gc();
  const started = performance.now();
  const set = emptyEventIdSet();
  const plain = new Set<string>();
  const lines = new Map<string, number>();
  let ids = 0;
  for (const recorded of generateSchoolWorkload({ seed: 2018, since, until })) {
    const id = flat(recorded.event.metadata.eventId);
    ids += 1;
    if (contender === 'eventIdSet') {
      if (addEventId(set, id, ids + 1) !== 0) throw new Error(`repeated ${id}`);
    } else if (contender === 'set') plain.add(id);
    else if (contender === 'map') lines.set(id, ids + 1);
  }
  const seconds = (performance.now() - started) / 1000;
  gc();
  const usage = process.memoryUsage();
  // Keep the contender alive until measured.
  const held = set.loose.size + set.templates.size + plain.size + lines.size;
  const result: MemoryResult = { contender, ids, heapUsed: usage.heapUsed, external: usage.external, seconds };
  process.stdout.write(`RESULT ${JSON.stringify(result)} ${held > -1 ? '' : 'x'}\n`);
};

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const speed = async (): Promise<void> => {
  const year = argValue('--year', 2024);
  const events = [...generateSchoolWorkload({ seed: 2018, since: year, until: year })];
  const path = join(tmpdir(), `grade-ledger-event-ids-${process.pid}.gla`);
  await writeTextFile(path, archiveBytes(events, { pseudonymizer: null }).chunks);
  const ids = events.map((r) => flat(r.event.metadata.eventId));
  events.length = 0;
  const verifyTimes: number[] = [];
  const idTimes: number[] = [];
  for (let round = 0; round < 5; round++) {
    gc();
    let at = cpuSeconds();
    const report = await verifyArchive(fileSource(path)(), { ruleSets: shippedRuleSets });
    verifyTimes.push(cpuSeconds() - at);
    if (!report.ok) throw new Error(`the archive does not verify: ${report.findings[0]?.message}`);
    gc();
    at = cpuSeconds();
    const set = emptyEventIdSet();
    ids.forEach((id, k) => addEventId(set, id, k + 2));
    idTimes.push(cpuSeconds() - at);
  }
  rmSync(path, { force: true });
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(`school year ${year}: ${int(ids.length)} events`);
  console.log(`verify, all checks: ${median(verifyTimes).toFixed(2)} s CPU (median of 5; ${verifyTimes.map((t) => t.toFixed(2)).join(', ')})`);
  console.log(`its ids into an EventIdSet alone: ${median(idTimes).toFixed(3)} s CPU (${idTimes.map((t) => t.toFixed(3)).join(', ')})`);
  console.log(`share of verify's time: ${((100 * median(idTimes)) / median(verifyTimes)).toFixed(1)}%`);
};

const main = async (): Promise<void> => {
  if (process.argv.includes('--child')) {
    const at = process.argv.indexOf('--child');
    child(process.argv[at + 1] as Contender, Number(process.argv[at + 2]), Number(process.argv[at + 3]));
    return;
  }
  if (process.argv.includes('--speed')) {
    await speed();
    return;
  }
  const since = argValue('--since', 2018);
  const until = argValue('--until', 2025);
  const results: MemoryResult[] = [];
  for (const contender of ['none', 'eventIdSet', 'set', 'map'] as const)
    results.push(await runChild<MemoryResult>(['--expose-gc', '--max-old-space-size=16384', childScript(import.meta.url), '--child', contender, String(since), String(until)], `${contender} child`));
  const base = results[0] as MemoryResult;
  console.log(`event ids of generateSchoolWorkload({ seed: 2018, since: ${since}, until: ${until} }): ${int(base.ids)}; heap used after a full GC, above generating without keeping them`);
  for (const r of results.slice(1)) {
    const bytes = r.heapUsed - base.heapUsed;
    console.log(`${r.contender.padEnd(10)} ${(bytes / 1024 / 1024).toFixed(2).padStart(8)} MiB  ${(bytes / r.ids).toFixed(2)} bytes/id  external ${((r.external - base.external) / 1024 / 1024).toFixed(2)} MiB  (${r.seconds.toFixed(1)} s with generation)`);
  }
};

void main();
