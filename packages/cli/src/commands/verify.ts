import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileSource, verifyArchive } from '@grade-ledger/archive';
import * as E from 'fp-ts/Either';
import { EXIT, integer, ioError, parse, progress, readable, reportLines, runCommand, toJson, usageProblem, type ArchiveExitCode, type CommandIo } from './archiveIo';

/** Below this size an archive is verified on one thread by default: the workers' start (a few tenths of a second of CPU each) would cost more than they save. */
export const WORKERS_FROM_BYTES = 32 * 1024 * 1024;

/**
 * Worker threads by default: one per core, at most 8 (past that the main thread, which reads and
 * runs the chain and the order, is the limit; the domain check is shared by the workers, each
 * holding its classes' states); none on a single core or for a small archive.
 */
export const defaultVerifyWorkers = (cores: number, bytes: number): number => (cores <= 1 || bytes < WORKERS_FROM_BYTES ? 0 : Math.min(cores, 8));

/**
 * `grade-ledger verify PATH [--expect-digest HEX] [--no-domain] [--no-grades] [--workers N] [--json]`:
 * checks an archive's chain, format, schema, domain and grades; exit code 1 when anything is found.
 */
export const runVerify = (argv: ReadonlyArray<string>, io: CommandIo): Promise<ArchiveExitCode> =>
  runCommand(io, 'verify', async () => {
    const { values, positionals } = parse(argv, { 'expect-digest': { type: 'string' }, 'no-domain': { type: 'boolean' }, 'no-grades': { type: 'boolean' }, workers: { type: 'string' } });
    const [path, ...rest] = positionals;
    if (path === undefined) throw usageProblem('which archive? grade-ledger verify PATH');
    if (rest.length > 0) throw usageProblem(`unexpected argument "${rest[0]}"`);
    const expect = values['expect-digest'];
    if (expect !== undefined && !/^[0-9a-f]{64}$/.test(expect)) throw usageProblem(`--expect-digest ${JSON.stringify(expect)}: expected 64 lowercase hex digits (the finalDigest recorded in ArchiveExported)`);
    if (values.workers !== undefined && integer('workers', values.workers, 0) > 64) throw usageProblem(`--workers ${values.workers}: at most 64 (0 checks on one thread)`);
    const found = await readable(path);
    if (E.isLeft(found)) return ioError(io, 'verify', found.left, `read ${path}`);
    const workers = values.workers === undefined ? defaultVerifyWorkers(availableParallelism(), (await stat(path)).size) : integer('workers', values.workers, 0);
    const bar = progress('verifying');
    // The opener, not an opened stream: with workers the domain check is sharded over them, and
    // should one of them fail the file is read again on this thread.
    const report = await verifyArchive(fileSource(path), {
      domain: values['no-domain'] !== true,
      grades: values['no-grades'] !== true,
      ...(expect === undefined ? {} : { expectDigest: expect }),
      onProgress: (p) => bar.update(p.lines, p.bytes),
      workers,
    });
    bar.done();

    if (values.json === true) io.out(toJson({ path, ...report }));
    else for (const line of reportLines(path, report)) io.out(line);
    return report.ok ? EXIT.ok : EXIT.findings;
  });
