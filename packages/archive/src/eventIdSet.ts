/*
 * The event ids of an archive, kept compactly, to find an id that repeats (a ledger records an
 * event once; a store would refuse the second half-way through an import).
 *
 * A Set<string> of a whole school's 4.26 million ids holds every id's text: hundreds of MB. But
 * ids are mostly a fixed text around a decimal number (`c.2024-7A.512.0`: a command id and the
 * event's index, the command numbered in its class's stream; `cmd-000123.0`; `m1234`). Such an
 * id is kept as one bit: its *template* (the text before the number, the number's count of
 * digits, the text after it) is kept once, and the number as a bit in the template's bitmap. The
 * count of digits belongs to the template so that leading zeros stay exact: `007` and `7` are
 * two templates' numbers, and every (template, number) pair is one id's text and no other's.
 *
 * A template is learnt from two ids that differ only in one run of digits of the same length (as
 * `ledgerTables.ts` in the core learns them from consecutive ids, but here from any two recent
 * ones, since an archive interleaves the classes' streams). Ids of no template (UUIDs, say) are
 * kept as they are, with the line they were first on. The answers are exact, with no false
 * positives: an id is in the set if it is kept as it is, or if one of the templates it fits has
 * its number's bit; nothing is hashed away.
 *
 * Pure: no Node imports, no module-level state; each set is its own plain data.
 */

import type { Finding } from './verify';

/** One template: `prefix`, then exactly `width` digits, then `suffix`; its numbers as bits. */
type Template = {
  readonly prefix: string;
  readonly width: number;
  readonly suffix: string;
  /** The next template of the same hash (`hashAround`). */
  next: Template | undefined;
  /**
   * Bits 0..29 of `words[w - base]` are the numbers 30w..30w+29 (30 bits: a small integer in
   * every V8). `base` is the word of the first numbers seen: 5-digit numbers start at 10000.
   */
  readonly words: number[];
  readonly base: number;
  /** Words outside `words` while the numbers there are too sparse for a dense array. */
  sparse: Map<number, number> | undefined;
  /** Numbers set, to decide when a dense array is worth growing. */
  count: number;
};

export type EventIdSet = {
  /** Templates by the hash of their prefix, width and suffix (`hashAround`), chained. */
  readonly templates: Map<number, Template>;
  /** The (prefix length, width, suffix length) of every template, as one small integer: a cheap first filter. */
  readonly shapes: Set<number>;
  /** By a suffix's length, the widths of templates with a suffix of that length, as bits: a cheaper filter still. */
  readonly widthsBySuffixLength: number[];
  /** The template last found or filled: the next id is most often of the same one (no hash then). */
  recent: Template | undefined;
  /** Ids of no template, with the line they were first on. */
  readonly loose: Map<string, number>;
  /** Recent loose ids by the hash of a template they could share with a later id (`hashAround`; cleared when it grows large). */
  readonly pending: Map<number, string>;
  /**
   * One loose id in `stride` is tried for a template and made pending: 1 while templates are
   * learnt, doubled (up to 64) each time `pending` fills without one (an archive of UUIDs), as
   * the tries cost more than keeping the id.
   */
  stride: number;
  skipped: number;
  learnt: boolean;
};

export const emptyEventIdSet = (): EventIdSet => ({ templates: new Map(), shapes: new Set(), widthsBySuffixLength: [], recent: undefined, loose: new Map(), pending: new Map(), stride: 1, skipped: 0, learnt: false });

const BITS = 30;
const ZERO = 48;
const NINE = 57;
/** Runs of more digits than this are not numbers of a template (their value would not be exact). */
const MAX_WIDTH = 15;
/** Prefixes and suffixes longer than this are not templated (they fit the shape's 12 bits). */
const MAX_AFFIX = 4095;
const PENDING_LIMIT = 4096;
const MAX_STRIDE = 64;

const shapeOf = (prefixLength: number, width: number, suffixLength: number): number => (prefixLength * 16 + width) * 4096 + suffixLength;

/** A hash of the text around the run `[start, end)` and its width, computed in place (no string is built). */
const hashAround = (id: string, start: number, end: number): number => {
  let h = end - start;
  for (let k = 0; k < start; k++) h = (Math.imul(h, 31) + id.charCodeAt(k)) | 0;
  h = (Math.imul(h, 31) + 0x10000) | 0;
  for (let k = end; k < id.length; k++) h = (Math.imul(h, 31) + id.charCodeAt(k)) | 0;
  // A small integer in every V8.
  return h & 0x3fffffff;
};

/** Whether the text around the run `[start, end)` of `id` is the template's. */
const fits = (t: Template, id: string, start: number, end: number): boolean => {
  if (t.prefix.length !== start || t.width !== end - start || t.suffix.length !== id.length - end) return false;
  for (let k = 0; k < start; k++) if (id.charCodeAt(k) !== t.prefix.charCodeAt(k)) return false;
  for (let k = end; k < id.length; k++) if (id.charCodeAt(k) !== t.suffix.charCodeAt(k - end)) return false;
  return true;
};

const hasNumber = (t: Template, n: number): boolean => {
  const w = Math.floor(n / BITS);
  const i = w - t.base;
  const word = i >= 0 && i < t.words.length ? (t.words[i] as number) : (t.sparse?.get(w) ?? 0);
  return (word & (1 << (n - w * BITS))) !== 0;
};

const setNumber = (t: Template, n: number): void => {
  const w = Math.floor(n / BITS);
  const i = w - t.base;
  const bit = 1 << (n - w * BITS);
  t.count += 1;
  // Dense while the array would hold at most 4 words per number set (about 32 bytes a number
  // at worst); sparse numbers (one in a million, say) go to a map of words instead.
  if (i >= t.words.length && i < 4 * t.count) {
    const sparse = t.sparse;
    while (t.words.length <= i) {
      const next = t.base + t.words.length;
      const moved = sparse?.get(next);
      if (moved !== undefined) sparse?.delete(next);
      t.words.push(moved ?? 0);
    }
  }
  if (i >= 0 && i < t.words.length) t.words[i] = (t.words[i] as number) | bit;
  else {
    const sparse = t.sparse ?? (t.sparse = new Map());
    sparse.set(w, (sparse.get(w) ?? 0) | bit);
  }
};

/** The value of the digits `id[start..end)`. */
const valueOf = (id: string, start: number, end: number): number => {
  let n = 0;
  for (let k = start; k < end; k++) n = n * 10 + (id.charCodeAt(k) - ZERO);
  return n;
};

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;


/** Whether `other` is `id` with other digits in `[start, end)`. */
const differsOnlyIn = (other: string, id: string, start: number, end: number): boolean => {
  if (other.length !== id.length || other === id) return false;
  for (let k = 0; k < id.length; k++) {
    const c = other.charCodeAt(k);
    if (k >= start && k < end ? !isDigit(c) : c !== id.charCodeAt(k)) return false;
  }
  return true;
};

/**
 * Whether a template of the set has `id` (-1), or not (0); when not and `place`, its number is
 * set in the first template it fits, if any (1). One pass over the runs of digits, with no string
 * built: it runs for every event line of an archive.
 */
const inTemplates = (set: EventIdSet, id: string, place: boolean): number => {
  let home: Template | undefined;
  let homeNumber = 0;
  const length = id.length;
  let end = length;
  while (end > 0) {
    while (end > 0 && !isDigit(id.charCodeAt(end - 1))) end--;
    if (end === 0) break;
    let start = end - 1;
    while (start > 0 && isDigit(id.charCodeAt(start - 1))) start--;
    const width = end - start;
    // (Read within the array's bounds: a read beyond them is slow in V8.)
    const widths = length - end < set.widthsBySuffixLength.length ? (set.widthsBySuffixLength[length - end] as number) : 0;
    if (width <= MAX_WIDTH && ((widths >> width) & 1) === 1) {
      // At most one template fits a run (a template is learnt only for a text around a number
      // that none fits): the recent one, or the one the hash finds.
      let t = set.recent;
      if (t === undefined || !fits(t, id, start, end)) {
        t = undefined;
        if (start <= MAX_AFFIX && set.shapes.has(shapeOf(start, width, length - end)))
          for (let c = set.templates.get(hashAround(id, start, end)); c !== undefined; c = c.next)
            if (fits(c, id, start, end)) {
              t = c;
              break;
            }
      }
      if (t !== undefined) {
        const n = valueOf(id, start, end);
        set.recent = t;
        if (hasNumber(t, n)) return -1;
        if (home === undefined) {
          home = t;
          homeNumber = n;
        }
      }
    }
    end = start;
  }
  if (!place || home === undefined) return 0;
  setNumber(home, homeNumber);
  return 1;
};

/**
 * Where `id` was first seen: its line if it is kept as it is, -1 if it is in a template (the
 * line is not kept: one bit per id), 0 if the set does not hold it.
 */
export const eventIdFirstLine = (set: EventIdSet, id: string): number => set.loose.get(id) ?? inTemplates(set, id, false);

/** Empties the set (its memory can go before the set does). */
export const clearEventIds = (set: EventIdSet): void => {
  set.templates.clear();
  set.shapes.clear();
  set.widthsBySuffixLength.length = 0;
  set.recent = undefined;
  set.loose.clear();
  set.pending.clear();
  set.stride = 1;
  set.skipped = 0;
  set.learnt = false;
};

export const hasEventId = (set: EventIdSet, id: string): boolean => eventIdFirstLine(set, id) !== 0;

/**
 * Adds `id`, first seen on `line` (a number from 1), unless the set holds it: returns 0 when it
 * was added, else where it was first seen (`eventIdFirstLine`: its line, or -1).
 */
export const addEventId = (set: EventIdSet, id: string, line: number): number => {
  const kept = set.loose.get(id);
  if (kept !== undefined) return kept;
  // In a template (-1), or put into one it fits (any: lookups try them all).
  const found = inTemplates(set, id, true);
  if (found !== 0) return found === -1 ? -1 : 0;
  // Else learn a template from a recent loose id that differs only in a run of digits of the
  // same width (tried for the last two runs: `c.2024-7A.512.0` varies in the one before the
  // event's index). No template of the set fits the id, so this one is new. Else keep the id as
  // text, and as pending for its last two runs. No string is built here either: ids of no
  // template (UUIDs) all come this way.
  if (set.skipped + 1 < set.stride) {
    set.skipped += 1;
    set.loose.set(id, line);
    return 0;
  }
  set.skipped = 0;
  const length = id.length;
  let runs = 0;
  let lastHash = 0;
  let beforeLastHash = 0;
  let end = length;
  while (end > 0 && runs < 2) {
    while (end > 0 && !isDigit(id.charCodeAt(end - 1))) end--;
    if (end === 0) break;
    let start = end - 1;
    while (start > 0 && isDigit(id.charCodeAt(start - 1))) start--;
    if (end - start <= MAX_WIDTH && start <= MAX_AFFIX && length - end <= MAX_AFFIX) {
      const hash = hashAround(id, start, end);
      const other = set.pending.get(hash);
      // Pending ids are found by a hash: the text is compared.
      if (other !== undefined && differsOnlyIn(other, id, start, end)) {
        learnTemplate(set, id, other, start, end, hash);
        set.pending.delete(hash);
        return 0;
      }
      if (runs === 0) lastHash = hash;
      else beforeLastHash = hash;
      runs += 1;
    }
    end = start;
  }
  set.loose.set(id, line);
  if (set.pending.size >= PENDING_LIMIT) {
    set.pending.clear();
    set.stride = set.learnt ? 1 : Math.min(MAX_STRIDE, set.stride * 2);
    set.learnt = false;
  }
  if (runs > 0) set.pending.set(lastHash, id);
  if (runs > 1) set.pending.set(beforeLastHash, id);
  return 0;
};

/** A new template for the text around `[start, end)` of `id`, holding `id` and `other` (moved out of the loose ids). */
const learnTemplate = (set: EventIdSet, id: string, other: string, start: number, end: number, hash: number): void => {
  const suffix = id.slice(end);
  const n = valueOf(id, start, end);
  const m = valueOf(other, start, end);
  const width = end - start;
  const t: Template = { prefix: id.slice(0, start), width, suffix, next: set.templates.get(hash), words: [], base: Math.floor(Math.min(n, m) / BITS), sparse: undefined, count: 0 };
  set.templates.set(hash, t);
  set.shapes.add(shapeOf(start, width, suffix.length));
  while (set.widthsBySuffixLength.length <= suffix.length) set.widthsBySuffixLength.push(0);
  set.widthsBySuffixLength[suffix.length] = (set.widthsBySuffixLength[suffix.length] as number) | (1 << width);
  if (set.loose.delete(other)) setNumber(t, m);
  setNumber(t, n);
  set.learnt = true;
  set.stride = 1;
};

/**
 * Adds an archive's event id (on `line`), and returns the finding when it is already in the set:
 * a ledger records an event once. The line of the first occurrence is named when the set kept it
 * (ids of no template); for a numbered id it keeps one bit, and the message says how to find it.
 */
export const repeatedEventIdFinding = (set: EventIdSet, eventId: string, line: number): Finding | undefined => {
  const first = addEventId(set, eventId, line);
  if (first === 0) return undefined;
  const where = first > 0 ? `on line ${first}` : `on an earlier line (for an id of a numbered form only one bit is kept, not its line: search the archive for "eventId":${JSON.stringify(eventId)})`;
  return { line, check: 'order', field: 'event.metadata.eventId', eventId, message: `line ${line}: event id ${eventId} is already ${where}: a ledger records an event once` };
};
