import { fileSource, importArchive, type VerifyReport } from '@grade-ledger/archive';
import { inMemoryEventStore } from '@grade-ledger/core';
import { importArchiveWithCopy } from '@grade-ledger/postgres';
import * as E from 'fp-ts/Either';
import { EXIT, ioError, parse, postgresOptions, postgresSchoolOf, progress, readable, reportLines, runCommand, toJson, usageProblem, type ArchiveExitCode, type CommandIo } from './archiveIo';

/** What either import gives back: a summary, or a refusal with its kind and message. */
type Imported = E.Either<
  { readonly kind: string; readonly message: string; readonly report?: VerifyReport },
  { readonly events: number; readonly streams: number; readonly report: VerifyReport; readonly positions?: { readonly first: number | null; readonly last: number | null } }
>;

/**
 * `grade-ledger import PATH [--postgres URL --school ID [--schema NAME]] [--no-domain] [--json]`:
 * verifies an archive and loads it into a store, all or nothing. With `--postgres` the store is
 * PostgreSQL (the school `--school` of the database at URL) and the archive goes in through
 * COPY in one pass and one transaction (`importArchiveWithCopy`); without it, into the
 * in-memory store, which shows that the archive would be accepted and what it holds.
 */
export const runImport = (argv: ReadonlyArray<string>, io: CommandIo): Promise<ArchiveExitCode> =>
  runCommand(io, 'import', async () => {
    const { values, positionals } = parse(argv, {
      'no-domain': { type: 'boolean' },
      ...postgresOptions,
    });
    const [path, ...rest] = positionals;
    if (path === undefined) throw usageProblem('which archive? grade-ledger import PATH');
    if (rest.length > 0) throw usageProblem(`unexpected argument "${rest[0]}"`);
    const school = postgresSchoolOf(values, 'the archive is loaded into');
    const found = await readable(path);
    if (E.isLeft(found)) return ioError(io, 'import', found.left, `read ${path}`);
    const domain = values['no-domain'] !== true;
    const bar = progress('importing');
    const onProgress = (p: { readonly lines: number; readonly bytes: number }) => bar.update(p.lines, p.bytes);

    let imported: Imported;
    let target: string;
    if (school === undefined) {
      target = 'the in-memory store';
      imported = await importArchive(fileSource(path), inMemoryEventStore(), { domain, onProgress });
    } else {
      const store = school();
      target = `school ${store.schoolId} in PostgreSQL (schema ${store.schema})`;
      try {
        const copied = await importArchiveWithCopy(store, fileSource(path), { domain, onProgress });
        imported = E.map((summary: { readonly events: number; readonly streams: number; readonly report: VerifyReport; readonly firstPosition: number | null; readonly lastPosition: number | null }) => ({
          events: summary.events,
          streams: summary.streams,
          report: summary.report,
          positions: { first: summary.firstPosition, last: summary.lastPosition },
        }))(copied);
      } finally {
        await store.close();
      }
    }
    bar.done();
    if (E.isLeft(imported)) {
      const error = imported.left;
      if (values.json === true) io.out(toJson({ path, imported: false, error: { ...error, cause: undefined } }));
      else {
        if (error.kind === 'ArchiveRejected' && error.report !== undefined) for (const line of reportLines(path, error.report)) io.err(line);
        io.err(`grade-ledger import: ${error.message}`);
      }
      // A database that cannot be reached is an input/output error, like a file that cannot be read.
      return error.kind === 'StoreUnavailable' ? EXIT.io : EXIT.findings;
    }
    const { events, streams, report, positions } = imported.right;
    if (values.json === true)
      io.out(toJson({ path, imported: true, events, streams, finalDigest: report.finalDigest, gradeDifferences: report.gradeDifferences.length, ...(positions === undefined ? {} : { positions }) }));
    else
      io.out(
        `${path}: verified and imported ${events} events of ${streams} streams into ${target}${positions?.first == null ? '' : ` at positions ${positions.first}-${positions.last}`} (final digest ${report.finalDigest}).`,
      );
    return EXIT.ok;
  });
