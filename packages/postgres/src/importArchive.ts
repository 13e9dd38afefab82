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
  /** Events per write into the import's one COPY (default 5,000). */
  readonly batchSize?: number;
  /** Every 10,000 lines and at the end (verifying and writing are one pass). */
  readonly onProgress?: (progress: { readonly phase: 'write'; readonly lines: number; readonly bytes: number }) => void;
  /**
   * Called inside the transaction after each batch is written to the COPY (tests use it to break the
   * connection halfway); the import waits for it.
   */
  readonly afterBatch?: (progress: { readonly batches: number; readonly events: number }) => void | Promise<void>;
};

const DEFAULT_BATCH_SIZE = 5_000;

const ignoreConnectionError = (): void => undefined;

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
const copyField = (value: string): string => (/[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value);

/**
 * One row of the events table, as the store's own append writes it: the event's type, schema
 * version, `data` and `metadata` as JSON (jsonb), the event id from the metadata.
 */
const copyLine = (schoolId: string, position: number, recorded: RecordedEvent): string => {
  const { event } = recorded;
  return [
    schoolId,
    String(position),
    copyField(recorded.streamId),
    String(recorded.streamRevision),
    copyField(event.metadata.eventId),
    copyField(event.type),
    String(event.schemaVersion),
    copyField(JSON.stringify(event.data)),
    copyField(JSON.stringify(event.metadata)),
  ].join('\t') + '\n';
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
 * Node) and loading (in PostgreSQL) run side by side. At the end the transaction commits only
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
    let pending: string[] = [];
    let events = 0;
    let batches = 0;
    /** Writes the lines read so far to the COPY, `batchSize` at a time (all of them at the end). */
    const write = async (atEnd: boolean): Promise<void> => {
      while (outcome === undefined && (pending.length >= batchSize || (atEnd && pending.length > 0))) {
        const lines = pending.length > batchSize ? pending.slice(0, batchSize) : pending;
        pending = pending.length > batchSize ? pending.slice(batchSize) : [];
        // One write in flight at a time, awaited (back-pressure: the socket took it), unless the
        // COPY fails meanwhile; pg-copy-streams must not be handed more after it failed.
        await Promise.race([new Promise<void>((resolve) => copy.write(lines.join(''), () => resolve())), settled]);
        if (outcome !== undefined) break;
        events += lines.length;
        batches += 1;
        await options.afterBatch?.({ batches, events });
      }
      if (outcome !== undefined) pending = [];
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
      onEvent: (recorded) => {
        read += 1;
        if (outcome === undefined) pending.push(copyLine(schoolId, before + read, recorded));
      },
    });
    await write(true);
    if (outcome === undefined) copy.end();
    const copied = await settled;

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
