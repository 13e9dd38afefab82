import * as E from 'fp-ts/Either';
import type { AppendResult, EventStore, EventStoreError, LedgerEvent, RecordedEvent, RuleSet } from '@grade-ledger/core';
import type { ByteSource } from './lines';
import { readArchive } from './readArchive';
import { clearEventIds, emptyEventIdSet, hasEventId } from './eventIdSet';
import { verifyArchive, type VerifyReport } from './verify';

export type ImportError =
  /** The archive failed verification; nothing was written. */
  | { readonly kind: 'ArchiveRejected'; readonly report: VerifyReport; readonly message: string }
  /** Streams of the archive already exist in the store; nothing was written. */
  | { readonly kind: 'StreamsExist'; readonly streamIds: ReadonlyArray<string>; readonly message: string }
  /** Event ids of the archive are already recorded in the store (in other streams); nothing was written. */
  | { readonly kind: 'EventsExist'; readonly eventIds: ReadonlyArray<string>; readonly message: string }
  /** The store refused or failed an append after verification; `written` events are in the store. */
  | { readonly kind: 'AppendFailed'; readonly error: EventStoreError; readonly written: number; readonly message: string }
  /** The archive changed between verifying it and writing it; `written` events are in the store. */
  | { readonly kind: 'ArchiveChanged'; readonly written: number; readonly message: string };

export type ImportSummary = { readonly events: number; readonly streams: number; readonly report: VerifyReport };

export type ImportOptions = {
  readonly ruleSets?: ReadonlyArray<RuleSet>;
  /** Check the domain and grades before writing (default true); chain, format and schema are always checked. */
  readonly domain?: boolean;
  readonly onProgress?: (progress: { readonly phase: 'verify' | 'write'; readonly lines: number; readonly bytes: number }) => void;
  /** Events per append (consecutive events of one stream; default 500). */
  readonly batchSize?: number;
};

const summaryOf = (report: VerifyReport): string =>
  report.findings
    .slice(0, 5)
    .map((f) => f.message)
    .join('; ') + (report.findings.length > 5 ? `; and ${report.findings.length - 5 + report.omittedFindings} more` : '');

/**
 * Imports an archive into a store, all or nothing: first the whole archive is verified as it
 * streams by (nothing is written if anything is wrong, or if any of its streams exists in the
 * store, or if an event id repeats in it or is already recorded in the store: a store records
 * an event id once, and would refuse it half-way through), then it is read again and appended
 * stream by stream in the ledger's order, each
 * batch with the revision it must follow. `open` opens the archive anew on each call.
 * Memory: what verification keeps, including its set of the archive's event ids (about half a
 * byte an id of a numbered form, `eventIdSet.ts`: 2.1 MiB for the generated school's 4.26
 * million, where a Map of the ids to their lines took 366 MiB), then one batch.
 */
export const importArchive = async (
  open: () => ByteSource,
  store: EventStore,
  options: ImportOptions = {},
): Promise<E.Either<ImportError, ImportSummary>> => {
  const streamIds = new Set<string>();
  // A store records an event id once: an archive repeating one (a finding of the verification),
  // or bringing one the store holds, would be refused half-way through the appends. Found here,
  // before anything is written, with the ids verification collected (compactly: eventIdSet.ts).
  const eventIds = emptyEventIdSet();
  const report = await verifyArchive(open(), {
    ...(options.ruleSets === undefined ? {} : { ruleSets: options.ruleSets }),
    domain: options.domain ?? true,
    streamIds,
    eventIds,
    onProgress: (p) => options.onProgress?.({ phase: 'verify', ...p }),
  });
  if (!report.ok) return E.left({ kind: 'ArchiveRejected', report, message: `the archive was rejected and nothing was written: ${summaryOf(report)}` });

  const existing: string[] = [];
  for (const streamId of streamIds) {
    const read = await store.readStream(streamId, { fromRevision: Number.MAX_SAFE_INTEGER });
    if (E.isLeft(read)) return E.left({ kind: 'AppendFailed', error: read.left, written: 0, message: `the store could not be read: ${read.left.message}; nothing was written` });
    if (read.right.currentRevision >= 0) existing.push(streamId);
  }
  if (existing.length > 0)
    return E.left({
      kind: 'StreamsExist',
      streamIds: existing,
      message: `${existing.length} stream(s) of the archive already exist in the store (${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', ...' : ''}); import into an empty store; nothing was written`,
    });

  const held: string[] = [];
  for await (const page of store.readAll()) for (const r of page) if (hasEventId(eventIds, r.event.metadata.eventId)) held.push(r.event.metadata.eventId);
  if (held.length > 0)
    return E.left({
      kind: 'EventsExist',
      eventIds: held,
      message: `${held.length} event id(s) of the archive are already recorded in the store (${held.slice(0, 5).join(', ')}${held.length > 5 ? ', ...' : ''}); import into an empty store; nothing was written`,
    });
  clearEventIds(eventIds);

  // Second pass: the same checks once more (the file could have changed since), and append.
  const batchSize = options.batchSize ?? 500;
  let batch: RecordedEvent[] = [];
  let written = 0;
  let failure: ImportError | undefined;
  const flush = async (): Promise<void> => {
    const first = batch[0];
    if (first === undefined || failure !== undefined) return;
    const events: LedgerEvent[] = batch.map((r) => r.event);
    const appended: E.Either<EventStoreError, AppendResult> = await store.appendToStream(first.streamId, events, {
      expectedRevision: first.streamRevision === 0 ? 'noStream' : first.streamRevision - 1,
    });
    if (E.isLeft(appended))
      failure = { kind: 'AppendFailed', error: appended.left, written, message: `the store refused an append after ${written} events were written: ${appended.left.message}; re-running the import into a fresh store is safe` };
    else written += events.length;
    batch = [];
  };
  const reading = readArchive(open());
  for await (const recorded of reading.events) {
    const last = batch[batch.length - 1];
    if (last !== undefined && (last.streamId !== recorded.streamId || batch.length >= batchSize)) await flush();
    if (failure !== undefined) break;
    batch.push(recorded);
    if (recorded.line % 10_000 === 0) options.onProgress?.({ phase: 'write', lines: recorded.line, bytes: 0 });
  }
  if (failure === undefined) {
    // The file was verified a moment ago; it can only fail here if it changed since.
    const read = await reading.result;
    if (E.isLeft(read) || read.right.manifest.finalDigest !== report.finalDigest)
      return E.left({ kind: 'ArchiveChanged', written, message: `the archive changed between verifying and writing it; ${written} events were written before this was noticed: discard this store and import again` });
  }
  await flush();
  if (failure !== undefined) return E.left(failure);
  return E.right({ events: written, streams: streamIds.size, report });
};
