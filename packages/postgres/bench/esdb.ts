import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EventStoreDBClient, FORWARDS, jsonEvent, NO_STREAM, START, type AllStreamResolvedEvent, type Position } from '@eventstore/db-client';
import * as E from 'fp-ts/Either';
import { eventStoreDbEventStore } from '@grade-ledger/eventstoredb';
import type { AppendBatch } from './workload';

/*
 * EventStoreDB / KurrentDB, only where a server is given (GRADE_LEDGER_ESDB_URL, e.g.
 * esdb://127.0.0.1:2113?tls=false): the same lesson batches appended one at a time through the
 * adapter of packages/eventstoredb and through raw @eventstore/db-client calls, then `$all` read
 * in pages of 10,000 both ways. Every run writes to fresh stream names; the server may hold
 * anything, and both reads scan the whole of `$all` (the adapter filters to its school after
 * reading), so the read figures are of `$all` events scanned per second.
 */

export const ESDB_URL_VARIABLE = 'GRADE_LEDGER_ESDB_URL';

export type EsdbFigures = {
  readonly appendEvents: number;
  readonly adapterAppendsPerSecond: number;
  readonly rawAppendsPerSecond: number;
  readonly allEvents: number;
  readonly adapterReadPerSecond: number;
  readonly rawReadPerSecond: number;
};

const PAGE = 10_000;

const rawReadAll = async (client: EventStoreDBClient): Promise<number> => {
  let from: Position | typeof START = START;
  let total = 0;
  for (;;) {
    let page = 0;
    let last: Position | undefined;
    const skipFirst = from !== START;
    let first = true;
    for await (const resolved of client.readAll({ fromPosition: from, maxCount: PAGE + (skipFirst ? 1 : 0), direction: FORWARDS }) as AsyncIterable<AllStreamResolvedEvent>) {
      if (first && skipFirst) {
        first = false;
        continue;
      }
      first = false;
      page++;
      last = resolved.event?.position ?? last;
    }
    total += page;
    if (page < PAGE || last === undefined) return total;
    from = last;
  }
};

export const esdbBench = async (url: string, batches: ReadonlyArray<AppendBatch>, log: (message: string) => void): Promise<EsdbFigures> => {
  const run = randomUUID().slice(0, 8);
  const client = EventStoreDBClient.connectionString(url);
  try {
    const adapter = eventStoreDbEventStore({ client, schoolId: `bench-${run}` });
    const appendEvents = batches.reduce((sum, batch) => sum + batch.events.length, 0);

    const rawRevisions = new Map<string, bigint>();
    const rawStart = performance.now();
    for (const batch of batches) {
      const stream = `grade-ledger-bench-raw-${run}/${batch.streamId}`;
      const revision = rawRevisions.get(stream);
      const result = await client.appendToStream(
        stream,
        batch.events.map((event) => jsonEvent({ type: event.type, data: event.data as Record<string, unknown>, metadata: { ...event.metadata, schemaVersion: event.schemaVersion } })),
        { expectedRevision: revision ?? NO_STREAM },
      );
      rawRevisions.set(stream, result.nextExpectedRevision);
    }
    const rawAppendSeconds = (performance.now() - rawStart) / 1000;
    log(`EventStoreDB: raw client appended ${appendEvents} events`);

    const revisions = new Map<string, number>();
    const adapterStart = performance.now();
    for (const batch of batches) {
      const result = await adapter.appendToStream(batch.streamId, batch.events, { expectedRevision: revisions.get(batch.streamId) ?? 'noStream' });
      if (E.isLeft(result)) throw new Error(`EventStoreDB adapter append failed: ${result.left.message}`);
      revisions.set(batch.streamId, result.right.nextExpectedRevision);
    }
    const adapterAppendSeconds = (performance.now() - adapterStart) / 1000;
    log(`EventStoreDB: adapter appended ${appendEvents} events`);

    let allEvents = 0;
    const rawReadStart = performance.now();
    allEvents = await rawReadAll(client);
    const rawReadSeconds = (performance.now() - rawReadStart) / 1000;
    let adapterEvents = 0;
    const adapterReadStart = performance.now();
    for await (const page of adapter.readAll({ pageSize: PAGE })) adapterEvents += page.length;
    const adapterReadSeconds = (performance.now() - adapterReadStart) / 1000;
    if (adapterEvents < appendEvents) throw new Error(`EventStoreDB adapter read ${adapterEvents} of its ${appendEvents} events`);
    log(`EventStoreDB: read $all (${allEvents} events) both ways`);
    return {
      appendEvents,
      adapterAppendsPerSecond: appendEvents / adapterAppendSeconds,
      rawAppendsPerSecond: appendEvents / rawAppendSeconds,
      allEvents,
      adapterReadPerSecond: allEvents / adapterReadSeconds,
      rawReadPerSecond: allEvents / rawReadSeconds,
    };
  } finally {
    await client.dispose();
  }
};
