import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditExportsStreamId, defaultAccessPolicy, inMemoryEventStore, type RecordedEvent } from '@grade-ledger/core';
import {
  archiveBytes,
  archiveEventSource,
  archiveText,
  canonicalJson,
  exportLedger,
  fileSource,
  importArchive,
  pseudonymizer,
  readArchive,
  stageTextFile,
  verifyArchive,
  writeTextFile,
  type Pseudonymizer,
} from './index';
import { canonicalJsonUnsafe } from './canonicalJson';
import { chainDigest, chainedLine, DIGEST_PREFIX, DIGEST_PREFIX_LENGTH, genesisDigest } from './format';
import { renumbered, smallSchool, textOf } from './testSupport';

let school: Awaited<ReturnType<typeof smallSchool>>;
let recorded: ReadonlyArray<RecordedEvent>;
let text: string;
let dir: string;

beforeAll(async () => {
  school = await smallSchool();
  recorded = (school.store as unknown as { allEvents: () => ReadonlyArray<RecordedEvent> }).allEvents();
  text = await textOf(school.store);
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-archive-'));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const linesOf = (t: string): string[] => t.split('\n').slice(0, -1);
const joined = (lines: ReadonlyArray<string>): string => `${lines.join('\n')}\n`;
const key = Buffer.from('0123456789abcdef0123456789abcdef');
const pseudo = pseudonymizer(key) as Pseudonymizer;

describe('canonical JSON', () => {
  const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  it('round-trips through JSON.parse and is a fixed point', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const once = canonicalJson(value);
        if (E.isLeft(once)) return false;
        expect(JSON.parse(once.right)).toEqual(value);
        expect(canonicalJson(JSON.parse(once.right))).toEqual(once);
        return true;
      }),
    );
  });
  it('does not depend on member order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.integer()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toEqual(canonicalJson(record));
      }),
    );
  });
  it('sorts members by UTF-16 code units, prints no whitespace and ES6 numbers (RFC 8785)', () => {
    expect(canonicalJson({ b: [1, -0, 1e21, 'é\n'], a: { '\u20ac': 1, '\ud83d\ude00': 2, '\r': 3 }, c: null, d: true })).toEqual(
      E.right('{"a":{"\\r":3,"€":1,"😀":2},"b":[1,0,1e+21,"é\\n"],"c":null,"d":true}'),
    );
  });
  it('refuses values without a canonical form, naming where', () => {
    expect(canonicalJson({ a: [1, Number.NaN] })).toMatchObject({ left: { path: 'a[1]' } });
    expect(canonicalJson({ a: Number.POSITIVE_INFINITY })).toMatchObject({ left: { path: 'a' } });
    expect(canonicalJson({ s: 'x\ud800' })).toMatchObject({ left: { path: 's' } });
    expect(canonicalJson({ f: () => 1 })).toMatchObject({ left: { path: 'f' } });
    expect(canonicalJson(10n)).toMatchObject({ left: { path: '(root)' } });
  });
});

describe('export', () => {
  it('writes header, one chained line per event in global order, and the manifest', async () => {
    const lines = linesOf(text);
    expect(lines).toHaveLength(recorded.length + 2);
    expect(JSON.parse(lines[0] as string)).toEqual({ format: 'grade-ledger-archive', formatVersion: 1, kind: 'header', pseudonymization: null });
    const manifest = JSON.parse(lines[lines.length - 1] as string);
    expect(manifest).toMatchObject({ kind: 'manifest', eventCount: recorded.length, firstPosition: 1, lastPosition: recorded.length, ruleSetIds: ['kz-current'] });
    expect(Object.values(manifest.eventsByType as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(recorded.length);
    for (const [index, line] of lines.slice(1, -1).entries()) expect(JSON.parse(line)).toMatchObject({ position: index + 1, streamId: recorded[index]?.streamId });
  });

  it('is deterministic: the same history in two stores gives the same bytes', async () => {
    const again = await smallSchool();
    expect(await textOf(again.store)).toBe(text);
    const other = await textOf(renumbered(recorded));
    expect(other).toBe(text);
  });

  it('export → import → export gives the same bytes, and the import verifies the domain', async () => {
    const store = inMemoryEventStore();
    const imported = await importArchive(() => [text], store);
    expect(imported).toMatchObject({ right: { events: recorded.length } });
    expect(await textOf(store)).toBe(text);
  });

  it('export → import → export is byte-identical for any sub-history of whole streams (property)', async () => {
    const streams = [...new Set(recorded.map((r) => r.streamId))];
    await fc.assert(
      fc.asyncProperty(fc.subarray(streams, { minLength: 0 }), async (chosen) => {
        const source = renumbered(recorded.filter((r) => chosen.includes(r.streamId)));
        const first = await textOf(source);
        const store = inMemoryEventStore();
        const imported = await importArchive(() => [first], store, { domain: false });
        expect(E.isRight(imported)).toBe(true);
        expect(await textOf(store)).toBe(first);
      }),
      { numRuns: 10 },
    );
  });

  it('archiveBytes gives the bytes the format defines (canonicalJson + SHA-256 chain, line by line), in whole lines, from any source', async () => {
    // The archive written straight from docs/archive-format.md, slowly, as another implementation would.
    const definition = (source: ReadonlyArray<RecordedEvent>, pseudonymizer: Pseudonymizer | null): string => {
      const canonical = (value: unknown): string => E.getOrElse<unknown, string>((error) => { throw error; })(canonicalJson(value));
      const header = canonical({ format: 'grade-ledger-archive', formatVersion: 1, kind: 'header', pseudonymization: pseudonymizer?.description ?? null });
      let digest = createHash('sha256').update(header).digest();
      let out = `${header}\n`;
      for (const input of source) {
        const r = pseudonymizer === null ? input : pseudonymizer.recorded(input);
        const body = canonical({ event: r.event, position: r.globalPosition, streamId: r.streamId, streamRevision: r.streamRevision });
        digest = createHash('sha256').update(digest).update(body, 'utf8').digest();
        out += `{"digest":"${digest.toString('hex')}",${body.slice(1)}\n`;
      }
      return out;
    };
    const collect = async (source: Parameters<typeof archiveBytes>[0], pseudonymizer: Pseudonymizer | null) => {
      const written = archiveBytes(source, { pseudonymizer });
      const chunks: Buffer[] = [];
      for await (const chunk of written.chunks) chunks.push(chunk);
      for (const chunk of chunks) expect(chunk[chunk.length - 1]).toBe(0x0a);
      const result = await written.result;
      expect(E.isRight(result)).toBe(true);
      return Buffer.concat(chunks).toString('utf8');
    };
    async function* one_by_one(events: ReadonlyArray<RecordedEvent>): AsyncIterable<RecordedEvent> {
      yield* events;
    }
    for (const pseudonymizer of [null, pseudo]) {
      const expected = definition(recorded, pseudonymizer);
      for (const source of [recorded, one_by_one(recorded), school.store]) {
        const archive = await collect(source, pseudonymizer);
        // All but the manifest line, which holds counts only.
        expect(archive.slice(0, archive.lastIndexOf('\n', archive.length - 2) + 1)).toBe(expected);
      }
    }
  });

  it('archiveBytes stops at an event it cannot write, after whole lines only, and says why', async () => {
    const bad = [...recorded.slice(0, 3), { ...(recorded[3] as RecordedEvent), globalPosition: 1 }, ...recorded.slice(4)];
    const written = archiveBytes(bad, { pseudonymizer: null });
    const chunks: Buffer[] = [];
    for await (const chunk of written.chunks) chunks.push(chunk);
    expect(await written.result).toMatchObject({ left: { kind: 'ArchiveWriteError', position: 1 } });
    for (const chunk of chunks) expect(chunk[chunk.length - 1]).toBe(0x0a);
    const unwritable = [...recorded.slice(0, 2), { ...(recorded[2] as RecordedEvent), event: { ...(recorded[2] as RecordedEvent).event, data: { n: Number.NaN } } as unknown as RecordedEvent['event'] }];
    const refused = archiveBytes(unwritable, { pseudonymizer: null });
    for await (const _chunk of refused.chunks) expect.fail('no chunk: the archive is smaller than a chunk and stopped');
    expect(await refused.result).toMatchObject({ left: { kind: 'ArchiveWriteError', position: 3, message: expect.stringContaining('data.n') } });
  });

  it('gzip: deterministic bytes (mtime 0, OS byte 255), read back transparently', async () => {
    const path = join(dir, 'school.gla.gz');
    await writeTextFile(path, (async function* () { yield text; })(), { gzip: true });
    const bytes = await readFile(path);
    expect([...bytes.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    expect(gunzipSync(bytes).toString('utf8')).toBe(text);
    const report = await verifyArchive(fileSource(path)(), { domain: false });
    expect(report).toMatchObject({ ok: true, events: recorded.length });
  });
});

describe('verify', () => {
  it('finds nothing wrong in an exported history; lists the lawful overrides with their breakdown', async () => {
    const report = await verifyArchive([text]);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.domainEvents).toEqual({ checked: recorded.length, unchecked: 0 });
    for (const difference of report.gradeDifferences) {
      expect(difference.overrideReasonRecorded).toBe(true);
      expect(difference.recommendationMatches).toBe(true);
      expect(difference.explanation.length).toBeGreaterThan(0);
      expect(JSON.parse(linesOf(text)[difference.line - 1] as string).event.metadata.eventId).toBe(difference.eventId);
    }
  });

  it('reports the right line for any single changed, removed, inserted or moved line (property)', async () => {
    const lines = linesOf(text);
    const eventLines = lines.length - 2;
    type Tamper = { kind: 'change' | 'remove' | 'duplicate' | 'swap'; at: number; char: number };
    const tamper = fc.record({ kind: fc.constantFrom('change', 'remove', 'duplicate', 'swap') as fc.Arbitrary<Tamper['kind']>, at: fc.integer({ min: 1, max: eventLines }), char: fc.nat() });
    await fc.assert(
      fc.asyncProperty(tamper, async ({ kind, at, char }) => {
        const copy = [...lines];
        const line = copy[at] as string;
        // `at` is a 0-based index: the event line's number is at + 1.
        switch (kind) {
          case 'change': {
            // Change one digit or letter inside the event (after the digest prefix).
            const positions = [...line.slice(77)].flatMap((c, i) => (/[0-9a-z]/.test(c) ? [i + 77] : []));
            const p = positions[char % positions.length] as number;
            const c = line[p] as string;
            copy[at] = line.slice(0, p) + (c === '1' ? '2' : /[0-9]/.test(c) ? '1' : c === 'a' ? 'b' : 'a') + line.slice(p + 1);
            break;
          }
          case 'remove':
            copy.splice(at, 1);
            break;
          case 'duplicate':
            copy.splice(at, 0, line);
            break;
          case 'swap':
            if (at + 1 > eventLines) return;
            copy[at] = copy[at + 1] as string;
            copy[at + 1] = line;
            break;
        }
        // The first line (1-based) that is not the original line at its place.
        const expected = copy.findIndex((l, i) => l !== lines[i]) + 1;
        const report = await verifyArchive([joined(copy)], { domain: false });
        expect(report.ok).toBe(false);
        const chain = report.findings.filter((f) => f.check === 'chain');
        expect(chain[0]?.line).toBe(expected);
        // Nothing is reported before the altered line.
        expect(Math.min(...report.findings.map((f) => f.line))).toBe(expected);
        // One changed line (its digest kept) is one chain finding: the check goes on from the digest it states.
        if (kind === 'change') expect(chain).toHaveLength(1);
      }),
      { numRuns: 40 },
    );
  });

  it('reports a line whose stated digest differs in any one hex digit, the last included, at that line', async () => {
    const lines = linesOf(text);
    const digestStart = '{"digest":"'.length;
    const eventLines = lines.length - 2;
    for (const at of [1, Math.ceil(eventLines / 2), eventLines])
      for (const digit of [0, 31, 63]) {
        const line = lines[at] as string;
        const p = digestStart + digit;
        const copy = [...lines];
        copy[at] = line.slice(0, p) + (line[p] === '0' ? '1' : '0') + line.slice(p + 1);
        const report = await verifyArchive([joined(copy)], { domain: false });
        // `at` is a 0-based index: the line's number is at + 1.
        expect(report.findings[0]).toMatchObject({ line: at + 1, check: 'chain', field: 'digest' });
      }
  });

  it('names the line and field of an event that does not decode, even with a valid chain', async () => {
    const events = recorded.map((r) => (r.event.type === 'FormativeMarkRecorded' ? { ...r, event: { ...r.event, data: { ...r.event.data, mark: 11 } } } : r)) as RecordedEvent[];
    const bad = await textOf(events);
    const report = await verifyArchive([bad], { domain: false });
    const firstMark = recorded.findIndex((r) => r.event.type === 'FormativeMarkRecorded');
    expect(report.findings[0]).toMatchObject({ check: 'schema', line: firstMark + 2, field: 'event.data.mark' });
    expect(report.findings[0]?.message).toContain('data.mark');
  });

  it('finds an impossible history (the domain) at its line: a mark for a pupil not in the class', async () => {
    const index = recorded.findIndex((r) => r.event.type === 'FormativeMarkRecorded');
    const target = recorded[index] as RecordedEvent;
    const events = recorded.map((r, i) => (i === index ? { ...r, event: { ...target.event, data: { ...target.event.data, pupilId: 'pupil-9999' } } } : r)) as RecordedEvent[];
    const report = await verifyArchive([await textOf(events)]);
    expect(report.findings[0]).toMatchObject({ check: 'domain', line: index + 2, eventId: target.event.metadata.eventId });
    expect(report.findings[0]?.message).toMatch(/PupilNotEnrolled/);
  });

  it('finds a finalized grade that the rules compute otherwise, with its breakdown and no override reason', async () => {
    const index = recorded.findIndex((r) => r.event.type === 'PeriodGradeFinalized' && r.event.data.recommendation !== null && r.event.data.overrideReason === undefined && typeof r.event.data.grade === 'number');
    const target = recorded[index] as RecordedEvent & { event: { data: { grade: number } } };
    const changed = target.event.data.grade === 5 ? 4 : target.event.data.grade + 1;
    const events = recorded.map((r, i) => (i === index ? { ...r, event: { ...target.event, data: { ...target.event.data, grade: changed } } } : r)) as RecordedEvent[];
    const report = await verifyArchive([await textOf(events)]);
    const grade = report.findings.find((f) => f.check === 'grade');
    expect(grade).toMatchObject({ line: index + 2 });
    const difference = report.gradeDifferences.find((d) => d.line === index + 2);
    expect(difference).toMatchObject({ finalized: changed, overrideReasonRecorded: false, recommendationMatches: true });
    expect(difference?.explanation.join('\n')).toMatch(/Total: /);
    // The decider refuses it too: a grade other than the computed one needs an override.
    expect(report.findings.some((f) => f.check === 'domain' && f.line === index + 2)).toBe(true);
  });

  it('checks a final digest recorded elsewhere', async () => {
    const manifest = JSON.parse(linesOf(text).at(-1) as string) as { finalDigest: string };
    expect((await verifyArchive([text], { domain: false, expectDigest: manifest.finalDigest })).ok).toBe(true);
    const other = await verifyArchive([text], { domain: false, expectDigest: 'f'.repeat(64) });
    expect(other.findings).toEqual([expect.objectContaining({ check: 'chain', field: 'finalDigest' })]);
  });
});

describe('malformed input', () => {
  it('random bytes, cut archives and wrong types never crash verify, and import writes nothing (property)', async () => {
    const cut = fc.integer({ min: 0, max: text.length - 1 }).map((n) => text.slice(0, n));
    const wrongType = fc.tuple(fc.integer({ min: 1, max: recorded.length }), fc.constantFrom('"position":', '"streamRevision":', '"mark":', '"pupilId":', '"occurredAt":'), fc.constantFrom('null', '"x"', '[]', '{}', '1.5', 'true')).map(([n, field, value]) => {
      const lines = linesOf(text);
      lines[n] = (lines[n] as string).replace(new RegExp(`${field}("[^"]*"|[0-9]+)`), `${field}${value}`);
      return joined(lines);
    });
    const input = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string(), cut, wrongType, fc.constant(''), fc.constant('\n\n'));
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        if (bytes === text) return;
        const report = await verifyArchive([bytes], { domain: false });
        expect(report.ok).toBe(false);
        expect(report.findings.length).toBeGreaterThan(0);
        const store = inMemoryEventStore();
        const imported = await importArchive(() => [bytes], store, { domain: false });
        expect(E.isLeft(imported)).toBe(true);
        expect(store.allEvents()).toHaveLength(0);
      }),
      { numRuns: 60 },
    );
  });

  it('an archive cut exactly at a line end is rejected as cut short', async () => {
    const lines = linesOf(text);
    const report = await verifyArchive([joined(lines.slice(0, 100))], { domain: false });
    expect(report.findings).toEqual([expect.objectContaining({ check: 'manifest', line: 101 })]);
    expect(report.findings[0]?.message).toMatch(/cut short/);
  });

  it('an archive into a store that already has its streams is refused, nothing written', async () => {
    const store = inMemoryEventStore();
    const first = recorded[0] as RecordedEvent;
    await store.appendToStream(first.streamId, [first.event], { expectedRevision: 'noStream' });
    const imported = await importArchive(() => [text], store, { domain: false });
    expect(imported).toMatchObject({ left: { kind: 'StreamsExist', streamIds: [first.streamId] } });
    expect(store.allEvents()).toHaveLength(1);
  });
});

describe('an archive valid in itself that the store cannot take as it is', () => {
  const withEventId = (r: RecordedEvent, eventId: string): RecordedEvent => ({ ...r, event: { ...r.event, metadata: { ...r.event.metadata, eventId } } } as RecordedEvent);
  const index = fc.integer({ min: 0, max: 399 });

  /** Event ids of no numbered form (as a ledger whose command ids are UUIDs has them). */
  const opaqueId = (k: number): string => {
    const hex = createHash('sha256').update(`event ${k}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}.0`;
  };

  it('is reported by verify at the line where an event id repeats, naming the line of its first occurrence where kept, and refused by import, nothing written (property)', async () => {
    await fc.assert(
      fc.asyncProperty(index, index, fc.boolean(), fc.integer({ min: 0, max: 200 }), async (i, j, opaque, start) => {
        fc.pre(i !== j);
        // A window of the school's history: its own ids (`cmd-000123.0`, numbered) or opaque ones.
        const window = recorded.slice(start, start + 400).map((r, k) => (opaque ? withEventId(r, opaqueId(k)) : r));
        fc.pre(i < window.length && j < window.length);
        const events = window.map((r, k) => (k === j ? withEventId(r, window[i]!.event.metadata.eventId) : r));
        // Written as a writer would: the chain is valid, only the repeated id is wrong.
        const archive = await textOf(renumbered(events));
        const eventId = window[i]!.event.metadata.eventId;
        const [first, again] = [Math.min(i, j) + 2, Math.max(i, j) + 2];
        const report = await verifyArchive([archive], { domain: false });
        expect(report.ok).toBe(false);
        expect(report.findings).toEqual([{ line: again, check: 'order', field: 'event.metadata.eventId', eventId, message: expect.stringContaining(`line ${again}: event id ${eventId} is already on`) }]);
        // A numbered id's first line is named while it is kept as text (before its template is learnt).
        expect(report.findings[0]?.message).toMatch(opaque ? `on line ${first}:` : new RegExp(`on line ${first}:|on an earlier line`));
        const store = inMemoryEventStore();
        const imported = await importArchive(() => [archive], store, { domain: false });
        expect(imported).toMatchObject({ left: { kind: 'ArchiveRejected', report: { ok: false, findings: report.findings } } });
        expect(store.allEvents()).toHaveLength(0);
      }),
      { numRuns: 25 },
    );
  });

  it('verify reports each repeat of an event id, and nothing in an archive whose ids are all distinct', async () => {
    const events = recorded.slice(0, 60).map((r, k) => withEventId(r, k % 20 === 19 ? 'twice-or-more' : opaqueId(k)));
    const report = await verifyArchive([await textOf(renumbered(events))], { domain: false });
    expect(report.findings.map((f) => [f.line, f.check, f.eventId])).toEqual([
      [41, 'order', 'twice-or-more'],
      [61, 'order', 'twice-or-more'],
    ]);
    expect(report.findings.every((f) => f.message.includes('on line 21:'))).toBe(true);
    const distinct = await verifyArchive([await textOf(renumbered(recorded.slice(0, 400)))], { domain: false });
    expect(distinct.findings).toEqual([]);
  });

  /** The lines with their digests and the manifest's final digest recomputed, as a writer that wrote them would have. */
  const rechained = (lines: ReadonlyArray<string>): string[] => {
    let digest = genesisDigest(lines[0] as string);
    const out = [lines[0] as string];
    for (const line of lines.slice(1)) {
      const parsed = JSON.parse(`{${line.slice(DIGEST_PREFIX_LENGTH)}`) as Record<string, unknown>;
      const body = canonicalJsonUnsafe(parsed.kind === 'manifest' ? { ...parsed, finalDigest: digest.toString('hex') } : parsed);
      digest = chainDigest(digest, body);
      out.push(chainedLine(digest.toString('hex'), body));
    }
    return out;
  };

  it('is found out of order when a position repeats or goes back, at the line where it does, even with a valid chain (property)', async () => {
    const lines = linesOf(await textOf(renumbered(recorded.slice(0, 50))));
    expect(rechained(lines)).toEqual(lines);
    await fc.assert(
      // Not the last event: its position is also the manifest's lastPosition (a second finding).
      fc.asyncProperty(fc.integer({ min: 2, max: 49 }), fc.oneof(fc.constant(0), fc.nat()), async (k, back) => {
        // Event k (on line k + 1) gets a position of 1..k-1: the one before it (a repeat) or an earlier one.
        const position = k - 1 - (back % (k - 1));
        const copy = [...lines];
        const parsed = JSON.parse(`{${(copy[k] as string).slice(DIGEST_PREFIX_LENGTH)}`) as Record<string, unknown>;
        copy[k] = `${DIGEST_PREFIX}${'0'.repeat(64)}",${canonicalJsonUnsafe({ ...parsed, position }).slice(1)}`;
        const report = await verifyArchive([joined(rechained(copy))], { domain: false });
        expect(report.findings).toEqual([expect.objectContaining({ line: k + 1, check: 'order', field: 'position' })]);
      }),
      { numRuns: 25 },
    );
  });

  it('is refused, nothing written, when the store holds one of its event ids in another stream (property)', async () => {
    await fc.assert(
      fc.asyncProperty(index, async (k) => {
        const events = recorded.slice(0, 400);
        const archive = await textOf(renumbered(events));
        const store = inMemoryEventStore();
        const held = withEventId(recorded[0]!, events[k]!.event.metadata.eventId);
        expect(E.isRight(await store.appendToStream('elsewhere-1', [held.event], { expectedRevision: 'noStream' }))).toBe(true);
        const imported = await importArchive(() => [archive], store, { domain: false });
        expect(imported).toMatchObject({ left: { kind: 'EventsExist', eventIds: [events[k]!.event.metadata.eventId] } });
        expect(store.allEvents()).toHaveLength(1);
      }),
      { numRuns: 25 },
    );
  });
});

describe('pseudonymization', () => {
  it('replaces every person id by a keyed pseudonym; the history still verifies, domain and grades included', async () => {
    const pseudonymized = await textOf(school.store, pseudo);
    for (const id of [...school.summary.pupilIds, ...school.summary.staffIds]) expect(pseudonymized).not.toContain(`"${id}"`);
    expect(pseudonymized).toContain(`"${pseudo.pseudonym(school.summary.focusPupilId)}"`);
    expect(pseudonymized).not.toMatch(/Pedagogical council|Typing error/);
    const report = await verifyArchive([pseudonymized]);
    expect(report.findings).toEqual([]);
    expect(report.header?.pseudonymization).toMatchObject({ method: 'hmac-sha256', keyId: pseudo.description.keyId });
    expect(report.gradeDifferences.length).toBe((await verifyArchive([text])).gradeDifferences.length);
  });

  it('is stable within one key and differs between keys', async () => {
    const again = pseudonymizer(Buffer.from(key)) as Pseudonymizer;
    const other = pseudonymizer(Buffer.from('another key of sixteen+ bytes')) as Pseudonymizer;
    expect(await textOf(school.store, again)).toBe(await textOf(school.store, pseudo));
    expect(other.pseudonym('pupil-0001')).not.toBe(pseudo.pseudonym('pupil-0001'));
    expect(pseudo.pseudonym('pupil-0001')).toMatch(/^p-[0-9a-f]{16}$/);
    expect(pseudonymizer(Buffer.from('short'))).toMatchObject({ kind: 'KeyTooShort' });
  });
});

describe('exportLedger records every export', () => {
  it('appends ArchiveExported (actor, purpose, count, digest) and commits the archive only then', async () => {
    const built = await smallSchool(11);
    const path = join(dir, 'recorded.gla');
    const exported = await exportLedger(built.store, (chunks) => stageTextFile(path, chunks), { access: { mode: 'pseudonymized', key }, actor: { id: 'auditor-01', role: 'auditor' }, purpose: 'Annual inspection' }, { clock: () => '2024-06-30T10:00:00Z' });
    if (E.isLeft(exported)) throw new Error(exported.left.message);
    const onDisk = await readFile(path, 'utf8');
    const report = await verifyArchive([onDisk], { domain: false, expectDigest: exported.right.manifest.finalDigest });
    expect(report.ok).toBe(true);
    const audit = await built.store.readStream(auditExportsStreamId);
    expect(E.isRight(audit) && audit.right.events.map((r) => r.event)).toEqual([exported.right.recorded]);
    expect(exported.right.recorded).toMatchObject({
      type: 'ArchiveExported',
      data: { purpose: 'Annual inspection', pseudonymized: true, eventCount: report.events, finalDigest: report.finalDigest, formatVersion: 1 },
      metadata: { actor: { id: 'auditor-01', role: 'auditor' } },
    });
    // A second export includes the first one's record: bulk downloads are in the archive too.
    const second = await textOf(built.store);
    expect(second).toContain('"type":"ArchiveExported"');
  });

  it('refuses, and discards the archive of, an export whose export id is already recorded: no export goes unrecorded', async () => {
    const built = await smallSchool(13);
    const first = join(dir, 'first.gla');
    const second = join(dir, 'second.gla');
    const clock = () => '2024-06-30T10:00:00Z';
    expect(E.isRight(await exportLedger(built.store, (chunks) => stageTextFile(first, chunks), { access: { mode: 'pseudonymized', key }, actor: { id: 'auditor-01', role: 'auditor' }, purpose: 'Inspection' }, { clock, exportId: 'export-1' }))).toBe(true);
    const again = await exportLedger(built.store, (chunks) => stageTextFile(second, chunks), { access: { mode: 'identified' }, actor: { id: 'deputy-01', role: 'deputyDirector' }, purpose: 'Transfer' }, { clock, exportId: 'export-1' });
    expect(again).toMatchObject({ left: { kind: 'ExportNotRecorded' } });
    await expect(readFile(second)).rejects.toThrow();
    const audit = await built.store.readStream(auditExportsStreamId);
    expect(E.isRight(audit) && audit.right.events.map((r) => r.event.metadata.actor.id)).toEqual(['auditor-01']);
  });

  it("refuses an export by a role whose journal reach in the school's access policy is not the whole school, whatever the policy (property); nothing is written", async () => {
    const built = await smallSchool(14);
    let run = 0;
    const roles = ['subjectTeacher', 'classTeacher', 'deputyDirector', 'director', 'auditor', 'parent', 'pupil', 'system'] as const;
    const scopes = fc.subarray(['all', 'self', 'ownChildren', 'ownClass', 'taughtClasses'] as const);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...roles), scopes, fc.boolean(), async (role, read, custom) => {
        const base = defaultAccessPolicy();
        const policy = { ...base, roles: { ...base.roles, [role]: { ...base.roles[role], journal: { ...base.roles[role].journal, read } } } };
        const reach = custom ? read : base.roles[role].journal.read;
        const before = (built.store as unknown as { allEvents: () => unknown[] }).allEvents().length;
        const path = join(dir, `by-role-${(run += 1)}.gla`);
        const exported = await exportLedger(built.store, (chunks) => stageTextFile(path, chunks), { access: { mode: 'pseudonymized', key }, actor: { id: 'someone-01', role }, ...(custom ? { policy } : {}) }, { clock: () => '2024-06-30T10:00:00Z', exportId: `export-${before}` });
        if (reach.includes('all')) expect(E.isRight(exported)).toBe(true);
        else {
          expect(exported).toMatchObject({ left: { kind: 'ExportRefused', field: 'actor.role' } });
          expect(E.isLeft(exported) && exported.left.message).toMatch(new RegExp(`someone-01 \\(${role}\\) may not export`));
          expect((built.store as unknown as { allEvents: () => unknown[] }).allEvents()).toHaveLength(before);
          await expect(readFile(path)).rejects.toThrow();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('refuses an identified export without a purpose, and one by a pupil; nothing is written', async () => {
    const built = await smallSchool(12);
    const path = join(dir, 'refused.gla');
    const sink = (chunks: AsyncIterable<Uint8Array>) => stageTextFile(path, chunks);
    const before = (built.store as unknown as { allEvents: () => unknown[] }).allEvents().length;
    expect(await exportLedger(built.store, sink, { access: { mode: 'identified' }, actor: { id: 'deputy-01', role: 'deputyDirector' } }, { clock: () => '2024-06-30T10:00:00Z' })).toMatchObject({ left: { kind: 'ExportRefused', field: 'purpose' } });
    expect(await exportLedger(built.store, sink, { access: { mode: 'pseudonymized', key }, actor: { id: 'pupil-0001', role: 'pupil' } }, { clock: () => '2024-06-30T10:00:00Z' })).toMatchObject({ left: { kind: 'ExportRefused', field: 'actor.role' } });
    expect((built.store as unknown as { allEvents: () => unknown[] }).allEvents()).toHaveLength(before);
    await expect(readFile(path)).rejects.toThrow();
  });
});

describe('archiveEventSource: an archive read as a store, for an export without loading it', () => {
  const pagesOf = async (source: { readAll: (o?: { pageSize?: number; after?: number }) => AsyncIterable<ReadonlyArray<RecordedEvent>> }, options?: { pageSize?: number; after?: number }) => {
    const pages: Array<ReadonlyArray<RecordedEvent>> = [];
    for await (const page of source.readAll(options)) pages.push(page);
    return pages;
  };

  it('re-exported as it is, gives the same bytes; pseudonymized, the bytes an export of the store gives (property over sub-histories)', async () => {
    const streams = [...new Set(recorded.map((r) => r.streamId))];
    await fc.assert(
      fc.asyncProperty(fc.subarray(streams, { minLength: 0 }), async (chosen) => {
        const source = renumbered(recorded.filter((r) => chosen.includes(r.streamId)));
        const archive = await textOf(source);
        const fromArchive = archiveEventSource(() => [archive]);
        expect(await textOf(fromArchive)).toBe(archive);
        expect(await textOf(fromArchive, pseudo)).toBe(await textOf(source, pseudo));
      }),
      { numRuns: 10 },
    );
  });

  it('gives the events in pages of at most pageSize, after a position when asked, one page held at a time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 700 }), fc.integer({ min: 0, max: recorded.length + 5 }), async (pageSize, after) => {
        const pages = await pagesOf(archiveEventSource(() => [text]), { pageSize, after });
        expect(pages.every((page) => page.length > 0 && page.length <= pageSize)).toBe(true);
        expect(pages.flat().map((r) => r.globalPosition)).toEqual(recorded.filter((r) => r.globalPosition > after).map((r) => r.globalPosition));
      }),
      { numRuns: 20 },
    );
  });

  it('stops with an error naming the line when a line was changed, or the archive cut, since it was verified: the export fails, nothing shorter is written', async () => {
    const lines = linesOf(text);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: lines.length - 1 }), fc.boolean(), async (index, cut) => {
        const changed = cut ? joined(lines.slice(0, index)) : joined(lines.map((line, i) => (i === index ? line.replace(/"position":(\d+)/, (_m, n: string) => `"position":${Number(n) + 1000}`).replace('"kind":"manifest"', '"kind":"manifest","extra":1') : line)));
        fc.pre(changed !== text);
        const written = await archiveText(archiveEventSource(() => [changed]), { pseudonymizer: null });
        expect(written).toMatchObject({ left: { kind: 'ArchiveWriteError' } });
        if (E.isLeft(written)) expect(written.left.message).toMatch(/line \d+/);
      }),
      { numRuns: 30 },
    );
  });

  it('exportLedger from it records the export where the caller says, and the archive verifies', async () => {
    const path = join(dir, 'from-archive.gla');
    const records = inMemoryEventStore();
    const exported = await exportLedger(
      { readAll: archiveEventSource(() => [text]).readAll, appendToStream: records.appendToStream },
      (chunks) => stageTextFile(path, chunks),
      { access: { mode: 'pseudonymized', key }, actor: { id: 'auditor-01', role: 'auditor' }, purpose: 'Inspection' },
      { clock: () => '2024-06-30T10:00:00Z' },
    );
    if (E.isLeft(exported)) throw new Error(exported.left.message);
    expect(await readFile(path, 'utf8')).toBe(await textOf(school.store, pseudo));
    const audit = await records.readStream(auditExportsStreamId);
    expect(E.isRight(audit) && audit.right.events.map((r) => r.event)).toEqual([exported.right.recorded]);
  });
});

describe('readArchive', () => {
  it('streams the decoded events and stops at the first broken line', async () => {
    const reading = readArchive([text]);
    let count = 0;
    for await (const event of reading.events) count += event.line > 0 ? 1 : 0;
    expect(count).toBe(recorded.length);
    expect(E.isRight(await reading.result)).toBe(true);
    const lines = linesOf(text);
    lines.splice(10, 1);
    const broken = readArchive([joined(lines)]);
    for await (const _ of broken.events) void _;
    expect(await broken.result).toMatchObject({ left: { line: 11 } });
  });

  it('rejects an archive with anything after its manifest, as verify does (the manifest is the last line)', async () => {
    const lines = linesOf(text);
    for (const extra of [lines[5] as string, lines[lines.length - 1] as string, 'garbage']) {
      const reading = readArchive([joined([...lines, extra])]);
      for await (const _ of reading.events) void _;
      expect(await reading.result).toMatchObject({ left: { kind: 'ArchiveReadError', line: lines.length + 1 } });
      expect((await verifyArchive([joined([...lines, extra])], { domain: false })).findings).toEqual([expect.objectContaining({ line: lines.length + 1, check: 'format' })]);
    }
  });
});

it('writes a file atomically (no partial file under the name on failure)', async () => {
  const path = join(dir, 'failing.gla');
  const failing = (async function* () {
    yield 'x';
    throw new Error('source failed');
  })();
  await expect(writeTextFile(path, failing)).rejects.toThrow('source failed');
  await expect(readFile(path)).rejects.toThrow();
  await writeFile(join(dir, 'unused'), '');
});

it('leaves no copy of a staged archive behind when committing it fails', async () => {
  const where = await mkdtemp(join(tmpdir(), 'grade-ledger-stage-'));
  try {
    // The target is a directory: the rename that commits the staged file fails.
    const target = join(where, 'taken.gla');
    await mkdir(target);
    const staged = await stageTextFile(target, (async function* () { yield text; })());
    await expect(staged.commit()).rejects.toThrow();
    expect((await readdir(where)).filter((name) => name.includes('.partial-'))).toEqual([]);
  } finally {
    await rm(where, { recursive: true, force: true });
  }
});
