import type { KeyStoreError } from './keyStore';

/* The key stores' errors, shared by every implementation so that they say the same thing. */

export const destroyedError = (personId: string): KeyStoreError => ({
  kind: 'KeyDestroyed',
  personId,
  message: `the key of ${personId} was destroyed: the person is forgotten`,
});

export const existsError = (personId: string, keyId: string): KeyStoreError => ({
  kind: 'KeyAlreadyExists',
  personId,
  keyId,
  message: `${personId} already has key ${keyId}`,
});

export const unavailable = (what: string, cause: unknown): KeyStoreError => ({
  kind: 'KeyStoreUnavailable',
  message: `key store: ${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
  cause,
});
