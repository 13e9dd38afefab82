import * as E from 'fp-ts/Either';
import type { YearReportCard } from '@grade-ledger/core';
import { EXIT, parse, runCommand, toJson, usageProblem, type ArchiveExitCode, type CommandIo } from './archiveIo';
import { asOfText, replayArchive } from './replay';

const showGrade = (grade: unknown): string => (grade === null || grade === undefined ? '·' : grade === 'notAssessed' ? 'н/а' : String(grade));

/** One school year's report card (табель) as the lines `grade-ledger report-card` prints. */
export const reportCardLines = (card: YearReportCard): ReadonlyArray<string> => {
  const keys = ['term-1', 'term-2', 'term-3', 'term-4', 'halfYear-1', 'halfYear-2'];
  const width = Math.max(20, ...card.subjects.map((s) => s.subjectId.length + 2));
  const rows = card.subjects.map((s) => {
    const byKey = new Map(s.periods.map((p) => [`${p.period.kind}-${p.period.number}`, p] as const));
    const cells = keys.map((k) => {
      const g = byKey.get(k as `term-${number}`);
      return (g === undefined ? '·' : `${showGrade(g.grade)}${g.overridden ? '*' : ''}`).padEnd(6);
    });
    const year = s.yearGrade === null ? '·' : `${showGrade(s.yearGrade.grade)}${s.yearGrade.overridden ? '*' : ''}`;
    return `  ${s.subjectId.padEnd(width)}${cells.join('')}${year.padEnd(6)}${showGrade(s.finalGrade)}`.trimEnd();
  });
  return [
    `${card.schoolYearId}  class ${card.classId} (grade ${card.gradeLevel})  rule set ${card.ruleSetId}`,
    `  ${'subject'.padEnd(width)}T1    T2    T3    T4    H1    H2    year  final`,
    ...rows,
    `  attendance: ${card.attendance.lessonsMissed} lessons missed, ${card.attendance.fullDaysMissed} full days; late ${card.attendance.late}`,
  ];
};

/**
 * `grade-ledger report-card ARCHIVE --pupil ID [--as-of YYYY-MM-DD [--time-zone ZONE]] [--json]`: a
 * pupil's report cards (табель), year by year, as of the end of a day (see `replay`).
 */
export const runReportCard = (argv: ReadonlyArray<string>, io: CommandIo): Promise<ArchiveExitCode> =>
  runCommand(io, 'report-card', async () => {
    const { values, positionals } = parse(argv, { pupil: { type: 'string' }, 'as-of': { type: 'string' }, 'time-zone': { type: 'string' } });
    const [path, ...rest] = positionals;
    if (path === undefined) throw usageProblem('which archive? grade-ledger report-card ARCHIVE --pupil ID');
    if (rest.length > 0) throw usageProblem(`unexpected argument "${rest[0]}"`);
    const pupil = values.pupil;
    if (pupil === undefined) throw usageProblem('--pupil ID is required (in a pseudonymized archive, the pupil\'s pseudonym)');
    const replayed = await replayArchive(io, 'report-card', path, values['as-of'], values['time-zone']);
    if (E.isLeft(replayed)) return replayed.left;
    const cards = replayed.right.projections.reportCard(pupil);
    if (values.json === true) io.out(toJson({ path, pupilId: pupil, asOf: values['as-of'] ?? null, asOfInstant: replayed.right.projections.options.asOf ?? null, reportCards: cards }));
    else if (cards.length === 0) io.out(`${path}: no report card of ${pupil} (unknown pupil id, or nothing recorded yet)`);
    else {
      io.out(`Report cards (табель) of ${pupil}${asOfText(values['as-of'], values['time-zone'], replayed.right.projections)}:`);
      for (const card of cards) io.out(...[reportCardLines(card).join('\n')]);
      io.out('Legend: T1-T4 terms, H1-H2 half-years, · no grade, * differs from the computed recommendation (override with a reason)');
    }
    return EXIT.ok;
  });
