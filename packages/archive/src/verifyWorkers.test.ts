import * as fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymizer, verifyArchive, type Pseudonymizer, type VerifyOptions, type VerifyReport } from './index';
import { batchRequest, linesOfVerdicts, verdictsOfBatch } from './verifyBatch';
import { lineVerdict } from './verifyLine';
import { verifyPool } from './verifyPool';
import { journalRulesFromRuleSets, kazakhstanRuleSets, type LedgerEvent, type RecordedEvent } from '@grade-ledger/core';
import { arbClassHistory } from '@grade-ledger/testing';
import { archiveChange, fraction, piecesOf, renumbered, smallSchool, splitLines, textOf, withArchiveChange, type ArchiveChange } from './testSupport';

/*
 * The law of the parallel verify: with workers, the report is the one the single thread gives,
 * finding for finding (order, messages, caps), for any input.
 */

let archives: ReadonlyArray<Buffer>;
let dir: string;

beforeAll(async () => {
  const key = Buffer.from('0123456789abcdef0123456789abcdef');
  const [a, b] = [await smallSchool(7), await smallSchool(11)];
  archives = [
    Buffer.from(await textOf(a.store)),
    Buffer.from(await textOf(b.store)),
    Buffer.from(await textOf(b.store, pseudonymizer(key) as Pseudonymizer)),
    Buffer.from(await textOf(renumbered(classesTakingTurns((a.store as unknown as { allEvents: () => ReadonlyArray<RecordedEvent> }).allEvents(), 4)))),
  ];
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-verify-workers-'));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The school's history with its class stream copied `copies` times (copy k: stream and event ids
 * suffixed -ck), the classes taking turns every 30 events: an archive of several class streams
 * for the workers to share.
 */
const classesTakingTurns = (recorded: ReadonlyArray<RecordedEvent>, copies: number): ReadonlyArray<{ readonly streamId: string; readonly event: LedgerEvent }> => {
  const classes = recorded.filter((r) => r.streamId.startsWith('class-'));
  const others = recorded.filter((r) => !r.streamId.startsWith('class-'));
  const copy = (k: number) =>
    classes.map((r) => ({
      streamId: `${r.streamId}-c${k}`,
      event: JSON.parse(JSON.stringify(r.event).replace(/"(eventId|supersedesEventId)":"([^"]+)\.(\d+)"/g, `"$1":"$2-c${k}.$3"`)) as LedgerEvent,
    }));
  const streams = [classes.map((r) => ({ streamId: r.streamId, event: r.event })), ...Array.from({ length: copies }, (_, k) => copy(k + 1))];
  const out: Array<{ readonly streamId: string; readonly event: LedgerEvent }> = others.map((r) => ({ streamId: r.streamId, event: r.event }));
  for (let i = 0; i < classes.length; i += 30) for (const stream of streams) out.push(...stream.slice(i, i + 30));
  return out;
};

const NEWLINE = 0x0a;

type Change =
  | ArchiveChange
  | { readonly kind: 'everyDigest' }
  // Event ids: one line's made not <commandId>.<n>, or another line's (repeated); every one made odd (over a thousand domain findings).
  | { readonly kind: 'oddId' | 'repeatId'; readonly line: number; readonly from: number }
  | { readonly kind: 'everyId' }
  // Two events of a stream made one command's (<c>.0, <c>.1) with one event of another stream between them: on one thread, two groups.
  | { readonly kind: 'split'; readonly line: number }
  // A line's grade or mark set to another value (the domain and grade checks judge it).
  | { readonly kind: 'value'; readonly line: number; readonly value: string };

const change: fc.Arbitrary<Change> = fc.oneof(
  ...archiveChange,
  fc.constant({ kind: 'everyDigest' } as const),
  fc.record({ kind: fc.constantFrom('oddId' as const, 'repeatId' as const), line: fraction, from: fraction }),
  fc.constant({ kind: 'everyId' } as const),
  fc.record({ kind: fc.constant('split' as const), line: fraction }),
  fc.record({ kind: fc.constant('value' as const), line: fraction, value: fc.constantFrom('1', '5', '10', '"notAssessed"', 'null', '"pass"') }),
);

const EVENT_ID = /"eventId":"([^"\\]*)"/;
/** A line with its event id (the JSON string's content) replaced (the line stays canonical JSON; its digest no longer follows). */
const withEventId = (line: Buffer, id: (old: string) => string): Buffer => Buffer.from(line.toString('utf8').replace(EVENT_ID, (_, old: string) => `"eventId":"${id(old)}"`));

const changed = (archive: Buffer, c: Change): Buffer => {
  const lines = splitLines(archive);
  const pick = (f: number): number => Math.floor(f * lines.length);
  switch (c.kind) {
    case 'oddId':
    case 'repeatId': {
      const at = pick(c.line);
      const from = EVENT_ID.exec(lines[pick(c.from)]?.toString('utf8') ?? '')?.[1];
      lines[at] = withEventId(lines[at] as Buffer, (old) => (c.kind === 'oddId' ? `odd-${old}` : (from ?? old)));
      return Buffer.concat(lines);
    }
    case 'split': {
      const streamOf = (line: Buffer | undefined): unknown => {
        try {
          return (JSON.parse(line?.toString('utf8') ?? '') as { streamId?: unknown }).streamId;
        } catch {
          return undefined;
        }
      };
      const i = lines.findIndex((line, k) => k >= pick(c.line) && streamOf(line) !== undefined && streamOf(lines[k + 1]) !== undefined && streamOf(line) !== streamOf(lines[k + 1]));
      const j = i < 0 ? -1 : lines.findIndex((line, k) => k > i + 1 && streamOf(line) === streamOf(lines[i]));
      if (j < 0) return archive;
      // The second brought next to the other stream's event: in another worker's share, it alone comes between.
      const [second] = lines.splice(j, 1);
      lines.splice(i + 2, 0, withEventId(second as Buffer, () => `split-${i}.1`));
      lines[i] = withEventId(lines[i] as Buffer, () => `split-${i}.0`);
      return Buffer.concat(lines);
    }
    case 'everyId':
      return Buffer.concat(lines.map((line, i) => withEventId(line, () => `odd-${i}`)));
    case 'value': {
      const at = lines.findIndex((line, i) => i >= pick(c.line) && /"(grade|mark|points)":/.test(line.toString('utf8')));
      if (at < 0) return archive;
      lines[at] = Buffer.from((lines[at] as Buffer).toString('utf8').replace(/"(grade|mark|points)":("[^"]*"|[^,}]*)/, (_, key: string) => `"${key}":${c.value}`));
      return Buffer.concat(lines);
    }
    case 'everyDigest':
      // Every event line's digest wrong: over a thousand chain findings, where the archive has that many lines.
      return Buffer.concat(lines.map((line, i) => (i === 0 ? line : Buffer.concat([line.subarray(0, 11), Buffer.from(line[11] === 0x30 ? '1' : '0'), line.subarray(12)]))));
    default:
      return withArchiveChange(archive, c);
  }
};

const withoutWorkers = ({ workers: _workers, ...rest }: VerifyReport): Omit<VerifyReport, 'workers'> => rest;

describe('verify with workers', () => {
  it('gives exactly the single-threaded report for any archive, changed or not, cut in any pieces (property)', async () => {
    const input = fc.record({
      archive: fc.nat(),
      change,
      cuts: fc.array(fraction, { maxLength: 12 }),
      gzip: fc.boolean(),
      domain: fc.boolean(),
      grades: fc.boolean(),
      expectFinal: fc.boolean(),
      workers: fc.integer({ min: 1, max: 3 }),
      waitForWorkers: fc.boolean(),
      // Read once (a generator): the domain check stays on this thread; else it is sharded over the workers.
      oneShot: fc.boolean(),
      // Small batches: many in flight at once, over every worker, merged back in line order.
      batchBytes: fc.integer({ min: 1, max: 300_000 }),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ archive, change: c, cuts, gzip, domain, grades, expectFinal, workers, waitForWorkers, oneShot, batchBytes }) => {
        const original = archives[archive % archives.length] as Buffer;
        const pieces = piecesOf(changed(original, c), cuts, gzip);
        const manifest = JSON.parse(splitLines(original).at(-1)?.toString() ?? '{}') as { finalDigest: string };
        const options: VerifyOptions = { domain, grades, ...(expectFinal ? { expectDigest: manifest.finalDigest } : {}) };
        const one = await verifyArchive(pieces, options);
        const many = await verifyArchive(oneShot ? (function* () {
          yield* pieces;
        })() : pieces, { ...options, workers, waitForWorkers, workerBatchBytes: batchBytes });
        expect(one.workers).toBe(0);
        // Waiting for them, the workers did check the lines: no fallback made the law hold trivially.
        // Not waiting, the first batches are checked here while they start: both kinds in one report.
        if (waitForWorkers) expect(many.workers).toBe(workers);
        else expect(many.workers).toBeLessThanOrEqual(workers);
        expect(withoutWorkers(many)).toStrictEqual(withoutWorkers(one));
      }),
      { numRuns: 40 },
    );
  }, 240_000);

  it('gives the single-threaded report for random class histories taking turns, changed or not, domain and grades on (property)', async () => {
    const shipped = kazakhstanRuleSets();
    if (shipped._tag === 'Left') throw new Error(shipped.left.message);
    const history = arbClassHistory({ rules: journalRulesFromRuleSets(shipped.right), maxPupils: 4, maxSubjects: 3 });
    const input = fc.record({
      histories: fc.array(history, { minLength: 1, maxLength: 4 }),
      // How many events each class has in a turn (1: every line another class's).
      turn: fc.integer({ min: 1, max: 12 }),
      change,
      workers: fc.integer({ min: 1, max: 3 }),
      batchBytes: fc.integer({ min: 1, max: 20_000 }),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ histories, turn, change: c, workers, batchBytes }) => {
        // Each history its own stream, whatever its class id.
        const streams = histories.map((h, k) => h.events.map((event) => ({ streamId: `${h.streamId}-${k}`, event })));
        const events: Array<{ readonly streamId: string; readonly event: LedgerEvent }> = [];
        for (let i = 0; streams.some((s) => i < s.length); i += turn) for (const stream of streams) events.push(...stream.slice(i, i + turn));
        const archive = changed(Buffer.from(await textOf(renumbered(events))), c);
        const one = await verifyArchive([archive]);
        const many = await verifyArchive([archive], { workers, waitForWorkers: true, workerBatchBytes: batchBytes });
        expect(many.workers).toBe(workers);
        expect(withoutWorkers(many)).toStrictEqual(withoutWorkers(one));
      }),
      { numRuns: 20 },
    );
  }, 240_000);

  it('shards the domain and grade checks over the workers: the same report, over a thousand domain findings cut as on one thread, grade differences in order', async () => {
    const original = archives[3] as Buffer;
    for (const c of [{ kind: 'none' }, { kind: 'everyId' }, { kind: 'move', line: 0.3, to: 0.6 }, { kind: 'split', line: 0.4 }] as const) {
      const bytes = changed(original, c);
      const one = await verifyArchive([bytes]);
      for (const workers of [1, 2, 3]) {
        const many = await verifyArchive([bytes], { workers, waitForWorkers: true, workerBatchBytes: 20_000 });
        expect(many.workers).toBe(workers);
        expect(withoutWorkers(many)).toStrictEqual(withoutWorkers(one));
      }
      expect(one.checks.domain && one.checks.grades).toBe(true);
      expect(one.events).toBeGreaterThan(1_000);
      if (c.kind === 'none') {
        expect(one.domainEvents.checked).toBe(one.events);
        expect(one.gradeDifferences.length).toBeGreaterThan(0);
      }
      // The second event of the split command is not grouped with the first (another class's event came between).
      if (c.kind === 'split') expect(one.findings.some((f) => f.check === 'domain' && f.message.includes('whose earlier events are not before it'))).toBe(true);
      if (c.kind === 'everyId') {
        expect(one.findings.filter((f) => f.check === 'domain')).toHaveLength(1_000);
        expect(one.omittedFindings).toBeGreaterThan(0);
      }
    }
  }, 120_000);

  it('carries to its stream’s worker the event of a line whose stream id the main thread cannot read from its raw bytes (escaped in the JSON)', async () => {
    const recorded = (await smallSchool(7)).store as unknown as { allEvents: () => ReadonlyArray<RecordedEvent> };
    // One class's stream id written with escapes in canonical JSON (a quote, a backslash), another's with a letter beyond ASCII.
    const events = classesTakingTurns(recorded.allEvents(), 3).map((r) =>
      r.streamId.endsWith('-c1') ? { ...r, streamId: `${r.streamId}"\\q` } : r.streamId.endsWith('-c2') ? { ...r, streamId: `${r.streamId}-é` } : r,
    );
    const bytes = Buffer.from(await textOf(renumbered(events)));
    expect(bytes.toString('utf8')).toContain('-c1\\"\\\\q"');
    const one = await verifyArchive([bytes]);
    expect(one.domainEvents.checked).toBe(one.events);
    for (const workers of [2, 3]) {
      const many = await verifyArchive([bytes], { workers, waitForWorkers: true, workerBatchBytes: 30_000 });
      expect(many.workers).toBe(workers);
      expect(withoutWorkers(many)).toStrictEqual(withoutWorkers(one));
    }
  }, 60_000);

  it('collects the stream ids with workers too, and stays on one thread for onEvent', async () => {
    const archive = archives[0] as Buffer;
    const [one, many] = [new Set<string>(), new Set<string>()];
    await verifyArchive([archive], { domain: false, streamIds: one });
    expect((await verifyArchive([archive], { domain: false, streamIds: many, workers: 2, waitForWorkers: true })).workers).toBe(2);
    expect([...many]).toEqual([...one]);
    expect(one.size).toBeGreaterThan(0);
    let seen = 0;
    const report = await verifyArchive([archive], { domain: false, workers: 2, onEvent: () => (seen += 1) });
    expect(report.workers).toBe(0);
    expect(seen).toBe(report.events);
  }, 60_000);

  it('rejects the batches of workers that stop midway, and sends none to workers that stopped or could not start', async () => {
    const broken = join(dir, 'broken.mjs');
    await writeFile(broken, 'this is not JavaScript');
    const quitter = join(dir, 'quitter.mjs');
    await writeFile(quitter, "import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(3)); parentPort.postMessage({ ready: true });");
    const line = { lineNumber: 2, bytes: splitLines(archives[1] as Buffer)[1] as Buffer, unterminated: false };
    for (const entry of [broken, quitter, join(dir, 'missing.mjs')]) {
      const pool = verifyPool(2, entry);
      try {
        await pool.started(60_000);
        if (entry === quitter) {
          await expect(pool.check(() => batchRequest(0, [line], false))).rejects.toThrow();
          await expect(pool.check(() => batchRequest(1, [line], false))).rejects.toThrow();
        }
        expect(pool.running()).toBe(0);
        expect(pool.check(() => batchRequest(2, [line], false))).toBeUndefined();
      } finally {
        await pool.close();
      }
    }
  }, 60_000);

  it('takes a count beyond reason (NaN, negative, infinite) as none or at most 64, and never throws', async () => {
    const archive = archives[0] as Buffer;
    const expected = withoutWorkers(await verifyArchive([archive], { domain: false }));
    for (const workers of [Number.NaN, -3, 0.5]) {
      const report = await verifyArchive([archive], { domain: false, workers });
      expect(report.workers).toBe(0);
      expect(withoutWorkers(report)).toStrictEqual(expected);
    }
    const many = await verifyArchive([archive], { domain: false, workers: Number.POSITIVE_INFINITY });
    expect(many.workers).toBeLessThanOrEqual(64);
    expect(withoutWorkers(many)).toStrictEqual(expected);
  }, 120_000);

  it('does not wait for a worker that never starts, nor longer than asked with waitForWorkers', async () => {
    const silent = join(dir, 'silent.mjs');
    await writeFile(silent, 'setInterval(() => {}, 1000);');
    const pool = verifyPool(1, silent);
    try {
      const line = { lineNumber: 2, bytes: splitLines(archives[0] as Buffer)[1] as Buffer, unterminated: false };
      expect(pool.check(() => batchRequest(0, [line], false))).toBeUndefined();
      const began = Date.now();
      await pool.started(200);
      expect(Date.now() - began).toBeLessThan(5_000);
      expect(pool.running()).toBe(0);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('sends a batch of lines over and back without changing a verdict', () => {
    const lines = splitLines(archives[2] as Buffer).slice(1);
    const garbage = [Buffer.from('{"kind":"header"}'), Buffer.from([0xff, 0xfe]), Buffer.from('[1]'), Buffer.from('{"event":{},"position":-1}')];
    const all = [...lines.slice(0, 50), ...garbage, ...lines.slice(-1)].map((bytes, i) => ({ lineNumber: i + 2, bytes: bytes.at(-1) === NEWLINE ? bytes.subarray(0, -1) : bytes, unterminated: false }));
    for (const keepEvents of [false, true]) {
      const verdicts = linesOfVerdicts(structuredClone(verdictsOfBatch(batchRequest(0, all, keepEvents))));
      const here = all.map((l) => lineVerdict(l.bytes, l.lineNumber, l.unterminated, keepEvents));
      expect(verdicts).toStrictEqual(here.map((v) => (v.kind === 'event' ? { ...v, parsedEvent: undefined } : v)));
    }
  });
});
