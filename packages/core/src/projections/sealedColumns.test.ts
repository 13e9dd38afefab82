import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyLedgerTables, SEALED_SLAB_BYTES, sealColumns, sealedValue, sealScratch, type LedgerTables } from './ledgerTables';

/*
 * `sealColumns` and `sealedValue` on their own: any integers exact in a double, of either sign,
 * in columns whose ranges fall at and around every width's limit (0 to 7 bytes), block after
 * block through the slabs' doublings and past a full slab, must read back exactly, every earlier
 * block too once later ones were sealed from the same scratch.
 */

/** The largest range each width holds, and the first it does not. */
const LIMITS = [0, 1, 255, 256, 2 ** 16 - 1, 2 ** 16, 2 ** 24 - 1, 2 ** 24, 2 ** 32 - 1, 2 ** 32, 2 ** 40 - 1, 2 ** 40, 2 ** 48 - 1, 2 ** 48, 2 ** 53 - 1];
const widthOfRange = (range: number): number => [0, 1, 2, 3, 4, 5, 6, 7].find((w) => range < 2 ** (8 * w)) ?? 7;

/** A column: its least value and range, and where in the range each entry's value lies (0 and the range itself always among them). */
const arbColumn = fc.constantFrom(...LIMITS).chain((range) =>
  fc
    .oneof(
      fc.integer({ min: -1_000, max: 1_000 }),
      fc.constantFrom(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - range, -1, 0),
      fc.double({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER - range, noNaN: true }).map(Math.round),
    )
    // A least value with least + range still exact; no -0 (the callers keep none in a column: see `sealMarkBlock`).
    .map((least) => ({ least: Math.max(-Number.MAX_SAFE_INTEGER, Math.min(least, Number.MAX_SAFE_INTEGER - range)) + 0, range })),
);

type Block = { readonly columns: number; readonly entries: number; readonly values: number[][] };

const arbBlock = fc.integer({ min: 1, max: 8 }).chain((columns) =>
  fc.tuple(fc.array(arbColumn, { minLength: columns, maxLength: columns }), fc.integer({ min: 1, max: 64 }), fc.nat()).map(([cols, entries, seed]): Block => ({
    columns,
    entries,
    values: cols.map(({ least, range }, c) =>
      Array.from({ length: entries }, (_, j) => {
        if (j === (seed + c) % entries) return least;
        if (j === (seed + c + 1) % entries || entries === 1) return least + range;
        // Offsets of every byte pattern: a multiplicative hash of (seed, c, j) within the range.
        const unit = (((seed + 1) * 2_654_435_761 + c * 40_503 + j * 97_531) % 1_000_003) / 1_000_003;
        return least + Math.floor(unit * range);
      }),
    ),
  })),
);

/** Puts a block's columns in the tables' scratch, with each column's least and largest, and seals them. */
const seal = (tables: LedgerTables, block: Block): number => {
  const scratch = sealScratch(tables, block.columns * block.entries);
  block.values.forEach((column, c) => {
    column.forEach((value, j) => {
      scratch[c * block.entries + j] = value;
    });
    tables.sealLeast[c] = Math.min(...column);
    tables.sealMost[c] = Math.max(...column);
  });
  return sealColumns(tables, block.columns, block.entries);
};

const readBack = (tables: LedgerTables, k: number, block: Block): number[][] =>
  block.values.map((column, c) => column.map((_, j) => sealedValue(tables, k, block.columns, block.entries, c, j)));

describe('sealed columns', () => {
  it("give back every integer exact in a double, whatever its column's range (every width, 0 to 7 bytes), block after block", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.array(arbBlock, { minLength: 1, maxLength: 8 }), (order, blocks) => {
        // Blocks of different column counts in one tables (as marks', grades' and attendance's): each is named by its head.
        const tables = emptyLedgerTables();
        const sealed = order.map((n) => {
          const block = blocks[n % blocks.length] as Block;
          const k = seal(tables, block);
          // The scratch is the tables' own: garbage in it afterwards must not matter.
          tables.sealScratch.fill(0.5);
          return { k, block };
        });
        for (const { k, block } of sealed) expect(readBack(tables, k, block)).toEqual(block.values);
        // Each column took the bytes its range needs, no more (a block's bytes start with its columns' starts).
        for (const { k, block } of sealed) {
          const where = tables.sealedBlocks[k] as number;
          const bytes = tables.sealedSlabs[Math.floor(where / SEALED_SLAB_BYTES)] as Uint8Array;
          const at = where % SEALED_SLAB_BYTES;
          block.values.forEach((column, c) => expect((bytes[at + c + 1] as number) - (bytes[at + c] as number)).toBe(widthOfRange(Math.max(...column) - Math.min(...column))));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('roll over to the next slab when a block does not fit, a block that fills a slab exactly too, and read every block back after', () => {
    const tables = emptyLedgerTables();
    const blocks: Array<{ k: number; block: Block }> = [];
    // One column of 4,094 one-byte entries: 2 bytes of starts + 4,094 = 4,096, the first slab exactly.
    const exact: Block = { columns: 1, entries: 4_094, values: [Array.from({ length: 4_094 }, (_, j) => -7 + (j % 256))] };
    blocks.push({ k: seal(tables, exact), block: exact });
    expect(tables.sealedSlabs.map((s) => s.length)).toEqual([4_096]);
    expect(tables.sealedUsed).toBe(4_096);
    // Then blocks of widths 1 to 7 until past several slabs, the 1 MB ones too.
    let n = 0;
    while (tables.sealedSlabs.length < 10) {
      const width = 1 + (n % 7);
      const range = 2 ** (8 * width) - 1 > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : 2 ** (8 * width) - 1;
      const entries = 4_094;
      const least = n % 2 === 0 ? -range - 3 : 1_000 + n;
      const block: Block = { columns: 1, entries, values: [Array.from({ length: entries }, (_, j) => (j === 0 ? least : j === 1 ? least + range : least + Math.floor(((j * 2_654_435_761) % 1_000_003) / 1_000_003 * range)))] };
      blocks.push({ k: seal(tables, block), block });
      n++;
    }
    expect(tables.sealedSlabs.slice(0, 9).map((s) => s.length)).toEqual([4_096, 8_192, 16_384, 32_768, 65_536, 131_072, 262_144, 524_288, SEALED_SLAB_BYTES]);
    // (Compared value by value: a deep comparison of millions of numbers takes seconds.)
    const wrong = blocks.flatMap(({ k, block }) => block.values[0]?.flatMap((value, j) => (sealedValue(tables, k, 1, block.entries, 0, j) === value ? [] : [{ k, j, value }])) ?? []);
    expect(wrong).toEqual([]);
    expect(blocks.length).toBeGreaterThan(100);
  });
});

describe('sealed columns past 4 GiB of sealed bytes', () => {
  it('read each block from its own slab when there are more than 4,096 slabs (a place past 2^32)', () => {
    const tables = emptyLedgerTables();
    const seal = (least: number, range: number): number => {
      const scratch = sealScratch(tables, 3);
      scratch[0] = least;
      scratch[1] = least + 1;
      scratch[2] = least + range;
      tables.sealLeast[0] = least;
      tables.sealMost[0] = least + range;
      return sealColumns(tables, 1, 3);
    };
    const first = seal(5, 300);
    // As if 4 GiB had been sealed since: 4,095 full slabs more (one slab, the same each time: only their count matters).
    const full = new Uint8Array(SEALED_SLAB_BYTES);
    while (tables.sealedSlabs.length < 4_096) tables.sealedSlabs.push(full);
    tables.sealedUsed = SEALED_SLAB_BYTES;
    const later = seal(1_000, 100_000);
    expect(tables.sealedSlabs.length).toBe(4_097);
    expect([0, 1, 2].map((j) => sealedValue(tables, first, 1, 3, 0, j))).toEqual([5, 6, 305]);
    expect([0, 1, 2].map((j) => sealedValue(tables, later, 1, 3, 0, j))).toEqual([1_000, 1_001, 101_000]);
  });
});
