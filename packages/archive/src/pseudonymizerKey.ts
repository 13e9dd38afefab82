import type { Pseudonymizer } from './pseudonymize';

/*
 * The key a Pseudonymizer was made with, kept on it under a symbol this module alone holds (not
 * enumerable: no spread, log or JSON of the pseudonymizer shows it), so that a re-export's worker
 * threads (reexport.ts) can make the same pseudonymizer again. Not part of the package's API.
 */
const KEY = Symbol('grade-ledger pseudonymization key');

/** Keeps `key` on a pseudonymizer made from it (see `pseudonymizer`). */
export const withKey = <P extends Pseudonymizer>(made: P, key: Uint8Array): P => Object.defineProperty(made, KEY, { value: key, enumerable: false });

/** The key `pseudonymizer(key)` made this pseudonymizer from; undefined for one made otherwise. */
export const keyOf = (made: Pseudonymizer): Uint8Array | undefined => (made as Pseudonymizer & { readonly [KEY]?: Uint8Array })[KEY];
