/**
 * The archive benchmark (`pnpm bench` at the root, after the replay benchmark; `--quick` for one
 * school year with one class per grade level; by default one school year; `--full` for the whole
 * generated school since 2018).
 *
 * One archive file is written and then read by every contender, each in its own child process
 * (node --expose-gc), so that each one's peak memory is its own:
 *
 * - export: the workload generated into an array (untimed), then `archiveBytes` → `writeTextFile`:
 *   events → canonical JSON lines (UTF-8 bytes) → hash chain → file on disk (the path `grade-ledger
 *   export` and `generate` take); and the same through `archiveLines` (text chunks, for consumers of text);
 * - export floor: `JSON.stringify` of each event, one `crypto.hash` over the previous digest and
 *   that text, the line appended to a chunk, written to a file: no canonical form, no checks, what
 *   one core does with Node's own serializer and hash (the ratio export / floor is in the prose);
 * - verify, chain + schema: `verifyArchive(file, { domain: false })`;
 * - verify, all checks: `verifyArchive(file)` (also the domain replay through the deciders and the grades);
 * - the same two with `workers: N` (N = the cores, at most 8: the CLI's default), each run three
 *   times interleaved with the one-thread verify in one process; the speed-up is the median ratio;
 * - re-export: the archive read again and written pseudonymized to another file, on one thread
 *   (`archiveEventSource` → `archiveBytes`) and with N workers (`archiveBytesOfArchive`, what
 *   `grade-ledger export --from` does), the latter three times interleaved with the former in one
 *   process; the speed-up is the median ratio, with the CPU time a line of each thread;
 * - archive replay: `readArchive(file)` (chain + schema) folded into `schoolProjections` with `sealBlocks: true` (what `replayEvents` does);
 * - bare limit: node:readline over the same file, `JSON.parse` of each line, nothing else (the
 *   ratios and goals are against it); and the same floor without readline (256 KiB chunks split at
 *   "\n" by hand, as the archive reader does), shown for comparison.
 *
 * Every contender but the *N workers* rows runs on one thread. `--only=task,task` runs those
 * (after the export that writes the archive) and leaves docs/benchmarks.md alone.
 *
 * Peak RSS is the process's high-water mark (`process.resourceUsage().maxRSS`); peak heap is
 * sampled (V8 heap used) while the contender runs. The table goes into docs/benchmarks.md
 * between the bench:archive markers.
 */
import { createReadStream, readFileSync, rmSync, statSync } from 'node:fs';
import * as crypto from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import * as E from 'fp-ts/Either';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { schoolProjections, type RecordedEvent } from '@grade-ledger/core';
import { childScript, gc, int, machine, mb, runChild, shippedRuleSets, writeBenchmarkSection } from './common';
import { generateSchoolWorkload, type WorkloadOptions } from '@grade-ledger/testing/workload';
import { archiveBytes, archiveBytesOfArchive, archiveEventSource, archiveLines, fileSource, pseudonymizer, READ_CHUNK_BYTES, readArchive, verifyArchive, writeTextFile, type Pseudonymizer } from '@grade-ledger/archive';



type Task = 'export' | 'exportText' | 'exportFloor' | 'verifyChain' | 'verifyChainWorkers' | 'verifyAll' | 'verifyAllWorkers' | 'reexport' | 'reexportWorkers' | 'replay' | 'bare' | 'bareBuffers';

/** Verify's worker threads in the *N workers* rows: what \`grade-ledger verify\` takes by default. */
const WORKERS = Math.min(Math.max(1, availableParallelism()), 8);

const EXPORTS: ReadonlyArray<Task> = ['export', 'exportText', 'exportFloor'];

type TaskResult = {
  readonly task: Task;
  readonly events: number;
  readonly bytes: number;
  readonly seconds: number;
  /** V8 heap used, sampled, above the baseline taken before the contender (after a full GC). */
  readonly peakHeap: number;
  readonly baselineHeap: number;
  readonly peakRss: number;
  /** RSS before the contender ran (after a full GC): Node, V8, the loaded code (bundled: see `childScript`) and, for export, the events. */
  readonly startRss: number;
  readonly generationSeconds: number;
  readonly ok: boolean;
  readonly note: string;
  /** With workers: the median of (one thread's time / the workers' time) over three interleaved pairs. */
  readonly speedup?: number;
  /** Export's speed over the floor's, interleaved in the floor's process (median of three pairs). */
  readonly exportVsFloor?: number;
  /** The re-export's CPU time a line (µs, medians of the runs): one thread's (the whole process), and with workers the main thread's and the whole process's. */
  readonly cpuPerLine?: { readonly oneThread: number; readonly main: number; readonly all: number };
};


/**
 * The calling thread's CPU time in ms (user + system, from /proc on Linux, in clock ticks of
 * 10 ms); undefined elsewhere. Unlike the event loop's active time, it does not count the time
 * the thread waits for a core on a busy machine.
 */
const threadCpuMs = (): number | undefined => {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'latin1').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
};

/** Samples the heap every 20 ms (streamed contenders yield to the event loop) and on demand. */
const heapSampler = () => {
  let peak = 0;
  const sample = (): void => {
    const used = process.memoryUsage().heapUsed;
    if (used > peak) peak = used;
  };
  const timer = setInterval(sample, 20);
  return {
    sample,
    stop: (): number => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
};


/**
 * Three pairs of runs in this process, alternating which of the two runs first (`a` in the first
 * and third): on a shared machine a ratio of neighbours says more than a time.
 */
const pairsAlternating = async <R>(a: () => Promise<R>, b: () => Promise<R>): Promise<ReadonlyArray<{ readonly a: R; readonly b: R }>> => {
  const pairs: Array<{ readonly a: R; readonly b: R }> = [];
  for (let round = 0; round < 3; round++) {
    if (round % 2 === 0) {
      const first = await a();
      pairs.push({ a: first, b: await b() });
    } else {
      const first = await b();
      pairs.push({ a: await a(), b: first });
    }
  }
  return pairs;
};

const medianOfThree = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[1] as number;

const runTask = async (task: Task, path: string, workload: WorkloadOptions): Promise<TaskResult> => {
  let events: RecordedEvent[] = [];
  let generationSeconds = 0;
  if (EXPORTS.includes(task)) {
    const started = performance.now();
    events = [...generateSchoolWorkload(workload)];
    generationSeconds = (performance.now() - started) / 1000;
  }
  gc();
  const baselineHeap = process.memoryUsage().heapUsed;
  const startRss = process.memoryUsage().rss;
  const sampler = heapSampler();
  const started = performance.now();
  let count = 0;
  let ok = true;
  let note = '';
  let size: number | undefined;
  // A contender that times itself (several runs) sets these.
  let timed: number | undefined;
  let exportVsFloor: number | undefined;
  let speedup: number | undefined;
  let cpuPerLine: TaskResult['cpuPerLine'];
  switch (task) {
    case 'export':
    case 'exportText': {
      const lines = task === 'export' ? archiveBytes(events, { pseudonymizer: null }) : archiveLines(events, { pseudonymizer: null });
      await writeTextFile(path, lines.chunks);
      const result = await lines.result;
      if (E.isLeft(result)) throw new Error(result.left.message);
      count = result.right.eventCount;
      note = result.right.finalDigest;
      break;
    }
    case 'exportFloor': {
      // One core's floor for writing the events as chained JSON lines: Node's own serializer
      // and one hash call per event, no canonical form, no checks. Written beside the archive
      // (the other contenders read the archive itself). Run three times interleaved with the
      // export (archiveBytes) in this one process, so that their ratio holds on a busy machine:
      // the row shows the floor's median run, `exportVsFloor` the median of the three ratios.
      const hash =
        (crypto as unknown as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash ??
        ((algorithm: string, data: string) => crypto.createHash(algorithm).update(data).digest('hex'));
      const floorOnce = async (): Promise<number> => {
        const began = performance.now();
        let digest = '0'.repeat(64);
        async function* floorChunks(): AsyncIterable<string> {
          let chunk = '';
          for (const recorded of events) {
            const body = JSON.stringify(recorded);
            digest = hash('sha256', digest + body, 'hex');
            chunk += `${digest} ${body}\n`;
            if (chunk.length >= 256 * 1024) {
              yield chunk;
              chunk = '';
            }
          }
          yield chunk;
        }
        await writeTextFile(`${path}.floor`, floorChunks());
        note = digest;
        return performance.now() - began;
      };
      const exportOnce = async (): Promise<number> => {
        const began = performance.now();
        const lines = archiveBytes(events, { pseudonymizer: null });
        await writeTextFile(`${path}.again`, lines.chunks);
        if (E.isLeft(await lines.result)) throw new Error('export failed');
        return performance.now() - began;
      };
      const pairs = await pairsAlternating(floorOnce, exportOnce);
      const floorTimes = pairs.map((p) => p.a);
      const ratios = pairs.map((p) => p.a / p.b);
      const median = medianOfThree;
      count = events.length;
      size = statSync(`${path}.floor`).size;
      rmSync(`${path}.floor`, { force: true });
      rmSync(`${path}.again`, { force: true });
      timed = median(floorTimes) / 1000;
      exportVsFloor = median(ratios);
      break;
    }
    case 'verifyChainWorkers':
    case 'verifyAllWorkers': {
      // Three pairs in this process, alternating which runs first: the row is the workers' median
      // run, the speed-up the median of the pairs' ratios (on a shared machine a ratio of
      // neighbours says more than a time).
      const all = task === 'verifyAllWorkers';
      const once = async (workers: number): Promise<number> => {
        const began = performance.now();
        // The opener: with all checks the domain check is then sharded over the workers (verify may read the file again should one fail).
        const report = await verifyArchive(fileSource(path), { ruleSets: shippedRuleSets, domain: all, grades: all, workers, onProgress: () => sampler.sample() });
        count = report.events;
        ok = ok && report.ok && report.workers === workers;
        if (!report.ok) note = `${report.findings.length} findings, first: ${report.findings[0]?.message ?? ''}`;
        else if (report.workers !== workers) note = `${report.workers} of ${workers} workers ran`;
        return performance.now() - began;
      };
      const runs = (await pairsAlternating(() => once(WORKERS), () => once(0))).map(({ a, b }) => ({ many: a, one: b }));
      timed = medianOfThree(runs.map((r) => r.many)) / 1000;
      speedup = medianOfThree(runs.map((r) => r.one / r.many));
      break;
    }
    case 'verifyChain':
    case 'verifyAll': {
      const report = await verifyArchive(fileSource(path)(), { ruleSets: shippedRuleSets, domain: task === 'verifyAll', grades: task === 'verifyAll', onProgress: () => sampler.sample() });
      count = report.events;
      ok = report.ok;
      note = ok ? '' : `${report.findings.length} findings, first: ${report.findings[0]?.message ?? ''}`;
      break;
    }
    case 'reexport': {
      // What `grade-ledger export --from` does after verifying: the archive read again as a
      // source (archiveEventSource), pseudonymized, written to another file; nothing held.
      const copy = `${path}.reexport`;
      try {
        const lines = archiveBytes(archiveEventSource(fileSource(path)), { pseudonymizer: pseudonymizer(Buffer.alloc(32, 7)) as Pseudonymizer });
        await writeTextFile(copy, lines.chunks);
        const result = await lines.result;
        if (E.isLeft(result)) throw new Error(result.left.message);
        count = result.right.eventCount;
        size = statSync(path).size;
      } finally {
        rmSync(copy, { force: true });
      }
      break;
    }
    case 'reexportWorkers': {
      // Three pairs in this process, as for verify's workers: the re-export on one thread
      // (archiveEventSource → archiveBytes) and with workers (archiveBytesOfArchive), alternating
      // which runs first; the row is the workers' median run, the speed-up the median ratio. The
      // CPU time a line: the main thread's (from /proc; the event loop's active time elsewhere)
      // and the whole process's (every thread: the workers, V8's and libuv's).
      const copy = `${path}.reexport`;
      const key = pseudonymizer(Buffer.alloc(32, 7)) as Pseudonymizer;
      type Run = { readonly ms: number; readonly main: number; readonly all: number };
      const once = async (workers: number): Promise<Run> => {
        const began = performance.now();
        const loop = performance.eventLoopUtilization();
        const mainBefore = threadCpuMs();
        const allBefore = process.cpuUsage();
        try {
          const lines = workers === 0 ? archiveBytes(archiveEventSource(fileSource(path)), { pseudonymizer: key }) : archiveBytesOfArchive(fileSource(path), { pseudonymizer: key, workers });
          await writeTextFile(copy, lines.chunks);
          const result = await lines.result;
          if (E.isLeft(result)) throw new Error(result.left.message);
          if (note !== '' && note !== result.right.finalDigest) throw new Error(`the re-exports differ: ${note} and ${result.right.finalDigest}`);
          note = result.right.finalDigest;
          count = result.right.eventCount;
          sampler.sample();
        } finally {
          rmSync(copy, { force: true });
        }
        const mainAfter = threadCpuMs();
        const all = process.cpuUsage(allBefore);
        return {
          ms: performance.now() - began,
          main: mainBefore === undefined || mainAfter === undefined ? performance.eventLoopUtilization(loop).active : mainAfter - mainBefore,
          all: (all.user + all.system) / 1000,
        };
      };
      const runs = (await pairsAlternating(() => once(WORKERS), () => once(0))).map(({ a, b }) => ({ many: a, one: b }));
      const median = medianOfThree;
      timed = median(runs.map((r) => r.many.ms)) / 1000;
      speedup = median(runs.map((r) => r.one.ms / r.many.ms));
      const perLine = (ms: number): number => (ms * 1000) / Math.max(1, count);
      cpuPerLine = {
        oneThread: perLine(median(runs.map((r) => r.one.all))),
        main: perLine(median(runs.map((r) => r.many.main))),
        all: perLine(median(runs.map((r) => r.many.all))),
      };
      size = statSync(path).size;
      note = '';
      break;
    }
    case 'replay': {
      const reading = readArchive(fileSource(path)());
      // With sealed blocks (`sealBlocks: true`): the lowest memory the replay takes (two fifths less state, some time more).
      const projections = schoolProjections({ ruleSets: shippedRuleSets, sealBlocks: true });
      for await (const recorded of reading.events) {
        projections.apply(recorded);
        count += 1;
      }
      const result = await reading.result;
      ok = E.isRight(result) && projections.eventsApplied() > 0;
      if (E.isLeft(result)) note = result.left.message;
      break;
    }
    case 'bare': {
      const lines = createInterface({ input: createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), crlfDelay: Infinity });
      let kinds = 0;
      for await (const line of lines) {
        const parsed = JSON.parse(line) as { kind?: string };
        if (parsed.kind === undefined) count += 1;
        else kinds += 1;
      }
      ok = kinds === 2;
      break;
    }
    case 'bareBuffers': {
      // The same floor without readline: 256 KiB chunks split at "\n" by hand, each line decoded and parsed.
      let kinds = 0;
      let carry: Buffer = Buffer.alloc(0);
      const parseLine = (bytes: Buffer): void => {
        const parsed = JSON.parse(bytes.toString('utf8')) as { kind?: string };
        if (parsed.kind === undefined) count += 1;
        else kinds += 1;
      };
      for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
        let start = 0;
        let end = chunk.indexOf(0x0a);
        if (carry.length > 0 && end >= 0) {
          parseLine(Buffer.concat([carry, chunk.subarray(0, end)]));
          carry = Buffer.alloc(0);
          start = end + 1;
          end = chunk.indexOf(0x0a, start);
        }
        for (; end >= 0; start = end + 1, end = chunk.indexOf(0x0a, start)) parseLine(chunk.subarray(start, end));
        carry = Buffer.concat([carry, chunk.subarray(start)]);
      }
      ok = kinds === 2;
      break;
    }
  }
  const seconds = timed ?? (performance.now() - started) / 1000;
  const peakHeap = sampler.stop() - baselineHeap;
  if (events.length < 0) console.log('impossible');
  const peakRss = process.resourceUsage().maxRSS * 1024;
  return { task, events: count, bytes: size ?? statSync(path).size, seconds, peakHeap, baselineHeap, peakRss, startRss, generationSeconds, ok, note, ...(exportVsFloor === undefined ? {} : { exportVsFloor }), ...(speedup === undefined ? {} : { speedup }), ...(cpuPerLine === undefined ? {} : { cpuPerLine }) };
};

const spawnChild = (task: Task, path: string, workload: WorkloadOptions): Promise<TaskResult> =>
  runChild<TaskResult>(['--expose-gc', '--max-old-space-size=16384', childScript(import.meta.url), '--child', task, path, JSON.stringify(workload)], `${task} child`);

// --- the parent: run, report, write the docs -------------------------------------------------




const LABELS: Record<Task, string> = {
  export: 'export (events in memory → archive file)',
  exportText: 'export through text chunks (archiveLines)',
  exportFloor: 'export floor: JSON.stringify + crypto.hash + write, per event (median of 3)',
  verifyChain: 'verify: chain + format + schema',
  verifyChainWorkers: `verify: chain + format + schema, ${WORKERS} workers`,
  verifyAll: 'verify: all checks (+ domain + grades)',
  verifyAllWorkers: `verify: all checks, ${WORKERS} workers`,
  reexport: 're-export: archive file → pseudonymized archive file (archiveEventSource)',
  reexportWorkers: `re-export, ${WORKERS} workers (archiveBytesOfArchive)`,
  replay: 'archive replay: readArchive → schoolProjections, `sealBlocks: true`',
  bare: 'bare limit: readline + JSON.parse per line',
  bareBuffers: 'bare, without readline: Buffers split at \\n + JSON.parse',
};

const main = async (): Promise<void> => {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const result = await runTask(argv[1] as Task, argv[2] ?? '', JSON.parse(argv[3] ?? '{}') as WorkloadOptions);
    console.log(`RESULT ${JSON.stringify(result)}`);
    return;
  }
  const quick = argv.includes('--quick');
  const full = argv.includes('--full');
  const seed = 2018;
  // The whole school (4.26M events) takes over ten minutes here (verify with all checks is the
  // slow part); by default one school year, --quick one class per grade level.
  const workload: WorkloadOptions = quick ? { seed, since: 2024, until: 2024, classesPerGradeLevel: 1 } : full ? { seed, since: 2018, until: 2025 } : { seed, since: 2024, until: 2024 };
  const path = join(tmpdir(), `grade-ledger-bench-${process.pid}.jsonl`);
  const log = (line: string): void => console.log(line);
  log(`archive benchmark${quick ? ' (quick)' : full ? ' (full)' : ''}: ${machine()}`);

  // --only=task,task (while working on some contenders): those, after the export that writes the archive; docs/benchmarks.md is not written then.
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const tasks = (['export', 'exportText', 'exportFloor', 'bare', 'bareBuffers', 'verifyChain', 'verifyChainWorkers', 'verifyAll', 'verifyAllWorkers', 'reexport', 'reexportWorkers', 'replay'] as const).filter(
    (task) => only === undefined || task === 'export' || only.includes(task),
  );
  const results = new Map<Task, TaskResult>();
  try {
    for (const task of tasks) {
      log(`- ${LABELS[task]} ...`);
      const result = await spawnChild(task, path, workload);
      log(`  ${int(result.events)} events in ${result.seconds.toFixed(2)} s (${int(result.events / result.seconds)} events/s), peak heap +${mb(result.peakHeap)}, peak RSS ${mb(result.peakRss)}${result.speedup === undefined ? '' : `, ${result.speedup.toFixed(2)}× one thread`}${result.cpuPerLine === undefined ? '' : `, CPU a line: ${result.cpuPerLine.oneThread.toFixed(1)} µs on one thread; with workers ${result.cpuPerLine.main.toFixed(1)} µs on the main thread, ${result.cpuPerLine.all.toFixed(1)} µs in all`}${result.ok ? '' : `; NOT OK: ${result.note}`}`);
      results.set(task, result);
    }
  } finally {
    rmSync(path, { force: true });
  }
  if (only !== undefined) return;

  const rate = (task: Task): number => {
    const r = results.get(task);
    return r === undefined ? Number.NaN : r.events / r.seconds;
  };
  const exported = results.get('export');
  const events = exported?.events ?? 0;
  const bytes = exported?.bytes ?? 0;
  const bare = rate('bare');
  const rows = [...results.values()].map(
    (r) =>
      `| ${LABELS[r.task]} | ${int(r.events / r.seconds)} | ${((r.bytes / 1024 / 1024) / r.seconds).toFixed(0)} | ${r.seconds.toFixed(2)} s | ${(r.events / r.seconds / bare).toFixed(2)}× | ${mb(r.peakHeap)} | ${mb(r.startRss)} | ${mb(r.peakRss)} |${r.ok ? '' : ` **failed**: ${r.note}`}`,
  );
  // On one thread: each worker thread adds its own heap, with the code loaded again (the rows with workers show it).
  const peakStreamed = Math.max(...(['verifyChain', 'verifyAll', 'reexport', 'replay'] as const).map((t) => results.get(t)?.peakRss ?? Number.POSITIVE_INFINITY));
  const goals = [
    { name: 'export ≥ 1,000,000 events/s', met: rate('export') >= 1_000_000, actual: `${int(rate('export'))} events/s` },
    { name: 'verify ≥ 500,000 events/s (chain + schema)', met: Math.max(rate('verifyChain'), rate('verifyChainWorkers')) >= 500_000, actual: `${int(rate('verifyChain'))} events/s on one thread, ${int(rate('verifyChainWorkers'))} with ${WORKERS} workers` },
    { name: 'verify ≥ 500,000 events/s (all checks)', met: Math.max(rate('verifyAll'), rate('verifyAllWorkers')) >= 500_000, actual: `${int(rate('verifyAll'))} events/s on one thread, ${int(rate('verifyAllWorkers'))} with ${WORKERS} workers` },
    { name: 'archive replay ≥ ½ the bare parse speed', met: rate('replay') >= bare / 2, actual: `${(rate('replay') / bare).toFixed(2)}× bare` },
    {
      name: `memory under 256 MB for the whole school (peak RSS of verify, re-export and replay${full ? ', the whole school' : ', on this reduced workload: the whole school only with \`--full\`'})`,
      met: peakStreamed < 256 * 1024 * 1024,
      actual: mb(peakStreamed),
    },
  ];
  const today = new Date().toISOString().slice(0, 10);
  const section = `
## Archives${quick ? ' (quick run: one school year, 11 classes)' : full ? '' : ' (one school year, not the whole school)'}

Run on ${today}: ${machine()}. The machine may have been shared with other work: treat the
figures as indicative.

Workload: \`generateSchoolWorkload(${JSON.stringify(workload)})\`: ${int(events)} events${full ? ' (the whole generated school)' : ` (the whole school since 2018 is 4.26M events: \`--full\`; by default a smaller workload keeps \`pnpm bench\` short)`},
generated in ${exported?.generationSeconds.toFixed(1)} s (untimed). Archive: ${mb(bytes)} uncompressed (${int(bytes / Math.max(1, events))} bytes an event line), written
to a temporary file and read back by each contender in its own child process (\`--expose-gc\`), one pass each.
Peak heap: V8 heap used above the contender's baseline (after a full GC; for export the events array is
in the baseline), sampled every 20 ms. Peak RSS: the process's high-water mark (\`process.resourceUsage().maxRSS\`),
which for export includes the generated events held in memory. *RSS at start*: the process before the contender
(after a full GC): Node, V8 and the code loaded, bundled with esbuild as the packages ship (see
\`childScript\` in src/common.ts; TypeScript compiled at load by tsx, as until 2026-11-27, took about 40 MB more).

| contender | events/s | MB/s | time | vs bare limit | peak heap | RSS at start | peak RSS | |
|---|---:|---:|---:|---:|---:|---:|---:|---|
${rows.join('\n')}

What is measured:
- *export*: \`archiveBytes(events, { pseudonymizer: null })\` piped to \`writeTextFile\`: canonical JSON of each
  event written once as UTF-8 bytes into the chunk, hashed where it lies (the SHA-256 chain), the manifest, written
  to disk: what \`grade-ledger export\` and \`generate\` do. *Through text chunks*: the same via \`archiveLines\` (each
  chunk decoded to a string, encoded again by the file stream), for a consumer that wants text.
- *export floor*: \`JSON.stringify\` of each event, one \`crypto.hash\` of the previous digest and that text, the
  line appended to a chunk and written: no canonical form, no order or stream checks. What one core does here with
  Node's own serializer and hash. Run three times interleaved with the export in one process (the row: the floor's
  median run): export runs at ${results.get('exportFloor')?.exportVsFloor?.toFixed(2) ?? '?'}× this floor (median of the three pairs).
- *verify*: \`verifyArchive(fileSource(path)(), …)\`: chain, UTF-8, JSON, canonical form, order, every
  event's schema (\`decodeEvent\`) and the manifest; *all checks* adds the domain replay through the
  deciders and the recomputation of every finalized grade.
- *re-export*: the one-thread re-export: \`archiveEventSource\` (the archive read again as a store's pages, chain and
  schema checked) through \`archiveBytes\` with a pseudonymizer, written to another file; nothing but a page and a chunk held.
  *N workers*: what \`grade-ledger export --from\` now does once the archive has verified, \`archiveBytesOfArchive(fileSource(path),
  { pseudonymizer, workers: ${WORKERS} })\`: batches of raw lines to worker threads, which parse, check (chain, schema),
  pseudonymize and write each new line's body; the main thread reads, runs the order checks and counts, chains the new
  lines and writes the manifest (the same bytes). Run three times interleaved with the one-thread re-export in one
  process (the row: the workers' median run); speed-up (median of the pairs' ratios) ${results.get('reexportWorkers')?.speedup?.toFixed(2) ?? '?'}×.
  CPU time a line (medians; the main thread's from /proc): one thread ${results.get('reexportWorkers')?.cpuPerLine?.oneThread.toFixed(1) ?? '?'} µs; with the workers
  ${results.get('reexportWorkers')?.cpuPerLine?.main.toFixed(1) ?? '?'} µs on the main thread and ${results.get('reexportWorkers')?.cpuPerLine?.all.toFixed(1) ?? '?'} µs in all threads (on these 2 cores the same per-line work runs
  some 20% slower in each of two threads at once than in one alone, and the hand-over costs the rest; with N cores the
  main thread's share bounds the speed-up).
- *archive replay*: \`readArchive\` (chain + schema) with every event applied to \`schoolProjections({ ruleSets, sealBlocks: true })\`
  (marks, grades and attendance kept in sealed blocks: the least memory a replay takes, what \`grade-ledger replay\` does;
  without \`sealBlocks\` the state is about 29 MB a school year instead of 16.5, see docs/projections.md, "Sealed blocks of marks").
- *bare limit*: \`readline\` over the same file and \`JSON.parse\` of each line: the floor of any reader of the file
  (the ratios and the goals are against it). *bare, without readline*: the same with 256 KiB chunks split at \`\\n\` by
  hand (what the archive reader does), a lower floor, shown for comparison.
- *N workers*: the same verify with \`workers: ${WORKERS}\` (the cores here, at most 8: what \`grade-ledger verify\`
  takes by default), given the file's opener (\`fileSource(path)\`): line batches go to worker threads for UTF-8, JSON,
  canonical form and schema; with all checks each class's (and school year's) lines go to one worker, which also
  replays them through the deciders and recomputes their grades on its own states; the main thread reads, runs the
  chain, the order and the manifest on the verdicts in line order, tells each worker which of its events the domain
  check takes, and merges the workers' domain findings at the end (the report is the one of one thread). Each is run three times interleaved with the one-thread verify in the same process: the
  row is the workers' median run; speed-up over one thread (median of the three pairs' ratios): chain + schema
  ${results.get('verifyChainWorkers')?.speedup?.toFixed(2) ?? '?'}×, all checks ${results.get('verifyAllWorkers')?.speedup?.toFixed(2) ?? '?'}×.
  Their peak RSS is the whole process's, workers included: each worker has its own V8 heap with the code loaded
  again, up to three batches of lines each in flight and, with all checks, its classes'
  states and the decoded events of its lines not yet settled or replayed; the memory goal below is about the
  one-thread rows.
- Every other contender runs on one thread.

Why the throughput goals are out of reach here (per-line costs from \`node --cpu-prof\` and
interleaved micro-measurements on this machine, ~560-byte lines, CPU time): \`JSON.parse\` of a line ~3.2 µs (the
bare limits above: ${int(rate('bareBuffers'))} lines/s), SHA-256 through \`crypto.hash\` ~0.7 µs (about 0.4 µs is the call
itself), the one-pass canonical check ~1.5 µs (a loop that only sums a line's bytes takes ~0.8 µs), the schema check
(\`decodeEventFast\`) ~1.6 µs. Verify (chain + schema) must do all four: ~7 µs a line before any bookkeeping, so
500,000 events/s (2 µs) is below \`JSON.parse\` alone; it runs at ${(rate('verifyChain') / rate('bareBuffers')).toFixed(2)}× the bare
parse without readline. Export needs a canonical serialization (\`JSON.stringify\` of an event alone is ~2-3 µs
here) and a hash per line: the floor row itself is far from 1,000,000 events/s (1 µs an event). Worker threads
(\`workers\`) spread the ~6 µs of parse, canonical and schema checks of a line over the cores; the main thread keeps
the chain (~0.7 µs), the reading, the copy of each batch into the buffer handed to a worker and the bookkeeping (a
few µs a line altogether). With all checks the domain replay (~10 µs a line) runs in the workers too, each stream's
in one worker (a class's folded state crosses its lines, not other classes'), so the main thread no longer replays
nor receives the decoded events. On ${availableParallelism()} cores shared by the main thread and the workers, the
speed-up is bounded by the total CPU time a line takes divided by the cores, and by the main thread's share. CPU
time per thread (from /proc, the built package, one school year of 499,483 events, 2026-11-27, on this machine
shared with other work: load 5 to 7 on its 2 cores), chain + schema: one thread 9.3 to 11.7 µs a line; with 2
workers the main thread 3.2 to 3.4 µs a line and all threads together 12.9 to 13.6 µs (the hand-over, the second
decoding of each line's text and the workers' start, about 0.3 s of CPU each, cost some 30% more CPU in all). Those
times, taken under load, predicted about 1.5× on two idle cores; this run gave ${results.get('verifyChainWorkers')?.speedup?.toFixed(2) ?? '?'}× (chain + schema). With enough cores
the main thread's share bounds it: ~3 µs a line, some 300,000 events/s; 500,000 events/s needs that share (reading,
chain, hand-over, bookkeeping) down to 2 µs. All checks, one generated school year (502,058 events, from the sources,
2026-11-27, load 5 to 7 on the 2 cores, the contenders interleaved in one process): the main thread's CPU time
was 8.5 to 9.5 s with 2 workers when it kept the domain replay (one thread: 10.5 to 15.5 s), and is 2.5 to 2.8 s
(about 5.3 µs a line) with the replay in the workers, the two workers about even (each stream's lines in one worker,
the streams dealt round robin); all threads together 17.9 to 19.1 s (19.4 to 21.6 s with the replay on the main
thread; one thread 13.1 to 18.6 s, GC threads included). On 2 cores the total CPU time divided by the cores bounds it
(about 1.5× predicted); with more cores the main thread's ~5 µs a line, some 190,000 events/s. Peak RSS of the
whole process, that school year: 519 to 528 MB with 2 workers (430 MB with the replay on the main thread, 162 MB on
one thread): each worker's heap now replays. This run: ${results.get('verifyAllWorkers')?.speedup?.toFixed(2) ?? '?'}×.
On one thread, verify now takes about 8% more CPU than before the workers came (1.08× on a one-school-year archive,
chain + schema, old and new code interleaved in one process, 2026-11-27): the check for repeated event ids (about 3%
in a profile) and the per-line verdicts that the split between threads brought.

Goals of issue 5, this run:

${goals.map((g) => `- ${g.name}: **${g.met ? 'met' : 'not met'}** (${g.actual})`).join('\n')}
`;
  writeBenchmarkSection('archive', section, 'postgres');
  log(section);
  log('written to docs/benchmarks.md');
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
