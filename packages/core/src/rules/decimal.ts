import * as E from 'fp-ts/Either';
import * as R from '../primitives/rational';

/**
 * A rule-set number (weight, threshold) as an exact rational. Only for numbers that
 * `decodeRuleSet` has already checked to be finite, so the fallback is unreachable; it keeps
 * the engine's signatures free of an error that cannot happen.
 */
export const decimal = (n: number): R.Rational => {
  const r = R.fromNumber(n);
  return E.isRight(r) ? r.right : R.zero;
};
