import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import * as R from './rational';

const unsafe = <A>(e: E.Either<R.RationalError, A>): A => {
  if (E.isLeft(e)) throw new Error(e.left.message);
  return e.right;
};
const q = (num: number | bigint, den: number | bigint = 1): R.Rational => unsafe(R.fromFraction(num, den));
const dec = (text: string): R.Rational => unsafe(R.fromDecimalString(text));

const rational = fc
  .tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 9n }))
  .map(([n, d]) => q(n, d));
const nonZero = rational.filter((r) => !R.isZero(r));

describe('Rational normal form', () => {
  it('reduces and keeps the denominator positive', () => {
    expect(q(6, -4)).toEqual({ num: -3n, den: 2n });
    expect(q(0, -7)).toEqual({ num: 0n, den: 1n });
  });

  it('is always in lowest terms with a positive denominator', () => {
    fc.assert(
      fc.property(rational, rational, (a, b) => {
        for (const r of [R.add(a, b), R.sub(a, b), R.mul(a, b)]) {
          expect(r.den > 0n).toBe(true);
          const g = (x: bigint, y: bigint): bigint => (y === 0n ? x : g(y, x % y));
          expect(g(r.num < 0n ? -r.num : r.num, r.den)).toBe(r.num === 0n ? r.den : 1n);
        }
      }),
    );
  });

  it('rejects a zero denominator and division by zero', () => {
    expect(E.isLeft(R.fromFraction(1, 0))).toBe(true);
    expect(E.isLeft(R.div(R.one, R.zero))).toBe(true);
    expect(E.isLeft(R.mean([]))).toBe(true);
  });
});

describe('Rational field laws', () => {
  it('add and mul are commutative', () => {
    fc.assert(
      fc.property(rational, rational, (a, b) => {
        expect(R.add(a, b)).toEqual(R.add(b, a));
        expect(R.mul(a, b)).toEqual(R.mul(b, a));
      }),
    );
  });

  it('add and mul are associative', () => {
    fc.assert(
      fc.property(rational, rational, rational, (a, b, c) => {
        expect(R.add(R.add(a, b), c)).toEqual(R.add(a, R.add(b, c)));
        expect(R.mul(R.mul(a, b), c)).toEqual(R.mul(a, R.mul(b, c)));
      }),
    );
  });

  it('mul distributes over add; zero and one are identities', () => {
    fc.assert(
      fc.property(rational, rational, rational, (a, b, c) => {
        expect(R.mul(a, R.add(b, c))).toEqual(R.add(R.mul(a, b), R.mul(a, c)));
        expect(R.add(a, R.zero)).toEqual(a);
        expect(R.mul(a, R.one)).toEqual(a);
      }),
    );
  });

  it('sub and div invert add and mul', () => {
    fc.assert(
      fc.property(rational, nonZero, (a, b) => {
        expect(R.add(R.sub(a, b), b)).toEqual(a);
        expect(R.mul(unsafe(R.div(a, b)), b)).toEqual(a);
      }),
    );
  });

  it('compare is a total order consistent with subtraction', () => {
    fc.assert(
      fc.property(rational, rational, (a, b) => {
        const diff = R.sub(a, b);
        const sign = diff.num < 0n ? -1 : diff.num > 0n ? 1 : 0;
        expect(R.compare(a, b)).toBe(sign);
        expect(R.compare(b, a)).toBe(-sign);
      }),
    );
  });

  it('the sum of a list does not depend on its order', () => {
    fc.assert(
      fc.property(fc.array(rational, { maxLength: 12 }), (values) => {
        expect(R.sum([...values].reverse())).toEqual(R.sum(values));
      }),
    );
  });
});

describe('decimals', () => {
  it('parses decimal text exactly (no binary floating point)', () => {
    expect(dec('64.45')).toEqual(q(1289, 20));
    expect(dec('-0.125')).toEqual(q(-1, 8));
    expect(dec('1e-7')).toEqual(q(1, 10_000_000));
    expect(dec('2.5E2')).toEqual(q(250));
    expect(unsafe(R.fromNumber(0.1))).toEqual(q(1, 10));
    expect(R.add(unsafe(R.fromNumber(0.1)), unsafe(R.fromNumber(0.2)))).toEqual(unsafe(R.fromNumber(0.3)));
    expect(E.isLeft(R.fromDecimalString('12,5'))).toBe(true);
    expect(E.isLeft(R.fromNumber(Number.NaN))).toBe(true);
  });


  it('fromNumber is the rational of the number as it prints, integers (its fast path) and decimals alike', () => {
    const number = fc.oneof(
      fc.maxSafeInteger(),
      fc.integer({ min: -1000, max: 1000 }),
      fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, -(2 ** 53), 1e21, 1e-7, 64.45, 0.1),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    fc.assert(
      fc.property(number, (n) => {
        expect(R.fromNumber(n)).toEqual(R.fromDecimalString(String(n)));
      }),
    );
  });
  it('toFixed rounds half up, away from zero, in one step from the exact value', () => {
    expect(R.toFixed(dec('64.45'), 1)).toBe('64.5');
    expect(R.toFixed(dec('64.45'), 0)).toBe('64'); // not 64.45 → 64.5 → 65
    expect(R.toFixed(dec('64.5'), 0)).toBe('65');
    expect(R.toFixed(dec('84.99'), 0)).toBe('85');
    expect(R.toFixed(dec('84.99'), 1)).toBe('85.0');
    expect(R.toFixed(q(959, 12), 1)).toBe('79.9');
    expect(R.toFixed(q(-5, 2), 0)).toBe('-3');
    expect(R.toFixed(q(-1, 4), 0)).toBe('0');
    expect(R.toFixed(q(1, 3), 3)).toBe('0.333');
    expect(R.toFixed(q(2, 3), 3)).toBe('0.667');
    expect(R.toFixed(q(1, 200), 2)).toBe('0.01');
  });

  it('the other rounding modes', () => {
    const cases: ReadonlyArray<[string, R.RoundingMode, bigint]> = [
      ['64.5', 'halfDown', 64n],
      ['64.51', 'halfDown', 65n],
      ['64.5', 'halfEven', 64n],
      ['65.5', 'halfEven', 66n],
      ['64.99', 'down', 64n],
      ['64.01', 'up', 65n],
      ['-64.5', 'halfUp', -65n],
      ['-64.01', 'up', -65n],
    ];
    for (const [text, mode, expected] of cases) expect(R.roundToInteger(dec(text), mode)).toBe(expected);
  });

  it('half-up rounding: within half a unit, ties upwards in magnitude (property)', () => {
    fc.assert(
      fc.property(rational, fc.integer({ min: 0, max: 6 }), (a, places) => {
        const rounded = R.roundTo(a, places, 'halfUp');
        const half = q(1n, 2n * 10n ** BigInt(places));
        const error = R.abs(R.sub(rounded, a));
        expect(R.lte(error, half)).toBe(true);
        // On a tie the result is the one further from zero.
        if (R.equals(error, half)) expect(R.gt(R.abs(rounded), R.abs(a))).toBe(true);
        // toFixed prints exactly that rounded value.
        expect(dec(R.toFixed(a, places))).toEqual(rounded);
      }),
    );
  });

  it('rounding is monotone', () => {
    fc.assert(
      fc.property(rational, rational, fc.constantFrom(...R.roundingModes), (a, b, mode) => {
        const [lo, hi] = R.lte(a, b) ? [a, b] : [b, a];
        expect(R.roundToInteger(lo, mode) <= R.roundToInteger(hi, mode)).toBe(true);
      }),
    );
  });

  it('fraction text round-trips', () => {
    fc.assert(
      fc.property(rational, (a) => {
        expect(unsafe(R.fromFractionString(R.toFractionString(a)))).toEqual(a);
      }),
    );
    expect(R.toFractionString(R.fromInteger(40))).toBe('40/1');
  });
});
