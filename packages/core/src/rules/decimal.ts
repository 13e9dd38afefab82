import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as R from '../primitives/rational';

/**
 * A rule-set number (weight, threshold) as an exact rational. Only for numbers that
 * `decodeRuleSet` has already checked to be finite, so the fallback is unreachable; it keeps
 * the engine's signatures free of an error that cannot happen.
 */
export const decimal = (n: number): R.Rational =>
  pipe(
    R.fromNumber(n),
    E.getOrElse(() => R.zero),
  );
