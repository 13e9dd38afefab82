import { fileSource, importArchive } from '@grade-ledger/archive';
import { inMemoryEventStore } from '@grade-ledger/core';
import * as E from 'fp-ts/Either';
import { EXIT, ioError, parse, progress, readable, reportLines, runCommand, toJson, usageProblem, type ArchiveExitCode, type CommandIo } from './archiveIo';

/**
 * `grade-ledger import PATH [--json]`: verifies an archive completely, then loads it into a
 * store, all or nothing. The CLI's store is the in-memory one (a PostgreSQL store will take
 * its place): the command shows that the archive would be accepted, and what it holds.
 */
export const runImport = (argv: ReadonlyArray<string>, io: CommandIo): Promise<ArchiveExitCode> =>
  runCommand(io, 'import', async () => {
    const { values, positionals } = parse(argv, { 'no-domain': { type: 'boolean' } });
    const [path, ...rest] = positionals;
    if (path === undefined) throw usageProblem('which archive? grade-ledger import PATH');
    if (rest.length > 0) throw usageProblem(`unexpected argument "${rest[0]}"`);
    const found = await readable(path);
    if (E.isLeft(found)) return ioError(io, 'import', found.left, `read ${path}`);
    const store = inMemoryEventStore();
    const bar = progress('importing');
    const imported = await importArchive(fileSource(path), store, { domain: values['no-domain'] !== true, onProgress: (p) => bar.update(p.lines, p.bytes) });
    bar.done();
    if (E.isLeft(imported)) {
      const error = imported.left;
      if (values.json === true) io.out(toJson({ path, imported: false, error }));
      else {
        if (error.kind === 'ArchiveRejected') for (const line of reportLines(path, error.report)) io.err(line);
        io.err(`grade-ledger import: ${error.message}`);
      }
      return EXIT.findings;
    }
    const { events, streams, report } = imported.right;
    if (values.json === true) io.out(toJson({ path, imported: true, events, streams, finalDigest: report.finalDigest, gradeDifferences: report.gradeDifferences.length }));
    else io.out(`${path}: verified and imported ${events} events of ${streams} streams into the in-memory store (final digest ${report.finalDigest}).`);
    return EXIT.ok;
  });
