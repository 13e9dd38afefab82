/**
 * What an archive replay's memory is made of (`pnpm --filter @grade-ledger/bench bench:memory`:
 * the generated school's 2024-2025; `--years N` for the N school years up to that one; `--full`
 * for the whole generated school, 2018-2025; `--archive PATH` for an archive file of your own;
 * `--no-snapshot` to skip the breakdown of the state, which on the whole school takes minutes;
 * `--seal-blocks` to replay with `sealBlocks: true`, marks, grades and attendance kept in sealed blocks: see `sealColumns`).
 *
 * The generated school's archive is written to a temporary file, then replayed in a child process
 * (node --expose-gc, the same flags as this process) the way the archive benchmark does it:
 * `readArchive` (chain + schema) folded into `schoolProjections`. The child reports:
 *
 * - the process before the replay (after a full GC): its RSS (Node, V8 and the loaded code) and heap;
 * - the peaks while replaying, sampled every 1,024 events: RSS, V8 heap used and committed (the
 *   young generation's semi-spaces and the old generation's pages), ArrayBuffers (read chunks);
 * - the state retained after the replay (heap used and ArrayBuffers after a full GC, above the
 *   start: sealed blocks are bytes outside the heap), the blocks sealed and unsealed, and, from a
 *   heap snapshot, what it holds by component of `SchoolLedgerState` (each object counted once,
 *   under the first path a breadth-first walk from the state reaches it by).
 *
 * Nothing is written to docs/: docs/replay.md explains the figures (and gives those of the run it quotes).
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import * as E from 'fp-ts/Either';
import { ATTENDANCE_SLOTS, ENTRIES_PER_ATTENDANCE_CHUNK, GRADE_SLOTS, LESSON_SLOTS, MARK_SLOTS, MARKS_PER_CHUNK, schoolProjections, sealedBytesByKind, type SchoolLedgerState } from '@grade-ledger/core';
import { archiveBytes, fileSource, readArchive, writeTextFile } from '@grade-ledger/archive';
import { generateSchoolWorkload } from '@grade-ledger/testing/workload';
import { childScript, gc, int, machine, runChild, shippedRuleSets } from './common';

const MB = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/** Components of the state, by the path a walk from it reaches them by (`[]`: an element or entry). */
const COMPONENTS: ReadonlyArray<readonly [string, string]> = [
  // Marks, absences, grades, lessons and moments are blocks of the same arenas (see `slotBlock`):
  // one component, split by kind from the counts below (`slotsByKind`).
  ['slot arenas (marks, absences, grades, lessons, moments)', 'tables.arenas'],
  ['sealed blocks of marks (bytes and bases)', 'tables.sealed'],
  ['lesson indexes (built by queries)', 'classList.[].subjects.table.[].lessonIndex'],
  ['pupil records (exemptions, grades)', 'classList.[].subjects.table.[].pupils'],
  ['summatives', 'classList.[].subjects.table.[].summatives'],
  ["marks' changes (by mark)", 'classList.[].subjects.table.[].markChanges'],
  ["marks' reasons, overflow", 'classList.[].subjects.table.[].mark'],
  ['audit: changes to marks and absences', 'audit.changes'],
  ['audit: plan changes', 'audit.planChanges'],
  ['audit: grade notes, actors, counts', 'audit'],
  ['tables: moments (instants)', 'tables.moments'],
  ['tables: values, ids, instants as text', 'tables'],
  ["classes' caches (value numbers per class)", 'classList.[].caches'],
  ['stays (who sat in which class)', 'classList.[].pupils'],
  ['classes, subjects, calendars', 'classList'],
  ['classes of each pupil', 'classesOfPupil'],
];

type Breakdown = ReadonlyArray<{ readonly component: string; readonly bytes: number; readonly objects: number }>;

/** The heap snapshot's objects reachable from `globalThis.__ledgerState`, by component (see COMPONENTS). */
const breakdownOf = (snapshotText: string): { readonly heap: number; readonly state: number; readonly components: Breakdown } => {
  const snapshot = JSON.parse(snapshotText) as {
    snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const { meta } = snapshot.snapshot;
  const NF = meta.node_fields.length;
  const EF = meta.edge_fields.length;
  const [nodeTypes] = meta.node_types;
  const [edgeTypes] = meta.edge_types;
  const typeAt = meta.node_fields.indexOf('type');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const edgeCountAt = meta.node_fields.indexOf('edge_count');
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index');
  const edgeToAt = meta.edge_fields.indexOf('to_node');
  const { nodes, edges, strings } = snapshot;
  const count = nodes.length / NF;
  const firstEdge = new Float64Array(count + 1);
  let heap = 0;
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += (nodes[i * NF + edgeCountAt] as number) * EF;
    heap += nodes[i * NF + sizeAt] as number;
  }
  firstEdge[count] = edges.length;
  const nameOf = (e: number): string => (edgeTypes[edges[e + edgeTypeAt] as number] === 'element' ? '[]' : String(strings[edges[e + edgeNameAt] as number] ?? edges[e + edgeNameAt]));
  let root = -1;
  for (let i = 0; i < count && root < 0; i++)
    for (let e = firstEdge[i] as number; e < (firstEdge[i + 1] as number); e += EF)
      if (edgeTypes[edges[e + edgeTypeAt] as number] === 'property' && strings[edges[e + edgeNameAt] as number] === '__ledgerState') root = (edges[e + edgeToAt] as number) / NF;
  if (root < 0) throw new Error('the state is not in the snapshot');
  const seen = new Uint8Array(count);
  const sizes = new Map<string, { bytes: number; objects: number }>();
  const queue: Array<readonly [number, string]> = [[root, '']];
  seen[root] = 1;
  let state = 0;
  for (let head = 0; head < queue.length; head++) {
    const [node, path] = queue[head] as readonly [number, string];
    const size = nodes[node * NF + sizeAt] as number;
    state += size;
    const component = COMPONENTS.find(([, prefix]) => path.startsWith(prefix))?.[0] ?? 'other';
    const entry = sizes.get(component) ?? { bytes: 0, objects: 0 };
    entry.bytes += size;
    entry.objects += 1;
    sizes.set(component, entry);
    for (let e = firstEdge[node] as number; e < (firstEdge[node + 1] as number); e += EF) {
      const to = (edges[e + edgeToAt] as number) / NF;
      const edgeType = edgeTypes[edges[e + edgeTypeAt] as number];
      if (seen[to] === 1 || edgeType === 'weak' || edgeType === 'shortcut') continue;
      const toType = nodeTypes[nodes[to * NF + typeAt] as number];
      // Code, closures and V8's hidden classes are the program's, not the state's.
      if (toType === 'code' || toType === 'closure' || toType === 'object shape') continue;
      let name = nameOf(e);
      if (name === 'map' || name === '__proto__' || name === 'constructor') continue;
      if (/^\d+$/.test(name) || edgeType === 'hidden') name = '[]';
      // The fold's one-entry caches (lastClass...) reach what the classes hold: walked last, through them.
      if (node === root && name.startsWith('last')) continue;
      seen[to] = 1;
      queue.push([to, path === '' ? name : `${path}.${name}`]);
    }
  }
  const components = [...sizes.entries()].map(([component, { bytes, objects }]) => ({ component, bytes, objects })).sort((a, b) => b.bytes - a.bytes);
  return { heap, state, components };
};

type Sample = { rss: number; heapUsed: number; heapTotal: number; arrayBuffers: number; newSpace: number; oldSpace: number };

const sampleNow = (): Sample => {
  const m = process.memoryUsage();
  const spaces = v8.getHeapSpaceStatistics();
  const space = (name: string): number => spaces.find((s) => s.space_name === name)?.space_size ?? 0;
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, arrayBuffers: m.arrayBuffers, newSpace: space('new_space'), oldSpace: space('old_space') };
};

/**
 * Bytes of slots each kind fills in the arenas (8 bytes a slot; blocks are filled from the start,
 * the last of each partly); marks in sealed blocks (see `sealColumns`) at their sealed size: the
 * slabs' bytes used (typed arrays, outside V8's heap) and each block's place and bases (doubles).
 */
const slotsByKind = (state: SchoolLedgerState): ReadonlyArray<readonly [string, number]> => {
  let marks = 0;
  let sealedMarks = 0;
  const sealed = sealedBytesByKind(state);
  const sealedGrades = state.audit.grades.filter((k) => k < 0).length * MARKS_PER_CHUNK;
  for (const cls of state.classList)
    for (const subject of cls.subjects.values())
      for (let b = 0; b < subject.marks.length; b++) if ((subject.marks[b] as number) < 0) sealedMarks += Math.min(MARKS_PER_CHUNK, subject.recordedMarks - b * MARKS_PER_CHUNK);
  let sealedAttendance = 0;
  for (const cls of state.classList)
    for (const subject of cls.subjects.values())
      for (let b = 0; b < subject.attendance.length; b++)
        if ((subject.attendance[b] as number) < 0) sealedAttendance += Math.min(ENTRIES_PER_ATTENDANCE_CHUNK, subject.attendanceCount - b * ENTRIES_PER_ATTENDANCE_CHUNK);
  let attendance = 0;
  let lessons = 0;
  for (const cls of state.classList)
    for (const subject of cls.subjects.values()) {
      marks += subject.recordedMarks;
      attendance += subject.attendanceCount;
      lessons += subject.lessonCount;
    }
  return [
    [`marks (${int(marks)}: ${int(marks - sealedMarks)} × ${MARK_SLOTS} slots, ${int(sealedMarks)} sealed in ${MB(sealed.marks)} MB)`, (marks - sealedMarks) * MARK_SLOTS * 8 + sealed.marks],
    [
      `grades (${int(state.audit.gradeCount)}: ${int(state.audit.gradeCount - sealedGrades)} × ${GRADE_SLOTS} slots, ${int(sealedGrades)} sealed in ${MB(sealed.grades)} MB)`,
      (state.audit.gradeCount - sealedGrades) * GRADE_SLOTS * 8 + sealed.grades,
    ],
    [
      `absences and lates (${int(attendance)}: ${int(attendance - sealedAttendance)} × ${ATTENDANCE_SLOTS} slots, ${int(sealedAttendance)} sealed in ${MB(sealed.attendance)} MB)`,
      (attendance - sealedAttendance) * ATTENDANCE_SLOTS * 8 + sealed.attendance,
    ],
    [`lessons (${int(lessons)} × ${LESSON_SLOTS} slots)`, lessons * LESSON_SLOTS * 8],
    [`moments (${int(state.tables.momentCount)} × 2 slots)`, state.tables.momentCount * 2 * 8],
  ];
};

type ChildResult = {
  readonly events: number;
  readonly seconds: number;
  readonly start: Sample;
  readonly peak: Sample;
  readonly retained: Sample;
  readonly breakdown: ReturnType<typeof breakdownOf> | null;
  readonly slots: ReturnType<typeof slotsByKind>;
  readonly seals: { readonly sealed: number; readonly unsealed: number; readonly holesReused: number; readonly gradesSealed: number; readonly attendanceSealed: number; readonly attendanceUnsealed: number };
  readonly arenas: number;
};

const child = async (path: string, snapshot: boolean, seal: boolean): Promise<ChildResult> => {
  gc();
  const start = sampleNow();
  const peak = { ...start };
  const sample = (): void => {
    const now = sampleNow();
    for (const key of Object.keys(now) as Array<keyof Sample>) if (now[key] > peak[key]) peak[key] = now[key];
  };
  const began = performance.now();
  const reading = readArchive(fileSource(path)());
  const projections = schoolProjections({ ruleSets: shippedRuleSets, sealBlocks: seal });
  let events = 0;
  for await (const recorded of reading.events) {
    projections.apply(recorded);
    if ((++events & 1023) === 0) sample();
  }
  sample();
  const seconds = (performance.now() - began) / 1000;
  const result = await reading.result;
  if (E.isLeft(result)) throw new Error(result.left.message);
  gc();
  const retained = sampleNow();
  let breakdown: ChildResult['breakdown'] = null;
  if (snapshot) {
    (globalThis as { __ledgerState?: SchoolLedgerState }).__ledgerState = projections.state;
    const file = v8.writeHeapSnapshot(join(tmpdir(), `grade-ledger-memory-${process.pid}.heapsnapshot`));
    try {
      breakdown = breakdownOf(readFileSync(file, 'utf8'));
    } finally {
      rmSync(file, { force: true });
    }
  }
  const { tables } = projections.state;
  return { events, seconds, start, peak, retained, breakdown, slots: slotsByKind(projections.state), seals: { ...tables.sealCounts }, arenas: tables.arenas.length };
};

const runReplayChild = (path: string, snapshot: boolean, seal: boolean): Promise<ChildResult> =>
  runChild<ChildResult>(['--expose-gc', '--max-old-space-size=16384', childScript(import.meta.url), '--child', path, snapshot ? 'snapshot' : 'none', seal ? 'seal' : 'no-seal'], 'the replay child');

const main = async (): Promise<void> => {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    console.log(`RESULT ${JSON.stringify(await child(argv[1] ?? '', argv[2] === 'snapshot', argv[3] === 'seal'))}`);
    return;
  }
  const given = argv.includes('--archive') ? argv[argv.indexOf('--archive') + 1] : undefined;
  const years = argv.includes('--years') ? Number(argv[argv.indexOf('--years') + 1]) : 1;
  const full = argv.includes('--full');
  const snapshot = !argv.includes('--no-snapshot');
  const seal = argv.includes('--seal-blocks');
  const path = given ?? join(tmpdir(), `grade-ledger-memory-${process.pid}.jsonl`);
  const log = (line: string): void => console.log(line);
  log(`archive replay memory: ${machine()}`);
  try {
    if (given === undefined) {
      const workload = full ? { seed: 2018, since: 2018, until: 2025 } : { seed: 2018, since: 2025 - years, until: 2024 };
      log(`writing generateSchoolWorkload(${JSON.stringify(workload)}) to ${path} ...`);
      const lines = archiveBytes(generateSchoolWorkload(workload), { pseudonymizer: null });
      await writeTextFile(path, lines.chunks);
      const written = await lines.result;
      if (E.isLeft(written)) throw new Error(written.left.message);
    }
    const r = await runReplayChild(path, snapshot, seal);
    log(`${int(r.events)} events replayed in ${r.seconds.toFixed(1)} s (${int(r.events / r.seconds)} events/s)`);
    log('');
    log('| | RSS | V8 heap used | V8 heap committed | young generation (committed) | old generation (committed) | ArrayBuffers |');
    log('|---|---:|---:|---:|---:|---:|---:|');
    for (const [label, s] of [['before the replay (code loaded, after a full GC)', r.start], ['peak while replaying (sampled)', r.peak], ['after the replay and a full GC', r.retained]] as const)
      log(`| ${label} | ${MB(s.rss)} MB | ${MB(s.heapUsed)} MB | ${MB(s.heapTotal)} MB | ${MB(s.newSpace)} MB | ${MB(s.oldSpace)} MB | ${MB(s.arrayBuffers)} MB |`);
    log('');
    log(`State retained (heap used and ArrayBuffers after the replay above before): ${MB(r.retained.heapUsed + r.retained.arrayBuffers - r.start.heapUsed - r.start.arrayBuffers)} MB (${MB(r.retained.arrayBuffers - r.start.arrayBuffers)} MB of it ArrayBuffers: sealed marks, grades and attendance); transient at the peak (peak heap used above retained): ${MB(r.peak.heapUsed - r.retained.heapUsed)} MB.`);
    if (r.breakdown !== null) {
      log('');
      log(`Heap snapshot: ${MB(r.breakdown.heap)} MB in all, ${MB(r.breakdown.state)} MB reachable from the state:`);
      log('');
      log('| component | MB | objects |');
      log('|---|---:|---:|');
      for (const c of r.breakdown.components) log(`| ${c.component} | ${MB(c.bytes)} | ${int(c.objects)} |`);
    }
    log('');
    log(`Blocks of marks sealed: ${int(r.seals.sealed)}, unsealed again by a change: ${int(r.seals.unsealed)}; blocks cut from holes: ${int(r.seals.holesReused)}; blocks of grades sealed: ${int(r.seals.gradesSealed)}; blocks of attendance sealed: ${int(r.seals.attendanceSealed)}, unsealed again by a correction: ${int(r.seals.attendanceUnsealed)}; arenas: ${int(r.arenas)}.`);
    log(`The arenas' slots by kind (filled slots; the rest of each kind's last block and of the last arena is room): ${r.slots.map(([kind, bytes]) => `${kind} ${MB(bytes)} MB`).join(', ')}.`);
  } finally {
    if (given === undefined) rmSync(path, { force: true });
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
