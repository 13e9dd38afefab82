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
