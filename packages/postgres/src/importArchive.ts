import * as E from 'fp-ts/Either';
import { verifyArchive, type ByteSource, type VerifyReport } from '@grade-ledger/archive';
import type { RecordedEvent, RuleSet, StoreUnavailable } from '@grade-ledger/core';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { constraintOf, isUniqueViolation, storeUnavailable } from './errors';
import { notificationChannel } from './notifications';
import type { PostgresEventStore } from './postgresEventStore';

/*
 * Archive import through COPY, in one pass: in one transaction holding the school's head row,
 * the archive is verified as it streams by and its events flow into one COPY as they are read.
 * Nothing is visible until the commit, which happens only if the whole archive passed; any
 * refusal or failure rolls everything back.
 */

export type CopyImportError =
  /** The archive failed verification; nothing was written. */
  | { readonly kind: 'ArchiveRejected'; readonly report: VerifyReport; readonly message: string }
  /** Streams of the archive already exist in this school; nothing was written. */
  | { readonly kind: 'StreamsExist'; readonly streamIds: ReadonlyArray<string>; readonly message: string }
  /** Event ids of the archive are already recorded in this school (in other streams); nothing was written. */
  | { readonly kind: 'EventIdsExist'; readonly message: string }
  /** The server or the connection failed; the transaction was rolled back, nothing was written. */
  | StoreUnavailable;

export type CopyImportSummary = {
  readonly events: number;
  readonly streams: number;
  /** The global positions the archive's events were given (continuing the school's head); null for an empty archive. */
  readonly firstPosition: number | null;
  readonly lastPosition: number | null;
  readonly batches: number;
  readonly report: VerifyReport;
};

export type CopyImportOptions = {
  readonly ruleSets?: ReadonlyArray<RuleSet>;
  /** Check the domain and grades before writing (default true); chain, format and schema are always checked. */
  readonly domain?: boolean;
  /**
   * Events per write into the import's one COPY (default 1,000). One write is in flight while the
   * next batch is verified: small enough that PostgreSQL starts early and never waits long.
   */
  readonly batchSize?: number;
  /** Every 10,000 lines and at the end (verifying and writing are one pass). */
  readonly onProgress?: (progress: { readonly phase: 'write'; readonly lines: number; readonly bytes: number }) => void;
  /**
   * Called inside the transaction after each batch is written to the COPY (taken by the socket;
   * tests use it to break the connection halfway); the next batch is written only after it returns.
   */
  readonly afterBatch?: (progress: { readonly batches: number; readonly events: number }) => void | Promise<void>;
};

const DEFAULT_BATCH_SIZE = 1_000;
/** A batch's first buffer; later ones start at the size the batch before needed. */
const INITIAL_ROWS_BYTES = 64 * 1024;

const ignoreConnectionError = (): void => undefined;

const NEEDS_COPY_ESCAPE = /[\\\t\n\r]/;

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
const copyField = (value: string): string =>
  NEEDS_COPY_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const TAB = 0x09;
const NEWLINE = 0x0a;
/** An event line starts `{"digest":"<64 hex>","event":{`: its event's first member follows. */
const EVENT_PREFIX = Buffer.from('","event":{');
const EVENT_MEMBERS_AT = '{"digest":"'.length + 64 + EVENT_PREFIX.length;
const DATA_KEY = Buffer.from('"data"');
const METADATA_KEY = Buffer.from('"metadata"');

const sameBytes = (bytes: Uint8Array, start: number, end: number, expected: Buffer): boolean => {
  if (end - start !== expected.length) return false;
  for (let k = 0; k < expected.length; k++) if (bytes[start + k] !== expected[k]) return false;
  return true;
};

/**
 * Where the event's `data` and `metadata` values lie in the bytes of an archive's event line
 * (`{"digest":"...","event":{"data":...,"metadata":...,...},...}`): `spans` gets
 * [dataStart, dataEnd, metadataStart, metadataEnd, escapes in them (0: no backslash)]. False when the line is
 * not laid out so (the caller then serializes the decoded event). One pass over the event's
 * members up to the two it looks for. For a line in canonical form (as verification requires of
 * every line of an archive that passes) each span is the JSON text of that member of the event
 * the line parses to.
 */
export const eventMemberSpans = (bytes: Uint8Array, spans: Int32Array): boolean => {
  const end = bytes.length;
  if (end <= EVENT_MEMBERS_AT || !sameBytes(bytes, EVENT_MEMBERS_AT - EVENT_PREFIX.length, EVENT_MEMBERS_AT, EVENT_PREFIX)) return false;
  spans[0] = -1;
  spans[2] = -1;
  spans[4] = 0;
  let i = EVENT_MEMBERS_AT;
  for (;;) {
    // A member name: a string without escapes (a canonical event's names are plain).
    if (bytes[i] !== QUOTE) return false;
    let keyEnd = i + 1;
    while (keyEnd < end && bytes[keyEnd] !== QUOTE && bytes[keyEnd] !== BACKSLASH) keyEnd += 1;
    if (bytes[keyEnd] !== QUOTE || bytes[keyEnd + 1] !== COLON) return false;
    keyEnd += 1;
    // Its value: through strings (minding escapes) and nested objects and arrays to depth 0.
    const valueStart = keyEnd + 1;
    let j = valueStart;
    let depth = 0;
    let backslashes = 0;
    for (; j < end; j++) {
      const c = bytes[j];
      if (c === QUOTE) {
        for (j += 1; j < end; j++) {
          const s = bytes[j];
          if (s === QUOTE) break;
          if (s === BACKSLASH) {
            backslashes += 1;
            j += 1;
          }
        }
        if (j >= end) return false;
        if (depth === 0) {
          j += 1;
          break;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 0) break; // the end of a number, true, false or null, at the event's end
        depth -= 1;
        if (depth === 0) {
          j += 1;
          break;
        }
      } else if (c === COMMA && depth === 0) break;
    }
    if (j >= end) return false;
    if (sameBytes(bytes, i, keyEnd, DATA_KEY)) {
      spans[0] = valueStart;
      spans[1] = j;
      spans[4] += backslashes;
    } else if (sameBytes(bytes, i, keyEnd, METADATA_KEY)) {
      spans[2] = valueStart;
      spans[3] = j;
      spans[4] += backslashes;
    }
    if (spans[0] >= 0 && spans[2] >= 0) return true;
    if (bytes[j] !== COMMA) return false;
    i = j + 1;
  }
};

/** Rows in COPY's text format, built straight into bytes: one buffer per write to the COPY. */
type Rows = { bytes: Buffer; length: number; count: number };

const newRows = (capacity: number): Rows => ({ bytes: Buffer.allocUnsafe(capacity), length: 0, count: 0 });

/** Room for `more` bytes after the rows so far. */
const reserve = (rows: Rows, more: number): Buffer => {
  if (rows.length + more > rows.bytes.length) {
    const grown = Buffer.allocUnsafe(Math.max(rows.bytes.length * 2, rows.length + more));
    rows.bytes.copy(grown, 0, 0, rows.length);
    rows.bytes = grown;
  }
  return rows.bytes;
};

/**
 * JSON text from a line as a COPY field at `at`: its backslashes doubled. A line JSON.parse took has
 * no raw tab, newline or carriage return inside its strings, and a canonical one none outside them;
 * a line that is neither fails verification, and then nothing is committed. Returns the end.
 */
const putJson = (out: Buffer, at: number, source: Buffer, start: number, end: number, backslashes: number): number => {
  if (backslashes === 0) return at + source.copy(out, at, start, end);
  let from = start;
  for (let b = source.indexOf(BACKSLASH, from); b >= 0 && b < end; b = source.indexOf(BACKSLASH, from)) {
    at += source.copy(out, at, from, b + 1);
    out[at++] = BACKSLASH;
    from = b + 1;
  }
  return at + source.copy(out, at, from, end);
};

/**
 * One row of the events table, as the store's own append writes it: the event's type, schema
 * version, `data` and `metadata` as JSON (jsonb), the event id from the metadata. When decoding
 * left the line's event as it was parsed (and the line is laid out as the archive writes it),
 * `data` and `metadata` are the line's own JSON text of them (jsonb keeps the values, not the
 * text: the same rows as serializing the decoded event); otherwise the decoded event serialized.
 */
const putRow = (rows: Rows, schoolIdField: string, position: number, recorded: RecordedEvent, line: Buffer, fromLine: boolean, spans: Int32Array): void => {
  const { event, streamId } = recorded;
  const { eventId } = event.metadata;
  const { type } = event;
  const plain = !NEEDS_COPY_ESCAPE.test(streamId) && !NEEDS_COPY_ESCAPE.test(eventId) && !NEEDS_COPY_ESCAPE.test(type);
  const head = plain
    ? `${schoolIdField}\t${position}\t${streamId}\t${recorded.streamRevision}\t${eventId}\t${type}\t${event.schemaVersion}\t`
    : `${schoolIdField}\t${position}\t${copyField(streamId)}\t${recorded.streamRevision}\t${copyField(eventId)}\t${copyField(type)}\t${event.schemaVersion}\t`;
  if (!fromLine) {
    const tail = `${copyField(JSON.stringify(event.data))}\t${copyField(JSON.stringify(event.metadata))}\n`;
    const out = reserve(rows, 3 * (head.length + tail.length));
    rows.length += out.write(head, rows.length);
    rows.length += out.write(tail, rows.length);
  } else {
    const dataStart = spans[0] as number;
    const dataEnd = spans[1] as number;
    const metadataStart = spans[2] as number;
    const metadataEnd = spans[3] as number;
    const backslashes = spans[4] as number;
    const out = reserve(rows, 3 * head.length + 2 * (dataEnd - dataStart + metadataEnd - metadataStart) + 2);
    let at = rows.length;
    at += out.write(head, at);
    at = putJson(out, at, line, dataStart, dataEnd, backslashes);
    out[at++] = TAB;
    at = putJson(out, at, line, metadataStart, metadataEnd, backslashes);
    out[at++] = NEWLINE;
    rows.length = at;
  }
  rows.count += 1;
};

const rejectedSummary = (report: VerifyReport): string =>
  report.findings
    .slice(0, 5)
    .map((f) => f.message)
    .join('; ') + (report.findings.length > 5 ? `; and ${report.findings.length - 5 + report.omittedFindings} more` : '');

/** Thrown inside the transaction to roll it back with a typed refusal. */
type Refusal = { readonly refusal: CopyImportError };
const isRefusal = (value: unknown): value is Refusal => typeof value === 'object' && value !== null && 'refusal' in value;

/** The source's chunks; a string is one chunk (as the archive's readers take it), not its characters. */
const chunksOf = (source: ByteSource): AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> =>
  typeof source === 'string' ? [source] : source;

/** How a COPY ended: finished, or failed with the server's (or the connection's) error. */
type CopyOutcome = { readonly failed: false } | { readonly failed: true; readonly error: unknown };

/**
 * Imports an archive into a PostgreSQL store through COPY, all or nothing, in one pass. In one
 * transaction the school's head row is locked (as appends lock it, so positions stay dense and
 * become visible in order); the archive is verified as it streams by (chain, format, schema,
 * domain, grades) and every event is written to one COPY as soon as it is read, with positions
 * continuing the school's head and stream revisions as in the archive, so that verification (in
 * Node) and loading (in PostgreSQL) run side by side: one batch is in flight while the next is
 * verified, and each row's `data` and `metadata` are the line's own JSON text of them wherever
 * decoding left the event as parsed (no second serialization). At the end the transaction commits only
 * if the archive passed and none of its streams existed in the school; anything else rolls it
 * back: nothing is visible. Appends to the school wait for the import. `open` is called once.
 */
export const importArchiveWithCopy = async (
  store: PostgresEventStore,
  open: () => ByteSource,
  options: CopyImportOptions = {},
): Promise<E.Either<CopyImportError, CopyImportSummary>> => {
  const { pool, schoolId, schema } = store;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const copySql = `COPY ${schema}.events (school_id, position, stream_id, stream_revision, event_id, type, schema_version, data, metadata) FROM STDIN`;
  const streamIds = new Set<string>();
  let client: pg.PoolClient | undefined;
  let failure: unknown;
  let read = 0;
  // The COPY while it is open: a failure before it ends must abort it (CopyFail) before the rollback.
  let openCopy: { readonly abort: (error: unknown) => Promise<unknown> } | undefined;
  try {
    await store.ready();
    client = await pool.connect();
    const connection = client;
    // A checked-out client whose connection drops emits 'error'; unheard, it would crash the
    // process. The failure reaches the COPY (or the next query) anyway, which rolls the import back.
    connection.on('error', ignoreConnectionError);
    await connection.query('BEGIN');
    // The same row lock an append takes: appends to this school wait until the import ends.
    const head = await connection.query<{ last_position: string }>(
      `SELECT last_position FROM ${schema}.school_heads WHERE school_id = $1 FOR UPDATE`,
      [schoolId],
    );
    const before = Number(head.rows[0]?.last_position ?? 0);

    const copy = connection.query(copyFrom(copySql));
    // Settles when the server has taken every row (after end()), or at the first error: a unique
    // violation, a lost connection. After an error nothing more is written; reading goes on, so
    // that the refusal can name every stream of the archive that exists.
    let outcome: CopyOutcome | undefined;
    const settled = new Promise<CopyOutcome>((resolve) => {
      copy.on('finish', () => resolve((outcome ??= { failed: false })));
      copy.on('error', (error: unknown) => resolve((outcome ??= { failed: true, error })));
    });
    openCopy = {
      abort: (error) => {
        if (outcome === undefined) copy.destroy(error instanceof Error ? error : new Error(String(error)));
        return settled;
      },
    };
    let events = 0;
    let batches = 0;
    // Rows are built into `current`; each full batch waits in `ready` for its write.
    const schoolIdField = copyField(schoolId);
    const spans = new Int32Array(5);
    let current = newRows(INITIAL_ROWS_BYTES);
    let ready: Rows[] = [];
    const seal = (): void => {
      ready.push(current);
      current = newRows(Math.max(INITIAL_ROWS_BYTES, current.length + (current.length >> 3)));
    };
    // The last batch handed to the COPY, until the socket took it and afterBatch ran. One write is
    // in flight while the next batch is verified and prepared: Node verifies while PostgreSQL
    // loads, and waits only when PostgreSQL is a whole batch behind.
    let inFlight: Promise<{ readonly error: unknown } | undefined> | undefined;
    // A failing afterBatch stops the writing; it is thrown once, where the writing waits for it.
    let stopped = false;
    const send = (rows: Rows): Promise<{ readonly error: unknown } | undefined> => {
      const taken = new Promise<void>((resolve) => copy.write(rows.bytes.subarray(0, rows.length), () => resolve()));
      // pg-copy-streams must not be handed more after it failed: a failure settles the race.
      return Promise.race([taken, settled])
        .then(async () => {
          if (outcome !== undefined) return;
          events += rows.count;
          batches += 1;
          await options.afterBatch?.({ batches, events });
        })
        .then(
          () => undefined,
          (error: unknown) => ({ error }),
        );
    };
    /** Writes the batches read so far to the COPY (at the end, the last one too, even if short). */
    const write = async (atEnd: boolean): Promise<void> => {
      if (atEnd && current.count > 0) seal();
      while (!stopped && outcome === undefined && (ready.length > 0 || (atEnd && inFlight !== undefined))) {
        const previous = await inFlight;
        inFlight = undefined;
        if (previous !== undefined) {
          stopped = true;
          throw previous.error;
        }
        if (outcome !== undefined || ready.length === 0) break;
        inFlight = send(ready.shift() as Rows);
      }
      if (stopped || outcome !== undefined) ready = [];
    };
    // The archive as verifyArchive reads it; between its chunks, the events read so far go to the COPY.
    async function* feeding(): AsyncIterable<Uint8Array | string> {
      for await (const chunk of chunksOf(open())) {
        yield chunk;
        await write(false);
      }
    }
    const report = await verifyArchive(feeding(), {
      ...(options.ruleSets === undefined ? {} : { ruleSets: options.ruleSets }),
      domain: options.domain ?? true,
      streamIds,
      onProgress: (p) => options.onProgress?.({ phase: 'write', ...p }),
      onEvent: (recorded, _line, bytes, parsedEvent) => {
        read += 1;
        if (outcome !== undefined) return;
        putRow(current, schoolIdField, before + read, recorded, bytes, recorded.event === parsedEvent && eventMemberSpans(bytes, spans), spans);
        if (current.count >= batchSize) seal();
      },
    });
    await write(true);
    if (outcome === undefined) copy.end();
    const copied = await settled;
    openCopy = undefined;

    const existing = async (): Promise<ReadonlyArray<string>> => {
      await connection.query('ROLLBACK');
      const { rows } = await connection.query<{ stream_id: string }>(
        `SELECT DISTINCT stream_id FROM ${schema}.events WHERE school_id = $1 AND stream_id = ANY($2::text[]) ORDER BY stream_id`,
        [schoolId, [...streamIds]],
      );
      return rows.map((row) => row.stream_id);
    };
    const streamsExist = (ids: ReadonlyArray<string>): Refusal => ({
      refusal: {
        kind: 'StreamsExist',
        streamIds: ids,
        message: `${ids.length} stream(s) of the archive already exist in school ${schoolId} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}); nothing was written`,
      },
    });
    if (!report.ok)
      throw { refusal: { kind: 'ArchiveRejected', report, message: `the archive was rejected and nothing was written: ${rejectedSummary(report)}` } } satisfies Refusal;
    if (copied.failed) {
      // A revision already taken: streams of the archive exist here (named after the rollback).
      if (isUniqueViolation(copied.error) && /stream_revision/.test(constraintOf(copied.error))) {
        const ids = await existing();
        if (ids.length > 0) throw streamsExist(ids);
      }
      throw copied.error;
    }
    if (read !== report.events || events !== read)
      throw new Error(`the import read ${read} event(s) and wrote ${events}, but the archive holds ${report.events}`);
    // A verified archive numbers every stream's revisions from 0, so a stream that exists in the
    // school always collides on a revision above: no further check is needed.

    await connection.query(`UPDATE ${schema}.school_heads SET last_position = $2 WHERE school_id = $1`, [schoolId, before + events]);
    // Subscriptions wake at once, as after an append.
    if (events > 0) await connection.query('SELECT pg_notify($1, $2)', [notificationChannel(schema), schoolId]);
    await connection.query('COMMIT');
    return E.right({
      events,
      streams: streamIds.size,
      firstPosition: events > 0 ? before + 1 : null,
      lastPosition: events > 0 ? before + events : null,
      batches,
      report,
    });
  } catch (error) {
    if (!isRefusal(error)) failure = error;
    await openCopy?.abort(error);
    await client?.query('ROLLBACK').catch(() => undefined);
    if (isRefusal(error)) return E.left(error.refusal);
    if (isUniqueViolation(error))
      return E.left({
        kind: 'EventIdsExist',
        message: `event ids of the archive are already recorded in school ${schoolId} (${(error as { detail?: string }).detail ?? 'unique violation'}); nothing was written`,
      });
    return E.left(storeUnavailable(`importing an archive (${read} event(s) read; rolled back: nothing was written)`, error));
  } finally {
    // A connection that failed is destroyed, not returned to the pool.
    client?.off('error', ignoreConnectionError);
    client?.release(failure instanceof Error ? failure : undefined);
  }
};
