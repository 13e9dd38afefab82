import { exportLedger, fileSource, importArchive, stageTextFile, type ExportAccess } from '@grade-ledger/archive';
import { auditExportsStreamId, inMemoryEventStore, type EventStore, type Instant } from '@grade-ledger/core';
import * as E from 'fp-ts/Either';
import { appendFile } from 'node:fs/promises';
import { actorOf, EXIT, ioError, parse, readable, readKey, runCommand, toJson, usageProblem, type ArchiveExitCode, type CommandIo } from './archiveIo';

/**
 * `grade-ledger export --from ARCHIVE --out PATH --actor ID [--role ROLE]
 *   (--key-file KEY | --identified --purpose TEXT) [--gzip] [--audit-log FILE] [--json]`
 *
 * The CLI has no persistent store yet, so it exports from an archive: the archive is verified
 * and loaded into an in-memory store, then exported from there, pseudonymized with the key
 * (the default) or, with --identified and a stated purpose, as it is. The export is recorded as
 * an ArchiveExported event in that store; the event is printed and, with --audit-log, appended
 * to a JSON-lines file before the archive is committed (if it cannot be, nothing is exported), so
 * that the download shows in an audit trail kept outside the process.
 */
export const runExport = (argv: ReadonlyArray<string>, io: CommandIo, clock: () => Instant = () => new Date().toISOString()): Promise<ArchiveExitCode> =>
  runCommand(io, 'export', async () => {
    const { values, positionals } = parse(argv, {
      from: { type: 'string' },
      out: { type: 'string' },
      actor: { type: 'string' },
      role: { type: 'string' },
      'key-file': { type: 'string' },
      identified: { type: 'boolean' },
      purpose: { type: 'string' },
      gzip: { type: 'boolean' },
      'audit-log': { type: 'string' },
    });
    if (positionals.length > 0) throw usageProblem(`unexpected argument "${positionals[0]}"`);
    const from = values.from;
    const out = values.out;
    if (from === undefined) throw usageProblem('--from ARCHIVE is required: the CLI exports from an archive (e.g. one made by grade-ledger generate)');
    if (out === undefined) throw usageProblem('--out PATH is required');
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
    const found = await readable(from);
    if (E.isLeft(found)) return ioError(io, 'export', found.left, `read ${from}`);
    const memory = inMemoryEventStore({ validate: false });
    const imported = await importArchive(fileSource(from), memory, { domain: false });
    if (E.isLeft(imported)) {
      io.err(`grade-ledger export: ${from} cannot be exported: ${imported.left.message}; run grade-ledger verify ${from}`);
      return EXIT.findings;
    }
    const auditLog = values['audit-log'];
    // The export is recorded in --audit-log as part of recording it (before the archive is
    // committed): an archive whose record cannot be appended there is discarded, like one whose
    // ArchiveExported cannot be appended to a store. No unrecorded export.
    let auditLogFailure: unknown;
    const store: EventStore = {
      ...memory,
      appendToStream: async (streamId, events, options) => {
        if (auditLog !== undefined && streamId === auditExportsStreamId) {
          try {
            await appendFile(auditLog, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
          } catch (error) {
            auditLogFailure = error;
            return E.left({ kind: 'StoreUnavailable', message: `the audit log ${auditLog} cannot be appended to`, cause: error });
          }
        }
        return memory.appendToStream(streamId, events, options);
      },
    };
    let exported;
    try {
      exported = await exportLedger(store, (chunks) => stageTextFile(out, chunks, { gzip: values.gzip === true }), { access, actor, ...(values.purpose === undefined ? {} : { purpose: values.purpose }), scope: 'ledger' }, { clock });
    } catch (error) {
      return ioError(io, 'export', error, `write ${out}`);
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
