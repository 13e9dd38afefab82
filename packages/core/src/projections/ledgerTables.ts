/*
 * The school ledger fold keeps marks, absences and grades as small integers in arrays (see
 * schoolLedger.ts). These are the tables that turn the strings of an event into such
 * integers and back, exactly (every decode gives back the string the event carried):
 *
 * - values: ids and labels that repeat (pupil, lesson, summative, subject, teacher, rule set,
 *   attendance code, grade label, percentage): each kept once, numbered in order of first use;
 * - numbered ids: ids made of a fixed text around a decimal number (`m1234`, `a17`,
 *   `c.2024-7A.512.0`), kept as the template's number and the id's number: the template is
 *   learnt from two consecutive ids of one cache (`IdCache`, one per class and kind of id) that
 *   differ only in that number. Ids of no template (UUIDs, say) are kept as they are, once each;
 * - instants: `YYYY-MM-DDTHH:mm:ssZ` and `YYYY-MM-DDTHH:mm:ss.sssZ` as milliseconds since the
 *   epoch, any other form as text; a mark keeps the number of its *moment* (its occurredAt and
 *   recordedAt), and marks recorded together (a lesson's) share one.
 *
 * Why: a mark's strings are the event's own, and events read from a store each carry their own
 * copies, so a fold that kept them would keep most of every mark event's text alive. The tables
 * live in the fold's state (never a module-level table): the fold stays pure and its state is
 * its own.
 */

/** Moments in blocks of slots (see `slotBlock`), two slots each. */
const MOMENT_SHIFT = 10;
const MOMENTS_PER_BLOCK = 1 << MOMENT_SHIFT;
const MOMENT_MASK = MOMENTS_PER_BLOCK - 1;

export type LedgerTables = {
  /** Values (strings, and numbers a slot cannot hold) by their number, and their numbers. */
  readonly values: Array<string | number>;
  readonly valueNumbers: Map<string | number, number>;
  /** Templates of numbered ids: the text before and after the number, by the template's number. */
  readonly prefixes: string[];
  readonly suffixes: string[];
  readonly templateNumbers: Map<string, number>;
  /** Ids of no template, each kept once (not looked up: an id is recorded once). */
  readonly looseIds: string[];
  /** Moments: occurredAt and recordedAt, encoded (`instantCode`), two per moment, in blocks (`slotBlock`): their arenas' numbers and offsets. */
  readonly moments: number[];
  readonly momentBases: number[];
  momentCount: number;
  /** Instants in a form other than the two encoded ones. */
  readonly looseInstants: string[];
  /** A chunk of zeros per length, never written: new chunks (full-size arenas) are its copies (see `slotChunk`). */
  readonly blankChunks: Map<number, Slots>;
  /** Arenas that blocks of slots are cut from (see `slotBlock`), and how much of the last is used. */
  readonly arenas: Slots[];
  arenaUsed: number;
  /**
   * Holes: blocks freed when their entries were sealed (see `sealColumns`), one list per length
   * of block (`holes`: blocks of marks; `attendanceHoles`: blocks of attendance entries), as
   * pairs of their arena's number and offset; the next block of that length is cut from the last
   * hole of its list, before the arenas' end (see `cutSlotBlock`).
   */
  readonly holes: number[];
  readonly attendanceHoles: number[];
  /** Sealed blocks' bytes (see `sealColumns`), in slabs, and how much of the last is used (bytes of unsealed blocks stay, unused). */
  readonly sealedSlabs: Uint8Array[];
  sealedUsed: number;
  /** Per sealed block, from its head on (see `sealColumns`): where its bytes are, and its columns' bases. */
  readonly sealedBlocks: number[];
  /** Room for the columns of the block being sealed, and their widths (see `sealScratch`). */
  readonly sealScratch: Slots;
  readonly sealLeast: Slots;
  readonly sealMost: Slots;
  readonly sealWidths: number[];
  /**
   * When a subject's block of marks (or of attendance) is sealed: as its block `sealLag` blocks
   * later fills (0: as soon as it fills itself; Infinity: never; grades, never written again, are
   * sealed as they fill unless Infinity). Infinity unless `ReplayOptions.sealBlocks` asks for
   * sealing (1 then); tests set 0 and Infinity.
   */
  sealLag: number;
  /**
   * Blocks of marks sealed, unsealed again by a change to one of their marks, blocks (of any
   * kind) cut from holes, blocks of grades sealed, blocks of attendance sealed and unsealed (the
   * fold's own counts, for the memory benchmark and the tests).
   */
  readonly sealCounts: { sealed: number; unsealed: number; holesReused: number; gradesSealed: number; attendanceSealed: number; attendanceUnsealed: number };
};

/**
 * Slots: numbers in a plain array that V8 keeps as unboxed doubles in its heap (one 8-byte word
 * each, which the garbage collector never traces: no pointer can be there), integers all of them
 * (exact below 2^53, so an id's template and number share one). Not typed arrays: their bytes
 * live outside V8's heap, and V8 answers every 64 MB of such memory with a full mark-compact of
 * the whole heap: in a process holding millions of events, seconds of marking per replay.
 */
export type Slots = number[];

/**
 * A new chunk of `length` slots, all 0: a copy of the tables' blank chunk of that length (a
 * copy of an array of doubles is one block copy, a quarter of the time two fills take). The
 * blank one is filled first with a fraction, so that V8 makes it an array of doubles from the
 * start (an array of small integers would be copied into one at the first id code above 2^31),
 * then with 0; its copies are arrays of doubles too.
 */
export const slotChunk = (tables: LedgerTables, length: number): Slots => {
  let blank = tables.blankChunks.get(length);
  if (blank === undefined) {
    blank = new Array<number>(length).fill(0.5).fill(0);
    tables.blankChunks.set(length, blank);
  }
  return blank.slice();
};

export const emptyLedgerTables = (): LedgerTables => ({
  values: [],
  valueNumbers: new Map(),
  prefixes: [],
  suffixes: [],
  templateNumbers: new Map(),
  looseIds: [],
  moments: [],
  momentBases: [],
  momentCount: 0,
  looseInstants: [],
  blankChunks: new Map(),
  arenas: [],
  arenaUsed: 0,
  holes: [],
  attendanceHoles: [],
  sealedSlabs: [],
  sealedUsed: 0,
  sealedBlocks: [],
  sealScratch: [],
  sealLeast: [],
  sealMost: [],
  sealWidths: [],
  sealLag: DEFAULT_SEAL_LAG,
  sealCounts: { sealed: 0, unsealed: 0, holesReused: 0, gradesSealed: 0, attendanceSealed: 0, attendanceUnsealed: 0 },
});

/**
 * Arenas: a state's marks, absences, grades, lessons and moments are blocks of slots cut from a few large
 * arrays, not small arrays of their own. Why: V8 allocates every new object in its young
 * generation and copies each one that survives twice (within it, then out of it), and slots
 * survive as long as the state: for a replay that was most of the garbage collector's time (a
 * fifth of the fold's). An array above V8's large-object size (128 KiB) is allocated in its own
 * pages, which the collector promotes whole, without copying. The first arenas are smaller (a
 * small state stays small), doubling up to `ARENA_MAX_SLOTS`.
 */
const ARENA_MIN_SLOTS = 1 << 11;
const ARENA_MAX_SLOTS = 1 << 15;

/**
 * A block of `length` slots, all 0, cut from the tables' last arena (a new one when it has no
 * room): returns the offset of its first slot in that arena, whose number is then
 * `lastArenaNumber(tables)`. Blocks refer to their arena by its number, not by the array itself:
 * a deep comparison or copy of a state (a test's `toEqual`) then walks each arena once, not once
 * for every block cut from it.
 * Blocks are never freed: they live as long as the state.
 */
export const slotBlock = (tables: LedgerTables, length: number): number => {
  const { arenas } = tables;
  const last = arenas[arenas.length - 1];
  if (last !== undefined && tables.arenaUsed + length <= last.length) {
    const base = tables.arenaUsed;
    tables.arenaUsed = base + length;
    return base;
  }
  let size = last === undefined ? ARENA_MIN_SLOTS : Math.min(ARENA_MAX_SLOTS, last.length * 2);
  while (size < length) size *= 2;
  // Full-size arenas are copies of one blank (a block copy, faster than two fills); the few
  // smaller first ones are filled, so that a small state keeps no blank of each size.
  arenas.push(size === ARENA_MAX_SLOTS ? slotChunk(tables, size) : new Array<number>(size).fill(0.5).fill(0));
  tables.arenaUsed = length;
  return 0;
};

/** The arena the last block was cut from. */
export const lastArenaNumber = (tables: LedgerTables): number => tables.arenas.length - 1;

/**
 * A new block of `length` slots at the end of a list of blocks kept as two arrays, the numbers of
 * their arenas and their offsets there (a subject's marks, say): cut, appended to both; returns
 * its offset.
 */
export const appendSlotBlock = (tables: LedgerTables, arenaNumbers: number[], bases: number[], length: number): number => {
  const base = slotBlock(tables, length);
  arenaNumbers.push(lastArenaNumber(tables));
  bases.push(base);
  return base;
};

/** A freed block of slots (its entries sealed), the hole the next block of its length is cut from: kept in `holes`, its length's list (see `LedgerTables.holes`). */
export const freeSlotBlock = (holes: number[], arena: number, base: number): void => {
  holes.push(arena, base);
};

/**
 * `appendSlotBlock` for blocks of the length of `holes`' (a list of `LedgerTables`, see
 * `LedgerTables.holes`): cut from its last hole if there is one (its slots are not cleared: the
 * caller writes each entry's slots before it reads them), else from the arenas.
 */
export const cutSlotBlock = (tables: LedgerTables, holes: number[], arenaNumbers: number[], bases: number[], length: number): number => {
  if (holes.length === 0) return appendSlotBlock(tables, arenaNumbers, bases, length);
  const base = holes.pop() as number;
  arenaNumbers.push(holes.pop() as number);
  tables.sealCounts.holesReused++;
  bases.push(base);
  return base;
};

/**
 * Puts sealed block `b` of `blocks` (its arena's number, or -1 - its head if sealed; `bases` its
 * offsets) back in slots, for good: a block of `entries` entries of `slotsPerEntry` slots cut from
 * `holes` (see `cutSlotBlock`), each slot as `sealedSlot` reads it from the sealed columns. Returns
 * whether the block was sealed (a block in slots is left as it is).
 */
export const unsealSlotBlock = (
  tables: LedgerTables,
  holes: number[],
  blocks: number[],
  bases: number[],
  b: number,
  entries: number,
  slotsPerEntry: number,
  sealedSlot: (tables: LedgerTables, head: number, j: number, slot: number) => number,
): boolean => {
  const sealed = blocks[b] as number;
  if (sealed >= 0) return false;
  const head = -1 - sealed;
  const arenaNumbers: number[] = [];
  const cut: number[] = [];
  const base = cutSlotBlock(tables, holes, arenaNumbers, cut, entries * slotsPerEntry);
  const slots = tables.arenas[arenaNumbers[0] as number] as Slots;
  for (let j = 0; j < entries; j++) for (let slot = 0; slot < slotsPerEntry; slot++) slots[base + j * slotsPerEntry + slot] = sealedSlot(tables, head, j, slot);
  blocks[b] = arenaNumbers[0] as number;
  bases[b] = base;
  return true;
};

// --- sealed blocks: columns of integers in as few bytes as they need -------------------------

/**
 * A block of entries that will hardly change again is *sealed*: its slots, split into columns
 * of integers (a pair into its two numbers, flags into their fields), are kept column by column,
 * each as its base (its least value) and every entry's offset from it in the fewest bytes that
 * hold the column's largest (0 to 7: a column of one value takes none). Reading entry j's value
 * in a column stays O(1): base + the offset's bytes at the column's start + j × its width.
 *
 * The bytes are in slabs of up to `SEALED_SLAB_BYTES` (typed arrays: a block is sealed in a few
 * microseconds only if its bytes are stored, not built into a string); a block's bytes start
 * with its columns' starts in units of its entries (the running sum of their widths, `columns` +
 * 1 bytes: column c is `entries` × start(c) bytes after them, its width start(c + 1) - start(c)).
 * Typed arrays' bytes are outside V8's heap, where every 64 MB makes a full mark-compact (see
 * `Slots`): sealed marks take about 13 bytes each, and with grades and attendance the sealed bytes
 * of the generated school's eight years are 42 MB, so a replay pays for at most one. `sealedBlocks` holds, per sealed block from its
 * *head* on (its place there, which names the block: blocks of marks, grades and attendance have
 * different numbers of columns), where its bytes are (slab × `SEALED_SLAB_BYTES` + offset) and
 * its columns' bases (doubles).
 */
export const SEALED_SLAB_BYTES = 1 << 20;
/** The first slab's size, doubling up to `SEALED_SLAB_BYTES` (a small state stays small; a deep comparison of two states walks every byte). */
const SEALED_SLAB_MIN = 1 << 12;
const SLAB_SHIFT = 20;
const SLAB_MASK = SEALED_SLAB_BYTES - 1;
/** The lag `ReplayOptions.sealBlocks` sets: a block is sealed once its subject has filled the next. */
export const SEAL_LAG = 1;
/** Sealing is off unless asked for (`ReplayOptions.sealBlocks`): it costs the fold time. */
export const DEFAULT_SEAL_LAG = Number.POSITIVE_INFINITY;

/** Bytes an offset up to `range` needs (up to 7: offsets below 2^53). */
const widthOf = (range: number): number => (range < 256 ? (range === 0 ? 0 : 1) : range < 65_536 ? 2 : range < 16_777_216 ? 3 : range < 4_294_967_296 ? 4 : range < 2 ** 40 ? 5 : range < 2 ** 48 ? 6 : 7);

/**
 * The tables' scratch of `length` numbers (doubles), where a caller puts the columns of a block
 * to seal (column c's entries from c × entries on), and each column's least and largest value in
 * `sealLeast` and `sealMost` (the caller finds them as it splits the slots: one pass, not two),
 * before `sealColumns`.
 */
export const sealScratch = (tables: LedgerTables, length: number): Slots => {
  const scratch = tables.sealScratch;
  while (scratch.length < length) scratch.push(0.5);
  return scratch;
};

/**
 * Seals `entries` entries of `columns` columns from the tables' scratch (see `sealScratch`; each
 * an integer of either sign, exact in a double); returns the sealed block's head (its place in
 * `sealedBlocks`, which `sealedValue` reads it by).
 */
export const sealColumns = (tables: LedgerTables, columns: number, entries: number): number => {
  const values = tables.sealScratch;
  const { sealedBlocks, sealLeast, sealMost } = tables;
  const head = sealedBlocks.length;
  sealedBlocks.push(0);
  let total = 0;
  const widths = tables.sealWidths;
  for (let c = 0; c < columns; c++) {
    const least = sealLeast[c] as number;
    sealedBlocks.push(least);
    const width = widthOf((sealMost[c] as number) - least);
    widths[c] = width;
    total += width;
  }
  const length = columns + 1 + entries * total;
  let slab = tables.sealedSlabs[tables.sealedSlabs.length - 1];
  if (slab === undefined || tables.sealedUsed + length > slab.length) {
    slab = new Uint8Array(Math.max(slab === undefined ? SEALED_SLAB_MIN : Math.min(SEALED_SLAB_BYTES, slab.length * 2), length));
    tables.sealedSlabs.push(slab);
    tables.sealedUsed = 0;
  }
  const bytes: Uint8Array = slab;
  const at = tables.sealedUsed;
  tables.sealedUsed = at + length;
  sealedBlocks[head] = (tables.sealedSlabs.length - 1) * SEALED_SLAB_BYTES + at;
  let start = 0;
  let p = at + columns + 1;
  for (let c = 0; c < columns; c++) {
    bytes[at + c] = start;
    const width = widths[c] as number;
    start += width;
    const base = sealedBlocks[head + 1 + c] as number;
    const from = c * entries;
    const to = from + entries;
    // Stores into a Uint8Array keep the low 8 bits: each byte is the offset shifted.
    if (width === 1) for (let j = from; j < to; j++) bytes[p++] = ((values[j] as number) - base) | 0;
    else if (width === 2)
      for (let j = from; j < to; j++, p += 2) {
        const v = ((values[j] as number) - base) | 0;
        bytes[p] = v;
        bytes[p + 1] = v >> 8;
      }
    else if (width === 3)
      for (let j = from; j < to; j++, p += 3) {
        const v = ((values[j] as number) - base) | 0;
        bytes[p] = v;
        bytes[p + 1] = v >> 8;
        bytes[p + 2] = v >> 16;
      }
    else if (width > 0)
      for (let j = from; j < to; j++) {
        let v = (values[j] as number) - base;
        for (let b = 0; b < width; b++, p++) {
          const low = v % 256;
          bytes[p] = low;
          v = (v - low) / 256;
        }
      }
  }
  bytes[at + columns] = start;
  return head;
};

/**
 * `sealColumns` with each column's least and largest value found here, in a second pass over the
 * scratch (for blocks sealed seldom enough that the pass does not matter: grades, attendance).
 */
export const sealScratchColumns = (tables: LedgerTables, columns: number, entries: number): number => {
  const { sealScratch: values, sealLeast: least, sealMost: most } = tables;
  for (let c = 0; c < columns; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = c * entries; j < (c + 1) * entries; j++) {
      const v = values[j] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    least[c] = lo;
    most[c] = hi;
  }
  return sealColumns(tables, columns, entries);
};

/** The slab a sealed block's bytes are in, from its place (slab × `SEALED_SLAB_BYTES` + offset). */
const slabOf = (tables: LedgerTables, where: number): Uint8Array =>
  // A shift reads a uint32: past 4,096 slabs (4 GiB sealed) the place is above 2^32 and needs a division.
  tables.sealedSlabs[where < 4_294_967_296 ? where >>> SLAB_SHIFT : Math.floor(where / SEALED_SLAB_BYTES)] as Uint8Array;

/** The bytes the sealed block at `head` (of `columns` columns and `entries` entries) takes: its bytes in a slab, its place and bases. */
export const sealedBlockBytes = (tables: LedgerTables, head: number, columns: number, entries: number): number => {
  const where = tables.sealedBlocks[head] as number;
  // The offset's bits are the place's lowest 20, which `&` keeps however large the place (2^32 is a multiple of the slab).
  return columns + 1 + entries * (slabOf(tables, where)[(where & SLAB_MASK) + columns] as number) + (columns + 1) * 8;
};

/** Entry `j`'s value in column `c` of the sealed block at `head` (of `columns` columns and `entries` entries). */
export const sealedValue = (tables: LedgerTables, head: number, columns: number, entries: number, c: number, j: number): number => {
  const where = tables.sealedBlocks[head] as number;
  const bytes = slabOf(tables, where);
  const block = where & SLAB_MASK;
  const start = bytes[block + c] as number;
  const width = (bytes[block + c + 1] as number) - start;
  const base = tables.sealedBlocks[head + 1 + c] as number;
  const at = block + columns + 1 + entries * start + j * width;
  switch (width) {
    case 0:
      return base;
    case 1:
      return base + (bytes[at] as number);
    case 2:
      return base + ((bytes[at] as number) | ((bytes[at + 1] as number) << 8));
    case 3:
      return base + ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16));
    default: {
      let offset = 0;
      for (let b = width - 1; b >= 0; b--) offset = offset * 256 + (bytes[at + b] as number);
      return base + offset;
    }
  }
};

// --- pairs of small numbers in one slot -------------------------------------------------

/**
 * Two value numbers (or other small non-negative integers) in one slot: `high × PAIR_UNIT + low`,
 * both below 2^26 (a slot is a double, exact to 2^53). A state numbers its values in order of
 * first use, a few tens of thousands a school year: 2^26 (67 million) is centuries of them. A pair
 * that does not fit is the caller's to keep elsewhere (each layout says where).
 */
export const PAIR_UNIT = 2 ** 26;
export const fitsPair = (high: number, low: number): boolean => high < PAIR_UNIT && low < PAIR_UNIT;
export const highOfPair = (slot: number): number => Math.floor(slot / PAIR_UNIT);
export const lowOfPair = (slot: number): number => slot - Math.floor(slot / PAIR_UNIT) * PAIR_UNIT;

// --- values -------------------------------------------------------------------------------

/** The number of a value (given one on first use). */
export const valueNumberOf = (tables: LedgerTables, value: string | number): number => {
  let n = tables.valueNumbers.get(value);
  if (n === undefined) {
    n = tables.values.length;
    tables.values.push(value);
    tables.valueNumbers.set(value, n);
  }
  return n;
};

/**
 * The number of a value, looked up first in `local`, a small map of the values one class uses
 * (its pupils, lessons, codes: a few hundred, which stay in the processor's cache, where the
 * tables' map of every value of the school does not).
 */
export const localValueNumberOf = (tables: LedgerTables, local: Map<string | number, number>, value: string | number): number => {
  let n = local.get(value);
  if (n === undefined) {
    n = valueNumberOf(tables, value);
    local.set(value, n);
  }
  return n;
};

/** The one copy the tables keep of a string (the string itself, the first time). */
export const sharedString = (tables: LedgerTables, value: string): string => tables.values[valueNumberOf(tables, value)] as string;

export const valueAt = (tables: LedgerTables, n: number): string | number => tables.values[n] as string | number;

// --- numbered ids -------------------------------------------------------------------------

/**
 * Where one kind of id of one class was last encoded: its template (-1: none yet), and the last
 * id that fit no template (to learn a template from it and the next one).
 */
export type IdCache = { template: number; prefix: string; suffix: string; pending: string | undefined };

export const emptyIdCache = (): IdCache => ({ template: -1, prefix: '', suffix: '', pending: undefined });

const ZERO = 48;
const NINE = 57;
const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;
/** Largest number an id's slot holds. */
const MAX_ID_NUMBER = 0x7fffffff;

/**
 * The number between `prefix` and `suffix` in `id`, or -1 if `id` is not that template's: digits
 * only, in canonical form (no leading zero, so that the decoded id is the same text), and small
 * enough for an int32.
 */
const numberIn = (id: string, prefix: string, suffix: string): number => {
  const length = id.length;
  const end = length - suffix.length;
  const start = prefix.length;
  if (end <= start || end - start > 10) return -1;
  // A long prefix compared as a whole (a copy and a compare in native code beat a charCodeAt per
  // character), a short one and the suffix a character at a time (cheaper than startsWith/endsWith).
  if (start > 4) {
    if (id.slice(0, start) !== prefix) return -1;
  } else for (let k = 0; k < start; k++) if (id.charCodeAt(k) !== prefix.charCodeAt(k)) return -1;
  for (let k = end; k < length; k++) if (id.charCodeAt(k) !== suffix.charCodeAt(k - end)) return -1;
  if (id.charCodeAt(start) === ZERO && end - start > 1) return -1;
  let n = 0;
  for (let k = start; k < end; k++) {
    const c = id.charCodeAt(k);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - ZERO);
  }
  return n <= MAX_ID_NUMBER ? n : -1;
};

/**
 * The template two ids share if they differ only in one decimal number: the common text before
 * it (without trailing digits) and after it (without leading digits). Undefined when they differ
 * elsewhere, or not in digits.
 */
const templateOf = (a: string, b: string): { readonly prefix: string; readonly suffix: string } | undefined => {
  let p = 0;
  const shorter = Math.min(a.length, b.length);
  while (p < shorter && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  while (p > 0 && isDigit(a.charCodeAt(p - 1))) p--;
  let s = 0;
  while (s < shorter - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  while (s > 0 && isDigit(a.charCodeAt(a.length - s))) s--;
  const prefix = a.slice(0, p);
  const suffix = a.slice(a.length - s);
  return numberIn(a, prefix, suffix) >= 0 && numberIn(b, prefix, suffix) >= 0 ? { prefix, suffix } : undefined;
};

/**
 * An id as one number (a double, exact below 2^53): (its template's number + 1) × 2^32 + the
 * id's number, or, for an id of no template, its number in `looseIds` (template part 0).
 */
export const TEMPLATE_UNIT = 2 ** 32;
/** Template numbers the code holds (2^21 - 1 of them); an id of a later template is kept as text. */
const MAX_TEMPLATE = 2 ** 21 - 2;

/**
 * `slots[at] = encodeId(tables, cache, id)`, written in place: a code above 2^31 returned from a
 * call the JIT does not inline is boxed (a heap object per id), one written where it is computed
 * is not. The fold writes every mark's, absence's and grade's ids this way.
 */
export const writeId = (tables: LedgerTables, cache: IdCache, id: string, slots: Slots, at: number): void => {
  if (cache.template >= 0) {
    const n = numberIn(id, cache.prefix, cache.suffix);
    if (n >= 0) {
      slots[at] = (cache.template + 1) * TEMPLATE_UNIT + n;
      return;
    }
  }
  slots[at] = encodeIdSlowly(tables, cache, id);
};

/** The code of an id (see `TEMPLATE_UNIT`), learning the cache's template on the way (`writeId`, returned). */
export const encodeId = (tables: LedgerTables, cache: IdCache, id: string): number => {
  const slot: Slots = [0.5];
  writeId(tables, cache, id, slot, 0);
  return slot[0] as number;
};

const encodeIdSlowly = (tables: LedgerTables, cache: IdCache, id: string): number => {
  const learnt = cache.pending === undefined ? undefined : templateOf(cache.pending, id);
  if (learnt !== undefined) {
    const key = `${learnt.prefix}\u0000${learnt.suffix}`;
    let template = tables.templateNumbers.get(key);
    if (template === undefined && tables.prefixes.length <= MAX_TEMPLATE) {
      template = tables.prefixes.length;
      tables.prefixes.push(learnt.prefix);
      tables.suffixes.push(learnt.suffix);
      tables.templateNumbers.set(key, template);
    }
    if (template !== undefined) {
      cache.template = template;
      cache.prefix = learnt.prefix;
      cache.suffix = learnt.suffix;
      cache.pending = undefined;
      return (template + 1) * TEMPLATE_UNIT + numberIn(id, learnt.prefix, learnt.suffix);
    }
  }
  cache.pending = id;
  tables.looseIds.push(id);
  return tables.looseIds.length - 1;
};

/** The id of a code. */
export const decodeId = (tables: LedgerTables, code: number): string => {
  const template = Math.floor(code / TEMPLATE_UNIT);
  const n = code - template * TEMPLATE_UNIT;
  return template === 0 ? (tables.looseIds[n] as string) : `${tables.prefixes[template - 1] as string}${n}${tables.suffixes[template - 1] as string}`;
};

/** Whether `id` is the id of this code (without decoding it). */
export const isIdOfCode = (tables: LedgerTables, code: number, id: string): boolean => {
  const template = Math.floor(code / TEMPLATE_UNIT);
  const n = code - template * TEMPLATE_UNIT;
  if (template === 0) return tables.looseIds[n] === id;
  return numberIn(id, tables.prefixes[template - 1] as string, tables.suffixes[template - 1] as string) === n;
};

// --- instants and moments -----------------------------------------------------------------

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const digitsAt = (s: string, at: number, count: number): number => {
  let n = 0;
  for (let k = at; k < at + count; k++) {
    const c = s.charCodeAt(k);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - ZERO);
  }
  return n;
};

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
 * `days_from_civil`): what `Date.UTC` computes, by arithmetic, without a call into the runtime.
 */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
};

/**
 * An instant as a number: milliseconds × 4 + its form (0: with milliseconds, 1: without, 2: its
 * number in `looseInstants`). Only a text that formats back to itself is encoded as a time.
 */
export const instantCode = (tables: LedgerTables, instant: string): number => {
  const length = instant.length;
  const withMillis = length === 24;
  if ((length === 20 || withMillis) && instant.charCodeAt(length - 1) === 90 /* Z */ && instant.charCodeAt(4) === 45 && instant.charCodeAt(7) === 45 && instant.charCodeAt(10) === 84 && instant.charCodeAt(13) === 58 && instant.charCodeAt(16) === 58 && (!withMillis || instant.charCodeAt(19) === 46)) {
    const year = digitsAt(instant, 0, 4);
    const month = digitsAt(instant, 5, 2);
    const day = digitsAt(instant, 8, 2);
    const hour = digitsAt(instant, 11, 2);
    const minute = digitsAt(instant, 14, 2);
    const second = digitsAt(instant, 17, 2);
    const millis = withMillis ? digitsAt(instant, 20, 3) : 0;
    const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
    if (year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= (DAYS_IN_MONTH[month - 1] as number) + leap && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && millis >= 0)
      return (daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis) * 4 + (withMillis ? 0 : 1);
  }
  tables.looseInstants.push(instant);
  return (tables.looseInstants.length - 1) * 4 + 2;
};

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `YYYY-MM-DDTHH:mm:ss[.sss]Z` of milliseconds since the epoch, for years 1000-9999 (the only ones
 * `instantCode` encodes): what `new Date(ms).toISOString()` gives, by arithmetic (days to a civil
 * date after H. Hinnant's `civil_from_days`). Queries decode an instant per grade they show, and
 * `toISOString` made that the most expensive step of rendering a report card.
 */
export const isoOfMillis = (ms: number, withMillis: boolean): string => {
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const millis = rest - second * 1000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const time = `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`;
  return withMillis ? `${time}.${three(millis)}Z` : `${time}Z`;
};

export const instantOfCode = (tables: LedgerTables, code: number): string => {
  const quarter = Math.floor(code / 4);
  const form = code - quarter * 4;
  if (form === 2) return tables.looseInstants[quarter] as string;
  return isoOfMillis(quarter, form === 0);
};

/**
 * A global position and a moment's number in one slot: position × `MOMENT_UNIT` + moment, for a
 * position below 2^31 (two billion events) and a moment below 2^22 (4 million: a school of 44
 * classes makes about 37,000 a year). 2^31 × 2^22 = 2^53: every such pair is exact in a double.
 * A pair that does not fit is the caller's to keep elsewhere (each layout says where).
 */
export const MOMENT_UNIT = 2 ** 22;
const MAX_PAIRED_POSITION = 0x7fffffff;
/** -0 does not fit: in a pair it would come back as 0 (it is kept elsewhere, as it was given). */
export const fitsPositionAndMoment = (position: number, moment: number): boolean =>
  Number.isInteger(position) && (position > 0 || Object.is(position, 0)) && position <= MAX_PAIRED_POSITION && moment < MOMENT_UNIT;
export const positionOfSlot = (slot: number): number => Math.floor(slot / MOMENT_UNIT);
export const momentOfSlot = (slot: number): number => slot - Math.floor(slot / MOMENT_UNIT) * MOMENT_UNIT;

/** Where a class last made a moment: its texts and number (marks recorded together share it). */
export type MomentCache = { occurredAt: string | undefined; recordedAt: string | undefined; moment: number };
export const emptyMomentCache = (): MomentCache => ({ occurredAt: undefined, recordedAt: undefined, moment: -1 });

/** Moment `m`'s block (its arena) and the offset of its first slot there. */
const momentChunk = (tables: LedgerTables, m: number): Slots => tables.arenas[tables.moments[m >> MOMENT_SHIFT] as number] as Slots;
const momentOffset = (tables: LedgerTables, m: number): number => (tables.momentBases[m >> MOMENT_SHIFT] as number) + (m & MOMENT_MASK) * 2;

/** The number of the moment of these two instants: the cache's if the same texts, else a new one. */
export const momentOf = (tables: LedgerTables, cache: MomentCache, occurredAt: string, recordedAt: string): number => {
  if (occurredAt === cache.occurredAt && recordedAt === cache.recordedAt) return cache.moment;
  const m = tables.momentCount;
  const at = (m & MOMENT_MASK) === 0 ? appendSlotBlock(tables, tables.moments, tables.momentBases, MOMENTS_PER_BLOCK * 2) : momentOffset(tables, m);
  const chunk = momentChunk(tables, m);
  chunk[at] = instantCode(tables, occurredAt);
  chunk[at + 1] = recordedAt === occurredAt ? (chunk[at] as number) : instantCode(tables, recordedAt);
  tables.momentCount = m + 1;
  cache.occurredAt = occurredAt;
  cache.recordedAt = recordedAt;
  cache.moment = m;
  return m;
};

/** Slot `k` (0: occurredAt, 1: recordedAt) of moment `m`. */
const momentSlot = (tables: LedgerTables, m: number, k: number): number => momentChunk(tables, m)[momentOffset(tables, m) + k] as number;
export const occurredAtOfMoment = (tables: LedgerTables, m: number): string => instantOfCode(tables, momentSlot(tables, m, 0));
export const recordedAtOfMoment = (tables: LedgerTables, m: number): string => instantOfCode(tables, momentSlot(tables, m, 1));
