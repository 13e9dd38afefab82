import { isAscii } from 'node:buffer';
import * as E from 'fp-ts/Either';
import type { EventStore, LedgerEvent, RecordedEvent } from '@grade-ledger/core';
import { canonicalBytesWriter, canonicalJsonUnsafe, type CanonicalBytesWriter, type CanonicalJsonError } from './canonicalJson';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  chainHasher,
  chainedLine,
  chainInPlace,
  DIGEST_PREFIX_LENGTH,
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

const NO_RULE_SET_IDS: ReadonlyArray<string> = [];

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
      return NO_RULE_SET_IDS;
  }
};

/** What an archive writer needs of an event whose line's body is already made (see `serializedEvent`). */
export type SerializedEvent = {
  readonly position: number;
  /** As written (pseudonymized where the archive is). */
  readonly streamId: string;
  readonly streamRevision: number;
  readonly type: string;
  readonly ruleSetIds: ReadonlyArray<string>;
};

/**
 * Appends the body of an event's line (its canonical JSON without "digest":
 * `{"event":…,"position":…,"streamId":…,"streamRevision":…}`) to `out`; throws a
 * CanonicalJsonError where the event has no canonical form (having appended part of it: the
 * caller truncates).
 */
export const writeEventBody = (out: CanonicalBytesWriter, recorded: RecordedEvent): void => {
  const { globalPosition: position, streamId, streamRevision, event } = recorded;
  if (typeof streamId === 'string' && typeof event === 'object' && event !== null && typeof event.type === 'string') {
    // The body's members in canonical order, written as they are: no envelope object made.
    // Each event type has its own memory of shapes (its data members differ from the others').
    out.ascii('{"event":');
    out.value(event, event.type);
    out.ascii(',"position":');
    out.ascii(String(position));
    out.ascii(',"streamId":');
    out.value(streamId);
    out.ascii(',"streamRevision":');
    out.ascii(String(streamRevision));
    out.ascii('}');
  } else out.value({ event, position, streamId, streamRevision });
};

/**
 * Writes an archive line by line into a byte buffer (`out`), keeping only counters and the
 * running digest: memory stays flat however long the history (the caller takes the buffer's
 * bytes away as they fill). Each event line is serialized once, as UTF-8 bytes, hashed where
 * it lies and completed there (see chainInPlace). Throws an ArchiveWriteError (a plain object)
 * on an event that cannot be written, having appended nothing for it; `archiveLines` turns that
 * into a Left.
 */
export const archiveWriter = (pseudonymizer: Pseudonymizer | null, out: CanonicalBytesWriter = canonicalBytesWriter()) => {
  const pseudonymization: Pseudonymization = pseudonymizer === null ? null : pseudonymizer.description;
  const header: ArchiveHeader = { format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, kind: 'header', pseudonymization };
  const headerLine = canonicalJsonUnsafe(header);
  // The chain digest so far, in hex.
  const genesis = genesisDigest(headerLine);
  let digest = genesis.toString('hex');
  // The same digest's raw bytes, for the next line's hash.
  const previous = Uint8Array.from(genesis);
  const hasher = chainHasher();
  let count = 0;
  let firstPosition = 0;
  let lastPosition = 0;
  const byType = new Map<string, number>();
  const streams = new Map<string, number>();
  const ruleSetIds = new Set<string>();

  /** Throws where an event does not follow the ones written (its position, its stream's revision). */
  const checkOrder = (position: number, streamId: string, streamRevision: number): void => {
    if (!Number.isSafeInteger(position) || position <= lastPosition)
      throw writeError(position, `position ${position} does not follow ${lastPosition}: events must come in the ledger's global order`);
    const expected = (streams.get(streamId) ?? -1) + 1;
    if (streamRevision !== expected)
      throw writeError(position, `stream ${streamId}: revision ${streamRevision} where ${expected} was expected; an archive holds each stream from its start, without gaps`);
  };

  /** Chains the line whose body lies in `out` from `start + 76` on, ends it and counts its event. */
  const written = (start: number, position: number, streamId: string, streamRevision: number, type: string, ids: ReadonlyArray<string>): void => {
    digest = chainInPlace(previous, out.buffer(), start, out.position());
    out.ascii('\n');
    count += 1;
    if (firstPosition === 0) firstPosition = position;
    lastPosition = position;
    streams.set(streamId, streamRevision);
    byType.set(type, (byType.get(type) ?? 0) + 1);
    for (const id of ids) ruleSetIds.add(id);
  };

  /** Appends the line of an event to `out`. */
  const event = (input: RecordedEvent): void => {
    const recorded = pseudonymizer === null ? input : pseudonymizer.recorded(input);
    const { globalPosition: position, streamId, streamRevision } = recorded;
    checkOrder(position, streamId, streamRevision);
    // Room for the digest prefix; the body's "{" lands on its last byte.
    const start = out.skip(DIGEST_PREFIX_LENGTH - 1);
    try {
      writeEventBody(out, recorded);
    } catch (error) {
      out.truncate(start);
      if ((error as Partial<CanonicalJsonError> | null)?.kind !== 'CanonicalJsonError') throw error;
      throw writeError(position, `event ${recorded.event.metadata?.eventId ?? '?'}: ${(error as CanonicalJsonError).message}`);
    }
    written(start, position, streamId, streamRevision, recorded.event.type, ruleSetIdsOf(recorded.event));
  };

  /**
   * Appends the line of an event whose body (`writeEventBody` of the event as it is written,
   * pseudonymized where it is) was made elsewhere, e.g. by a re-export's worker thread: the bytes
   * of `body` from `from` to `to`, with what the checks and the manifest need of the event.
   * The same checks, line and counts as `event`.
   */
  const serializedEvent = (line: SerializedEvent, body: Buffer, from: number, to: number): void => {
    const { position, streamId, streamRevision } = line;
    checkOrder(position, streamId, streamRevision);
    const start = out.skip(DIGEST_PREFIX_LENGTH - 1 + (to - from));
    body.copy(out.buffer(), start + DIGEST_PREFIX_LENGTH - 1, from, to);
    written(start, position, streamId, streamRevision, line.type, line.ruleSetIds);
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

  return { headerLine: `${headerLine}\n`, event, serializedEvent, manifest, manifestLine };
};

/** Bytes of whole lines handed over at a time (the last line may take a chunk past it). */
const CHUNK_BYTES = 256 * 1024;
/** A chunk's buffer: room for the last line to end past CHUNK_BYTES without growing (mostly). */
const CHUNK_CAPACITY = CHUNK_BYTES + 64 * 1024;

export type ArchiveChunks<Chunk> = {
  /** The archive in chunks of whole lines (about 256 KiB each). */
  readonly chunks: AsyncIterable<Chunk>;
  /** Settles once `chunks` is exhausted: the manifest, or why the archive could not be written. */
  readonly result: Promise<E.Either<ArchiveWriteError, ArchiveManifest>>;
};

export type ArchiveLines = ArchiveChunks<string>;

const failureOf = (error: unknown): ArchiveWriteError =>
  typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === 'ArchiveWriteError'
    ? (error as ArchiveWriteError)
    : writeError(undefined, `reading the source failed: ${error instanceof Error ? error.message : String(error)}`);

const isSyncIterable = (source: ArchiveSource): source is Iterable<RecordedEvent> =>
  typeof (source as Partial<Iterable<RecordedEvent>>)[Symbol.iterator] === 'function';

/**
 * The archive of a source as byte chunks (UTF-8, whole lines), streamed: nothing but the
 * current chunk is held. A source in memory (an array, any iterable) is read without an await
 * per event, a store a page at a time. On an event that cannot be written the chunks stop
 * early and `result` is a Left: a consumer must check `result` before keeping what it wrote.
 */
export const archiveBytes = (source: ArchiveSource, options: { readonly pseudonymizer: Pseudonymizer | null }): ArchiveChunks<Buffer> => {
  let settle: (result: E.Either<ArchiveWriteError, ArchiveManifest>) => void = () => undefined;
  const result = new Promise<E.Either<ArchiveWriteError, ArchiveManifest>>((resolve) => (settle = resolve));
  async function* chunks(): AsyncIterable<Buffer> {
    const out = canonicalBytesWriter(CHUNK_CAPACITY);
    const writer = archiveWriter(options.pseudonymizer, out);
    out.text(writer.headerLine);
    try {
      if (isStore(source) || !isSyncIterable(source)) {
        const pages = isStore(source) ? source.readAll({ pageSize: 2_000 }) : singles(source);
        for await (const page of pages) {
          for (const recorded of page) writer.event(recorded);
          if (out.position() >= CHUNK_BYTES) yield out.take(CHUNK_CAPACITY);
        }
      } else {
        // Synchronous between chunks: a chunk's worth of events, then one hand-over.
        for (const recorded of source) {
          writer.event(recorded);
          if (out.position() >= CHUNK_BYTES) yield out.take(CHUNK_CAPACITY);
        }
      }
      out.text(writer.manifestLine());
      yield out.take(0);
      settle(E.right(writer.manifest()));
    } catch (error) {
      settle(E.left(failureOf(error)));
    }
  }
  return { chunks: chunks(), result };
};

/** An async iterable of events as pages of one (an unknown async source gives no pages). */
async function* singles(source: AsyncIterable<RecordedEvent>): AsyncIterable<ReadonlyArray<RecordedEvent>> {
  for await (const recorded of source) yield [recorded];
}

/**
 * The archive of a source as text chunks (see archiveBytes, whose chunks these are, decoded):
 * for consumers of text. Writing a file takes archiveBytes, which skips the decoding.
 */
export const archiveLines = (source: ArchiveSource, options: { readonly pseudonymizer: Pseudonymizer | null }): ArchiveLines => {
  const bytes = archiveBytes(source, options);
  async function* chunks(): AsyncIterable<string> {
    // ASCII (the usual chunk) decodes as latin1: a copy into a one-byte string, no UTF-8 decoding.
    for await (const chunk of bytes.chunks) yield isAscii(chunk) ? chunk.toString('latin1') : chunk.toString('utf8');
  }
  return { chunks: chunks(), result: bytes.result };
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
