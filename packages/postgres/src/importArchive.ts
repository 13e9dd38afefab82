import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as E from 'fp-ts/Either';
import { readArchive, verifyArchive, type ByteSource, type VerifyReport } from '@grade-ledger/archive';
import type { RecordedEvent, RuleSet, StoreUnavailable } from '@grade-ledger/core';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { isUniqueViolation, storeUnavailable } from './errors';
import { notificationChannel } from './notifications';
import type { PostgresEventStore } from './postgresEventStore';

/*
 * Archive import through COPY: the archive is verified whole (a first streaming pass), then read
 * again and loaded in one transaction holding the school's head row, batch by batch with COPY.
 * Nothing is visible until the commit, and any failure rolls everything back.
 */

export type CopyImportError =
  /** The archive failed verification; nothing was written. */
  | { readonly kind: 'ArchiveRejected'; readonly report: VerifyReport; readonly message: string }
  /** Streams of the archive already exist in this school; nothing was written. */
  | { readonly kind: 'StreamsExist'; readonly streamIds: ReadonlyArray<string>; readonly message: string }
  /** Event ids of the archive are already recorded in this school (in other streams); nothing was written. */
  | { readonly kind: 'EventIdsExist'; readonly message: string }
  /** The archive changed between verifying and loading it; nothing was written. */
  | { readonly kind: 'ArchiveChanged'; readonly message: string }
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
  /** Events per COPY statement (default 5,000). */
  readonly batchSize?: number;
  readonly onProgress?: (progress: { readonly phase: 'verify' | 'write'; readonly lines: number; readonly bytes: number }) => void;
  /**
   * Called inside the transaction after each batch is copied (tests use it to break the
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

/**
 * Imports an archive into a PostgreSQL store through COPY, all or nothing. First the whole
 * archive is verified as it streams by (chain, format, schema, domain, grades): a bad archive
 * is refused with its findings and nothing is written. Then, in one transaction, the school's
 * head row is locked (as appends lock it, so positions stay dense and become visible in
 * order), the import is refused if any of the archive's streams exists in the school, the
 * archive is read again and COPYed in batches with positions continuing the school's head
 * (stream revisions as in the archive), the head is moved, and the transaction commits. Any
 * failure rolls it back: nothing is visible. Appends to the school wait for the import.
 * `open` opens the archive anew on each call (it is read twice).
 */
export const importArchiveWithCopy = async (
  store: PostgresEventStore,
  open: () => ByteSource,
  options: CopyImportOptions = {},
): Promise<E.Either<CopyImportError, CopyImportSummary>> => {
  const { pool, schoolId, schema } = store;
  const streamIds = new Set<string>();
  const report = await verifyArchive(open(), {
    ...(options.ruleSets === undefined ? {} : { ruleSets: options.ruleSets }),
    domain: options.domain ?? true,
    streamIds,
    onProgress: (p) => options.onProgress?.({ phase: 'verify', ...p }),
  });
  if (!report.ok)
    return E.left({ kind: 'ArchiveRejected', report, message: `the archive was rejected and nothing was written: ${rejectedSummary(report)}` });

  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const copySql = `COPY ${schema}.events (school_id, position, stream_id, stream_revision, event_id, type, schema_version, data, metadata) FROM STDIN`;
  const what = `importing an archive of ${report.events} event(s)`;
  let client: pg.PoolClient | undefined;
  let failure: unknown;
  try {
    await store.ready();
    client = await pool.connect();
    const connection = client;
    // A checked-out client whose connection drops emits 'error'; unheard, it would crash the
    // process. The failure reaches the next query anyway, which rolls the import back.
    connection.on('error', ignoreConnectionError);
    await connection.query('BEGIN');
    // The same row lock an append takes: appends to this school wait until the import ends.
    const head = await connection.query<{ last_position: string }>(
      `SELECT last_position FROM ${schema}.school_heads WHERE school_id = $1 FOR UPDATE`,
      [schoolId],
    );
    const before = Number(head.rows[0]?.last_position ?? 0);
    const existing = await connection.query<{ stream_id: string }>(
      `SELECT DISTINCT stream_id FROM ${schema}.events WHERE school_id = $1 AND stream_id = ANY($2::text[]) ORDER BY stream_id`,
      [schoolId, [...streamIds]],
    );
    if (existing.rows.length > 0) {
      const ids = existing.rows.map((row) => row.stream_id);
      throw {
        refusal: {
          kind: 'StreamsExist',
          streamIds: ids,
          message: `${ids.length} stream(s) of the archive already exist in school ${schoolId} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}); nothing was written`,
        },
      } satisfies Refusal;
    }

    let events = 0;
    let batches = 0;
    let lines: string[] = [];
    const flush = async (): Promise<void> => {
      if (lines.length === 0) return;
      const text = lines.join('');
      const count = lines.length;
      lines = [];
      await pipeline(Readable.from([text]), connection.query(copyFrom(copySql)));
      events += count;
      batches += 1;
      await options.afterBatch?.({ batches, events });
    };
    // Second pass: readArchive checks the chain again, and the final digest must be the verified one.
    const reading = readArchive(open());
    let read = 0;
    for await (const recorded of reading.events) {
      read += 1;
      lines.push(copyLine(schoolId, before + read, recorded));
      if (lines.length >= batchSize) await flush();
      if (recorded.line % 10_000 === 0) options.onProgress?.({ phase: 'write', lines: recorded.line, bytes: 0 });
    }
    const again = await reading.result;
    if (E.isLeft(again) || again.right.manifest.finalDigest !== report.finalDigest || read !== report.events)
      throw { refusal: { kind: 'ArchiveChanged', message: 'the archive changed between verifying and loading it; nothing was written: import it again' } } satisfies Refusal;
    await flush();

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
    return E.left(storeUnavailable(`${what} (rolled back: nothing was written)`, error));
  } finally {
    // A connection that failed is destroyed, not returned to the pool.
    client?.off('error', ignoreConnectionError);
    client?.release(failure instanceof Error ? failure : undefined);
  }
};
