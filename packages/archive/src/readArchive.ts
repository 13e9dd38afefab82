import * as E from 'fp-ts/Either';
import { decodeEventFast, type EventStore, type RecordedEvent } from '@grade-ledger/core';
import { ArchiveHeaderCodec, chainHasher, DIGEST_PREFIX_LENGTH, genesisDigest, type ArchiveHeader, type ArchiveManifest } from './format';
import { rawLineBatches, type ByteSource } from './lines';

/** Reading stopped at a line that is not what the archive promised. */
export type ArchiveReadError = { readonly kind: 'ArchiveReadError'; readonly line: number; readonly message: string };

const readError = (line: number, message: string): ArchiveReadError => ({ kind: 'ArchiveReadError', line, message });

export const isArchiveReadError = (value: unknown): value is ArchiveReadError =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'ArchiveReadError';

/*
 * The messages of the reading errors, built here rather than where they are thrown: with these
 * template literals inside the generator below, V8 promoted about 10 MB more of a one-year
 * archive's parsed lines to the old generation (19 MB against 8 MB, --trace-gc-nvp, 500k
 * events), garbage that then waits there for a full collection and so raises a replay's peak
 * heap. The cause inside V8 is not pinned down; the measure is.
 */
const afterManifest = (line: number, manifestLine: number): ArchiveReadError => readError(line, `line ${line} follows the manifest (line ${manifestLine}), which must be the last line; run grade-ledger verify for the details`);
const tooLong = (line: number): ArchiveReadError => readError(line, `line ${line} is too long`);
const notJson = (line: number): ArchiveReadError => readError(line, `line ${line} is not JSON`);
const brokenChain = (line: number): ArchiveReadError => readError(line, `line ${line}: the digest does not follow from the line before (changed, removed, inserted or moved lines); run grade-ledger verify for the details`);
const noFinalDigest = (line: number): ArchiveReadError => readError(line, `line ${line}: the manifest has no finalDigest`);
const notAnEvent = (line: number, message: string): ArchiveReadError => readError(line, `line ${line}: ${message}`);
const cutShort = (lines: number): ArchiveReadError => readError(lines + 1, `the archive ends after line ${lines} without its manifest: it was cut short`);
const failedAfter = (lines: number, error: unknown): ArchiveReadError =>
  isArchiveReadError(error) ? error : readError(lines, `reading failed after line ${lines}: ${error instanceof Error ? error.message : String(error)}`);

export type ArchiveReading = {
  readonly events: AsyncIterable<RecordedEvent & { readonly line: number }>;
  /** Settles when `events` ends: the header and manifest, or where and why reading stopped. */
  readonly result: Promise<E.Either<ArchiveReadError, { readonly header: ArchiveHeader; readonly manifest: ArchiveManifest }>>;
};

/**
 * The events of an archive as they stream by, for a replay or an import: the chain, JSON and
 * schema of every line are checked, and reading stops at the first problem (`result` says
 * where). It does not check the domain or the grades: `verifyArchive` does.
 */
export const readArchive = (source: ByteSource): ArchiveReading => {
  let settle: (value: E.Either<ArchiveReadError, { readonly header: ArchiveHeader; readonly manifest: ArchiveManifest }>) => void = () => undefined;
  const result = new Promise<E.Either<ArchiveReadError, { readonly header: ArchiveHeader; readonly manifest: ArchiveManifest }>>((resolve) => (settle = resolve));
  async function* events(): AsyncIterable<RecordedEvent & { readonly line: number }> {
    let previous = '';
    const hasher = chainHasher();
    let header: ArchiveHeader | undefined;
    let lines = 0;
    let manifest: { readonly line: number; readonly value: ArchiveManifest } | undefined;
    try {
      for await (const batch of rawLineBatches(source)) for (const line of batch) {
        lines = line.lineNumber;
        // The manifest is the last line: anything after it was appended to the archive.
        if (manifest !== undefined) throw afterManifest(lines, manifest.line);
        if (line.tooLong) throw tooLong(lines);
        if (lines === 1) {
          const decoded = ArchiveHeaderCodec.decode(JSON.parse(line.bytes.toString('utf8')));
          if (E.isLeft(decoded)) throw readError(1, 'line 1 is not a grade-ledger archive header (format version 1)');
          header = decoded.right;
          previous = genesisDigest(line.bytes).toString('hex');
          continue;
        }
        const text = line.bytes.toString('utf8');
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          throw notJson(lines);
        }
        // The line's stated digest (its fixed prefix, which is the parsed "digest" member when the line
        // has that prefix) compared byte by byte with the one computed.
        const digest = line.bytes.length > DIGEST_PREFIX_LENGTH && typeof parsed.digest === 'string' ? hasher.follows(previous, line.bytes) : undefined;
        if (digest === undefined || parsed.digest !== digest) throw brokenChain(lines);
        previous = digest;
        if (parsed.kind === 'manifest') {
          const { digest: _d, ...members } = parsed;
          if (members.finalDigest === undefined) throw noFinalDigest(lines);
          manifest = { line: lines, value: members as unknown as ArchiveManifest };
          continue;
        }
        const decoded = decodeEventFast(parsed.event);
        if (E.isLeft(decoded)) throw notAnEvent(lines, decoded.left.message);
        yield {
          event: decoded.right,
          streamId: parsed.streamId as string,
          streamRevision: parsed.streamRevision as number,
          globalPosition: parsed.position as number,
          line: lines,
        };
      }
      if (manifest === undefined) throw cutShort(lines);
      settle(E.right({ header: header as ArchiveHeader, manifest: manifest.value }));
    } catch (error) {
      settle(E.left(failedAfter(lines, error)));
    }
  }
  return { events: events(), result };
};

/**
 * An archive as a store's `readAll`: its events in pages, in the archive's order, streamed
 * (one page held at a time), the chain and schema of every line checked as in `readArchive`.
 * For an export of an archive (`exportLedger`, `archiveBytes`) without loading it into a
 * store: memory stays flat however long the history. A problem (a line changed since it was
 * verified, a cut file) stops the pages with an error naming the line, so that a writer fails
 * rather than write a shorter archive of its own. `open` opens the archive anew on each read.
 */
export const archiveEventSource = (open: () => ByteSource): Pick<EventStore, 'readAll'> => ({
  readAll: (options = {}) => ({
    async *[Symbol.asyncIterator]() {
      const pageSize = Math.max(1, options.pageSize ?? 2_000);
      const after = options.after ?? 0;
      const reading = readArchive(open());
      let page: RecordedEvent[] = [];
      for await (const { line: _line, ...recorded } of reading.events) {
        if (recorded.globalPosition <= after) continue;
        page.push(recorded);
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      const result = await reading.result;
      if (E.isLeft(result)) throw new Error(result.left.message);
      if (page.length > 0) yield page;
    },
  }),
});
