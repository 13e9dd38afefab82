import { describe, expect, it } from 'vitest';
import { runCli, USAGE, VERSION, type DemoReport } from './index';

const run = async (argv: ReadonlyArray<string>) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
};

describe('grade-ledger demo', () => {
  it('prints the header, the report cards, the audit summary and an explained grade; the same seed prints the same bytes', async () => {
    const first = await run(['demo', '--seed', '42', '--since', '2021', '--until', '2023']);
    expect(first.code).toBe(0);
    expect(first.err).toEqual([]);
    const text = first.out.join('\n');
    expect(text).toMatch(/^grade-ledger demo \(seed 42\)/);
    expect(text).toMatch(/\d+ events recorded through \d+ commands/);
    for (const [year, ruleSet] of [['2021-2022', 'kz-older'], ['2022-2023', 'kz-current'], ['2023-2024', 'kz-current']])
      expect(text).toMatch(new RegExp(`${year}\\s+${ruleSet}\\s`));
    expect(text).toContain('Report cards (табель) of pupil-');
    expect(text).toMatch(/subject\s+T1\s+T2\s+T3\s+T4\s+H1\s+H2\s+year\s+final/);
    expect(text).toMatch(/mathematics\s+[2-5]/);
    expect(text).toContain('Legend:');
    expect(text).toContain('Audit trail:');
    expect(text).toMatch(/events by role: .*subjectTeacher \d+/);
    expect(text).toMatch(/\d+ corrections, \d+ annulments, \d+ moderations/);
    expect(text).toContain('why: "');
    expect(text).toMatch(/full history of mark \S+:/);
    expect(text).toContain('Rules engine explanation of');
    expect(text).toContain('matches the record');
    expect(text).toMatch(/\d\*/); // the override on the report card
    expect(text).toMatch(/Archive \(the history exported, recorded in the ledger, verified\):\n {2}\d+ events in \d+ canonical JSON lines .* final digest [0-9a-f]{64}/);
    expect(text).toMatch(/the export is itself in the ledger: ArchiveExported \S+ by director-01 \(director\)/);
    expect(text).toMatch(/verify \(chain, .*\): OK, 0 findings; \d+ events replayed through the deciders/);
    const tampered = /a copy with line (\d+) edited \(formative mark \d+ → \d+\): NOT OK, \d+ finding\(s\)\n {4}chain: line (\d+):/.exec(text);
    expect(tampered?.[1]).toBeDefined();
    expect(tampered?.[2]).toBe(tampered?.[1]);

    const second = await run(['demo', '--seed', '42', '--since', '2021', '--until', '2023']);
    expect(second.out).toEqual(first.out);
    const other = await run(['demo', '--seed', '43', '--since', '2021', '--until', '2023']);
    expect(other.out).not.toEqual(first.out);
  });

  it('--json prints the same report as JSON', async () => {
    const { code, out } = await run(['demo', '--json', '--seed', '42', '--since', '2024', '--until', '2025']);
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n')) as DemoReport;
    expect(report.seed).toBe(42);
    expect(report.years.map((y) => [y.schoolYearId, y.ruleSetId])).toEqual([
      ['2024-2025', 'kz-current'],
      ['2025-2026', 'kz-current'],
    ]);
    expect(report.reportCards.map((c) => c.schoolYearId)).toEqual(['2024-2025', '2025-2026']);
    expect(report.audit.summary.totalEvents).toBe(report.events);
    expect(report.audit.overrides.length).toBe(report.audit.summary.overrides);
    expect(report.explanation?.matchesRecord).toBe(true);
    expect(report.explanation?.lines.length).toBeGreaterThan(3);
    // The archive: every event of the replayed history, the export recorded after it, verified clean;
    // the tampered copy is caught at the changed line.
    expect(report.archive.events).toBe(report.events);
    expect(report.archive.lines).toBe(report.events + 2);
    expect(report.archive.recorded.eventCount).toBe(report.events);
    expect(report.archive.verified).toMatchObject({ ok: true, findings: 0, domainEventsChecked: report.events, lawfulOverrides: report.audit.summary.overrides });
    expect(report.archive.tampered.ok).toBe(false);
    expect(report.archive.tampered.findings[0]).toMatchObject({ line: report.archive.tampered.line, check: 'chain' });
  });
});

describe('grade-ledger usage', () => {
  it('--help and --version', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, out: USAGE, err: [] });
    expect(await run(['demo', '-h'])).toEqual({ code: 0, out: USAGE, err: [] });
    expect(await run(['--version'])).toEqual({ code: 0, out: [VERSION], err: [] });
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command, option or bad value is a usage error (exit code 2) naming it', async () => {
    for (const [argv, named] of [
      [['frobnicate'], 'frobnicate'],
      [['demo', '--colour'], '--colour'],
      [['demo', '--seed', 'abc'], 'abc'],
      [['demo', '--since', '1980'], '1980'],
      [['demo', 'extra'], 'extra'],
    ] as const) {
      const { code, out, err } = await run(argv);
      expect(code).toBe(2);
      expect(out).toEqual([]);
      expect(err.join('\n')).toContain(named);
    }
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toEqual(USAGE);
  });
});
