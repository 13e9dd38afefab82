import * as E from 'fp-ts/Either';
import {
  chooseRuleSet,
  computePeriodResult,
  endOfDay,
  evolveClassJournal,
  explainResult,
  finalGrade,
  foldEvents,
  initialClassJournalState,
  journalRulesFromRuleSets,
  kazakhstanRuleSets,
  periodMarksOf,
  replayEvents,
  showExact,
  type AssessmentPeriod,
  type AuditSummary,
  type AuditTrailQueries,
  type GradeOverride,
  type GradeValue,
  type JournalChange,
  type MarkHistoryEntry,
  type MarkValue,
  type RecordedEvent,
  type RuleSet,
  type YearReportCard,
} from '@grade-ledger/core';
import { exportLedger, verifyArchive, type ExportSink, type Finding } from '@grade-ledger/archive';
import { buildSmallSchool, type SmallSchoolError, type SmallSchoolSummary } from '@grade-ledger/testing/school';

/*
 * The demo: a small school's history since 2018, recorded through the deciders into an
 * in-memory store, then replayed from the store into the projections (report card, audit
 * trail); for one term grade, the rules engine recomputes the recommendation and explains
 * it. Last, the history is exported as a pseudonymized archive (recorded in the ledger), the
 * archive is verified with every check, and a copy with one changed line is verified again.
 * Everything follows from the seed: two runs print the same bytes.
 */

export type DemoOptions = { readonly seed: number; readonly since: number; readonly until: number };

/** The rules engine's account of one finalized term grade, recomputed from the ledger. */
export type DemoExplanation = {
  readonly classId: string;
  readonly subjectId: string;
  readonly pupilId: string;
  readonly period: AssessmentPeriod;
  readonly eventId: string;
  readonly finalized: GradeValue;
  readonly recordedRecommendation: GradeValue | null;
  readonly recordedPercentage: string | null;
  readonly recomputedGrade: GradeValue | null;
  readonly recomputedPercentage: string | null;
  /** True when the recomputation gives the recommendation recorded with the grade. */
  readonly matchesRecord: boolean;
  readonly lines: ReadonlyArray<string>;
  /** For the failed year grade followed by a re-sit, if any: how the final grade was formed. */
  readonly resit: { readonly classId: string; readonly subjectId: string; readonly pupilId: string; readonly lines: ReadonlyArray<string> } | null;
};

export type DemoReport = {
  readonly seed: number;
  readonly since: number;
  readonly until: number;
  readonly events: number;
  readonly commands: number;
  readonly years: ReadonlyArray<{
    readonly schoolYearId: string;
    readonly ruleSetId: string;
    readonly classes: ReadonlyArray<{ readonly classId: string; readonly gradeLevel: number; readonly pupils: number }>;
  }>;
  readonly pupilId: string;
  readonly reportCards: ReadonlyArray<YearReportCard>;
  readonly audit: {
    readonly summary: AuditSummary;
    readonly examples: ReadonlyArray<JournalChange>;
    readonly overrides: ReadonlyArray<GradeOverride>;
    readonly markHistory: { readonly markId: string; readonly entries: ReadonlyArray<MarkHistoryEntry> } | null;
  };
  readonly explanation: DemoExplanation | null;
  /** A page of the class journal, as it stood on a past day (time travel). */
  readonly journalPage: DemoJournalPage | null;
  readonly archive: DemoArchive;
};

/** The history exported as a pseudonymized archive, verified, and a tampered copy verified. */
export type DemoArchive = {
  readonly lines: number;
  readonly bytes: number;
  readonly events: number;
  readonly finalDigest: string;
  /** The export key's id (the archive's person ids are HMAC pseudonyms under that key). */
  readonly keyId: string | null;
  /** The ArchiveExported event the export appended to the ledger. */
  readonly recorded: { readonly eventId: string; readonly actor: string; readonly occurredAt: string; readonly purpose: string; readonly eventCount: number };
  /** `verify` with every check (chain, format, schema, domain, grades) on the archive as written. */
  readonly verified: {
    readonly ok: boolean;
    readonly findings: number;
    readonly domainEventsChecked: number;
    /** Finalized grades that differ from the recomputation, each with a recorded override reason. */
    readonly lawfulOverrides: number;
  };
  /** The same archive with one formative mark changed in place (its line's digest left as it was). */
  readonly tampered: { readonly line: number; readonly change: string; readonly ok: boolean; readonly findings: ReadonlyArray<Finding> };
};

/** The last lessons of a class and subject up to a day, pupils by lessons, as the journal showed them then. */
export type DemoJournalPage = {
  readonly classId: string;
  readonly subjectId: string;
  readonly asOf: string;
  readonly lessons: ReadonlyArray<{ readonly lessonId: string; readonly date: string; readonly topic: string }>;
  readonly rows: ReadonlyArray<{ readonly pupilId: string; readonly cells: ReadonlyArray<string> }>;
};

export type DemoError =
  | SmallSchoolError
  | { readonly kind: 'RulesUnavailable'; readonly message: string }
  /** The demo's archive could not be exported, or held nothing to tamper with. */
  | { readonly kind: 'ArchiveFailed'; readonly message: string };

const readAllEvents = async (store: { readonly readAll: () => AsyncIterable<ReadonlyArray<RecordedEvent>> }): Promise<ReadonlyArray<RecordedEvent>> => {
  const events: RecordedEvent[] = [];
  for await (const page of store.readAll()) events.push(...page);
  return events;
};

/** The fraction text "n/d" of a recorded percentage, as an auditor reads it. */
export const showPercentage = (fraction: string | null): string => {
  const match = fraction === null ? null : /^(-?\d+)\/(\d+)$/.exec(fraction);
  return match === null ? '-' : showExact({ num: BigInt(match[1] ?? '0'), den: BigInt(match[2] ?? '1') }, '%');
};

const fractionOf = (value: { readonly num: bigint; readonly den: bigint }): string => `${value.num}/${value.den}`;

/** Recomputes one finalized period grade from the class's events before it, and explains it. */
const explainPeriodGrade = (
  ruleSets: ReadonlyArray<RuleSet>,
  events: ReadonlyArray<RecordedEvent>,
  target: RecordedEvent,
): DemoExplanation | null => {
  const event = target.event;
  if (event.type !== 'PeriodGradeFinalized') return null;
  const rules = journalRulesFromRuleSets(ruleSets);
  const before = events.filter((e) => e.streamId === target.streamId && e.streamRevision < target.streamRevision).map((e) => e.event);
  const state = foldEvents({ evolve: evolveClassJournal, initialState: initialClassJournalState }, before);
  if (state.status !== 'open') return null;
  const subject = state.subjects.get(event.data.subjectId);
  const ruleSet = chooseRuleSet(ruleSets, { recordedRuleSetId: event.data.ruleSetId, date: state.calendar.startsOn });
  if (subject === undefined || E.isLeft(ruleSet)) return null;
  const marks = periodMarksOf(rules, state, subject, event.data.pupilId, event.data.period);
  const result = computePeriodResult(ruleSet.right, { gradeLevel: state.gradeLevel, gradingMode: subject.gradingMode, period: event.data.period }, marks);
  if (E.isLeft(result)) return null;
  const recomputedGrade = result.right._tag === 'graded' ? result.right.grade : result.right._tag === 'notAssessed' ? 'notAssessed' : null;
  const recomputedPercentage = result.right._tag === 'graded' ? fractionOf(result.right.percentage) : null;
  const recorded = event.data.recommendation;
  return {
    classId: state.classId,
    subjectId: event.data.subjectId,
    pupilId: event.data.pupilId,
    period: event.data.period,
    eventId: event.metadata.eventId,
    finalized: event.data.grade,
    recordedRecommendation: recorded?.grade ?? null,
    recordedPercentage: recorded?.percentage ?? null,
    recomputedGrade,
    recomputedPercentage,
    matchesRecord: String(recorded?.grade ?? null) === String(recomputedGrade) && (recorded?.percentage ?? null) === recomputedPercentage,
    lines: explainResult(result.right),
    resit: null,
  };
};

/** How the re-sit turned the failed year grade into the final grade, under the year's rule set. */
const explainResit = (ruleSets: ReadonlyArray<RuleSet>, cards: ReadonlyArray<YearReportCard>): DemoExplanation['resit'] => {
  for (const card of cards)
    for (const subject of card.subjects) {
      if (subject.resits.length === 0 || subject.yearGrade === null) continue;
      const ruleSet = ruleSets.find((r) => r.id === card.ruleSetId);
      if (ruleSet === undefined) continue;
      const result = finalGrade(ruleSet, { gradeLevel: card.gradeLevel, yearGrade: subject.yearGrade.grade, resitGrades: subject.resits.map((r) => r.testGrade) });
      if (E.isRight(result)) return { classId: card.classId, subjectId: subject.subjectId, pupilId: card.pupilId, lines: explainResult(result.right) };
    }
  return null;
};

/** Russian journal letters for attendance codes, as a printed journal shows them. */
const JOURNAL_LETTER = { unexcused: 'н', excused: 'п', illness: 'б', late: 'о' } as const;

/**
 * The journal page of the explained grade's class and subject, replayed as of the day the grade
 * was finalized: the last lessons up to that day, each pupil's mark, score or absence on each.
 */
const journalPageOf = (
  ruleSets: ReadonlyArray<RuleSet>,
  events: ReadonlyArray<RecordedEvent>,
  explanation: DemoExplanation,
  day: string,
  lessonCount = 8,
): DemoJournalPage | null => {
  const view = replayEvents(events, { ruleSets, asOf: endOfDay(day) }).classJournal(explanation.classId, explanation.subjectId);
  if (view === null) return null;
  const lessons = view.lessons.filter((l) => !l.cancelled && l.date <= day).slice(-lessonCount);
  const summativeOf = new Map(view.summatives.filter((x) => !x.cancelled).map((x) => [x.summativeId, x] as const));
  const rows = view.pupils.map((pupil) => ({
    pupilId: pupil.pupilId,
    cells: lessons.map((lesson) => {
      const marks = pupil.marks.flatMap((m) => {
        if (m.kind === 'formative') return m.lessonId === lesson.lessonId ? [String(m.value)] : [];
        const summative = m.summativeId === null ? undefined : summativeOf.get(m.summativeId);
        return summative?.lessonId === lesson.lessonId ? [`${m.value}/${summative.maxPoints}`] : [];
      });
      const absences = pupil.attendance.filter((a) => a.lessonId === lesson.lessonId).map((a) => JOURNAL_LETTER[a.code]);
      const text = [...absences, ...marks].join(' ');
      return text === '' ? '·' : text;
    }),
  }));
  return {
    classId: view.classId,
    subjectId: view.subjectId,
    asOf: day,
    lessons: lessons.map((l) => ({ lessonId: l.lessonId, date: l.date, topic: l.topic })),
    rows,
  };
};

/** The mark whose history has the most entries (the earliest such mark on a tie). */
const mostChangedMark = (audit: AuditTrailQueries): { markId: string; entries: ReadonlyArray<MarkHistoryEntry> } | null => {
  let best: { markId: string; entries: ReadonlyArray<MarkHistoryEntry> } | null = null;
  for (const change of audit.changes()) {
    if (change.action === 'attendanceCorrected') continue;
    const entries = audit.markHistory(change.markId, change.classId);
    if (best === null || entries.length > best.entries.length) best = { markId: change.markId, entries };
  }
  return best;
};

const examplesOf = (changes: ReadonlyArray<JournalChange>): ReadonlyArray<JournalChange> =>
  (['corrected', 'annulled', 'moderated'] as const).flatMap((action) => {
    const first = changes.find((c) => c.action === action);
    return first === undefined ? [] : [first];
  });

/** An export sink that keeps the archive in memory (the demo writes no file). */
const memorySink = (): { readonly sink: ExportSink; readonly bytes: () => Buffer } => {
  let kept = Buffer.alloc(0);
  const sink: ExportSink = async (chunks) => {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    return {
      commit: async () => {
        kept = Buffer.concat(parts);
      },
      discard: async () => undefined,
    };
  };
  return { sink, bytes: () => kept };
};

const MARK_MEMBER = /"mark":(\d+)/;

/**
 * The archive with one formative mark changed (the middle one of the file), as someone editing
 * the file would: the line keeps its digest, so the chain shows where.
 */
const tamperedCopy = (archive: Buffer): { readonly bytes: Buffer; readonly line: number; readonly change: string } | undefined => {
  const lines = archive.toString('utf8').split('\n');
  const marks = lines.flatMap((text, i) => (text.includes('"type":"FormativeMarkRecorded"') ? [i] : []));
  const at = marks[Math.floor(marks.length / 2)];
  if (at === undefined) return undefined;
  const text = lines[at] as string;
  const found = MARK_MEMBER.exec(text);
  if (found === null) return undefined;
  const from = Number(found[1]);
  const to = from === 10 ? 9 : from + 1;
  lines[at] = text.replace(MARK_MEMBER, `"mark":${to}`);
  return { bytes: Buffer.from(lines.join('\n'), 'utf8'), line: at + 1, change: `formative mark ${from} → ${to}` };
};

/**
 * Exports the store as a pseudonymized archive (recorded in the ledger as ArchiveExported),
 * verifies it with every check, then verifies a copy with one mark changed.
 */
const archiveDemo = async (store: Parameters<typeof exportLedger>[0], ruleSets: ReadonlyArray<RuleSet>, summary: SmallSchoolSummary): Promise<E.Either<DemoError, DemoArchive>> => {
  const { sink, bytes } = memorySink();
  // A key made from the seed, so that two runs print the same digest; a real export key is a secret.
  const key = Uint8Array.from({ length: 32 }, (_, i) => (summary.seed * 131 + i * 17) & 0xff);
  const at = `${summary.until + 1}-07-01T09:00:00Z`;
  const exported = await exportLedger(
    store,
    sink,
    { access: { mode: 'pseudonymized', key }, actor: { id: 'director-01', role: 'director' }, purpose: 'Inspection by the regional education department' },
    { clock: () => at },
  );
  if (E.isLeft(exported)) return E.left({ kind: 'ArchiveFailed', message: exported.left.message });
  const { manifest, recorded } = exported.right;
  const archive = bytes();
  const report = await verifyArchive([archive], { ruleSets });
  const tampered = tamperedCopy(archive);
  if (tampered === undefined) return E.left({ kind: 'ArchiveFailed', message: 'the archive holds no formative mark to change' });
  const tamperedReport = await verifyArchive([tampered.bytes], { ruleSets });
  const data = recorded.data as { readonly purpose: string; readonly eventCount: number };
  return E.right({
    lines: report.lines,
    bytes: archive.length,
    events: manifest.eventCount,
    finalDigest: manifest.finalDigest,
    keyId: manifest.pseudonymization?.keyId ?? null,
    recorded: { eventId: recorded.metadata.eventId, actor: `${recorded.metadata.actor.id} (${recorded.metadata.actor.role})`, occurredAt: recorded.metadata.occurredAt, purpose: data.purpose, eventCount: data.eventCount },
    verified: {
      ok: report.ok,
      findings: report.findings.length + report.omittedFindings,
      domainEventsChecked: report.domainEvents.checked,
      lawfulOverrides: report.gradeDifferences.filter((d) => d.overrideReasonRecorded).length,
    },
    tampered: { line: tampered.line, change: tampered.change, ok: tamperedReport.ok, findings: tamperedReport.findings },
  });
};

/** Builds the school, replays the store into the projections and gathers what the demo shows. */
export const runDemo = async (options: DemoOptions): Promise<E.Either<DemoError, DemoReport>> => {
  const shipped = kazakhstanRuleSets();
  if (E.isLeft(shipped)) return E.left({ kind: 'RulesUnavailable', message: shipped.left.message });
  const ruleSets = shipped.right;
  const built = await buildSmallSchool({ ...options, ruleSets });
  if (E.isLeft(built)) return built;
  const { store, summary } = built.right;
  const events = await readAllEvents(store);
  const school = replayEvents(events, { ruleSets });
  const audit = school.auditTrail;
  const pupilId = summary.focusPupilId;
  const reportCards = school.reportCard(pupilId);

  // The grade to explain: the pupil's overridden term grade (the auditor's first question), else their last term grade.
  const byEventId = new Map(events.map((e) => [e.event.metadata.eventId, e] as const));
  const overrides = audit.overrides();
  const override = overrides.find((o) => o.pupilId === pupilId && o.level === 'period');
  const lastTermGrade = [...events].reverse().find((e) => e.event.type === 'PeriodGradeFinalized' && e.event.data.pupilId === pupilId && e.event.data.recommendation !== null);
  const target = (override === undefined ? undefined : byEventId.get(override.eventId)) ?? lastTermGrade;
  const explained = target === undefined ? null : explainPeriodGrade(ruleSets, events, target);
  const explanation = explained === null ? null : { ...explained, resit: explainResit(ruleSets, reportCards) };
  const journalPage =
    explanation === null || target === undefined ? null : journalPageOf(ruleSets, events, explanation, target.event.metadata.occurredAt.slice(0, 10));
  // After the projections: the export appends its own record to the ledger.
  const archive = await archiveDemo(store, ruleSets, summary);
  if (E.isLeft(archive)) return archive;

  return E.right({
    seed: summary.seed,
    since: summary.since,
    until: summary.until,
    events: events.length,
    commands: summary.commands,
    years: yearsOf(summary),
    pupilId,
    reportCards,
    audit: { summary: audit.summary(), examples: examplesOf(audit.changes()), overrides, markHistory: mostChangedMark(audit) },
    explanation,
    journalPage,
    archive: archive.right,
  });
};

const yearsOf = (summary: SmallSchoolSummary): DemoReport['years'] =>
  summary.years.map((year) => ({
    schoolYearId: year.schoolYearId,
    ruleSetId: year.ruleSetId,
    classes: summary.classes
      .filter((c) => c.schoolYearId === year.schoolYearId)
      .map((c) => ({ classId: c.classId, gradeLevel: c.gradeLevel, pupils: c.pupilIds.length })),
  }));

// --- text rendering ------------------------------------------------------------------------

const showGrade = (grade: GradeValue | null | undefined): string =>
  grade === null || grade === undefined ? '·' : grade === 'notAssessed' ? 'н/а' : String(grade);

const showValue = (value: MarkValue | null): string =>
  value === null ? '(annulled)' : value.kind === 'formative' ? `mark ${value.mark}` : `${value.points} points`;

const showPeriod = (period: AssessmentPeriod | null): string =>
  period === null ? 'year' : period.kind === 'term' ? `term ${period.number}` : `half-year ${period.number}`;

const cell = (text: string, width: number): string => text.padEnd(width);

const COLUMNS = [
  { key: 'term-1', title: 'T1' },
  { key: 'term-2', title: 'T2' },
  { key: 'term-3', title: 'T3' },
  { key: 'term-4', title: 'T4' },
  { key: 'halfYear-1', title: 'H1' },
  { key: 'halfYear-2', title: 'H2' },
] as const;

const reportCardLines = (card: YearReportCard): ReadonlyArray<string> => {
  const nameWidth = Math.max(20, ...card.subjects.map((s) => s.subjectId.length + 2));
  const head = `${cell('subject', nameWidth)}${COLUMNS.map((c) => cell(c.title, 6)).join('')}${cell('year', 6)}final`;
  const rows = card.subjects.map((subject) => {
    const byKey = new Map(subject.periods.map((p) => [`${p.period.kind}-${p.period.number}`, p] as const));
    const periods = COLUMNS.map((c) => {
      const grade = byKey.get(c.key);
      return cell(grade === undefined ? '·' : `${showGrade(grade.grade)}${grade.overridden ? '*' : ''}`, 6);
    }).join('');
    const year = subject.yearGrade === null ? '·' : `${showGrade(subject.yearGrade.grade)}${subject.yearGrade.overridden ? '*' : ''}`;
    const final = `${showGrade(subject.finalGrade)}${subject.resits.length > 0 ? ' (re-sit)' : ''}`;
    return `${cell(subject.subjectId, nameWidth)}${periods}${cell(year, 6)}${final}`.trimEnd();
  });
  const a = card.attendance;
  return [
    `${card.schoolYearId}  class ${card.classId} (grade ${card.gradeLevel})  rule set ${card.ruleSetId}`,
    `  ${head}`,
    ...rows.map((r) => `  ${r}`),
    `  attendance: ${a.lessonsMissed} lessons missed (illness ${a.illness}, excused ${a.excused}, unexcused ${a.unexcused}), ${a.fullDaysMissed} full days missed; late to ${a.late} lessons`,
  ];
};

const stampLine = (s: { readonly occurredAt: string; readonly actor: { readonly id: string; readonly role: string } }): string =>
  `${s.occurredAt} ${s.actor.id} (${s.actor.role})`;

const changeLine = (change: JournalChange): string =>
  change.action === 'attendanceCorrected'
    ? `${stampLine(change)} corrected attendance ${change.attendanceId} (${change.subjectId}, ${change.pupilId}): ${change.from ?? '?'} → ${change.to}; supersedes ${change.supersedesEventId}; why: "${change.reason ?? ''}"`
    : `${stampLine(change)} ${change.action} ${change.markId} (${change.subjectId}, ${change.pupilId}): ${showValue(change.previous)} → ${showValue(change.value)}; supersedes ${change.supersedesEventId ?? '-'}; why: "${change.reason ?? ''}"`;

const overrideLine = (o: GradeOverride): string =>
  `${stampLine(o)}: ${o.classId} ${o.subjectId} ${showPeriod(o.period)} of ${o.pupilId}: computed ${showGrade(o.recommended)}${o.percentage === null ? '' : ` (${showPercentage(o.percentage)})`}, finalized ${showGrade(o.grade)}; why: "${o.overrideReason ?? ''}"`;

const journalPageLines = (page: DemoJournalPage): ReadonlyArray<string> => {
  const width = Math.max(12, ...page.rows.map((r) => r.pupilId.length + 2));
  return [
    `Class journal (сынып журналы) of ${page.classId} ${page.subjectId}, as it stood at the end of ${page.asOf} (replayed as of that day):`,
    `  ${cell('pupil', width)}${page.lessons.map((l) => cell(l.date.slice(5), 7)).join('')}`.trimEnd(),
    ...page.rows.map((r) => `  ${cell(r.pupilId, width)}${r.cells.map((c) => cell(c, 7)).join('')}`.trimEnd()),
    '  Cells: formative mark 1-10, summative points/maximum, н unexcused, п excused, б illness, о late, · nothing.',
    ...page.lessons.map((l) => `  ${l.date}  ${l.topic}`),
  ];
};

const historyLine = (entry: MarkHistoryEntry): string =>
  entry.action === 'recorded'
    ? `${stampLine(entry)} recorded ${showValue(entry.value)} on ${entry.lessonId ?? entry.summativeId ?? '-'} [${entry.eventId}]`
    : `${stampLine(entry)} ${entry.action}: ${showValue(entry.previous)} → ${showValue(entry.value)}, supersedes ${entry.supersedesEventId ?? '-'} [${entry.eventId}]; why: "${entry.reason ?? ''}"`;

/** The demo as text lines: header, the pupil's report cards, the audit summary and one explained grade. */
export const renderDemo = (report: DemoReport): ReadonlyArray<string> => {
  const s = report.audit.summary;
  const explanation = report.explanation;
  return [
    `grade-ledger demo (seed ${report.seed}): a small school, school years ${report.since}-${report.since + 1} to ${report.until}-${report.until + 1}`,
    `${report.events} events recorded through ${report.commands} commands in an in-memory store, then replayed into the projections.`,
    '',
    'School years, rule sets and classes:',
    ...report.years.map(
      (y) => `  ${y.schoolYearId}  ${cell(y.ruleSetId, 19)} ${y.classes.map((c) => `${c.classId} (grade ${c.gradeLevel}, ${c.pupils} pupils)`).join(', ')}`,
    ),
    '',
    `Report cards (табель) of ${report.pupilId}:`,
    ...report.reportCards.flatMap((card) => [...reportCardLines(card), '']),
    'Legend: T1-T4 terms, H1-H2 half-years (1-hour subjects), · no grade; * finalized grade differs from the computed',
    'recommendation (deputy director\'s override, with a reason); "final (re-sit)": final grade after a re-sit of a failed year.',
    '',
    ...(report.journalPage === null ? [] : [...journalPageLines(report.journalPage), '']),
    'Audit trail:',
    `  ${s.totalEvents} events by role: ${s.byRole.map((r) => `${r.role} ${r.events} (${r.actors} ${r.actors === 1 ? 'actor' : 'actors'})`).join(', ')}`,
    `  changes to recorded marks: ${s.corrections} corrections, ${s.annulments} annulments, ${s.moderations} moderations; ${s.attendanceCorrections} attendance corrections`,
    `  finalized grades differing from the computed recommendation: ${s.overrides}; re-sits: ${s.resits}`,
    '  examples:',
    ...report.audit.examples.map((c) => `    ${changeLine(c)}`),
    '  overrides:',
    ...report.audit.overrides.map((o) => `    ${overrideLine(o)}`),
    ...(report.audit.markHistory === null
      ? []
      : [`  full history of mark ${report.audit.markHistory.markId}:`, ...report.audit.markHistory.entries.map((e) => `    ${historyLine(e)}`)]),
    '',
    ...(explanation === null
      ? ['No finalized term grade to explain.']
      : [
          `Rules engine explanation of ${explanation.classId} ${explanation.subjectId} ${showPeriod(explanation.period)} of ${explanation.pupilId} (event ${explanation.eventId}):`,
          ...explanation.lines.map((l) => `  ${l}`),
          `  Recorded with the grade: computed ${showGrade(explanation.recordedRecommendation)} (${showPercentage(explanation.recordedPercentage)}); finalized ${showGrade(explanation.finalized)}.`,
          `  Recomputed now from the ledger: ${showGrade(explanation.recomputedGrade)} (${showPercentage(explanation.recomputedPercentage)}): ${explanation.matchesRecord ? 'matches the record' : 'DIFFERS FROM THE RECORD'}.`,
          ...(explanation.resit === null
            ? []
            : [
                `Re-sit of ${explanation.resit.classId} ${explanation.resit.subjectId} for ${explanation.resit.pupilId}:`,
                ...explanation.resit.lines.map((l) => `  ${l}`),
              ]),
        ]),
    '',
    ...archiveLines(report.archive),
  ];
};

const kilobytes = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

const archiveLines = (a: DemoArchive): ReadonlyArray<string> => [
  'Archive (the history exported, recorded in the ledger, verified):',
  `  ${a.events} events in ${a.lines} canonical JSON lines (${kilobytes(a.bytes)}), each chained to the one before by SHA-256; final digest ${a.finalDigest}`,
  `  person ids replaced by HMAC pseudonyms under export key ${a.keyId ?? '-'} (events hold no names: personal data lives beside the ledger)`,
  `  the export is itself in the ledger: ArchiveExported ${a.recorded.eventId} by ${a.recorded.actor} at ${a.recorded.occurredAt}, ${a.recorded.eventCount} events, purpose "${a.recorded.purpose}"`,
  `  verify (chain, format, schema, the deciders' rules replayed, every finalized grade recomputed): ${a.verified.ok ? 'OK' : 'NOT OK'}, ${a.verified.findings} findings; ${a.verified.domainEventsChecked} events replayed through the deciders; ${a.verified.lawfulOverrides} finalized grades differ from the recomputation, each with its override reason recorded`,
  `  a copy with line ${a.tampered.line} edited (${a.tampered.change}): ${a.tampered.ok ? 'OK (the change went unnoticed!)' : `NOT OK, ${a.tampered.findings.length} finding(s)`}`,
  ...a.tampered.findings.slice(0, 3).map((f) => `    ${f.check}: ${f.message}`),
  ...(a.tampered.findings.length > 3 ? [`    and ${a.tampered.findings.length - 3} more`] : []),
];

/** The report as JSON: it holds only plain data (no Maps, no bigints), so the text is deterministic. */
export const demoJson = (report: DemoReport): string => JSON.stringify(report, null, 2);
