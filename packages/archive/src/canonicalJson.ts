import * as E from 'fp-ts/Either';

/**
 * Canonical JSON after RFC 8785 (JSON Canonicalization Scheme): object members sorted by the
 * UTF-16 code units of their names, no whitespace, strings escaped as ECMAScript's
 * JSON.stringify does (which is what RFC 8785 prescribes), numbers in ECMAScript's shortest
 * form. Ledger events hold only strings, integers, booleans, null, arrays and objects, so the
 * number rule only ever prints integers; non-finite numbers and strings with lone surrogates
 * have no canonical form and are refused.
 */

/** Why a value has no canonical JSON form: where (a dotted path) and what is wrong. */
export type CanonicalJsonError = {
  readonly kind: 'CanonicalJsonError';
  readonly path: string;
  readonly message: string;
};

const refuse = (path: string, why: string): never => {
  // Thrown inside the serializer only; `canonicalJson` turns it into a Left.
  throw { kind: 'CanonicalJsonError', path: path === '' ? '(root)' : path, message: `${path === '' ? '(root)' : path}: ${why}` } satisfies CanonicalJsonError;
};

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed: () => boolean }).isWellFormed();

const member = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** Thrown by the fast serializer; the slow one then finds where, for the message. */
const NOT_CANONICAL = Symbol('not canonical');

// The fast path builds no paths: it runs once per archive line, so it must stay close to
// JSON.stringify's speed. It gives up on the first problem and `locate` finds it.
const fast = (value: unknown): string => {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) throw NOT_CANONICAL;
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw NOT_CANONICAL;
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        if (value.length === 0) return '[]';
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) throw NOT_CANONICAL;
          out += (i === 0 ? '' : ',') + fast(item);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const item = record[key];
        if (item === undefined) continue;
        if (!isWellFormed(key)) throw NOT_CANONICAL;
        out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${fast(item)}`;
      }
      return `${out}}`;
    }
    default:
      throw NOT_CANONICAL;
  }
};

/** The slow path: the same walk with paths, to name where a value has no canonical form. */
const locate = (value: unknown, path: string): void => {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) refuse(path, 'a string with a lone surrogate has no canonical form');
      return;
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `the number ${String(value)} has no JSON form`);
      return;
    case 'boolean':
      return;
    case 'object': {
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item: unknown, i) => {
          if (item === undefined) refuse(`${path}[${i}]`, 'undefined has no JSON form');
          locate(item, `${path}[${i}]`);
        });
        return;
      }
      for (const key of Object.keys(value).sort()) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        if (!isWellFormed(key)) refuse(path, 'a member name with a lone surrogate has no canonical form');
        locate(item, member(path, key));
      }
      return;
    }
    default:
      refuse(path, `a ${typeof value} has no JSON form`);
  }
};

/**
 * Whether JSON.stringify already gives the canonical form: plain data whose every object's own
 * keys come in sorted order (JSON.stringify writes them in Object.keys order), with finite
 * numbers and no undefined array items, functions or symbols. A value read back from a
 * canonical line is such data, so verifying an archive costs one native JSON.stringify a line.
 */
const alreadyCanonical = (value: unknown): boolean => {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined || !alreadyCanonical(item)) return false;
        }
        return true;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (i > 0 && !((keys[i - 1] as string) < key)) return false;
        const item = record[key];
        if (item !== undefined && !alreadyCanonical(item)) return false;
      }
      return true;
    }
    default:
      return false;
  }
};

const serialize = (value: unknown, path: string): string => {
  try {
    if (alreadyCanonical(value)) {
      const text = JSON.stringify(value);
      // JSON.stringify escapes a lone surrogate as \udXXX (and writes well-formed pairs as
      // they are): on any "\ud" in the text, the walk below decides.
      if (!text.includes('\\ud')) return text;
    }
    return fast(value);
  } catch (error) {
    if (error !== NOT_CANONICAL) throw error;
    locate(value, path);
    return refuse(path, 'no canonical form');
  }
};

/** The canonical JSON text of a value, or why it has none. */
export const canonicalJson = (value: unknown): E.Either<CanonicalJsonError, string> => {
  try {
    return E.right(serialize(value, ''));
  } catch (error) {
    if (typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === 'CanonicalJsonError') return E.left(error as CanonicalJsonError);
    // A stack overflow on absurdly deep input is still a refusal, not a crash.
    return E.left({ kind: 'CanonicalJsonError', path: '(root)', message: `(root): ${error instanceof Error ? error.message : String(error)}` });
  }
};

/** Canonical JSON of a value known to be plain JSON data; throws a CanonicalJsonError otherwise. */
export const canonicalJsonUnsafe = (value: unknown): string => serialize(value, '');

/*
 * Checking that a line is canonical without re-serializing it: one pass over its bytes. It
 * answers "certainly canonical" for what archives hold (ASCII member names, integers of at
 * most 15 digits, the escapes JSON.stringify writes) and "not sure" for anything else, where
 * the caller re-serializes the parsed value and compares (canonicalJson decides).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Escapes with a short form, which JSON.stringify writes instead of \u00XX: \b \t \n \f \r. */
const SHORT_ESCAPED = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);
const MAX_DEPTH = 64;

const hexValue = (byte: number | undefined): number =>
  byte === undefined ? -1 : byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : byte >= 0x61 && byte <= 0x66 ? byte - 0x61 + 10 : -1;

/** Compares bytes [a, aEnd) with [b, bEnd): negative, zero or positive. */
const compareBytes = (bytes: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): number => {
  const length = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < length; i++) {
    const d = (bytes[a + i] as number) - (bytes[b + i] as number);
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
};

/**
 * True when `bytes[start, end)`, which JSON.parse accepts, is certainly the canonical JSON of
 * the value it parses to: no whitespace outside strings, each object's member names (ASCII,
 * unescaped) strictly increasing, strings escaped exactly as JSON.stringify escapes them,
 * numbers integers of at most 15 digits (not -0). False means "not sure": decide by
 * re-serializing. Only meaningful for bytes that parse as JSON.
 */
export const isCertainlyCanonical = (bytes: Uint8Array, start = 0, end = bytes.length): boolean => {
  // Per open object: where its last member name started and ended (-1: none yet).
  // Plain arrays: allocating typed arrays per line costs more than the whole scan.
  const keyStart: number[] = [];
  const keyEnd: number[] = [];
  const inObject: boolean[] = [];
  let depth = -1;
  let expectKey = false;
  let i = start;
  while (i < end) {
    const c = bytes[i] as number;
    if (c === QUOTE) {
      const from = i + 1;
      let j = from;
      let plain = true; // ASCII without escapes: compares as UTF-16 code units byte by byte
      for (;;) {
        if (j >= end) return false;
        const s = bytes[j] as number;
        if (s === QUOTE) break;
        if (s === BACKSLASH) {
          plain = false;
          const e = bytes[j + 1];
          if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) j += 2;
          else if (e === 0x75) {
            // \u00XX, lowercase hex, only for control characters without a short form.
            if (bytes[j + 2] !== 0x30 || bytes[j + 3] !== 0x30) return false;
            const high = hexValue(bytes[j + 4]);
            const low = hexValue(bytes[j + 5]);
            if (high < 0 || high > 1 || low < 0) return false;
            if (SHORT_ESCAPED.has(high * 16 + low)) return false;
            j += 6;
          } else return false;
          continue;
        }
        if (s >= 0x80) plain = false;
        j += 1;
      }
      if (expectKey) {
        if (!plain) return false;
        const previous = keyStart[depth] as number;
        if (previous >= 0 && compareBytes(bytes, previous, keyEnd[depth] as number, from, j) >= 0) return false;
        keyStart[depth] = from;
        keyEnd[depth] = j;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    switch (c) {
      case 0x7b: // {
        depth += 1;
        if (depth >= MAX_DEPTH) return false;
        inObject[depth] = true;
        keyStart[depth] = -1;
        expectKey = true;
        i += 1;
        continue;
      case 0x5b: // [
        depth += 1;
        if (depth >= MAX_DEPTH) return false;
        inObject[depth] = false;
        i += 1;
        continue;
      case 0x7d: // }
      case 0x5d: // ]
        depth -= 1;
        expectKey = false;
        i += 1;
        continue;
      case 0x2c: // ,
        expectKey = depth >= 0 && inObject[depth] === true;
        i += 1;
        continue;
      case 0x3a: // :
        i += 1;
        continue;
      case 0x74: // true
      case 0x6e: // null
        i += 4;
        continue;
      case 0x66: // false
        i += 5;
        continue;
      default: {
        let j = i;
        if (c === 0x2d) j += 1; // -
        const firstDigit = j;
        while (j < end && (bytes[j] as number) >= 0x30 && (bytes[j] as number) <= 0x39) j += 1;
        const digits = j - firstDigit;
        if (digits === 0 || digits > 15) return false;
        if (c === 0x2d && digits === 1 && bytes[firstDigit] === 0x30) return false; // -0
        const next = bytes[j];
        if (next === 0x2e || next === 0x65 || next === 0x45) return false; // a fraction or an exponent
        i = j;
      }
    }
  }
  return depth === -1;
};

/*
 * A serializer for a stream of values of few shapes (an archive's events), writing UTF-8 bytes
 * straight into a buffer: an archive line is encoded once (no JS string built, flattened,
 * re-encoded for the hash and again for the file). Each object's member order is sorted once per
 * shape and remembered, member names are encoded once per shape, and strings are encoded by
 * hand, which for the short strings of events is faster than a call into Buffer#write. It gives
 * exactly the UTF-8 bytes of canonicalJson's text (a property test holds it to that); on anything
 * unusual it asks canonicalJson.
 */

/** How many object shapes one place in the values may take before it is serialized uncached. */
const SHAPES_PER_SLOT = 8;
/** All shapes one serializer remembers: a bound on its memory whatever it is given. */
const MAX_SHAPES = 4096;
/** Places with their own memory of shapes (see CanonicalBytesWriter.value). */
const MAX_PLACES = 256;

const sameKeys = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** A growable byte buffer that canonical JSON is appended to (one per archive being written). */
export type CanonicalBytesWriter = {
  /**
   * Appends the canonical JSON of a value; throws a CanonicalJsonError like canonicalJsonUnsafe
   * (nothing appended then). Values given the same `place` (e.g. events of one type) share a
   * memory of shapes of their own, so that many kinds of values do not crowd one another out.
   */
  readonly value: (value: unknown, place?: string) => void;
  /** Appends a text's UTF-8 bytes as they are (no quoting). */
  readonly text: (text: string) => void;
  /** Appends a text of ASCII characters only (U+0000 to U+007F; others would be cut to a byte), as they are. */
  readonly ascii: (text: string) => void;
  /** Appends `count` bytes left for the caller to fill in; returns where they start. */
  readonly skip: (count: number) => number;
  /** The buffer written so far (valid until the next append: it may be replaced when it grows). */
  readonly buffer: () => Buffer;
  readonly position: () => number;
  /** Drops what was written from `position` on. */
  readonly truncate: (position: number) => void;
  /** Hands over the bytes written so far and starts a fresh buffer of `capacity` bytes. */
  readonly take: (capacity: number) => Buffer;
};

type ByteShape = {
  readonly keys: ReadonlyArray<string>;
  readonly sorted: ReadonlyArray<string>;
  /** Each member's `"name":` (and `,` before all but the first written) as bytes. */
  readonly heads: ReadonlyArray<Uint8Array>;
  readonly children: ByteSlot[];
};
type ByteSlot = { readonly shapes: ByteShape[]; item: ByteSlot | undefined };

const newByteSlot = (): ByteSlot => ({ shapes: [], item: undefined });

export const canonicalBytesWriter = (capacity = 64 * 1024): CanonicalBytesWriter => {
  let buf = Buffer.allocUnsafe(capacity);
  let pos = 0;
  const root = newByteSlot();
  const places = new Map<string, ByteSlot>();
  let shapeCount = 0;

  const slotOf = (place: string | undefined): ByteSlot => {
    if (place === undefined) return root;
    let slot = places.get(place);
    if (slot === undefined) {
      if (places.size >= MAX_PLACES) return root;
      slot = newByteSlot();
      places.set(place, slot);
    }
    return slot;
  };

  const room = (bytes: number): void => {
    if (pos + bytes <= buf.length) return;
    const larger = Buffer.allocUnsafe(Math.max(pos + bytes, buf.length * 2));
    buf.copy(larger, 0, 0, pos);
    buf = larger;
  };

  /** A text's UTF-8 bytes (well-formed: a lone surrogate throws NOT_CANONICAL). */
  const utf8 = (s: string): void => {
    const n = s.length;
    room(n * 3);
    const b = buf;
    let p = pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) b[p++] = c;
      else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        const low = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c > 0xdbff || low < 0xdc00 || low > 0xdfff) throw NOT_CANONICAL;
        const point = ((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        b[p++] = 0xf0 | (point >> 18);
        b[p++] = 0x80 | ((point >> 12) & 0x3f);
        b[p++] = 0x80 | ((point >> 6) & 0x3f);
        b[p++] = 0x80 | (point & 0x3f);
        i += 1;
      }
    }
    pos = p;
  };

  /** A string's JSON text: plain ones quoted as they are, others as JSON.stringify escapes them. */
  const string = (s: string): void => {
    const n = s.length;
    room(n * 3 + 2);
    const b = buf;
    const start = pos;
    b[start] = 0x22;
    // Plain ASCII, the usual string, in a tight loop; the rest from the first other character on.
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) break;
      b[start + 1 + i] = c;
    }
    if (i === n) {
      b[start + 1 + n] = 0x22;
      pos = start + n + 2;
      return;
    }
    let p = start + 1 + i;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80 && c >= 0x20 && c !== 0x22 && c !== 0x5c) b[p++] = c;
      else if (c >= 0x80 && c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0x800 && (c < 0xd800 || c > 0xdfff)) {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        // An escape or a surrogate: rare in events, done the slow way.
        pos = start;
        if (!isWellFormed(s)) throw NOT_CANONICAL;
        utf8(JSON.stringify(s));
        return;
      }
    }
    b[p++] = 0x22;
    pos = p;
  };

  const ascii = (s: string): void => {
    const n = s.length;
    room(n);
    const b = buf;
    let p = pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    pos = p;
  };

  const bytes = (source: Uint8Array): void => {
    const n = source.length;
    room(n);
    const b = buf;
    let p = pos;
    for (let i = 0; i < n; i++) b[p++] = source[i] as number;
    pos = p;
  };

  const headOf = (key: string, comma: boolean): Uint8Array => {
    const at = pos;
    if (comma) ascii(',');
    string(key);
    ascii(':');
    const head = Uint8Array.from(buf.subarray(at, pos));
    pos = at;
    return head;
  };

  const shapeOf = (slot: ByteSlot, keys: ReadonlyArray<string>): ByteShape | undefined => {
    const { shapes } = slot;
    for (let i = 0; i < shapes.length; i++) {
      const shape = shapes[i] as ByteShape;
      if (sameKeys(shape.keys, keys)) return shape;
    }
    if (shapes.length >= SHAPES_PER_SLOT || shapeCount >= MAX_SHAPES) return undefined;
    const sorted = [...keys].sort();
    // Heads are built with a comma; the first member written skips it.
    const shape: ByteShape = { keys, sorted, heads: sorted.map((key) => headOf(key, true)), children: sorted.map(newByteSlot) };
    shapes.push(shape);
    shapeCount += 1;
    return shape;
  };

  const write = (value: unknown, slot: ByteSlot | undefined): void => {
    switch (typeof value) {
      case 'string':
        string(value);
        return;
      case 'number':
        if (!Number.isFinite(value)) throw NOT_CANONICAL;
        ascii(String(value));
        return;
      case 'boolean':
        ascii(value ? 'true' : 'false');
        return;
      case 'object': {
        if (value === null) {
          ascii('null');
          return;
        }
        if (Array.isArray(value)) {
          let itemSlot: ByteSlot | undefined;
          if (slot !== undefined) itemSlot = slot.item ??= newByteSlot();
          room(1);
          buf[pos++] = 0x5b; // [
          for (let i = 0; i < value.length; i++) {
            const item: unknown = value[i];
            if (item === undefined) throw NOT_CANONICAL;
            if (i > 0) {
              room(1);
              buf[pos++] = 0x2c;
            }
            write(item, itemSlot);
          }
          room(1);
          buf[pos++] = 0x5d; // ]
          return;
        }
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record);
        const shape = slot === undefined ? undefined : shapeOf(slot, keys);
        const sorted = shape === undefined ? [...keys].sort() : shape.sorted;
        room(1);
        buf[pos++] = 0x7b; // {
        let first = true;
        for (let i = 0; i < sorted.length; i++) {
          const key = sorted[i] as string;
          const item = record[key];
          if (item === undefined) continue;
          if (shape === undefined) {
            if (!first) ascii(',');
            string(key);
            ascii(':');
          } else {
            const head = shape.heads[i] as Uint8Array;
            if (first) {
              // The head without its comma.
              const n = head.length;
              room(n);
              for (let j = 1; j < n; j++) buf[pos++] = head[j] as number;
            } else bytes(head);
          }
          first = false;
          write(item, shape?.children[i]);
        }
        room(1);
        buf[pos++] = 0x7d; // }
        return;
      }
      default:
        throw NOT_CANONICAL;
    }
  };

  return {
    value: (value, place) => {
      const start = pos;
      try {
        write(value, slotOf(place));
      } catch (error) {
        pos = start;
        if (error !== NOT_CANONICAL) throw error;
        // canonicalJson names where the value has no canonical form (or writes its text).
        utf8(canonicalJsonUnsafe(value));
      }
    },
    text: utf8,
    ascii,
    skip: (count) => {
      room(count);
      const start = pos;
      pos += count;
      return start;
    },
    buffer: () => buf,
    position: () => pos,
    truncate: (position) => {
      if (position < pos) pos = position;
    },
    take: (nextCapacity) => {
      const taken = buf.subarray(0, pos);
      buf = Buffer.allocUnsafe(nextCapacity);
      pos = 0;
      return taken;
    },
  };
};
