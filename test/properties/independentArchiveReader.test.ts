import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { inMemoryEventStore, type RecordedEvent } from '@grade-ledger/core';
import { archiveBytes, archiveText, canonicalBytesWriter, canonicalJson, pseudonymizer, verifyArchive, writeTextFile, type Pseudonymizer } from '@grade-ledger/archive';
import { buildSmallSchool } from '@grade-ledger/testing/school';
import { independentCanonical, readIndependently, rechained } from './independentArchiveReader';

/*
 * docs/archive-format.md says another implementation could write a reader from it alone. This
 * file holds the reference implementation to a reader written that way (independentArchiveReader,
 * which imports nothing of the package): it reads real archives without a finding, catches a
 * changed line, and agrees with `verifyArchive` on forged archives whose chain was recomputed.
 */

const key = Buffer.from('0123456789abcdef0123456789abcdef');
let events: ReadonlyArray<RecordedEvent>;
beforeAll(async () => {
  const store = inMemoryEventStore();
  const built = await buildSmallSchool({ seed: 5, since: 2023, until: 2023, store });
  if (E.isLeft(built)) throw new Error(built.left.message);
  events = store.allEvents();
});

const textOf = async (pseudonymized: boolean): Promise<{ text: string; finalDigest: string; eventCount: number }> => {
  const written = await archiveText(events, { pseudonymizer: pseudonymized ? (pseudonymizer(key) as Pseudonymizer) : null });
  if (E.isLeft(written)) throw new Error(written.left.message);
  return { text: written.right.text, finalDigest: written.right.manifest.finalDigest, eventCount: written.right.manifest.eventCount };
};

describe('a reader written from docs/archive-format.md alone', () => {
  it('reads the reference writer\'s archives, identified and pseudonymized, plain and gzip, without a finding', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gla-independent-'));
    try {
      for (const pseudonymized of [false, true]) {
        const { text, finalDigest, eventCount } = await textOf(pseudonymized);
        const plain = readIndependently(Buffer.from(text, 'utf8'));
        expect(plain.findings).toEqual([]);
        expect(plain.eventCount).toBe(eventCount);
        expect(plain.finalDigest).toBe(finalDigest);
        expect(eventCount).toBeGreaterThan(100);
        const path = join(directory, `school-${pseudonymized}.gla.gz`);
        const { chunks, result } = archiveBytes(events, { pseudonymizer: pseudonymized ? (pseudonymizer(key) as Pseudonymizer) : null });
        await writeTextFile(path, chunks, { gzip: true });
        expect(E.isRight(await result)).toBe(true);
        const gz = await readFile(path);
        expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
        // The document's gzip header: mtime 0, OS byte 255.
        expect(gz.readUInt32LE(4)).toBe(0);
        expect(gz[9]).toBe(255);
        const compressed = readIndependently(gz);
        expect(compressed.findings).toEqual([]);
        expect(compressed.finalDigest).toBe(finalDigest);
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('reads the document\'s worked example and computes the digests the document shows', async () => {
    const doc = await readFile(fileURLToPath(new URL('../../docs/archive-format.md', import.meta.url)), 'utf8');
    const blocks = [...doc.slice(doc.indexOf('<!-- example:start -->')).matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    const reading = readIndependently(Buffer.from(blocks[0] as string, 'utf8'));
    expect(reading.findings).toEqual([]);
    expect(reading.digests.map((d, i) => `d${i} = ${d}`).join('\n')).toBe((blocks[1] as string).trimEnd());
  });

  it('catches a changed line, a removed one and a swapped pair, each where it happened', async () => {
    const { text } = await textOf(true);
    const lines = text.split('\n');
    const changed = [...lines];
    changed[40] = (changed[40] as string).replace(/"position":(\d+)/, (_m, p: string) => `"position":${p}`).replace(/p-[0-9a-f]{16}/, 'p-0000000000000000');
    expect(changed[40]).not.toBe(lines[40]);
    expect(readIndependently(Buffer.from(changed.join('\n'))).findings.map((f) => f.line)).toContain(41);
    const removed = lines.filter((_, i) => i !== 30);
    expect(readIndependently(Buffer.from(removed.join('\n'))).findings[0]?.line).toBe(31);
    const swapped = [...lines];
    [swapped[20], swapped[21]] = [swapped[21] as string, swapped[20] as string];
    // A swap of two neighbours: each of them, and the line after (which follows neither's stated digest).
    expect(readIndependently(Buffer.from(swapped.join('\n'))).findings.filter((f) => f.problem.includes('digest')).map((f) => f.line)).toEqual([21, 22, 23]);
    expect(readIndependently(Buffer.from(text.slice(0, -1))).findings.length).toBeGreaterThan(0);
    expect(readIndependently(Buffer.from(lines.slice(0, -2).join('\n') + '\n')).findings.map((f) => f.problem)).toContain('no manifest: cut short');
  });

  it('and verifyArchive refuse the same forged archives (chain recomputed), and accept the same real ones', async () => {
    const { text } = await textOf(true);
    const lines = text.split('\n');
    const n = lines.length - 1; // the last element is the empty string after the final \n
    const edit = (index: number, change: (line: string) => string): string => rechained(lines.map((l, i) => (i === index ? change(l) : l)).join('\n'));
    const forgeries: Record<string, string> = {
      'an extra member in the header': edit(0, (l) => l.replace('{"format"', '{"extra":1,"format"')),
      'an extra member in the pseudonymization': edit(0, (l) => l.replace('{"fields"', '{"extra":1,"fields"')),
      'an extra member in the manifest': edit(n - 1, (l) => l.replace(/}$/, ',"zzz":1}')),
      'an extra member in an event line': edit(5, (l) => l.replace(/}$/, ',"zzz":1}')),
      'a space in an event line': edit(5, (l) => l.replace('"position":', '"position": ')),
      'a member out of order in an event': edit(5, (l) => l.replace('{"data":', '{"zz":0,"data":')),
      'an escaped slash': edit(5, (l) => l.replace('"type":"', '"type":"\\/')),
      'a manifest eventCount off by one': edit(n - 1, (l) => l.replace(/"eventCount":(\d+)/, (_m, c: string) => `"eventCount":${Number(c) + 1}`)),
    };
    const acceptedByReader: string[] = [];
    const acceptedByVerify: string[] = [];
    for (const [what, forged] of Object.entries(forgeries)) {
      expect(forged, what).not.toBe(text);
      if (readIndependently(Buffer.from(forged, 'utf8')).findings.length === 0) acceptedByReader.push(what);
      if ((await verifyArchive([forged], { domain: false })).ok) acceptedByVerify.push(what);
    }
    expect(acceptedByReader).toEqual([]);
    expect(acceptedByVerify).toEqual([]);
    expect((await verifyArchive([text], { domain: false })).ok).toBe(true);
    expect(readIndependently(Buffer.from(rechained(text))).findings).toEqual([]);
    expect(rechained(text)).toBe(text);
  });
});

describe('the document\'s canonical JSON', () => {
  // Strings of every code point, unusual ones weighted: controls, DEL, U+2028/9, BOM, non-characters, astral.
  const unusual = fc.constantFrom('\u0000', '\u0008', '\u000b', '\u001f', '"', '\\', '/', '\u007f', '\u0080', '\u00ff', '\u2028', '\u2029', '\ufeff', '\uffff', '\ufffe', '\ud83d\ude00', '\u{10ffff}', 'é', 'е', 'Ә');
  const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string({ unit: fc.oneof(unusual, fc.constantFrom('a', 'Z', '0', '_')) }));
  // Numbers the codecs accept (integers) and the edges of ECMAScript's forms, for the writer's sake.
  const number = fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.maxSafeInteger(), fc.constantFrom(-0, 0, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e21, 1e-7, 1.5e-7, 123e20, 1e300, 5e-324, 0.1, -1e21));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, text, number, fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(text, tie('value'), { maxKeys: 5 })),
  }));

  it('is what canonicalJson and the fast canonicalBytesWriter write, for every value (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        let mine: E.Either<string, string>;
        try {
          mine = E.right(independentCanonical(v));
        } catch (error) {
          mine = E.left((error as Error).message);
        }
        const reference = canonicalJson(v);
        expect(E.isRight(reference)).toBe(E.isRight(mine));
        if (E.isLeft(reference) || E.isLeft(mine)) return;
        expect(reference.right).toBe(mine.right);
        const writer = canonicalBytesWriter(8);
        writer.value(v, 'place');
        writer.value(v, 'place'); // a second time: the remembered shape
        expect(writer.take(0).toString('utf8')).toBe(mine.right + mine.right);
      }),
      { numRuns: 3000 },
    );
  });

  it('sorts member names by UTF-16 code units (an astral character before U+FFFF), escapes as the document says', () => {
    const v = { '\uffff': 1, '\u{1f600}': 2, 'é': 3, z: 4, Z: 5, '': 6 };
    const expected = '{"":6,"Z":5,"z":4,"é":3,"\u{1f600}":2,"\uffff":1}';
    expect(independentCanonical(v)).toBe(expected);
    expect(canonicalJson(v)).toEqual(E.right(expected));
    const s = '\u0000\u0008\t\n\u000b\f\r\u001f "\\/\u007f\u2028\u2029';
    const escaped = '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f \\"\\\\/\u007f\u2028\u2029"';
    expect(independentCanonical(s)).toBe(escaped);
    expect(canonicalJson(s)).toEqual(E.right(escaped));
    expect(canonicalJson('a\ud800b')._tag).toBe('Left');
    expect(canonicalJson([-0, 1e21, 1e-7, 2 ** 53 + 2])).toEqual(E.right('[0,1e+21,1e-7,9007199254740994]'));
  });
});
