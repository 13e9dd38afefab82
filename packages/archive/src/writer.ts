import * as E from 'fp-ts/Either';
import type { EventStore, LedgerEvent, RecordedEvent } from '@grade-ledger/core';
import { canonicalJsonUnsafe, canonicalSerializer, type CanonicalJsonError } from './canonicalJson';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  chainHasher,
  chainedLine,
  genesisDigest,
  type ArchiveHeader,
  type ArchiveManifest,
  type Pseudonymization,
} from './format';
import type { Pseudonymizer } from './pseudonymize';

/** Where an archive's events come from: a store (read page by page) or any sequence of recorded events. */
export type ArchiveSource = Pick<EventStore, 'readAll'> | Iterable<RecordedEvent> | AsyncIterable<RecordedEvent>;

export type ArchiveWriteError = {
  readonly kind: 'ArchiveWriteError';
  /** The global position of the event that could not be written, if it was an event. */
  readonly position: number | undefined;
  readonly message: string;
};

const writeError = (position: number | undefined, message: string): ArchiveWriteError => ({ kind: 'ArchiveWriteError', position, message });

const isStore = (source: ArchiveSource): source is Pick<EventStore, 'readAll'> =>
  typeof (source as { readAll?: unknown }).readAll === 'function';

/** The recorded events of a source in its order, page by page from a store. */
export async function* recordedEventsOf(source: ArchiveSource, pageSize = 2_000): AsyncIterable<RecordedEvent> {
  if (isStore(source)) {
    for await (const page of source.readAll({ pageSize })) yield* page;
    return;
  }
  yield* source as AsyncIterable<RecordedEvent>;
}

/** The rule-set ids an event names. */
export const ruleSetIdsOf = (event: LedgerEvent): ReadonlyArray<string> => {
  switch (event.type) {
    case 'SchoolYearOpened':
    case 'PeriodGradeFinalized':
    case 'YearGradeFinalized':
    case 'ResitResultRecorded':
      return [event.data.ruleSetId];
    case 'ClassOpened':
      return [event.data.calendar.ruleSetId];
    default:
      return [];
  }
};

/**
 * Writes an archive line by line, keeping only counters and the running digest: memory stays
 * flat however long the history. Throws an ArchiveWriteError (a plain object) on an event that
 * cannot be written; `archiveLines` turns that into a Left.
 */
export const archiveWriter = (pseudonymizer: Pseudonymizer | null) => {
  const pseudonymization: Pseudonymization = pseudonymizer === null ? null : pseudonymizer.description;
  const header: ArchiveHeader = { format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, kind: 'header', pseudonymization };
  const headerLine = canonicalJsonUnsafe(header);
  // The chain digest so far, in hex.
  let digest = genesisDigest(headerLine).toString('hex');
  const hasher = chainHasher();
  const serialize = canonicalSerializer();
  let count = 0;
  let firstPosition = 0;
  let lastPosition = 0;
  const byType = new Map<string, number>();
  const streams = new Map<string, number>();
  const ruleSetIds = new Set<string>();

  const event = (input: RecordedEvent): string => {
    const recorded = pseudonymizer === null ? input : pseudonymizer.recorded(input);
    const { globalPosition: position, streamId, streamRevision } = recorded;
    if (!Number.isSafeInteger(position) || position <= lastPosition)
      throw writeError(position, `position ${position} does not follow ${lastPosition}: events must come in the ledger's global order`);
    const expected = (streams.get(streamId) ?? -1) + 1;
    if (streamRevision !== expected)
      throw writeError(position, `stream ${streamId}: revision ${streamRevision} where ${expected} was expected; an archive holds each stream from its start, without gaps`);
    let body: string;
    try {
      body = serialize({ event: recorded.event, position, streamId, streamRevision });
    } catch (error) {
      if ((error as Partial<CanonicalJsonError> | null)?.kind !== 'CanonicalJsonError') throw error;
      throw writeError(position, `event ${recorded.event.metadata?.eventId ?? '?'}: ${(error as CanonicalJsonError).message}`);
    }
    digest = hasher.ofBody(digest, body);
    count += 1;
    if (firstPosition === 0) firstPosition = position;
    lastPosition = position;
    streams.set(streamId, streamRevision);
    byType.set(recorded.event.type, (byType.get(recorded.event.type) ?? 0) + 1);
    for (const id of ruleSetIdsOf(recorded.event)) ruleSetIds.add(id);
    return `${chainedLine(digest, body)}\n`;
  };

  const manifest = (): ArchiveManifest => ({
    kind: 'manifest',
    formatVersion: ARCHIVE_FORMAT_VERSION,
    eventCount: count,
    eventsByType: Object.fromEntries([...byType.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    streamCount: streams.size,
    firstPosition,
    lastPosition,
    finalDigest: digest,
    ruleSetIds: [...ruleSetIds].sort(),
    pseudonymization,
  });

  const manifestLine = (): string => {
    const body = canonicalJsonUnsafe(manifest());
    return `${chainedLine(hasher.ofBody(digest, body), body)}\n`;
  };

  return { headerLine: `${headerLine}\n`, event, manifest, manifestLine };
};

export type ArchiveLines = {
  /** The archive's text in chunks of whole lines (about 256 KiB each). */
  readonly chunks: AsyncIterable<string>;
  /** Settles once `chunks` is exhausted: the manifest, or why the archive could not be written. */
  readonly result: Promise<E.Either<ArchiveWriteError, ArchiveManifest>>;
};

const CHUNK_CHARS = 256 * 1024;

/**
 * The archive of a source as text chunks, streamed: nothing but the current chunk is held.
 * On an event that cannot be written the chunks stop early and `result` is a Left: a consumer
 * must check `result` before keeping what it wrote.
 */
export const archiveLines = (source: ArchiveSource, options: { readonly pseudonymizer: Pseudonymizer | null }): ArchiveLines => {
  let settle: (result: E.Either<ArchiveWriteError, ArchiveManifest>) => void = () => undefined;
  const result = new Promise<E.Either<ArchiveWriteError, ArchiveManifest>>((resolve) => (settle = resolve));
  async function* chunks(): AsyncIterable<string> {
    const writer = archiveWriter(options.pseudonymizer);
    let buffer = writer.headerLine;
    try {
      for await (const recorded of recordedEventsOf(source)) {
        buffer += writer.event(recorded);
        if (buffer.length >= CHUNK_CHARS) {
          yield buffer;
          buffer = '';
        }
      }
      yield buffer + writer.manifestLine();
      settle(E.right(writer.manifest()));
    } catch (error) {
      const failure =
        typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === 'ArchiveWriteError'
          ? (error as ArchiveWriteError)
          : writeError(undefined, `reading the source failed: ${error instanceof Error ? error.message : String(error)}`);
      settle(E.left(failure));
    }
  }
  return { chunks: chunks(), result };
};

/** The whole archive as one string (for small histories and tests). */
export const archiveText = async (
  source: ArchiveSource,
  options: { readonly pseudonymizer: Pseudonymizer | null },
): Promise<E.Either<ArchiveWriteError, { readonly text: string; readonly manifest: ArchiveManifest }>> => {
  const { chunks, result } = archiveLines(source, options);
  let text = '';
  for await (const chunk of chunks) text += chunk;
  const manifest = await result;
  return E.isLeft(manifest) ? manifest : E.right({ text, manifest: manifest.right });
};
