import { createHash, createHmac } from 'node:crypto';

/*
 * A stable pseudonym shown where a person's name cannot be: "pupil 7f3a9c01". It is a fixed
 * function of the person id (the first 8 hex digits of SHA-256 of the id), so every display,
 * export and archive shows the same pseudonym for the same person, before and after they are
 * forgotten. The id is opaque already, so the pseudonym reveals nothing the id does not. A
 * school that wants pseudonyms nobody can recompute from the ids passes a secret: then it is an
 * HMAC-SHA-256 of the id under that secret.
 */

export type PseudonymOptions = { readonly kind?: string; readonly secret?: Buffer };

export const pseudonymOf = (personId: string, options: PseudonymOptions = {}): string => {
  const digest = options.secret === undefined ? createHash('sha256').update(personId, 'utf8').digest('hex') : createHmac('sha256', options.secret).update(personId, 'utf8').digest('hex');
  return `${options.kind ?? 'person'} ${digest.slice(0, 8)}`;
};
