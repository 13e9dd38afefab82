import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../index';

const run = async (argv: ReadonlyArray<string>) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
};

describe('grade-ledger audit', () => {
  it('prints every bulk access of the period with its approval, declined requests, reads by role and forgettings', async () => {
    const { code, out, err } = await run(['audit', '--from', '2025-03-01', '--to', '2025-03-31']);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('Personal-data audit 2025-03-01 .. 2025-03-31 (demo history)');
    expect(text).toMatch(/Bulk accesses \(four eyes\): 1\n {2}2025-03-10 06:00 {2}deputyDirector deputy-01 read name of \d+ people in \d+ classes/);
    expect(text).toContain('approved 2025-03-10 05:30 by auditor auditor-01');
    expect(text).toMatch(/bulk-olympiad by subjectTeacher teacher-04: \d+ people, "olympiad invitations": declined by director director-01 \(why: "Contacts are not needed/);
    expect(text).toMatch(/classTeacher\s+\d+ reads/);
    expect(text).toMatch(/forgotten by director director-01; why: "The family left/);
  });

  it('--json gives the same report; a period without accesses lists none; bad dates are usage errors', async () => {
    const json = await run(['audit', '--from', '2025-03-10', '--to', '2025-03-10', '--json']);
    const report = JSON.parse(json.out.join('\n')) as { bulkAccesses: Array<{ request: { decision: { decision: string } } }>; reads: { total: number } };
    expect(report.bulkAccesses.map((b) => b.request.decision.decision)).toEqual(['approved']);
    expect(report.reads.total).toBe(1);
    const empty = await run(['audit', '--from', '2024-01-01', '--to', '2024-01-31', '--json']);
    expect(JSON.parse(empty.out.join('\n'))).toMatchObject({ bulkAccesses: [], otherRequests: [], reads: { total: 0 }, operations: [] });
    expect(await run(['audit', '--from', '2025-02-30', '--to', '2025-03-01'])).toMatchObject({ code: 2, err: [expect.stringContaining('--from "2025-02-30": expected a date YYYY-MM-DD'), expect.any(String)] });
    expect(await run(['audit', '--from', '2025-03-05', '--to', '2025-03-01'])).toMatchObject({ code: 2 });
  });

  it('an archive that cannot be read is an input/output error (exit 3); a broken one is rejected (exit 1) and says what to do', async () => {
    const missing = await run(['audit', '--from', '2025-03-01', '--to', '2025-03-31', '--archive', '/nonexistent/archive.gla']);
    expect(missing).toMatchObject({ code: 3, out: [] });
    expect(missing.err.join('\n')).toMatch(/cannot read \/nonexistent\/archive\.gla.*no such file: check the path/);
    const dir = await mkdtemp(join(tmpdir(), 'grade-ledger-audit-'));
    try {
      expect(await run(['audit', '--from', '2025-03-01', '--to', '2025-03-31', '--archive', dir])).toMatchObject({ code: 3, err: [expect.stringContaining('a directory, not a file')] });
      const broken = join(dir, 'broken.gla');
      await writeFile(broken, 'hello\n');
      const rejected = await run(['audit', '--from', '2025-03-01', '--to', '2025-03-31', '--archive', broken]);
      expect(rejected).toMatchObject({ code: 1, out: [] });
      expect(rejected.err.join('\n')).toContain(`run grade-ledger verify ${broken}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
