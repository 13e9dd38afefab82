import { archiveBytesOfArchive, archiveEventSource, exportLedger, fileSource, stageTextFile, verifyArchive, type ArchiveChunks, type ExportAccess, type Pseudonymizer } from '@grade-ledger/archive';
import { auditExportsStreamId, inMemoryEventStore, type EventStore, type Instant } from '@grade-ledger/core';
import type { PostgresEventStore } from '@grade-ledger/postgres';
import { defaultVerifyWorkers } from './verify';
import * as E from 'fp-ts/Either';
import { appendFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { actorOf, EXIT, integer, ioError, parse, postgresOptions, postgresSchoolOf, progress, readable, readKey, reportLines, runCommand, toJson, usageProblem, type ArchiveExitCode, type CommandIo } from './archiveIo';

type Source = Pick<EventStore, 'readAll' | 'appendToStream'>;

/**
 * `grade-ledger export (--from ARCHIVE [--workers N] | --postgres URL --school ID [--schema NAME])
 *   --out PATH --actor ID [--role ROLE] (--key-file KEY | --identified --purpose TEXT) [--gzip]
 *   [--audit-log FILE] [--json]`
 *
 * Exports a school's history, pseudonymized with the key (the default) or, with --identified
 * and a stated purpose, as it is; streamed, so memory stays flat however long the history.
 * - From PostgreSQL: the school's ledger is read page by page and the export is recorded there,
 *   as an ArchiveExported event in its `audit-exports` stream.
 * - From an archive: it is verified first (chain, format, schema, manifest), then read again as
 *   it is written out (`archiveBytesOfArchive`), both on worker threads as `verify` takes them
 *   (`--workers N`, by default one per core from 32 MiB on); the ArchiveExported event has no
 *   ledger to go into, so it is printed.
 * Either way, with --audit-log the event is also appended to a JSON-lines file before the
 * archive is committed (if it cannot be, nothing is exported), so that the download shows in an
 * audit trail kept outside the process.
 */
export const runExport = (argv: ReadonlyArray<string>, io: CommandIo, clock: () => Instant = () => new Date().toISOString()): Promise<ArchiveExitCode> =>
  runCommand(io, 'export', async () => {
    const { values, positionals } = parse(argv, {
      from: { type: 'string' },
      ...postgresOptions,
      out: { type: 'string' },
      actor: { type: 'string' },
      role: { type: 'string' },
      'key-file': { type: 'string' },
      identified: { type: 'boolean' },
      purpose: { type: 'string' },
      gzip: { type: 'boolean' },
      'audit-log': { type: 'string' },
      workers: { type: 'string' },
    });
    if (positionals.length > 0) throw usageProblem(`unexpected argument "${positionals[0]}"`);
    const from = values.from;
    const out = values.out;
    if (from === undefined && values.postgres === undefined)
      throw usageProblem('what to export? --from ARCHIVE (e.g. one made by grade-ledger generate) or --postgres URL --school ID');
    if (from !== undefined && values.postgres !== undefined) throw usageProblem('--from and --postgres exclude each other: export one source');
    if (values.workers !== undefined && from === undefined) throw usageProblem('--workers is for an export --from an archive (its check and its re-export)');
    if (values.workers !== undefined && integer('workers', values.workers, 0) > 64) throw usageProblem(`--workers ${values.workers}: at most 64 (0 works on one thread)`);
    const school = postgresSchoolOf(values, 'whose ledger is exported');
    if (out === undefined) throw usageProblem('--out PATH is required');
    if (from !== undefined && resolve(from) === resolve(out))
      throw usageProblem(`--out ${out} is the archive being exported: write the export to another file (the source is kept as it is)`);
    const actor = actorOf(values.actor, values.role);
    const keyFile = values['key-file'];
    if (values.identified === true && keyFile !== undefined) throw usageProblem('--identified and --key-file exclude each other');
    if (values.identified !== true && keyFile === undefined)
      throw usageProblem('exports are pseudonymized: give --key-file KEY (at least 16 random bytes, e.g. openssl rand -out export.key 32), or --identified --purpose TEXT for a full export');
    if (values.identified === true && (values.purpose ?? '').trim() === '') throw usageProblem('--identified needs --purpose TEXT: why is personal data exported?');
    let access: ExportAccess = { mode: 'identified' };
    if (keyFile !== undefined) {
      try {
        access = { mode: 'pseudonymized', key: await readKey(keyFile) };
      } catch (error) {
        return ioError(io, 'export', error, `read the key file ${keyFile}`);
      }
    }
    const auditLog = values['audit-log'];
    // The export is recorded in --audit-log as part of recording it (before the archive is
    // committed): an archive whose record cannot be appended there is discarded, like one whose
    // ArchiveExported cannot be appended to a store. No unrecorded export.
    let auditLogFailure: unknown;
    const alsoInAuditLog = (record: Source['appendToStream']): Source['appendToStream'] => async (streamId, events, options) => {
      if (auditLog !== undefined && streamId === auditExportsStreamId) {
        try {
          await appendFile(auditLog, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
        } catch (error) {
          auditLogFailure = error;
          return E.left({ kind: 'StoreUnavailable', message: `the audit log ${auditLog} cannot be appended to`, cause: error });
        }
      }
      return record(streamId, events, options);
    };
    const bar = progress('exporting');
    /** The source's pages, counted on the progress bar. */
    const counted = (readAll: Source['readAll']): Source['readAll'] => (options) => ({
      async *[Symbol.asyncIterator]() {
        let events = 0;
        for await (const page of readAll(options)) {
          events += page.length;
          bar.update(events);
          yield page;
        }
      },
    });

    let source: Source;
    let close = async (): Promise<void> => undefined;
    // From an archive: its bytes made anew on worker threads.
    let bytes: ((pseudonymizer: Pseudonymizer | null) => ArchiveChunks<Buffer>) | undefined;
    if (from !== undefined) {
      const found = await readable(from);
      if (E.isLeft(found)) return ioError(io, 'export', found.left, `read ${from}`);
      const workers = values.workers === undefined ? defaultVerifyWorkers(availableParallelism(), (await stat(from)).size) : integer('workers', values.workers, 0);
      const checking = progress('checking');
      // The opener, not an opened stream, as verify takes it.
      const report = await verifyArchive(fileSource(from), { domain: false, grades: false, onProgress: (p) => checking.update(p.lines, p.bytes), workers });
      checking.done();
      if (!report.ok) {
        for (const line of reportLines(from, report)) io.err(line);
        io.err(`grade-ledger export: ${from} cannot be exported: it does not verify; nothing was written; run grade-ledger verify ${from}`);
        return EXIT.findings;
      }
      // The archive's own record of this export has no ledger to go into: kept in memory, printed.
      const records = inMemoryEventStore({ validate: false });
      source = { readAll: archiveEventSource(fileSource(from)).readAll, appendToStream: alsoInAuditLog(records.appendToStream) };
      bytes = (pseudonymizer) => archiveBytesOfArchive(fileSource(from), { pseudonymizer, workers, onProgress: (p) => bar.update(p.lines, p.bytes) });
    } else {
      // Without --from, --postgres was given (checked above).
      const store = (school as () => PostgresEventStore)();
      // A database that cannot be reached is an input/output error, found before anything is staged.
      const reachable = await store.readStream(auditExportsStreamId);
      if (E.isLeft(reachable)) {
        await store.close();
        io.err(`grade-ledger export: school ${store.schoolId} in PostgreSQL cannot be read: ${reachable.left.message}; nothing was exported`);
        return reachable.left.kind === 'StoreUnavailable' ? EXIT.io : EXIT.findings;
      }
      source = { readAll: counted(store.readAll), appendToStream: alsoInAuditLog(store.appendToStream) };
      close = store.close;
    }
    let exported;
    try {
      exported = await exportLedger(source, (chunks) => stageTextFile(out, chunks, { gzip: values.gzip === true }), { access, actor, ...(values.purpose === undefined ? {} : { purpose: values.purpose }), scope: 'ledger' }, { clock, ...(bytes === undefined ? {} : { bytes }) });
    } catch (error) {
      return ioError(io, 'export', error, `write ${out}`);
    } finally {
      bar.done();
      await close();
    }
    if (auditLogFailure !== undefined) return ioError(io, 'export', auditLogFailure, `append to the audit log ${auditLog}: nothing was exported (the archive was discarded)`);
    if (E.isLeft(exported)) {
      if (exported.left.kind === 'ExportRefused') return (io.err(`grade-ledger export: ${exported.left.message}`), EXIT.usage);
      io.err(`grade-ledger export: ${exported.left.message}`);
      return EXIT.findings;
    }
    const { manifest, recorded } = exported.right;
    if (values.json === true) io.out(toJson({ out, manifest, recorded }));
    else {
      io.out(`${out}: ${manifest.eventCount} events, ${manifest.pseudonymization === null ? 'identified (not pseudonymized)' : `pseudonymized with key ${manifest.pseudonymization.keyId}`}`);
      io.out(`  final digest: ${manifest.finalDigest}`);
      io.out(`  recorded: ArchiveExported ${recorded.metadata.eventId} by ${actor.id} (${actor.role})${auditLog === undefined ? '' : `, appended to ${auditLog}`}`);
    }
    return EXIT.ok;
  });
