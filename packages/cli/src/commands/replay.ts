import { fileSource, readArchive } from '@grade-ledger/archive';
import { endOfDayChecked, isLocalDate, kazakhstanRuleSets, schoolProjections, type SchoolProjections } from '@grade-ledger/core';
import * as E from 'fp-ts/Either';
import { EXIT, ioError, parse, progress, readable, runCommand, toJson, usageProblem, utcOffsetAtEndOf, type ArchiveExitCode, type CommandIo } from './archiveIo';

/**
 * Replays an archive into every projection, streamed (one pass over the file, nothing held but
 * the projections, their marks and grades in sealed blocks), as of the end of a day when `asOf` (YYYY-MM-DD) is given: only events
 * recorded before it count.
 */
export const replayArchive = async (
  io: CommandIo,
  command: string,
  path: string,
  asOf: string | undefined,
  timeZone?: string,
): Promise<E.Either<ArchiveExitCode, { readonly projections: SchoolProjections; readonly events: number }>> => {
  const ruleSets = kazakhstanRuleSets();
  if (E.isLeft(ruleSets)) return (io.err(`grade-ledger ${command}: the rule sets cannot be loaded: ${ruleSets.left.message}`), E.left(EXIT.findings));
  let instant: string | undefined;
  if (asOf !== undefined) {
    const checked = endOfDayChecked(asOf, isLocalDate(asOf) ? utcOffsetAtEndOf(asOf, timeZone) : 0);
    if (E.isLeft(checked)) throw usageProblem(`--as-of ${JSON.stringify(asOf)}: ${checked.left.message}`);
    instant = checked.right;
  } else if (timeZone !== undefined) throw usageProblem('--time-zone says where the day of --as-of ends: give --as-of YYYY-MM-DD with it');
  const found = await readable(path);
  if (E.isLeft(found)) return E.left(ioError(io, command, found.left, `read ${path}`));
  // Sealed blocks (two fifths less memory for the state): reading the archive takes some 20 times
  // the fold's time, so sealing's cost to the fold is lost in it, and a whole school's history fits in less.
  const projections = schoolProjections({ ruleSets: ruleSets.right, sealBlocks: true, ...(instant === undefined ? {} : { asOf: instant }) });
  const bar = progress('replaying');
  const reading = readArchive(fileSource(path)());
  let events = 0;
  for await (const recorded of reading.events) {
    projections.apply(recorded);
    events += 1;
    if (events % 10_000 === 0) bar.update(recorded.line, 0);
  }
  bar.done();
  const result = await reading.result;
  if (E.isLeft(result)) {
    io.err(`grade-ledger ${command}: ${path}, line ${result.left.line}: ${result.left.message}; nothing is shown from a broken archive (run grade-ledger verify ${path})`);
    return E.left(EXIT.findings);
  }
  return E.right({ projections, events });
};

const pad = (text: string, width: number): string => text.padEnd(width);

/** " as of the end of D (where: the instant)", or nothing without --as-of. */
export const asOfText = (asOf: string | undefined, timeZone: string | undefined, projections: SchoolProjections): string =>
  asOf === undefined ? '' : ` as of the end of ${asOf} (${timeZone ?? 'UTC'}: recorded before ${projections.options.asOf ?? '?'})`;

/**
 * `grade-ledger replay ARCHIVE [--as-of YYYY-MM-DD [--time-zone ZONE]] [--json]`: the projections
 * of the school as of the end of a day (in UTC, or on the school's clock: an IANA zone such as
 * Asia/Almaty, or an offset such as +05:00): classes, the audit summary and attendance, as tables
 * or JSON.
 */
export const runReplay = (argv: ReadonlyArray<string>, io: CommandIo): Promise<ArchiveExitCode> =>
  runCommand(io, 'replay', async () => {
    const { values, positionals } = parse(argv, { 'as-of': { type: 'string' }, 'time-zone': { type: 'string' } });
    const [path, ...rest] = positionals;
    if (path === undefined) throw usageProblem('which archive? grade-ledger replay ARCHIVE [--as-of YYYY-MM-DD]');
    if (rest.length > 0) throw usageProblem(`unexpected argument "${rest[0]}"`);
    const replayed = await replayArchive(io, 'replay', path, values['as-of'], values['time-zone']);
    if (E.isLeft(replayed)) return replayed.left;
    const { projections, events } = replayed.right;
    const classes = projections.classes();
    const audit = projections.auditTrail.summary();
    const attendance = projections.attendanceSummary().filter((row) => row.period === null);
    if (values.json === true) {
      io.out(toJson({ path, asOf: values['as-of'] ?? null, asOfInstant: projections.options.asOf ?? null, events, eventsApplied: projections.eventsApplied(), classes, audit, planChanges: projections.auditTrail.planChanges(), attendance }));
      return EXIT.ok;
    }
    io.out(`${path}${asOfText(values['as-of'], values['time-zone'], projections)}: ${projections.eventsApplied()} of ${events} events applied`);
    io.out('');
    io.out(`${pad('class', 12)}${pad('school year', 13)}${pad('grade', 7)}${pad('rule set', 20)}${pad('pupils', 8)}subjects`);
    for (const c of classes) io.out(`${pad(c.classId, 12)}${pad(c.schoolYearId, 13)}${pad(String(c.gradeLevel), 7)}${pad(c.ruleSetId, 20)}${pad(String(c.pupilIds.length), 8)}${c.subjectIds.length}`);
    io.out('');
    io.out(`audit: ${audit.totalEvents} events; ${audit.corrections} corrections, ${audit.annulments} annulments, ${audit.moderations} moderations, ${audit.attendanceCorrections} attendance corrections; ${audit.overrides} overridden grades; ${audit.resits} re-sits`);
    const planChanges = projections.auditTrail.planChanges();
    if (planChanges.length > 0) {
      const byAction = new Map<string, number>();
      for (const change of planChanges) byAction.set(change.action, (byAction.get(change.action) ?? 0) + 1);
      io.out(`plan and roster changes: ${[...byAction].map(([action, n]) => `${n} ${action}`).join(', ')} (who, when and why: --json, planChanges)`);
    }
    const missed = attendance.reduce((sum, row) => sum + row.lessonsMissed, 0);
    io.out(`attendance: ${missed} lessons missed by ${new Set(attendance.filter((r) => r.lessonsMissed > 0).map((r) => r.pupilId)).size} pupils`);
    return EXIT.ok;
  });
