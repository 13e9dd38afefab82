/**
 * A tiny seeded pseudo-random generator (mulberry32, public domain): the same seed gives the
 * same sequence on every machine, so a generated school is reproducible. Not for anything
 * secret. The generator's state lives in the returned closure, never in a global.
 */
export type Prng = {
  /** A float in [0, 1). */
  readonly next: () => number;
  /** An integer from `min` to `max`, both included. */
  readonly int: (min: number, max: number) => number;
  /** True with probability `p`. */
  readonly chance: (p: number) => boolean;
  /** One element of a non-empty list. */
  readonly pick: <A>(items: readonly [A, ...A[]]) => A;
  /** A float in [min, max). */
  readonly between: (min: number, max: number) => number;
};

export const mulberry32 = (seed: number): Prng => {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[Math.min(items.length - 1, Math.floor(next() * items.length))] as (typeof items)[0],
    between: (min, max) => min + next() * (max - min),
  };
};
