import { formatIssues, invalidEvent, type InvalidEvent, type LedgerEvent } from '@grade-ledger/core';

/*
 * PostgreSQL's text and jsonb cannot hold a NUL character or a lone UTF-16 surrogate, which a
 * JavaScript string (and so a valid ledger event's free text) can. Such a batch fails in the
 * database with a data exception; this finds the event and the field, so the append is refused
 * as InvalidEvent (bad input, naming it) rather than StoreUnavailable (which says a re-send is
 * safe, and it would fail the same way forever). Only run after such a failure: never on the
 * append's hot path.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const unstorable = (text: string): boolean => text.includes('\u0000') || LONE_SURROGATE.test(text);

/** The first string (member name or value) under `value` that PostgreSQL cannot store, with its path. */
const findIn = (value: unknown, path: string): { readonly path: string; readonly value: string } | undefined => {
  if (typeof value === 'string') return unstorable(value) ? { path, value } : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, member] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (unstorable(key)) return { path: at, value: key };
    const found = findIn(member, at);
    if (found !== undefined) return found;
  }
  return undefined;
};

/** The first event of the batch holding text PostgreSQL cannot store, as InvalidEvent; undefined when none does. */
export const unstorableTextIn = (streamId: string, events: ReadonlyArray<LedgerEvent>): InvalidEvent | undefined => {
  for (const [index, event] of events.entries()) {
    const found = findIn(event.data, 'data') ?? findIn(event.metadata, 'metadata');
    if (found === undefined) continue;
    const issues = [{ path: found.path, value: found.value, expected: 'text without NUL characters or lone surrogates (PostgreSQL cannot store them)' }];
    return invalidEvent(streamId, index, {
      kind: 'EventDecodeError',
      eventType: event.type,
      schemaVersion: event.schemaVersion,
      issues,
      message: `${event.type} v${event.schemaVersion}: ${formatIssues(issues)}`,
    });
  }
  return undefined;
};
