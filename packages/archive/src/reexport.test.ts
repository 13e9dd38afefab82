import * as E from 'fp-ts/Either';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@grade-ledger/core';
import { archiveBytes, archiveBytesOfArchive, archiveEventSource, canonicalJsonUnsafe, chainDigest, genesisDigest, pseudonymizer, type Pseudonymizer } from './index';
import { archiveChange, drained, fraction, piecesOf, renumbered, smallSchool, splitLines, textOf, withArchiveChange, type ArchiveChange } from './testSupport';

/*
 * The law of the parallel re-export: archiveBytesOfArchive gives the bytes and the result of
 * archiveBytes(archiveEventSource(...)) on one thread, for any input: a sound archive, or one
 * changed, cut or damaged anywhere (the same Left, naming the same line).
 */

let archives: ReadonlyArray<Buffer>;
const KEY = Buffer.from('0123456789abcdef0123456789abcdef');

beforeAll(async () => {
  const [a, b] = [await smallSchool(7), await smallSchool(11)];
  const events = (a.store as unknown as { allEvents: () => ReadonlyArray<RecordedEvent> }).allEvents().map((r) => ({ streamId: r.streamId, event: r.event }));
  archives = [
    Buffer.from(await textOf(a.store)),
    Buffer.from(await textOf(b.store, pseudonymizer(KEY) as Pseudonymizer)),
    // The history three times over (over 3,000 events): more than one of archiveEventSource's pages of 2,000.
    Buffer.from(await textOf(renumbered([...events, ...events, ...events]))),
  ];
}, 60_000);

const NEWLINE = 0x0a;

const PREFIX = '{"digest":"';
const PREFIX_LENGTH = PREFIX.length + 64 + 2;

/** Every chained line's digest made to follow again (up to a line that is not chained form): a change the chain does not show, left to the other checks. */
const rechained = (bytes: Buffer): Buffer => {
  const lines = splitLines(bytes);
  if (lines.length === 0) return bytes;
  const first = lines[0] as Buffer;
  let previous = genesisDigest(first.at(-1) === NEWLINE ? first.subarray(0, -1) : first);
  return Buffer.concat(
    lines.map((line, i) => {
      if (i === 0) return line;
      const body = line.at(-1) === NEWLINE ? line.subarray(0, -1) : line;
      if (body.length <= PREFIX_LENGTH || body.toString('latin1', 0, PREFIX.length) !== PREFIX) return line;
      const digest = chainDigest(previous, Buffer.concat([Buffer.from('{'), body.subarray(PREFIX_LENGTH)]));
      previous = digest;
      return Buffer.concat([Buffer.from(`${PREFIX}${digest.toString('hex')}",`), line.subarray(PREFIX_LENGTH)]);
    }),
  );
};

type Change =
  | ArchiveChange
  // A member of an event line set to another value (its line in canonical form again).
  | { readonly kind: 'member'; readonly line: number; readonly member: 'position' | 'streamId' | 'streamRevision' | 'event'; readonly value: unknown };

const change: fc.Arbitrary<Change> = fc.oneof(
  ...archiveChange,
  fc.oneof(
    fc.record({ kind: fc.constant('member' as const), line: fraction, member: fc.constant('position' as const), value: fc.constantFrom(0, -1, 1.5, 'x', null, 2 ** 60, 1) }),
    fc.record({ kind: fc.constant('member' as const), line: fraction, member: fc.constant('streamId' as const), value: fc.constantFrom(5, null, '', 'person-p-1', 'class-x') }),
    fc.record({ kind: fc.constant('member' as const), line: fraction, member: fc.constant('streamRevision' as const), value: fc.constantFrom(-1, '0', 2.5, 0, 7) }),
    fc.record({ kind: fc.constant('member' as const), line: fraction, member: fc.constant('event' as const), value: fc.constantFrom(null, {}, { type: 'MarkRecorded' }) }),
  ),
);

const changed = (archive: Buffer, c: Change): Buffer => {
  if (c.kind !== 'member') return withArchiveChange(archive, c);
  // An event line (not the header, not the manifest).
  const lines = splitLines(archive);
  const at = Math.min(Math.max(1, Math.floor(c.line * lines.length)), lines.length - 2);
  const parsed = JSON.parse((lines[at] as Buffer).toString('utf8')) as Record<string, unknown>;
  lines[at] = Buffer.from(`${canonicalJsonUnsafe({ ...parsed, [c.member]: c.value })}\n`);
  return Buffer.concat(lines);
};

/** A pseudonymizer not made by `pseudonymizer(key)`: no worker can make it again. */
const byHand = (made: Pseudonymizer): Pseudonymizer => ({ description: made.description, pseudonym: made.pseudonym, recorded: made.recorded });

describe('re-export with workers (archiveBytesOfArchive)', () => {
  it('gives the bytes and the result of archiveBytes over archiveEventSource, for any archive, changed, rechained, cut, in any pieces (property)', async () => {
    const input = fc.record({
      archive: fc.nat(),
      change,
      // The digests made to follow again after the change: then the writer's checks (order, revisions) and the schema meet it.
      rechain: fc.boolean(),
      cuts: fc.array(fraction, { maxLength: 8 }),
      gzip: fc.boolean(),
      pseudonymize: fc.constantFrom('none' as const, 'key' as const, 'byHand' as const),
      workers: fc.integer({ min: 0, max: 3 }),
      // Small batches: many in flight at once, over every worker, settled in line order.
      batchBytes: fc.integer({ min: 1, max: 200_000 }),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ archive, change: c, rechain, cuts, gzip, pseudonymize, workers, batchBytes }) => {
        const original = archives[archive % archives.length] as Buffer;
        const bytes = rechain ? rechained(changed(original, c)) : changed(original, c);
        const pieces = piecesOf(bytes, cuts, gzip);
        const keyed = pseudonymizer(KEY) as Pseudonymizer;
        const made = pseudonymize === 'none' ? null : pseudonymize === 'key' ? keyed : byHand(keyed);
        const one = await drained(archiveBytes(archiveEventSource(() => pieces), { pseudonymizer: made }));
        const parallel = archiveBytesOfArchive(() => pieces, { pseudonymizer: made, workers, waitForWorkers: true, workerBatchBytes: batchBytes });
        const many = await drained(parallel);
        expect(many.result).toStrictEqual(one.result);
        if (E.isRight(one.result)) expect(many.bytes.equals(one.bytes)).toBe(true);
        // The workers did the lines (no fallback made the law hold trivially), but for a pseudonymizer they cannot make.
        expect(parallel.workers()).toBe(pseudonymize === 'byHand' ? 0 : workers);
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('fails as one thread does where a write error and a reading error meet, on either side of a page boundary', async () => {
    // Over 3,000 events: an event out of order (a write error) early in the first page or late in it, and a line cut or broken after it.
    const original = archives[2] as Buffer;
    const lines = splitLines(original);
    expect(lines.length).toBeGreaterThan(3_000);
    const outOfOrder = (at: number): Buffer[] => {
      const copy = [...lines];
      [copy[at], copy[at + 1]] = [copy[at + 1] as Buffer, copy[at] as Buffer];
      return copy;
    };
    const cases = [
      // The swap in the first page, the page full before the broken line: the write error.
      { swap: 100, broken: 2_500 },
      // The swap in the first page, the broken line before the page is full: the reading error.
      { swap: 100, broken: 1_500 },
      // The swap in the last (partial) page, the source ending well: the write error.
      { swap: 2_500, broken: undefined },
      // The swap in the last page, a broken line after it: the reading error.
      { swap: 2_500, broken: 2_900 },
    ];
    const messages: string[] = [];
    for (const { swap, broken } of cases) {
      const copy = outOfOrder(swap);
      const chained = rechained(Buffer.concat(copy));
      const changedLines = splitLines(chained);
      if (broken !== undefined) changedLines[broken] = Buffer.from('not json\n');
      const bytes = Buffer.concat(changedLines);
      const one = await drained(archiveBytes(archiveEventSource(() => [bytes]), { pseudonymizer: null }));
      for (const workers of [0, 2]) {
        const many = await drained(archiveBytesOfArchive([bytes], { pseudonymizer: null, workers, waitForWorkers: true, workerBatchBytes: 50_000 }));
        expect(many.result).toStrictEqual(one.result);
      }
      expect(E.isLeft(one.result)).toBe(true);
      if (E.isLeft(one.result)) messages.push(one.result.left.message);
    }
    // Each kind of outcome is met: write errors (order) and reading errors (the line that is not JSON).
    expect(messages.map((m) => (/not JSON/.test(m) ? 'read' : /where .* was expected|does not follow/.test(m) ? 'write' : m))).toEqual(['write', 'read', 'write', 'read']);
  }, 120_000);

  it('stops as one thread does at a line too long to be an archive line (kept aside, not sent to a worker)', async () => {
    const lines = splitLines(archives[0] as Buffer);
    // Over 4 MiB without a newline, after line 40.
    const bytes = Buffer.concat([...lines.slice(0, 40), Buffer.alloc(5 * 1024 * 1024, 0x78), Buffer.from('\n'), ...lines.slice(40)]);
    const one = await drained(archiveBytes(archiveEventSource(() => [bytes]), { pseudonymizer: null }));
    expect(one.result).toStrictEqual(E.left({ kind: 'ArchiveWriteError', position: undefined, message: 'reading the source failed: line 41 is too long' }));
    for (const workers of [0, 2]) {
      const many = await drained(archiveBytesOfArchive([bytes], { pseudonymizer: null, workers, waitForWorkers: true, workerBatchBytes: 20_000 }));
      expect(many.result).toStrictEqual(one.result);
    }
  }, 60_000);

  it('writes the same archive as one thread, pseudonymized or not, with 1 to 3 workers; a worker batch may hold a single line', async () => {
    for (const made of [null, pseudonymizer(KEY) as Pseudonymizer]) {
      const one = await drained(archiveBytes(archiveEventSource(() => [archives[2] as Buffer]), { pseudonymizer: made }));
      expect(E.isRight(one.result)).toBe(true);
      for (const [workers, batchBytes] of [[1, 1], [2, 30_000], [3, 1_000_000]] as const) {
        const parallel = archiveBytesOfArchive(() => [archives[2] as Buffer], { pseudonymizer: made, workers, waitForWorkers: true, workerBatchBytes: batchBytes });
        const many = await drained(parallel);
        expect(parallel.workers()).toBe(workers);
        expect(many.result).toStrictEqual(one.result);
        expect(many.bytes.equals(one.bytes)).toBe(true);
      }
    }
  }, 120_000);
});
