import * as t from 'io-ts';
import { boundedText, intInRange } from '../primitives/text';
import { defineEvent } from './ledgerEvent';

/** The stream where exports of the ledger are recorded, so that bulk downloads show in the audit trail. */
export const auditExportsStreamId = 'audit-exports';

/**
 * An archive of the ledger was exported (a bulk download). Who exported it is the event's
 * actor; the data says why, what, whether person ids were pseudonymized, and the archive's
 * final chain digest, so that the archive handed out can later be matched to this record.
 */
export const ArchiveExported = defineEvent(
  'ArchiveExported',
  1,
  t.readonly(
    t.strict({
      /** The stated purpose of the export (required for identified exports). */
      purpose: boundedText(1000, 'ExportPurpose'),
      /** What was exported, e.g. `ledger` (the whole ledger) or `ledger:archive-reexport`. */
      scope: boundedText(200, 'ExportScope'),
      /** True when person ids were replaced by keyed pseudonyms. */
      pseudonymized: t.boolean,
      eventCount: intInRange(0, Number.MAX_SAFE_INTEGER, 'EventCount'),
      /** Global positions of the first and last exported events; 0 when none. */
      firstPosition: intInRange(0, Number.MAX_SAFE_INTEGER, 'Position'),
      lastPosition: intInRange(0, Number.MAX_SAFE_INTEGER, 'Position'),
      /** The archive's final SHA-256 chain digest (64 lowercase hex digits). */
      finalDigest: t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), 'Sha256Hex'),
      formatVersion: intInRange(1, 1000, 'ArchiveFormatVersion'),
    }),
  ),
);
export type ArchiveExportedData = t.TypeOf<typeof ArchiveExported.data>;
