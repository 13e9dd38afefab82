import * as E from 'fp-ts/Either';
import { inMemoryEventStore, type LedgerEvent, type RecordedEvent } from '@grade-ledger/core';
import { buildSmallSchool } from '@grade-ledger/testing/school';
import { archiveText } from './writer';

/** A small school (one school year), built once per test file. */
export const smallSchool = async (seed = 7) => {
  const built = await buildSmallSchool({ seed, since: 2023, until: 2023 });
  if (E.isLeft(built)) throw new Error(built.left.message);
  return built.right;
};

export const textOf = async (source: Parameters<typeof archiveText>[0], pseudonymizer: Parameters<typeof archiveText>[1]['pseudonymizer'] = null): Promise<string> => {
  const written = await archiveText(source, { pseudonymizer });
  if (E.isLeft(written)) throw new Error(written.left.message);
  return written.right.text;
};

/** Recorded events renumbered 1..n in the given order, each stream's revisions from 0. */
export const renumbered = (events: ReadonlyArray<LedgerEvent & { readonly streamId?: never }> | ReadonlyArray<{ readonly streamId: string; readonly event: LedgerEvent }>): ReadonlyArray<RecordedEvent> => {
  const revisions = new Map<string, number>();
  return (events as ReadonlyArray<{ readonly streamId: string; readonly event: LedgerEvent }>).map((r, index) => {
    const revision = (revisions.get(r.streamId) ?? -1) + 1;
    revisions.set(r.streamId, revision);
    return { event: r.event, streamId: r.streamId, streamRevision: revision, globalPosition: index + 1 };
  });
};

export const emptyStore = () => inMemoryEventStore();
