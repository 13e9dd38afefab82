import * as E from 'fp-ts/Either';
import {
  ArchiveExported,
  auditExportsStreamId,
  currentSchemaVersion,
  decodeEventData,
  defaultAccessPolicy,
  isId,
  type AccessPolicy,
  type Actor,
  type EventStore,
  type Instant,
  type LedgerEvent,
} from '@grade-ledger/core';
import type { ArchiveManifest } from './format';
import { isKeyError, pseudonymizer, type Pseudonymizer } from './pseudonymize';
import { archiveBytes, archiveLines, type ArchiveChunks, type ArchiveSource, type ArchiveWriteError } from './writer';

/**
 * Who may take what out of the ledger. Exports are pseudonymized unless an identified export
 * is asked for explicitly, with an actor and a stated purpose; every export is recorded.
 */
export type ExportAccess =
  | { readonly mode: 'pseudonymized'; readonly key: Uint8Array }
  | { readonly mode: 'identified' };

export type ExportRequest = {
  readonly access: ExportAccess;
  readonly actor: Actor;
  /** Why the archive is taken; required for an identified export. */
  readonly purpose?: string;
  /** What is exported (default `ledger`: the whole ledger). */
  readonly scope?: string;
  /**
   * The school's access policy (default `defaultAccessPolicy()`): an export of the ledger reads
   * every class, so the actor's role needs the journal read scope `all` there.
   */
  readonly policy?: AccessPolicy;
};

export type ExportError =
  | { readonly kind: 'ExportRefused'; readonly field: string; readonly message: string }
  | ArchiveWriteError
  | { readonly kind: 'ExportNotRecorded'; readonly manifest: ArchiveManifest; readonly message: string };

const PSEUDONYMIZED_PURPOSE = 'Pseudonymized export';

/** Checks the request and makes its pseudonymizer (null for an identified export). */
export const checkExportRequest = (request: ExportRequest): E.Either<ExportError, Pseudonymizer | null> => {
  if (!isId(request.actor.id)) return E.left({ kind: 'ExportRefused', field: 'actor.id', message: `actor id ${JSON.stringify(request.actor.id)} is not an opaque id: say who exports` });
  const reach = (request.policy ?? defaultAccessPolicy()).roles[request.actor.role]?.journal.read ?? [];
  if (!reach.includes('all'))
    return E.left({
      kind: 'ExportRefused',
      field: 'actor.role',
      message: `${request.actor.id} (${request.actor.role}) may not export the ledger: the role's journal reach is ${reach.length === 0 ? 'nothing' : reach.join(', ')}, and an export reads every class (it needs the journal read scope "all" in the school's access policy)`,
    });
  const purpose = request.purpose?.trim() ?? '';
  if (request.access.mode === 'identified') {
    if (purpose.length === 0)
      return E.left({ kind: 'ExportRefused', field: 'purpose', message: 'an identified (not pseudonymized) export needs a stated purpose; or export pseudonymized with a key' });
    return E.right(null);
  }
  const made = pseudonymizer(request.access.key);
  return isKeyError(made) ? E.left({ kind: 'ExportRefused', field: 'key', message: made.message }) : E.right(made);
};

/** The ArchiveExported event recording an export (appended to the `audit-exports` stream). */
export const archiveExportedEvent = (
  request: ExportRequest,
  manifest: ArchiveManifest,
  at: { readonly exportId: string; readonly occurredAt: Instant; readonly recordedAt: Instant },
): E.Either<ExportError, LedgerEvent> => {
  const data = {
    purpose: request.purpose?.trim() || PSEUDONYMIZED_PURPOSE,
    scope: request.scope ?? 'ledger',
    pseudonymized: manifest.pseudonymization !== null,
    eventCount: manifest.eventCount,
    firstPosition: manifest.firstPosition,
    lastPosition: manifest.lastPosition,
    finalDigest: manifest.finalDigest,
    formatVersion: manifest.formatVersion,
  };
  const checked = decodeEventData('ArchiveExported', data);
  if (E.isLeft(checked)) return E.left({ kind: 'ExportRefused', field: checked.left.issues[0]?.path ?? 'data', message: checked.left.message });
  return E.right({
    type: 'ArchiveExported',
    schemaVersion: currentSchemaVersion('ArchiveExported'),
    data: checked.right as typeof ArchiveExported.data._A,
    metadata: {
      eventId: `${at.exportId}.0`,
      occurredAt: at.occurredAt,
      recordedAt: at.recordedAt,
      actor: request.actor,
      correlationId: at.exportId,
      causationId: at.exportId,
    },
  });
};

/** Where an export's bytes go (e.g. `stageTextFile`): staged, then committed or discarded. */
export type ExportSink = (chunks: AsyncIterable<Uint8Array>) => Promise<{ readonly commit: () => Promise<void>; readonly discard: () => Promise<void> }>;

/**
 * Exports a store's whole history as an archive and records the export in the store itself
 * (an ArchiveExported event in `audit-exports`): the archive is written to the sink, then the
 * event is appended, and only then is the archive committed. If the record cannot be
 * appended, the archive is discarded: there is no unrecorded export. The history is read a
 * page at a time (`readAll`); or `options.bytes` makes the archive's bytes, given the request's
 * pseudonymizer: the CLI re-exports an archive so, through `archiveBytesOfArchive` (on worker
 * threads), with an `appendToStream` of its own where the export is recorded.
 */
export const exportLedger = async (
  store: Pick<EventStore, 'readAll' | 'appendToStream'>,
  sink: ExportSink,
  request: ExportRequest,
  options: {
    readonly clock: () => Instant;
    readonly exportId?: string;
    /** The archive's bytes, made with the request's pseudonymizer (default: `archiveBytes` over the store's `readAll`, which is then not read). */
    readonly bytes?: (pseudonymizer: Pseudonymizer | null) => ArchiveChunks<Buffer>;
  },
): Promise<E.Either<ExportError, { readonly manifest: ArchiveManifest; readonly recorded: LedgerEvent }>> => {
  const checked = checkExportRequest(request);
  if (E.isLeft(checked)) return checked;
  const lines = options.bytes === undefined ? archiveBytes(store, { pseudonymizer: checked.right }) : options.bytes(checked.right);
  const staged = await sink(lines.chunks);
  const written = await lines.result;
  if (E.isLeft(written)) {
    await staged.discard();
    return written;
  }
  const manifest = written.right;
  const now = options.clock();
  const exportId = options.exportId ?? `export-${now.replace(/[^0-9]/g, '')}-${manifest.finalDigest.slice(0, 12)}`;
  const event = archiveExportedEvent(request, manifest, { exportId, occurredAt: now, recordedAt: now });
  if (E.isLeft(event)) {
    await staged.discard();
    return event;
  }
  const appended = await store.appendToStream(auditExportsStreamId, [event.right], { expectedRevision: 'any' });
  if (E.isLeft(appended)) {
    await staged.discard();
    return E.left({ kind: 'ExportNotRecorded', manifest, message: `the export could not be recorded in the ledger (${appended.left.message}); the archive was discarded` });
  }
  // The store took the event for a re-send of one it holds (the same export id): this export is not recorded.
  if (!appended.right.written) {
    await staged.discard();
    return E.left({ kind: 'ExportNotRecorded', manifest, message: `export id ${exportId} is already recorded in ${auditExportsStreamId} for another export: give each export its own id; the archive was discarded` });
  }
  await staged.commit();
  return E.right({ manifest, recorded: event.right });
};

/** An export of any source without a store to record it in (the caller records `archiveExportedEvent`). */
export const exportSource = (source: ArchiveSource, request: ExportRequest) => {
  const checked = checkExportRequest(request);
  return E.isLeft(checked) ? checked : E.right(archiveLines(source, { pseudonymizer: checked.right }));
};
