import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addEventId, emptyEventIdSet, eventIdFirstLine, hasEventId } from './eventIdSet';

/*
 * The compact set must answer exactly as a Set<string> (a Map of first lines) does, whatever the
 * ids: numbered ones of a few templates (in and out of order, dense and sparse), near misses of
 * them (leading zeros, other widths, huge numbers, same prefix with another suffix, control
 * characters), and arbitrary strings.
 */

const prefixes = ['c.2024-7A.', 'c.2024-10B.', 'cmd-', 'm', '', 'y.2024-', 'x\u0002', 'given.'];
const suffixes = ['.0', '.1', '', '-2025.0', '\u0002y', '.00'];
const digits = fc.oneof(
  fc.nat({ max: 40 }).map(String),
  fc.nat({ max: 5000 }).map(String),
  fc.nat().map(String),
  // Leading zeros, and widths a template keeps apart.
  fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 999 })).map(([zeros, n]) => '0'.repeat(zeros) + String(n)),
  // Huge: beyond what a template holds, and just at its limit.
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  fc.constantFrom('999999999999999', '1000000000000000', '0', '00'),
);
const templated = fc.tuple(fc.constantFrom(...prefixes), digits, fc.constantFrom(...suffixes)).map(([p, d, s]) => p + d + s);
/** Two numbers, as in `c.2024-7A.512.0` with other than the last varying. */
const twoRuns = fc.tuple(fc.nat({ max: 30 }), fc.nat({ max: 3 })).map(([a, b]) => `c.2024-7A.${a}.${b}`);
/** Many numbers of few templates, dense (four digits) and sparse (ten digits). */
const focused = fc
  .tuple(fc.constantFrom('cmd-', 'c.2024-7A.'), fc.oneof(fc.integer({ min: 1000, max: 1400 }), fc.integer({ min: 1_000_000_000, max: 9_999_999_999 })), fc.constantFrom('.0', ''))
  .map(([p, n, s]) => `${p}${n}${s}`);
const anyId = fc.oneof(templated, twoRuns, focused, focused, fc.string({ maxLength: 12 }), fc.uuid(), fc.stringMatching(/^[a-c0-9.]{0,8}$/));

/** Ids with repeats: picks from a pool, so that the same text comes back. */
const idSequence = fc.array(anyId, { minLength: 1, maxLength: 200 }).chain((pool) => fc.array(fc.constantFrom(...pool), { maxLength: 600 }));
/** Near misses of an id: one of its runs of digits changed (another number, a leading zero, one digit more or less). */
const nearMiss = (id: string, how: number): string => {
  const runs = [...id.matchAll(/[0-9]+/g)];
  const run = runs[how % Math.max(1, runs.length)];
  if (run === undefined) return `${id}0`;
  const at = run.index ?? 0;
  const digits = run[0];
  const changed = [String(Number(digits) + 1), `0${digits}`, digits.slice(1), `${digits}7`, String(Math.max(0, Number(digits) - 1)), '1234'][how % 6] as string;
  return id.slice(0, at) + changed + id.slice(at + digits.length);
};

describe('the compact set of event ids', () => {
  it('answers as a Set<string> does, for any sequence of ids (property)', () => {
    fc.assert(
      fc.property(idSequence, fc.array(anyId, { maxLength: 40 }), (ids, probes) => {
        const set = emptyEventIdSet();
        const plain = new Map<string, number>();
        ids.forEach((id, index) => {
          const line = index + 2;
          const first = plain.get(id);
          const answer = addEventId(set, id, line);
          if (first === undefined) {
            expect(answer).toBe(0);
            plain.set(id, line);
          } else {
            // The first line where it is kept, -1 where only its bit is.
            expect(answer === first || answer === -1).toBe(true);
          }
        });
        const near = ids.flatMap((id, k) => [nearMiss(id, k), nearMiss(id, k + 1), nearMiss(id, k + 2)]);
        const wrong = [...ids, ...probes, ...near].filter((id) => hasEventId(set, id) !== plain.has(id));
        expect(wrong).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('answers exactly for long runs of numbered ids, in order, in reverse and shuffled (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat(), fc.constantFrom('asc', 'desc', 'shuffled') as fc.Arbitrary<'asc' | 'desc' | 'shuffled'>, fc.nat({ max: 40 }), (n, seed, order, gap) => {
        const numbers = Array.from({ length: n }, (_, k) => k * (gap + 1));
        if (order === 'desc') numbers.reverse();
        if (order === 'shuffled') for (let k = numbers.length - 1, s = seed; k > 0; k--) {
          s = (s * 1103515245 + 12345) >>> 0;
          const j = s % (k + 1);
          [numbers[k], numbers[j]] = [numbers[j] as number, numbers[k] as number];
        }
        const set = emptyEventIdSet();
        expect(numbers.filter((k) => addEventId(set, `c.2024-7A.${k}.0`, 2) !== 0)).toEqual([]);
        expect(numbers.filter((k) => addEventId(set, `c.2024-7A.${k}.0`, 3) === 0)).toEqual([]);
        // Every number between and around them that was not added is absent.
        const wrong: number[] = [];
        for (let k = 0; k <= n * (gap + 1) + 31; k++) if (hasEventId(set, `c.2024-7A.${k}.0`) !== (k % (gap + 1) === 0 && k < n * (gap + 1))) wrong.push(k);
        expect(wrong).toEqual([]);
        expect(hasEventId(set, 'c.2024-7A.00.0')).toBe(false);
        expect(hasEventId(set, 'c.2024-7A.1.00')).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('learns no template from two ids whose texts around a number only look alike (control characters)', () => {
    // Both read `a\u0001\u0002b` with the number taken out and its width put in.
    const set = emptyEventIdSet();
    expect(addEventId(set, 'a5\u0002b', 2)).toBe(0);
    expect(addEventId(set, 'a\u000177b', 3)).toBe(0);
    expect([hasEventId(set, 'a5\u0002b'), hasEventId(set, 'a\u000177b'), hasEventId(set, 'a\u000176b')]).toEqual([true, true, false]);
  });

  it('keeps apart templates whose texts hash alike (`Aa` and `BB`)', () => {
    const set = emptyEventIdSet();
    for (const k of [1, 2, 3]) expect(addEventId(set, `xAa${k}.0`, k + 1)).toBe(0);
    for (const k of [5, 6, 7]) expect(addEventId(set, `xBB${k}.0`, k + 1)).toBe(0);
    expect(set.loose.size).toBe(0);
    expect([1, 2, 3, 5, 6, 7].flatMap((k) => [hasEventId(set, `xAa${k}.0`), hasEventId(set, `xBB${k}.0`)])).toEqual([true, false, true, false, true, false, false, true, false, true, false, true]);
    // Two loose ids whose templates would hash alike learn none from each other.
    const other = emptyEventIdSet();
    expect(addEventId(other, 'xAa1.0', 2)).toBe(0);
    expect(addEventId(other, 'xBB2.0', 3)).toBe(0);
    expect(['xAa1.0', 'xBB2.0', 'xBB1.0', 'xAa2.0'].map((id) => hasEventId(other, id))).toEqual([true, true, false, false]);
  });

  it('after many ids of no template (tried less often then), still answers exactly and still learns templates', () => {
    const opaque = (k: number): string => `${(k * 2654435761) % 4294967291}-f${k % 7}e-${k}a.0`;
    const set = emptyEventIdSet();
    const plain = new Set<string>();
    const add = (id: string): void => {
      expect(addEventId(set, id, 2) === 0).toBe(!plain.has(id));
      plain.add(id);
    };
    for (let k = 0; k < 20_000; k++) add(opaque(k));
    expect(set.stride).toBeGreaterThan(1);
    for (let k = 0; k < 5_000; k++) {
      add(`c.2024-7A.${k}.0`);
      add(opaque(20_000 + k));
      if (k % 100 === 0) add(opaque(k));
    }
    expect(set.loose.size).toBeLessThan(25_000 + 200);
    const probes = [...plain].slice(-3000).concat(Array.from({ length: 6000 }, (_, k) => `c.2024-7A.${k}.0`), Array.from({ length: 100 }, (_, k) => opaque(30_000 + k)));
    expect(probes.filter((id) => hasEventId(set, id) !== plain.has(id))).toEqual([]);
  });

  it('keeps numbered ids as bits, not as text, and other ids with their first line', () => {
    const set = emptyEventIdSet();
    for (let k = 0; k < 10_000; k++) addEventId(set, `c.2024-7A.${k}.0`, k + 2);
    expect(set.loose.size).toBeLessThanOrEqual(4);
    expect(set.templates.size).toBeLessThanOrEqual(5);
    expect(eventIdFirstLine(set, 'c.2024-7A.512.0')).toBe(-1);
    addEventId(set, '3f2a9c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b.0', 12_000);
    expect(addEventId(set, '3f2a9c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b.0', 12_001)).toBe(12_000);
    expect(eventIdFirstLine(set, 'c.2024-7A.10000.0')).toBe(0);
  });
});
