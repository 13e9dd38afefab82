import { createHmac } from 'node:crypto';
import type { LedgerEvent, RecordedEvent } from '@grade-ledger/core';
import { PSEUDONYMIZED_FIELDS, REDACTED_FIELDS, type Pseudonymization } from './format';
import { withKey } from './pseudonymizerKey';

/*
 * Pseudonymization replaces every person id by a keyed pseudonym: "p-" followed by the first
 * 16 hex digits of HMAC-SHA256(key, id). The same key gives the same pseudonym to the same
 * person in every archive (so archives made with one key can be joined, and the ledger's rules
 * still hold: a teacher's pseudonym as actor equals their pseudonym as the subject's teacher);
 * without the key nobody can go back from a pseudonym to the id, or test a guessed id.
 *
 * Free text that may name a person (the reasons given for corrections and overrides) is
 * replaced by a fixed text, which keeps the fact that a reason was recorded.
 */

/** Pseudonym length in hex digits: 64 bits, so collisions stay negligible for any school system. */
const HEX_DIGITS = 16;
const PREFIX = 'p-';
export const REDACTION = '[redacted: free text, may name a person]';
/** Keys shorter than this are refused: a short key could be guessed, and every pseudonym with it. */
export const MIN_KEY_BYTES = 16;

export type Pseudonymizer = {
  readonly description: Exclude<Pseudonymization, null>;
  readonly pseudonym: (id: string) => string;
  readonly recorded: (recorded: RecordedEvent) => RecordedEvent;
};

export type KeyError = { readonly kind: 'KeyTooShort'; readonly bytes: number; readonly message: string };

/** A key's fingerprint, for telling which key an archive was made with, without the key. */
export const keyIdOf = (key: Uint8Array): string => createHmac('sha256', key).update('grade-ledger key id').digest('hex').slice(0, 16);

const PERSON_STREAM_PREFIX = 'person-';

export const pseudonymizer = (key: Uint8Array): Pseudonymizer | KeyError => {
  if (key.length < MIN_KEY_BYTES)
    return { kind: 'KeyTooShort', bytes: key.length, message: `the pseudonymization key has ${key.length} bytes; use at least ${MIN_KEY_BYTES} random bytes (e.g. openssl rand -out export.key 32)` };
  const cache = new Map<string, string>();
  const pseudonym = (id: string): string => {
    let found = cache.get(id);
    if (found === undefined) {
      found = PREFIX + createHmac('sha256', key).update(id).digest('hex').slice(0, HEX_DIGITS);
      // People are few (thousands); the cache stays small and saves an HMAC per event.
      if (cache.size < 1_000_000) cache.set(id, found);
    }
    return found;
  };

  const data = (value: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...value };
    for (const field of ['pupilId', 'teacherId', 'classTeacherId', 'personId'] as const) {
      const id = out[field];
      if (typeof id === 'string') out[field] = pseudonym(id);
    }
    if (Array.isArray(out.personIds)) out.personIds = (out.personIds as unknown[]).map((id) => (typeof id === 'string' ? pseudonym(id) : id));
    if (typeof out.overrideReason === 'string') out.overrideReason = REDACTION;
    return out;
  };

  const event = (e: LedgerEvent): LedgerEvent => {
    const { actor, reason } = e.metadata;
    return {
      ...e,
      data: data(e.data as unknown as Record<string, unknown>),
      metadata: {
        ...e.metadata,
        actor: actor.role === 'system' ? actor : { id: pseudonym(actor.id), role: actor.role },
        ...(reason === undefined ? {} : { reason: REDACTION }),
      },
    } as LedgerEvent;
  };

  const streamId = (id: string): string => (id.startsWith(PERSON_STREAM_PREFIX) ? PERSON_STREAM_PREFIX + pseudonym(id.slice(PERSON_STREAM_PREFIX.length)) : id);

  // The key stays reachable from the pseudonymizer (not as a member), for the workers of a re-export.
  return withKey(
    {
      description: {
        method: 'hmac-sha256',
        prefix: PREFIX,
        hexDigits: HEX_DIGITS,
        keyId: keyIdOf(key),
        fields: [...PSEUDONYMIZED_FIELDS],
        redactedFields: [...REDACTED_FIELDS],
        redaction: REDACTION,
      },
      pseudonym,
      recorded: (r) => ({ ...r, streamId: streamId(r.streamId), event: event(r.event) }),
    },
    key,
  );
};

export const isKeyError = (value: Pseudonymizer | KeyError): value is KeyError => 'kind' in value;
