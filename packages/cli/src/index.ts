import { parseArgs } from 'node:util';
import * as E from 'fp-ts/Either';
import packageJson from '../package.json';
import { ioError, readable } from './commands/archiveIo';
import { auditJson, checkPeriod, renderAudit, runAudit } from './commands/audit';
import { demoJson, renderDemo, runDemo } from './commands/demo';
import { runExport } from './commands/export';
import { runGenerate } from './commands/generate';
import { runImport } from './commands/import';
import { runOneRoster } from './commands/oneroster';
import { runReplay } from './commands/replay';
import { runReportCard } from './commands/reportCard';
import { runVerify } from './commands/verify';

export { demoJson, renderDemo, runDemo, showPercentage } from './commands/demo';
export { reportCardLines } from './commands/reportCard';
export type { DemoError, DemoExplanation, DemoOptions, DemoReport } from './commands/demo';

/** Where the CLI writes: one call per line. The bin passes stdout and stderr; a test collects lines. */
export type CliIo = {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
};

/** Exit codes: 0 done, 1 failed or findings (verify, import), 2 bad usage (unknown command or option, bad value), 3 a file could not be read or written. */
export type ExitCode = 0 | 1 | 2 | 3;

/** The archive commands parse their own options (commands/*.ts). */
const archiveCommands: Readonly<Record<string, (argv: ReadonlyArray<string>, io: CliIo) => Promise<ExitCode>>> = {
  generate: runGenerate,
  export: runExport,
  import: runImport,
  verify: runVerify,
  replay: runReplay,
  'report-card': runReportCard,
  oneroster: runOneRoster,
};

export const VERSION: string = packageJson.version;

export const USAGE: ReadonlyArray<string> = [
  'Usage: grade-ledger <command> [options]',
  '',
  'Commands:',
  '  demo [--seed N] [--since YEAR] [--until YEAR] [--json]',
  '            build a small school since 2018 through commands, replay it, print report cards, a journal page',
  '            and the audit trail, then export it as a pseudonymized archive, verify it and a tampered copy;',
  '            the same seed prints the same output (defaults: seed 2018, 2018 to 2025)',
  '  audit --from DATE --to DATE [--archive FILE] [--json]',
  '            personal-data audit of a period (dates YYYY-MM-DD, both included): bulk accesses with their',
  '            approvals, reads by role, forgettings; from an archive, or a demo history (March 2025)',
  '',
  'Archives (docs/archive-format.md, docs/auditors-guide.md):',
  '  generate [--seed N] [--since YEAR] [--until YEAR] [--scale X] [--grade-levels A-B] [--subjects N] [--pupils N]',
  '           --out PATH [--gzip] [--key-file KEY] [--json]',
  '            the seeded school workload as an archive (defaults: seed 2018, 2018 to 2025)',
  '  verify PATH [--expect-digest HEX] [--no-domain] [--no-grades] [--workers N] [--json]',
  '            check the chain, format, schema, domain and grades; lists each finding with its line;',
  '            --workers: threads for the per-line checks and, each for its share of the classes, the domain',
  '            and grade checks (default from 32 MiB on: one per core, at most 8;',
  '            0: one thread), the same report whatever the number',
  '  import PATH [--postgres URL --school ID [--schema NAME]] [--no-domain] [--json]',
  '            verify and load into a store, all or nothing: a PostgreSQL school through COPY, in one',
  '            transaction; without --postgres, into memory (shows that the archive would be accepted)',
  '  export (--from ARCHIVE [--workers N] | --postgres URL --school ID [--schema NAME]) --out PATH',
  '         --actor ID [--role ROLE] (--key-file KEY | --identified --purpose TEXT) [--gzip] [--audit-log FILE] [--json]',
  '            export, streamed, pseudonymized by default; recorded as ArchiveExported (in the',
  '            PostgreSQL school\'s ledger; from an archive, printed and in --audit-log); from an',
  '            archive, checked and written anew on --workers threads (default as verify), the same bytes',
  '  replay ARCHIVE [--as-of YYYY-MM-DD [--time-zone ZONE]] [--json]',
  '            the projections as of the end of a day: in UTC, or on the school\'s clock with',
  '            --time-zone Asia/Almaty (IANA) or +05:00',
  '  report-card ARCHIVE --pupil ID [--as-of YYYY-MM-DD [--time-zone ZONE]] [--json]',
  '  oneroster ARCHIVE --out DIR [--key-file KEY] [--school ID] [--json]',
  '            OneRoster 1.2 CSV (roster, gradebook, term and year grades) and Ed-Fi attendance',
  'Exit codes: 0 ok, 1 findings or rejected, 2 usage error, 3 file could not be read or written.',
  '',
  'Other options:',
  '  -h, --help     show this help',
  '  -v, --version  show the version',
];

const DEFAULTS = { seed: 2018, since: 2018, until: 2025 };

const integerOption = (name: string, text: string | undefined, fallback: number): E.Either<string, number> =>
  text === undefined ? E.right(fallback) : /^\d{1,10}$/.test(text) ? E.right(Number(text)) : E.left(`--${name} ${JSON.stringify(text)}: expected a whole number`);

const usageError = (io: CliIo, message: string): ExitCode => {
  io.err(`grade-ledger: ${message}`);
  io.err("Run 'grade-ledger --help' for usage.");
  return 2;
};

/** Runs the command line `argv` (without node and the script), writing to `io`; resolves to the exit code. */
export const runCli = async (argv: ReadonlyArray<string>, io: CliIo): Promise<ExitCode> => {
  const archiveCommand = archiveCommands[argv[0] ?? ''];
  if (archiveCommand !== undefined && !argv.includes('--help') && !argv.includes('-h')) return archiveCommand(argv.slice(1), io);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usageError(io, error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.version === true) {
    io.out(VERSION);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help === true || command === 'help') {
    for (const line of USAGE) io.out(line);
    return 0;
  }
  if (command === undefined) {
    for (const line of USAGE) io.err(line);
    return 2;
  }
  if (command === 'audit') {
    if (rest.length > 0) return usageError(io, `unexpected argument "${rest[0]}"`);
    const period = checkPeriod(values.from, values.to);
    if (E.isLeft(period)) return usageError(io, period.left.message);
    if (values.archive !== undefined) {
      // A file that cannot be read is an input/output error (exit 3), as in the archive commands.
      const found = await readable(values.archive);
      if (E.isLeft(found)) return ioError(io, 'audit', found.left, `read ${values.archive}`);
    }
    const audit = await runAudit({ from: values.from, to: values.to, ...(values.archive === undefined ? {} : { archive: values.archive }) });
    if (E.isLeft(audit)) {
      if (audit.left.kind === 'InvalidOption') return usageError(io, audit.left.message);
      io.err(`grade-ledger audit failed: ${audit.left.message}${values.archive === undefined ? '' : `; nothing is shown from a broken archive (run grade-ledger verify ${values.archive})`}`);
      return 1;
    }
    if (values.json === true) io.out(auditJson(audit.right));
    else for (const line of renderAudit(audit.right)) io.out(line);
    return 0;
  }
  if (command !== 'demo') return usageError(io, `unknown command "${command}"`);
  if (rest.length > 0) return usageError(io, `unexpected argument "${rest[0]}"`);
  const seed = integerOption('seed', values.seed, DEFAULTS.seed);
  const since = integerOption('since', values.since, DEFAULTS.since);
  if (E.isLeft(seed)) return usageError(io, seed.left);
  if (E.isLeft(since)) return usageError(io, since.left);
  // Without --until, the school runs to 2025 or at most ten years after --since.
  const until = integerOption('until', values.until, Math.min(Math.max(DEFAULTS.until, since.right), since.right + 10));
  if (E.isLeft(until)) return usageError(io, until.left);

  const report = await runDemo({ seed: seed.right, since: since.right, until: until.right });
  if (E.isLeft(report)) {
    if (report.left.kind === 'InvalidOption') return usageError(io, report.left.message);
    io.err(`grade-ledger demo failed: ${report.left.message}`);
    return 1;
  }
  if (values.json === true) io.out(demoJson(report.right));
  else for (const line of renderDemo(report.right)) io.out(line);
  return 0;
};

const parse = (argv: ReadonlyArray<string>) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      seed: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      json: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      archive: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
