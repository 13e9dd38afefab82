import { postgresEventStore, type PostgresEventStore } from '@grade-ledger/postgres';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as E from 'fp-ts/Either';
import { isId, type Actor, type ActorRole } from '@grade-ledger/core';
import type { VerifyReport } from '@grade-ledger/archive';

/*
 * What the archive commands share: exit codes, option parsing, reading a key, progress on a
 * terminal, and printing a verification report.
 */

/** Where a command writes: one call per line. */
export type CommandIo = { readonly out: (line: string) => void; readonly err: (line: string) => void };

/**
 * Exit codes of every command: 0 done and nothing found; 1 findings (verify found problems, an
 * import was rejected); 2 bad usage (unknown option, missing or bad value); 3 input/output
 * error (a file that cannot be read or written).
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, io: 3 } as const;
export type ArchiveExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage problem found while reading options: thrown, caught by `runCommand` (exit code 2). */
export const usageProblem = (message: string): Error => Object.assign(new Error(message), { usageProblem: true });
const isUsageProblem = (error: unknown): error is Error => error instanceof Error && (error as { usageProblem?: boolean }).usageProblem === true;

/** Runs a command body: option errors (node:util's and ours) become usage errors, exit code 2. */
export const runCommand = async (io: CommandIo, command: string, body: () => Promise<ArchiveExitCode>): Promise<ArchiveExitCode> => {
  try {
    return await body();
  } catch (error) {
    const code = (error as { code?: string } | null)?.code;
    if (isUsageProblem(error) || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) return usage(io, command, (error as Error).message);
    throw error;
  }
};

export const usage = (io: CommandIo, command: string, message: string): ArchiveExitCode => {
  io.err(`grade-ledger ${command}: ${message}`);
  io.err(`Run 'grade-ledger --help' for usage.`);
  return EXIT.usage;
};

export const ioError = (io: CommandIo, command: string, error: unknown, what: string): ArchiveExitCode => {
  const code = (error as { code?: string } | null)?.code;
  const hints: Readonly<Record<string, string>> = {
    ENOENT: ' (no such file: check the path)',
    EACCES: ' (permission denied)',
    EPERM: ' (permission denied)',
    EISDIR: ' (a directory, not a file)',
    // mkdir of an output directory that exists as a file; a path through a file.
    EEXIST: ' (a file, not a directory: give a directory)',
    ENOTDIR: ' (a part of the path is a file, not a directory: check the path)',
    ENOSPC: ' (no space left on the device)',
    EROFS: ' (a read-only file system)',
  };
  const hint = (typeof code === 'string' ? hints[code] : undefined) ?? '';
  io.err(`grade-ledger ${command}: cannot ${what}: ${error instanceof Error ? error.message : String(error)}${hint}`);
  return EXIT.io;
};

type OptionSpec = { readonly type: 'string' | 'boolean'; readonly short?: string };


export const parse = <O extends Readonly<Record<string, OptionSpec>>>(
  argv: ReadonlyArray<string>,
  options: O,
): { readonly values: { readonly [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean } & { readonly json?: boolean }; readonly positionals: ReadonlyArray<string> } =>
  parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as ParseArgsConfig['options'] }) as never;

export const integer = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  if (!/^\d{1,10}$/.test(text)) throw usageProblem(`--${name} ${JSON.stringify(text)}: expected a whole number`);
  return Number(text);
};

/** Checks that a file can be read before a long run starts (a clear error instead of one later). */
export const readable = async (path: string): Promise<E.Either<unknown, void>> => {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return E.left(Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' }));
    // stat needs no read permission on the file itself: an unreadable file would only fail later, as a finding.
    await access(path, constants.R_OK);
    return E.right(undefined);
  } catch (error) {
    return E.left(error);
  }
};

export const readKey = async (path: string): Promise<Buffer> => readFile(path);

const ROLES: ReadonlyArray<ActorRole> = ['subjectTeacher', 'classTeacher', 'deputyDirector', 'director', 'auditor', 'parent', 'pupil', 'system'];

export const actorOf = (id: string | undefined, role: string | undefined): Actor => {
  if (id === undefined) throw usageProblem('--actor ID is required: every export is recorded with who made it');
  if (!isId(id)) throw usageProblem(`--actor ${JSON.stringify(id)}: expected an opaque id ([A-Za-z0-9._:-], no names)`);
  const r = role ?? 'auditor';
  if (!ROLES.includes(r as ActorRole)) throw usageProblem(`--role ${JSON.stringify(r)}: expected one of ${ROLES.join(', ')}`);
  return { id, role: r as ActorRole };
};

/** A one-line progress counter on stderr, only when attached to a terminal. */
export const progress = (label: string) => {
  const tty = process.stderr.isTTY === true && process.stdout.isTTY === true;
  let last = 0;
  return {
    /** Lines and bytes read; without bytes, `lines` counts events. */
    update: (lines: number, bytes?: number): void => {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      process.stderr.write(`\r${label}: ${lines.toLocaleString('en')} ${bytes === undefined ? 'events' : `lines, ${(bytes / 1048576).toFixed(1)} MiB`}`);
    },
    done: (): void => {
      if (tty && last > 0) process.stderr.write('\r\u001b[K');
    },
  };
};

const showGrade = (grade: unknown): string => (grade === null || grade === undefined ? '-' : grade === 'notAssessed' ? 'н/а' : String(grade));

/** A verification report as text lines. */
export const reportLines = (path: string, report: VerifyReport): ReadonlyArray<string> => {
  const lines: string[] = [];
  const m = report.manifest;
  lines.push(`${path}: ${report.lines} lines, ${report.events} events${m === null ? '' : `, positions ${m.firstPosition}..${m.lastPosition}, ${m.streamCount} streams`}`);
  lines.push(`  pseudonymized: ${report.header === null ? '?' : report.header.pseudonymization === null ? 'no (identified archive)' : `yes, key ${report.header.pseudonymization.keyId}`}`);
  lines.push(`  final digest: ${report.finalDigest ?? '-'}`);
  lines.push(`  checks: chain, format, order, schema${report.checks.domain ? `, domain (${report.domainEvents.checked} events replayed through the deciders${report.domainEvents.unchecked > 0 ? `, ${report.domainEvents.unchecked} without a decider` : ''})` : ''}${report.checks.grades ? ', grades' : ''}${report.workers > 0 ? ` (per-line checks on ${report.workers} worker threads)` : ''}`);
  if (report.findings.length === 0) lines.push('  findings: none');
  else {
    lines.push(`  findings: ${report.findings.length + report.omittedFindings}`);
    for (const f of report.findings) lines.push(`    line ${f.line} [${f.check}]${f.field === undefined ? '' : ` ${f.field}`}: ${f.message.replace(/^line \d+: /, '')}`);
    if (report.omittedFindings > 0) lines.push(`    ... and ${report.omittedFindings} more`);
  }
  const overrides = report.gradeDifferences.filter((d) => d.overrideReasonRecorded && d.recommendationMatches);
  const others = report.gradeDifferences.filter((d) => !(d.overrideReasonRecorded && d.recommendationMatches));
  for (const [title, list] of [
    ['grades that differ from the recomputation without a valid override', others],
    ['overridden grades (differ from the recomputation, override reason recorded)', overrides],
  ] as const) {
    if (list.length === 0) continue;
    lines.push(`  ${title}: ${list.length}`);
    for (const d of list) {
      lines.push(
        `    line ${d.line} ${d.classId} ${d.subjectId} ${d.period === null ? 'year' : `${d.period.kind} ${d.period.number}`} of ${d.pupilId}: finalized ${showGrade(d.finalized)}, recorded recommendation ${showGrade(d.recordedRecommendation)}, recomputed ${showGrade(d.recomputed)}; by ${d.actor.id} (${d.actor.role}); override reason: ${d.overrideReason === null ? 'none' : JSON.stringify(d.overrideReason)}`,
      );
      for (const e of d.explanation) lines.push(`      ${e}`);
    }
  }
  lines.push(report.ok ? 'OK: nothing found.' : 'NOT OK: see the findings above.');
  return lines;
};

/** JSON of a value with bigints as strings (rule results hold exact rationals). */
export const toJson = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);

/** `--postgres URL --school ID [--schema NAME]`, the options naming a PostgreSQL school. */
export const postgresOptions = { postgres: { type: 'string' }, school: { type: 'string' }, schema: { type: 'string' } } as const;

/**
 * The PostgreSQL school the options name, as a function that opens it (the caller closes the
 * store), or undefined without `--postgres`. Usage problems, thrown at once: `--school`/`--schema`
 * without `--postgres`, `--postgres` without `--school`; on opening, a malformed school id or
 * schema name. `role` says what the school is to the command.
 */
export const postgresSchoolOf = (
  values: { readonly postgres?: string | undefined; readonly school?: string | undefined; readonly schema?: string | undefined },
  role: string,
): (() => PostgresEventStore) | undefined => {
  const { postgres, school, schema } = values;
  if (postgres === undefined) {
    if (school !== undefined || schema !== undefined) throw usageProblem('--school and --schema name a PostgreSQL school: give the database with --postgres URL');
    return undefined;
  }
  if (school === undefined || school === '') throw usageProblem(`--postgres needs --school ID: the school (tenant) ${role}`);
  return () => {
    try {
      return postgresEventStore({ connectionString: postgres, schoolId: school, ...(schema === undefined ? {} : { schema }) });
    } catch (error) {
      // A malformed school id or schema name.
      throw usageProblem(error instanceof Error ? error.message : String(error));
    }
  };
};

/** The offset from UTC of an IANA time zone at an instant, in minutes (Intl: "GMT+06:00" → 360). */
const zoneOffsetAt = (zone: string, ms: number): number => {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(new Date(ms)).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (match === null) throw usageProblem(`--time-zone ${zone}: its offset "${name}" cannot be read`);
  return match[1] === undefined ? 0 : (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
};

/**
 * The school clock's offset from UTC, in minutes, at the end of `date` (YYYY-MM-DD, already
 * checked): `zone` is an IANA time zone (`Asia/Almaty`: +06:00 until March 2024, +05:00 since;
 * the machine's time zone data decides) or a fixed offset `+05:00`; none is UTC.
 */
export const utcOffsetAtEndOf = (date: string, zone: string | undefined): number => {
  if (zone === undefined) return 0;
  const fixed = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (fixed !== null) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3]));
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const midnightUtc = Date.UTC(year, month - 1, day + 1);
  try {
    // The offset at the zone's midnight, found from the offset at UTC midnight (the two differ
    // only across a change of the zone's offset, which one more step settles).
    return zoneOffsetAt(zone, midnightUtc - zoneOffsetAt(zone, midnightUtc) * 60_000);
  } catch (error) {
    if (error instanceof RangeError) throw usageProblem(`--time-zone ${JSON.stringify(zone)}: not a time zone; give an IANA name such as Asia/Almaty, or an offset such as +05:00`);
    throw error;
  }
};
