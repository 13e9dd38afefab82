import * as E from 'fp-ts/Either';
import type * as Eq from 'fp-ts/Eq';
import type * as Monoid from 'fp-ts/Monoid';
import type * as Ord from 'fp-ts/Ord';
import type { Ordering } from 'fp-ts/Ordering';

/**
 * An exact rational number: a bigint numerator over a positive bigint denominator, always in
 * lowest terms. Grade percentages are computed with it so that a result never depends on
 * floating-point order (0.1 + 0.2) and can be recomputed bit for bit years later.
 *
 * Values are plain frozen-shape data: build them with the functions below, never by hand, so
 * that the normal form (gcd(num, den) = 1, den > 0) holds and structural equality is equality.
 */
export type Rational = { readonly num: bigint; readonly den: bigint };

export type RationalError =
  | { readonly _tag: 'DivisionByZero'; readonly message: string }
  | { readonly _tag: 'NotADecimal'; readonly value: unknown; readonly message: string };

/**
 * How to round to a number of decimals. Same meaning as Java's RoundingMode, on magnitudes:
 * - `halfUp`: ties away from zero (school rounding: 64.5 → 65; Kundelik);
 * - `halfDown`: ties towards zero (64.5 → 64);
 * - `halfEven`: ties to the even neighbour (banker's rounding: 64.5 → 64, 65.5 → 66);
 * - `down`: truncate towards zero (64.99 → 64);
 * - `up`: away from zero whenever anything is cut off (64.01 → 65).
 */
export type RoundingMode = 'halfUp' | 'halfDown' | 'halfEven' | 'down' | 'up';
export const roundingModes: ReadonlyArray<RoundingMode> = ['halfUp', 'halfDown', 'halfEven', 'down', 'up'];

const babs = (n: bigint): bigint => (n < 0n ? -n : n);

const gcd = (a: bigint, b: bigint): bigint => {
  let x = babs(a);
  let y = babs(b);
  while (y !== 0n) {
    const r = x % y;
    x = y;
    y = r;
  }
  return x;
};

/** Normal form; the caller guarantees den ≠ 0. */
const normalize = (num: bigint, den: bigint): Rational => {
  if (num === 0n) return { num: 0n, den: 1n };
  // Each bigint operation allocates: the usual cases (a whole number, a positive denominator,
  // already in lowest terms) skip the ones that would change nothing.
  if (den === 1n) return { num, den };
  const n = den < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  const g = gcd(n, d);
  return g === 1n ? { num: n, den: d } : { num: n / g, den: d / g };
};

export const zero: Rational = { num: 0n, den: 1n };
export const one: Rational = { num: 1n, den: 1n };
export const hundred: Rational = { num: 100n, den: 1n };

/** An integer as a rational. A non-integer number is truncated: use {@link fromNumber} for decimals. */
export const fromInteger = (n: number | bigint): Rational =>
  typeof n === 'bigint' ? { num: n, den: 1n } : { num: BigInt(Math.trunc(n)), den: 1n };

/** `num / den`, failing on a zero denominator. */
export const fromFraction = (num: number | bigint, den: number | bigint): E.Either<RationalError, Rational> => {
  const d = typeof den === 'bigint' ? den : BigInt(Math.trunc(den));
  const n = typeof num === 'bigint' ? num : BigInt(Math.trunc(num));
  return d === 0n ? E.left({ _tag: 'DivisionByZero', message: `${n}/0: denominator is zero` }) : E.right(normalize(n, d));
};

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal written as text ("64.45", "-3", "1e-7") as the exact rational it denotes. */
export const fromDecimalString = (text: string): E.Either<RationalError, Rational> => {
  const match = DECIMAL.exec(text.trim());
  if (match === null) return E.left({ _tag: 'NotADecimal', value: text, message: `"${text}" is not a decimal number` });
  const [, sign, intPart = '0', fracPart = '', expPart = '0'] = match;
  const exponent = Number(expPart) - fracPart.length;
  const digits = BigInt(`${intPart}${fracPart}`) * (sign === '-' ? -1n : 1n);
  return E.right(
    exponent >= 0 ? normalize(digits * 10n ** BigInt(exponent), 1n) : normalize(digits, 10n ** BigInt(-exponent)),
  );
};

/**
 * A JavaScript number as the exact decimal it prints as: 0.1 becomes 1/10, not the binary
 * double nearest to it. This is what a person typing "0.1" into a rule set means.
 */
export const fromNumber = (n: number): E.Either<RationalError, Rational> =>
  // A safe integer prints as its digits (no exponent, no point): the same rational without the
  // text. The rules engine turns every weight, threshold and score into a rational per grade.
  Number.isSafeInteger(n)
    ? E.right({ num: BigInt(n), den: 1n })
    : Number.isFinite(n)
      ? fromDecimalString(String(n))
      : E.left({ _tag: 'NotADecimal', value: n, message: `${n} is not a finite number` });

export const add = (a: Rational, b: Rational): Rational => normalize(a.num * b.den + b.num * a.den, a.den * b.den);
export const sub = (a: Rational, b: Rational): Rational => normalize(a.num * b.den - b.num * a.den, a.den * b.den);
export const mul = (a: Rational, b: Rational): Rational => normalize(a.num * b.num, a.den * b.den);
export const negate = (a: Rational): Rational => ({ num: -a.num, den: a.den });
export const abs = (a: Rational): Rational => ({ num: babs(a.num), den: a.den });

/** `a / b`, failing when `b` is zero. */
export const div = (a: Rational, b: Rational): E.Either<RationalError, Rational> =>
  b.num === 0n
    ? E.left({ _tag: 'DivisionByZero', message: `${toFractionString(a)} / 0` })
    : E.right(normalize(a.num * b.den, a.den * b.num));

/** `a / n` for a positive integer `n` (a mean's divisor), which cannot fail. */
export const divByPositiveInteger = (a: Rational, n: number | bigint): Rational => {
  const d = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
  return d > 0n ? normalize(a.num, a.den * d) : a;
};

export const compare = (a: Rational, b: Rational): Ordering => {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
};
export const equals = (a: Rational, b: Rational): boolean => a.num === b.num && a.den === b.den;
export const lt = (a: Rational, b: Rational): boolean => compare(a, b) < 0;
export const lte = (a: Rational, b: Rational): boolean => compare(a, b) <= 0;
export const gt = (a: Rational, b: Rational): boolean => compare(a, b) > 0;
export const gte = (a: Rational, b: Rational): boolean => compare(a, b) >= 0;
export const min = (a: Rational, b: Rational): Rational => (lte(a, b) ? a : b);
export const max = (a: Rational, b: Rational): Rational => (gte(a, b) ? a : b);
export const isZero = (a: Rational): boolean => a.num === 0n;
export const isInteger = (a: Rational): boolean => a.den === 1n;

export const EqRational: Eq.Eq<Rational> = { equals };
export const OrdRational: Ord.Ord<Rational> = { equals, compare };
export const MonoidSum: Monoid.Monoid<Rational> = { concat: add, empty: zero };

/** Sum of any number of rationals (0 for none). */
export const sum = (values: ReadonlyArray<Rational>): Rational => values.reduce(add, zero);

/** Arithmetic mean, failing on an empty list. */
export const mean = (values: ReadonlyArray<Rational>): E.Either<RationalError, Rational> =>
  values.length === 0
    ? E.left({ _tag: 'DivisionByZero', message: 'mean of no values' })
    : E.right(divByPositiveInteger(sum(values), values.length));

/** Rounds to a whole number by `mode` (see {@link RoundingMode}). */
export const roundToInteger = (a: Rational, mode: RoundingMode): bigint => {
  const magnitude = babs(a.num);
  const quotient = magnitude / a.den;
  const twiceRemainder = 2n * (magnitude % a.den);
  const bump = (() => {
    switch (mode) {
      case 'down':
        return false;
      case 'up':
        return twiceRemainder > 0n;
      case 'halfUp':
        return twiceRemainder >= a.den;
      case 'halfDown':
        return twiceRemainder > a.den;
      case 'halfEven':
        return twiceRemainder > a.den || (twiceRemainder === a.den && quotient % 2n === 1n);
    }
  })();
  const rounded = bump ? quotient + 1n : quotient;
  return a.num < 0n ? -rounded : rounded;
};

/**
 * Rounds to `decimals` places (a non-negative integer) in one step from the exact value: no
 * double rounding, so 64.45 to 0 decimals half-up is 64, never 64.45 → 64.5 → 65.
 */
export const roundTo = (a: Rational, decimals: number, mode: RoundingMode): Rational => {
  const scale = 10n ** BigInt(Math.max(0, Math.trunc(decimals)));
  return normalize(roundToInteger(mul(a, { num: scale, den: 1n }), mode), scale);
};

/**
 * Decimal text with exactly `decimals` places, rounded by `mode` (half-up by default):
 * `toFixed(959/12, 1)` is "79.9". Never shows "-0".
 */
export const toFixed = (a: Rational, decimals: number, mode: RoundingMode = 'halfUp'): string => {
  const places = Math.max(0, Math.trunc(decimals));
  const scaled = roundToInteger(mul(a, { num: 10n ** BigInt(places), den: 1n }), mode);
  const digits = babs(scaled).toString().padStart(places + 1, '0');
  const body = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return scaled < 0n ? `-${body}` : body;
};

/** "n/d" (always with a denominator), the form in which the ledger stores a percentage. */
export const toFractionString = (a: Rational): string => `${a.num}/${a.den}`;

/** Parses the "n/d" form of {@link toFractionString}. */
export const fromFractionString = (text: string): E.Either<RationalError, Rational> => {
  const match = /^(-?\d+)\/(\d+)$/.exec(text);
  return match === null
    ? E.left({ _tag: 'NotADecimal', value: text, message: `"${text}" is not a fraction n/d` })
    : fromFraction(BigInt(match[1] ?? '0'), BigInt(match[2] ?? '0'));
};

/** A floating-point approximation, for display or charts only: never compute grades with it. */
export const toNumber = (a: Rational): number => Number(a.num) / Number(a.den);
