/**
 * The archive benchmark (`pnpm bench` at the root, after the replay benchmark; `--quick` for one
 * school year with one class per grade level; by default one school year; `--full` for the whole
 * generated school since 2018).
 *
 * One archive file is written and then read by every contender, each in its own child process
 * (node --expose-gc), so that each one's peak memory is its own:
 *
 * - export: the workload generated into an array (untimed), then `archiveLines` → `writeTextFile`
 *   (the CLI's path): events → canonical JSON lines → hash chain → file on disk;
 * - verify, chain + schema: `verifyArchive(file, { domain: false })`;
 * - verify, all checks: `verifyArchive(file)` (also the domain replay through the deciders and the grades);
 * - archive replay: `readArchive(file)` (chain + schema) folded into `schoolProjections` (what `replayEvents` does);
 * - bare limit: node:readline over the same file, `JSON.parse` of each line, nothing else (the
 *   ratios and goals are against it); and the same floor without readline (1 MiB chunks split at
 *   "\n" by hand, as the archive reader does), shown for comparison.
 *
 * Every contender runs on one thread.
 *
 * Peak RSS is the process's high-water mark (`process.resourceUsage().maxRSS`); peak heap is
 * sampled (V8 heap used) while the contender runs. The table goes into docs/benchmarks.md
 * between the bench:archive markers.
 */
import { spawn } from 'node:child_process';
import { createReadStream, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as E from 'fp-ts/Either';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { schoolProjections, type RecordedEvent } from '@grade-ledger/core';
import { gc, int, machine, mb, shippedRuleSets, writeBenchmarkSection } from './common';
import { generateSchoolWorkload, type WorkloadOptions } from '@grade-ledger/testing/workload';
import { archiveLines, fileSource, readArchive, verifyArchive, writeTextFile } from '@grade-ledger/archive';



type Task = 'export' | 'verifyChain' | 'verifyAll' | 'replay' | 'bare' | 'bareBuffers';

type TaskResult = {
  readonly task: Task;
  readonly events: number;
  readonly bytes: number;
  readonly seconds: number;
  /** V8 heap used, sampled, above the baseline taken before the contender (after a full GC). */
  readonly peakHeap: number;
  readonly baselineHeap: number;
  readonly peakRss: number;
  readonly generationSeconds: number;
  readonly ok: boolean;
  readonly note: string;
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

const runTask = async (task: Task, path: string, workload: WorkloadOptions): Promise<TaskResult> => {
  let events: RecordedEvent[] = [];
  let generationSeconds = 0;
  if (task === 'export') {
    const started = performance.now();
    events = [...generateSchoolWorkload(workload)];
    generationSeconds = (performance.now() - started) / 1000;
  }
  gc();
  const baselineHeap = process.memoryUsage().heapUsed;
  const sampler = heapSampler();
  const started = performance.now();
  let count = 0;
  let ok = true;
  let note = '';
  switch (task) {
    case 'export': {
      const lines = archiveLines(events, { pseudonymizer: null });
      await writeTextFile(path, lines.chunks);
      const result = await lines.result;
      if (E.isLeft(result)) throw new Error(result.left.message);
      count = result.right.eventCount;
      note = result.right.finalDigest;
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
    case 'replay': {
      const reading = readArchive(fileSource(path)());
      const projections = schoolProjections({ ruleSets: shippedRuleSets });
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
      const lines = createInterface({ input: createReadStream(path, { highWaterMark: 1024 * 1024 }), crlfDelay: Infinity });
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
      // The same floor without readline: 1 MiB chunks split at "\n" by hand, each line decoded and parsed.
      let kinds = 0;
      let carry: Buffer = Buffer.alloc(0);
      const parseLine = (bytes: Buffer): void => {
        const parsed = JSON.parse(bytes.toString('utf8')) as { kind?: string };
        if (parsed.kind === undefined) count += 1;
        else kinds += 1;
      };
      for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
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
  const seconds = (performance.now() - started) / 1000;
  const peakHeap = sampler.stop() - baselineHeap;
  if (events.length < 0) console.log('impossible');
  const peakRss = process.resourceUsage().maxRSS * 1024;
  return { task, events: count, bytes: statSync(path).size, seconds, peakHeap, baselineHeap, peakRss, generationSeconds, ok, note };
};

const spawnChild = (task: Task, path: string, workload: WorkloadOptions): Promise<TaskResult> =>
  new Promise((resolvePromise, reject) => {
    const args = [...process.execArgv, '--expose-gc', '--max-old-space-size=16384', fileURLToPath(import.meta.url), '--child', task, path, JSON.stringify(workload)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`${task} child exited ${code}: ${out.slice(-2000)}`));
      else resolvePromise(JSON.parse(line.slice('RESULT '.length)) as TaskResult);
    });
  });

// --- the parent: run, report, write the docs -------------------------------------------------




const LABELS: Record<Task, string> = {
  export: 'export (events in memory → archive file)',
  verifyChain: 'verify: chain + format + schema',
  verifyAll: 'verify: all checks (+ domain + grades)',
  replay: 'archive replay: readArchive → schoolProjections',
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

  const results = new Map<Task, TaskResult>();
  try {
    for (const task of ['export', 'bare', 'bareBuffers', 'verifyChain', 'verifyAll', 'replay'] as const) {
      log(`- ${LABELS[task]} ...`);
      const result = await spawnChild(task, path, workload);
      log(`  ${int(result.events)} events in ${result.seconds.toFixed(2)} s (${int(result.events / result.seconds)} events/s), peak heap +${mb(result.peakHeap)}, peak RSS ${mb(result.peakRss)}${result.ok ? '' : `; NOT OK: ${result.note}`}`);
      results.set(task, result);
    }
  } finally {
    rmSync(path, { force: true });
  }

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
      `| ${LABELS[r.task]} | ${int(r.events / r.seconds)} | ${((r.bytes / 1024 / 1024) / r.seconds).toFixed(0)} | ${r.seconds.toFixed(2)} s | ${(r.events / r.seconds / bare).toFixed(2)}× | ${mb(r.peakHeap)} | ${mb(r.peakRss)} |${r.ok ? '' : ` **failed**: ${r.note}`}`,
  );
  const peakStreamed = Math.max(...(['verifyChain', 'verifyAll', 'replay'] as const).map((t) => results.get(t)?.peakRss ?? Number.POSITIVE_INFINITY));
  const goals = [
    { name: 'export ≥ 1,000,000 events/s', met: rate('export') >= 1_000_000, actual: `${int(rate('export'))} events/s` },
    { name: 'verify ≥ 500,000 events/s (chain + schema)', met: rate('verifyChain') >= 500_000, actual: `${int(rate('verifyChain'))} events/s` },
    { name: 'verify ≥ 500,000 events/s (all checks)', met: rate('verifyAll') >= 500_000, actual: `${int(rate('verifyAll'))} events/s` },
    { name: 'archive replay ≥ ½ the bare parse speed', met: rate('replay') >= bare / 2, actual: `${(rate('replay') / bare).toFixed(2)}× bare` },
    {
      name: `memory under 256 MB for the whole school (peak RSS of verify and replay${full ? ', the whole school' : ', on this reduced workload: the whole school only with \`--full\`'})`,
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
which for export includes the generated events held in memory.

| contender | events/s | MB/s | time | vs bare limit | peak heap | peak RSS | |
|---|---:|---:|---:|---:|---:|---:|---|
${rows.join('\n')}

What is measured:
- *export*: \`archiveLines(events, { pseudonymizer: null })\` piped to \`writeTextFile\` (as \`grade-ledger export\` does):
  canonical JSON of each event, the SHA-256 chain, the manifest, written to disk.
- *verify*: \`verifyArchive(fileSource(path)(), …)\`: chain, UTF-8, JSON, canonical form, order, every
  event's schema (\`decodeEvent\`) and the manifest; *all checks* adds the domain replay through the
  deciders and the recomputation of every finalized grade.
- *archive replay*: \`readArchive\` (chain + schema) with every event applied to \`schoolProjections({ ruleSets })\`.
- *bare limit*: \`readline\` over the same file and \`JSON.parse\` of each line: the floor of any reader of the file
  (the ratios and the goals are against it). *bare, without readline*: the same with 1 MiB chunks split at \`\\n\` by
  hand (what the archive reader does), a lower floor, shown for comparison.
- Every contender runs on one thread (no worker threads).

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
