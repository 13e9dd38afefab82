import * as E from 'fp-ts/Either';
import type { EventStore, RecordedEvent } from '@grade-ledger/core';
import { endOfReading, failedAfter, readingState, readLine, type ArchiveReadError } from './archiveReading';
import type { ArchiveHeader, ArchiveManifest } from './format';
import { rawLineBatches, type ByteSource } from './lines';

export { isArchiveReadError, type ArchiveReadError } from './archiveReading';

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
    const state = readingState();
    try {
      for await (const batch of rawLineBatches(source))
        for (const line of batch) {
          const recorded = readLine(state, line);
          if (recorded !== undefined) yield recorded;
        }
      settle(E.right(endOfReading(state)));
    } catch (error) {
      settle(E.left(failedAfter(state.lines, error)));
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
