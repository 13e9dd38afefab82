import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeId, emptyIdCache, emptyLedgerTables, emptyMomentCache, encodeId, instantCode, isIdOfCode, instantOfCode, isoOfMillis, lastArenaNumber, slotBlock, slotChunk, localValueNumberOf, momentOf, occurredAtOfMoment, recordedAtOfMoment, valueAt, valueNumberOf } from './ledgerTables';

/*
 * The tables turn strings into numbers and back; whatever the input, the way back must give
 * the very text that went in (the read models show ids and instants as the events carried them).
 */

/** Ids of every shape: numbered (with leading zeros, huge numbers up to 12 digits, beyond what a code holds, digits around), UUID-like, any text. */
const arbId = fc.oneof(
  fc.tuple(fc.constantFrom('m', 'a', 'c.2024-7A.', 'x-', '', '7', 'L0'), fc.tuple(fc.nat({ max: 3_000_000_000 }), fc.nat({ max: 3 })).map(([low, high]) => low + high * 3_000_000_000), fc.constantFrom('', '.0', '.1', '-b', '9'), fc.boolean()).map(
    ([prefix, n, suffix, zero]) => `${prefix}${zero ? '0' : ''}${n}${suffix}`,
  ),
  fc.uuid(),
  fc.string({ maxLength: 12 }),
);

/** Runs of ids of one template (what a class's stream gives), mixed with others. */
const arbIdRuns = fc.array(fc.oneof(arbId.map((id) => [id]), fc.tuple(fc.constantFrom('m', 'c.2019-11B.'), fc.nat({ max: 100_000 }), fc.integer({ min: 1, max: 20 }), fc.constantFrom('', '.0')).map(([p, start, count, s]) => Array.from({ length: count }, (_, k) => `${p}${start + k}${s}`))), { maxLength: 30 }).map((runs) => runs.flat());

describe('ledger tables', () => {
  it('give back every id encoded, whatever its shape and the caches it went through', () => {
    fc.assert(
      fc.property(arbIdRuns, fc.array(fc.nat({ max: 2 }), { minLength: 1 }), (ids, cacheChoice) => {
        const tables = emptyLedgerTables();
        const caches = [emptyIdCache(), emptyIdCache(), emptyIdCache()];
        const codes = ids.map((id, k) => encodeId(tables, caches[cacheChoice[k % cacheChoice.length] as number] ?? emptyIdCache(), id));
        expect(codes.map((code) => decodeId(tables, code))).toEqual(ids);
        // And each code is recognised as its own id, and not as the others'.
        ids.forEach((id, k) => expect(isIdOfCode(tables, codes[k] as number, id)).toBe(true));
        ids.forEach((id, k) => expect(isIdOfCode(tables, codes[k] as number, `${id}0`)).toBe(false));
      }),
      { numRuns: 300 },
    );
  });

  it('keep a numbered id whose number a code cannot hold (2^31 and beyond, up to 10 digits) as text, and give it back', () => {
    const tables = emptyLedgerTables();
    const cache = emptyIdCache();
    const ids = ['m1', 'm2', `m${2 ** 31 - 1}`, `m${2 ** 31}`, `m${2 ** 32}`, 'm9999999999', 'm3'];
    const codes = ids.map((id) => encodeId(tables, cache, id));
    expect(codes.map((code) => decodeId(tables, code))).toEqual(ids);
    expect(tables.looseIds).toEqual(['m1', `m${2 ** 31}`, `m${2 ** 32}`, 'm9999999999']);
  });

  it('keep numbered ids of one template as numbers, not as texts', () => {
    const tables = emptyLedgerTables();
    const cache = emptyIdCache();
    for (let k = 0; k < 1000; k++) encodeId(tables, cache, `c.2024-7A.${k}.0`);
    // The first id waits for a second one to learn the template from.
    expect(tables.looseIds).toEqual(['c.2024-7A.0.0']);
    expect(tables.prefixes).toEqual(['c.2024-7A.']);
    expect(tables.suffixes).toEqual(['.0']);
  });

  it('give back every instant encoded, in the form it came in', () => {
    const arbInstant = fc.oneof(
      fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => `${d.toISOString().slice(0, 19)}Z`),
      fc.constantFrom('2021-02-29T10:00:00Z', '2024-02-29T10:00:00Z', '2024-02-30T10:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T10:00:60Z', '2024-01-01T10:00:00.123456Z', '0999-01-01T00:00:00Z', '2024-01-01T10:00:00.5Z'),
      fc.string({ maxLength: 24 }),
    );
    fc.assert(
      fc.property(fc.array(arbInstant, { maxLength: 20 }), (instants) => {
        const tables = emptyLedgerTables();
        const codes = instants.map((instant) => instantCode(tables, instant));
        expect(codes.map((code) => instantOfCode(tables, code))).toEqual(instants);
      }),
      { numRuns: 300 },
    );
  });

  it('encode an instant of years 1000-9999 as its milliseconds since the epoch, as Date.parse reads it', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), fc.boolean(), (date, withMillis) => {
        const iso = withMillis ? date.toISOString() : `${date.toISOString().slice(0, 19)}Z`;
        const code = instantCode(emptyLedgerTables(), iso);
        expect(Math.floor(code / 4)).toBe(Date.parse(iso));
        expect(code - Math.floor(code / 4) * 4).toBe(withMillis ? 0 : 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('write an instant of milliseconds as Date.toISOString does, for years 1000-9999, with and without milliseconds', () => {
    const first = Date.UTC(1000, 0, 1);
    const last = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const edges = [first, last, 0, Date.UTC(2000, 1, 29, 12), Date.UTC(2100, 1, 28, 23, 59, 59, 999), Date.UTC(2024, 2, 1), Date.UTC(1969, 11, 31, 23, 59, 59, 1)];
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: first, max: last }), fc.constantFrom(...edges)), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(isoOfMillis(ms, true)).toBe(iso);
        expect(isoOfMillis(ms, false)).toBe(`${iso.slice(0, 19)}Z`);
      }),
      { numRuns: 2000 },
    );
  });

  it('encode the edges of every year 1000-9999 (first and last instants, leap days, century years) as Date.parse reads them, and keep a 29 February of a common year as text', () => {
    // Random dates over nine thousand years seldom land on a leap day or a century's end, where a
    // hand-written days_from_civil would go wrong: every year's edges, once each.
    const tables = emptyLedgerTables();
    const wrong: string[] = [];
    for (let year = 1000; year <= 9999; year++) {
      const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
      const days = ['01-01T00:00:00.000Z', '02-28T23:59:59Z', '03-01T00:00:00Z', '12-31T23:59:59.999Z', ...(leap ? ['02-29T00:00:00.001Z', '02-29T23:59:59Z'] : [])];
      for (const rest of days) {
        const iso = `${year}-${rest}`;
        const code = instantCode(tables, iso);
        if (Math.floor(code / 4) !== Date.parse(iso) || instantOfCode(tables, code) !== iso) wrong.push(iso);
      }
      if (!leap) {
        const text = `${year}-02-29T00:00:00Z`;
        const code = instantCode(tables, text);
        if (code % 4 !== 2 || instantOfCode(tables, code) !== text) wrong.push(text);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keep the moments of marks, shared by marks recorded together', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('2024-09-02T09:40:00Z', '2024-09-02T10:40:00.000Z', 'odd'), fc.constantFrom('2024-09-02T09:45:00Z', '2024-09-02T09:40:00Z')), { maxLength: 40 }), (pairs) => {
        const tables = emptyLedgerTables();
        const cache = emptyMomentCache();
        const moments = pairs.map(([occurredAt, recordedAt]) => momentOf(tables, cache, occurredAt, recordedAt));
        expect(moments.map((m) => [occurredAtOfMoment(tables, m), recordedAtOfMoment(tables, m)])).toEqual(pairs);
        // A new moment only when the pair changes.
        expect(tables.momentCount).toBe(pairs.filter((p, k) => k === 0 || p[0] !== pairs[k - 1]?.[0] || p[1] !== pairs[k - 1]?.[1]).length);
      }),
    );
  });

  it('number each value once, a number and its text apart, and give it back', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 3 }), fc.constantFrom('1', '2', '-1')), { maxLength: 50 }), (values) => {
        const tables = emptyLedgerTables();
        const local = new Map<string | number, number>();
        const numbers = values.map((v, k) => (k % 2 === 0 ? valueNumberOf(tables, v) : localValueNumberOf(tables, local, v)));
        expect(numbers.map((n) => valueAt(tables, n))).toEqual(values);
        expect(tables.values.length).toBe(new Set(values).size);
      }),
    );
  });

  it('make chunks of zeros, apart from each other', () => {
    const tables = emptyLedgerTables();
    const length = (k: number): number => (k % 3 === 0 ? 64 * 13 : 64 * 7);
    // Each filled before the next is made: a chunk made after another was written is still all zeros.
    const chunks = Array.from({ length: 20 }, (_, k) => {
      const chunk = slotChunk(tables, length(k));
      expect(chunk.length).toBe(length(k));
      expect(chunk.every((x) => x === 0)).toBe(true);
      chunk.fill(k + 1);
      return chunk;
    });
    chunks.forEach((chunk, k) => {
      expect(chunk.length).toBe(length(k));
    });
    chunks.forEach((chunk, k) => expect(chunk.every((x) => x === k + 1)).toBe(true));
  });

  it('cut blocks of zeros from arenas, apart from each other, however many and however long', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 60 }), (lengths) => {
        const tables = emptyLedgerTables();
        // Each block filled with its own number before the next is cut: none may see another's.
        const blocks = lengths.map((length, k) => {
          const base = slotBlock(tables, length);
          const arena = tables.arenas[lastArenaNumber(tables)] as number[];
          expect(base + length).toBeLessThanOrEqual(arena.length);
          expect(arena.slice(base, base + length).every((x) => x === 0)).toBe(true);
          arena.fill(k + 1, base, base + length);
          return { arena, base, length };
        });
        blocks.forEach(({ arena, base, length }, k) => expect(arena.slice(base, base + length).every((x) => x === k + 1)).toBe(true));
      }),
      { numRuns: 50 },
    );
  });
});
