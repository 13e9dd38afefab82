import * as E from 'fp-ts/Either';
import {
  checkAppend,
  checkAppendTarget,
  checkReadAllOptions,
  checkReadTarget,
  concurrencyConflict,
  currentSchemaVersion,
  decodeBatch,
  decodeEventFast,
  decodeEvent,
  isEventType,
  type AppendResult,
  type EventStore,
  type EventStoreError,
  type ExpectedRevision,
  type LedgerEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ReadStreamResult,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '@grade-ledger/core';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { connect, type PostgresTarget } from './connection';
import { isStoreUnavailable, isUniqueViolation, storeUnavailable, storeUnavailableError } from './errors';
import { notificationChannel, schoolNotifications } from './notifications';
import { unstorableTextIn } from './unstorableText';

/** SQLSTATE class 22 (data exception) of the cause of a wrapped failure. */
const isDataException = (error: unknown): boolean => {
  const code = ((error as { cause?: { code?: unknown } } | null)?.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('22');
};

export type PostgresEventStoreOptions = PostgresTarget & {
  /**
   * Decode every appended event with its codec before writing (default true). Turn it off
   * only for trusted bulk loads, as with the in-memory store.
   */
  readonly validate?: boolean;
  /**
   * NOTIFY on every append so that subscriptions wake at once (default true). Without it they
   * find new events by polling only. NOTIFY serialises committing appends database-wide, so a
   * deployment with very many concurrent writers may turn it off (docs/postgres.md).
   */
  readonly notifications?: boolean;
  /** How often a waiting subscription looks for new events without a notification (default 500 ms). */
  readonly pollIntervalMs?: number;
};

export type PostgresEventStore = EventStore & {
  readonly schoolId: string;
  readonly schema: string;
  readonly pool: pg.Pool;
  /** Creates or upgrades the schema and registers the school; every operation does it on first use. */
  readonly ready: () => Promise<void>;
  /** Ends the pool the store made from a connection string; a given pool is left open. */
  readonly close: () => Promise<void>;
};

const DEFAULT_PAGE_SIZE = 1_000;
const MAX_APPEND_ATTEMPTS = 20;
const RETRY_MIN_MS = 25;
const RETRY_MAX_MS = 1_000;
/** The largest stream revision the `integer` column holds: a larger expected revision can never match. */
const MAX_REVISION = 2_147_483_647;

type EventRow = {
  readonly position: string;
  readonly stream_id: string;
  readonly stream_revision: number;
  readonly type: string;
  readonly schema_version: number;
  readonly data: unknown;
  readonly metadata: unknown;
};

/** An event the diagnosis found under one of the batch's ids, with its content (compared on a re-send). */
type Recorded = {
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: unknown;
};

/**
 * Rows hold events as they were appended, at their schema version then; an older version is
 * upcast on the way out, the current one is taken as written (it was decoded before writing).
 */
const eventOf = (row: EventRow): LedgerEvent => {
  const raw = { type: row.type, schemaVersion: row.schema_version, data: row.data, metadata: row.metadata };
  if (isEventType(row.type) && row.schema_version === currentSchemaVersion(row.type)) return raw as LedgerEvent;
  const decoded = decodeEvent(raw);
  if (E.isLeft(decoded)) throw new Error(`stored event at position ${row.position} is not a ledger event: ${decoded.left.message}`);
  return decoded.right;
};

const recordedOf = (row: EventRow): RecordedEvent => ({
  event: eventOf(row),
  streamId: row.stream_id,
  streamRevision: row.stream_revision,
  globalPosition: Number(row.position),
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const backoff = (attempt: number): number => Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt, 10));

const EVENT_COLUMNS = 'position, stream_id, stream_revision, type, schema_version, data, metadata';

/**
 * A server-side prepared statement's name for a statement text (its schema and options are in
 * the text, so two stores with different ones never share a name on a connection).
 */
const statementName = (purpose: string, text: string): string =>
  `grade_ledger_${purpose}_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;

/**
 * The PostgreSQL event store of one school. Appends are one statement (one transaction) each:
 * the batch goes in as one JSON parameter, the unique constraint on (school, stream, revision)
 * is the optimistic concurrency check, and the school's head row hands out global positions
 * under a row lock held until commit, so positions become visible in order, without gaps
 * (docs/postgres.md, "Ordering").
 */
export const postgresEventStore = (options: PostgresEventStoreOptions): PostgresEventStore => {
  const connection = connect(options);
  const { pool, schoolId, schema, ready } = connection;
  const validate = options.validate ?? true;
  const notify = options.notifications ?? true;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const channel = notificationChannel(schema);
  const notifications = schoolNotifications(pool, channel, schoolId);

  const appendSql = `
    WITH batch AS (
      SELECT b.n, b.event_id, b.type, b.schema_version, b.data, b.metadata
      FROM json_to_recordset($3::json) AS b(n integer, event_id text, type text, schema_version smallint, data jsonb, metadata jsonb)
    ),
    current_revision AS (
      SELECT coalesce(max(stream_revision), -1) AS revision FROM ${schema}.events WHERE school_id = $1 AND stream_id = $2
    ),
    allowed AS (
      SELECT revision FROM current_revision
      WHERE CASE $4::text WHEN 'any' THEN true WHEN 'noStream' THEN revision = -1
                          WHEN 'streamExists' THEN revision >= 0 ELSE revision = $5::integer END
    ),
    head AS (
      UPDATE ${schema}.school_heads SET last_position = last_position + $6::integer
      WHERE school_id = $1 AND EXISTS (SELECT 1 FROM allowed)
      RETURNING last_position - $6::integer AS before
    ),
    inserted AS (
      INSERT INTO ${schema}.events (school_id, position, stream_id, stream_revision, event_id, type, schema_version, data, metadata)
      SELECT $1, head.before + 1 + batch.n, $2, allowed.revision + 1 + batch.n,
             batch.event_id, batch.type, batch.schema_version, batch.data, batch.metadata
      FROM batch CROSS JOIN allowed CROSS JOIN head
      RETURNING 1
    )${notify ? `,
    notified AS (SELECT pg_notify($7, $1) FROM head)` : ''}
    SELECT (SELECT before FROM head) AS before, (SELECT revision FROM allowed) AS revision,
           (SELECT count(*) FROM inserted)::integer AS inserted
           ${notify ? ', (SELECT count(*) FROM notified) AS notified' : ''}`;

  // Why an append was refused: the stream's revision, the school's head, and where the batch's ids are.
  const diagnoseSql = `
    SELECT (SELECT coalesce(max(stream_revision), -1) FROM ${schema}.events WHERE school_id = $1 AND stream_id = $2) AS revision,
           (SELECT last_position FROM ${schema}.school_heads WHERE school_id = $1) AS head,
           (SELECT coalesce(json_agg(json_build_object('eventId', event_id, 'streamId', stream_id,
                                                       'revision', stream_revision, 'position', position,
                                                       'type', type, 'schemaVersion', schema_version,
                                                       'data', data, 'metadata', metadata)), '[]'::json)
            FROM ${schema}.events WHERE school_id = $1 AND event_id = ANY($3::text[])) AS recorded`;

  // The append is the hot path: prepared once per connection, it is parsed and analysed once
  // rather than on every append (with 16 partitions that was a third of an append's server time).
  const appendStatement = statementName('append', appendSql);
  const diagnoseStatement = statementName('diagnose', diagnoseSql);

  const readStreamSql = `
    SELECT h.revision AS current_revision, e.*
    FROM (SELECT coalesce(max(stream_revision), -1) AS revision FROM ${schema}.events WHERE school_id = $1 AND stream_id = $2) h
    LEFT JOIN LATERAL (
      SELECT ${EVENT_COLUMNS} FROM ${schema}.events
      WHERE school_id = $1 AND stream_id = $2 AND stream_revision >= $3::bigint
    ) e ON true
    ORDER BY e.stream_revision`;

  // Keyset paging on the primary key (school_id, position): the time per page does not grow with the table.
  const pageSql = `SELECT ${EVENT_COLUMNS} FROM ${schema}.events WHERE school_id = $1 AND position > $2 ORDER BY position LIMIT $3`;
  const headSql = `SELECT last_position FROM ${schema}.school_heads WHERE school_id = $1`;

  /** Runs a query after the schema is ready; any failure becomes StoreUnavailable. */
  const run = async <R extends pg.QueryResultRow>(
    what: string,
    text: string,
    values: ReadonlyArray<unknown>,
    written?: 'maybe',
    name?: string,
  ): Promise<pg.QueryResult<R>> => {
    try {
      await ready();
      return await pool.query<R>(name === undefined ? { text, values: values as unknown[] } : { name, text, values: values as unknown[] });
    } catch (error) {
      if (isUniqueViolation(error)) throw error;
      throw storeUnavailableError(storeUnavailable(what, error, written));
    }
  };

  const diagnose = async (
    streamId: string,
    events: ReadonlyArray<LedgerEvent>,
    expectedRevision: ExpectedRevision,
  ): Promise<E.Either<EventStoreError, AppendResult> | 'retry'> => {
    const { rows } = await run<{ revision: number; head: string | null; recorded: ReadonlyArray<Recorded> }>(
      `appending to stream ${streamId}`,
      diagnoseSql,
      [schoolId, streamId, events.map((event) => event.metadata.eventId)],
      undefined,
      diagnoseStatement,
    );
    const row = rows[0];
    if (row === undefined) throw new Error('the diagnosis query returned no row');
    const actual = row.revision;
    // The stored events come upcast to the current version, as a reader gets them: a re-send is
    // compared with what was decoded from it. Only ids already recorded are fetched: a batch of
    // new events brings nothing back.
    const byId = new Map(
      row.recorded.map((r) => [
        r.eventId,
        {
          streamId: r.streamId,
          streamRevision: r.revision,
          globalPosition: Number(r.position),
          event: eventOf({
            position: String(r.position),
            stream_id: r.streamId,
            stream_revision: r.revision,
            type: r.type,
            schema_version: r.schemaVersion,
            data: r.data,
            metadata: r.metadata,
          }),
        },
      ]),
    );
    const decision = checkAppend({
      streamId,
      events,
      recorded: events.map((event) => byId.get(event.metadata.eventId)),
      expectedRevision,
      actual,
      head: Number(row.head ?? 0),
    });
    if (E.isLeft(decision)) return decision;
    if (decision.right !== undefined) return E.right(decision.right);
    // The expectation holds now: the refusal came from an append that committed meanwhile.
    return 'retry';
  };

  const appendToStream: EventStore['appendToStream'] = async (streamId, events, options) => {
    const expected = checkAppendTarget(streamId, options.expectedRevision);
    if (E.isLeft(expected)) return expected;
    const expectedRevision = expected.right;
    // The rows are serialized at once: the fast path (no copy of an already valid event) is safe here.
    const decoded = decodeBatch(streamId, events, validate, decodeEventFast);
    if (E.isLeft(decoded)) return decoded;
    const checked = decoded.right;
    const what = `appending ${checked.length} event(s) to stream ${streamId}`;
    // A batch naming an id twice can never be written: only the diagnosis says how to refuse it.
    const hasDuplicates = new Set(checked.map((event) => event.metadata.eventId)).size < checked.length;
    const batch = JSON.stringify(
      checked.map((event, n) => ({
        n,
        event_id: event.metadata.eventId,
        type: event.type,
        schema_version: event.schemaVersion,
        data: event.data,
        metadata: event.metadata,
      })),
    );
    const mode = typeof expectedRevision === 'number' ? 'revision' : expectedRevision;
    const exact = typeof expectedRevision === 'number' ? expectedRevision : null;
    // A revision beyond the column's range cannot be the stream's: only the diagnosis answers it (a conflict).
    const reachable = exact === null || exact <= MAX_REVISION;
    try {
      for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
        if (checked.length > 0 && !hasDuplicates && reachable) {
          try {
            const values = [schoolId, streamId, batch, mode, exact, checked.length, ...(notify ? [channel] : [])];
            const { rows } = await run<{ before: string | null; revision: number | null; inserted: number }>(
              what,
              appendSql,
              values,
              'maybe',
              appendStatement,
            );
            const row = rows[0];
            if (row !== undefined && row.inserted === checked.length && row.before !== null && row.revision !== null)
              return E.right({
                nextExpectedRevision: row.revision + checked.length,
                lastGlobalPosition: Number(row.before) + checked.length,
                written: true,
              });
          } catch (error) {
            if (!isUniqueViolation(error)) {
              // A data exception (class 22) may be text the database cannot hold: bad input, not an outage.
              const unstorable = isDataException(error) ? unstorableTextIn(streamId, checked) : undefined;
              if (unstorable !== undefined) return E.left(unstorable);
              throw error;
            }
          }
        }
        const outcome = await diagnose(streamId, checked, expectedRevision);
        if (outcome !== 'retry') return outcome;
        await sleep(backoff(attempt) * Math.random());
      }
      const { rows } = await run<{ revision: number }>(what, diagnoseSql, [schoolId, streamId, []], undefined, diagnoseStatement);
      return E.left(concurrencyConflict(streamId, expectedRevision, rows[0]?.revision ?? -1));
    } catch (error) {
      if (isStoreUnavailable(error)) return E.left(storeUnavailable(what, (error as { cause?: unknown }).cause ?? error, 'maybe'));
      throw error;
    }
  };

  const readStream = async (
    streamId: string,
    { fromRevision = 0 }: ReadStreamOptions = {},
  ): Promise<E.Either<EventStoreError, ReadStreamResult>> => {
    const from = checkReadTarget(streamId, fromRevision);
    if (E.isLeft(from)) return from;
    try {
      const { rows } = await run<EventRow & { current_revision: number }>(`reading stream ${streamId}`, readStreamSql, [
        schoolId,
        streamId,
        from.right,
      ]);
      const currentRevision = rows[0]?.current_revision ?? -1;
      const events = rows.filter((row) => row.position !== null).map(recordedOf);
      return E.right({ events, currentRevision });
    } catch (error) {
      if (isStoreUnavailable(error)) return E.left(storeUnavailable(`reading stream ${streamId}`, (error as { cause?: unknown }).cause ?? error));
      throw error;
    }
  };

  const readPage = async (after: number, pageSize: number): Promise<ReadonlyArray<RecordedEvent>> => {
    const { rows } = await run<EventRow>(`reading all events after position ${after}`, pageSql, [schoolId, after, pageSize]);
    return rows.map(recordedOf);
  };

  async function* readAll(options: ReadAllOptions = {}): AsyncIterable<ReadonlyArray<RecordedEvent>> {
    const { after, pageSize: size } = checkReadAllOptions(options.after ?? 0, options.pageSize ?? DEFAULT_PAGE_SIZE);
    let position = after;
    for (;;) {
      const page = await readPage(position, size);
      if (page.length === 0) return;
      yield page;
      if (page.length < size) return;
      position = (page[page.length - 1] as RecordedEvent).globalPosition;
    }
  }

  const subscribe = ({ after: from = 0, pageSize = DEFAULT_PAGE_SIZE, onEvents }: SubscribeOptions): Subscription => {
    const { after, pageSize: size } = checkReadAllOptions(from, pageSize);
    let stopped = false;
    let position = after;
    let markCaughtUp: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
    let interrupt: () => void = () => undefined;
    const stopping = new Promise<void>((resolve) => (interrupt = resolve));

    /** Waits for the first of: the signal, the delay, stop(). */
    const pause = async (ms: number, signal?: Promise<void>): Promise<void> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const delay = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
      await Promise.race([delay, stopping, ...(signal === undefined ? [] : [signal])]);
      clearTimeout(timer);
    };

    const loop = async (): Promise<E.Either<unknown, void>> => {
      notifications.acquire();
      try {
        let caughtUpAt: number | undefined;
        let failures = 0;
        while (!stopped) {
          // Taken before reading, so an append committed after the read still wakes the wait.
          const signal = notifications.nextSignal();
          let page: ReadonlyArray<RecordedEvent>;
          try {
            if (caughtUpAt === undefined) {
              const { rows } = await run<{ last_position: string }>('reading the head position', headSql, [schoolId]);
              caughtUpAt = Number(rows[0]?.last_position ?? 0);
            }
            page = await readPage(position, size);
            failures = 0;
          } catch (error) {
            // The server is away (restart, network): keep the position and try again.
            if (!isStoreUnavailable(error)) throw error;
            failures++;
            await pause(backoff(failures));
            continue;
          }
          if (stopped) break;
          if (page.length === 0) {
            markCaughtUp();
            await pause(pollIntervalMs, signal);
            continue;
          }
          await onEvents(page);
          position = (page[page.length - 1] as RecordedEvent).globalPosition;
          if (position >= caughtUpAt) markCaughtUp();
        }
        return E.right(undefined);
      } catch (error) {
        return E.left(error);
      } finally {
        notifications.release();
        markCaughtUp();
      }
    };
    const done = loop();
    return {
      caughtUp,
      done,
      stop: async () => {
        stopped = true;
        interrupt();
        await done;
      },
    };
  };

  return {
    appendToStream,
    readStream,
    readAll,
    subscribe,
    schoolId,
    schema,
    pool,
    ready: async () => {
      try {
        await ready();
      } catch (error) {
        throw storeUnavailableError(storeUnavailable('preparing the schema', error));
      }
    },
    close: connection.close,
  };
};
