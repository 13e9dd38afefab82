import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../index';
import { defaultVerifyWorkers, WORKERS_FROM_BYTES } from './verify';

const run = async (argv: ReadonlyArray<string>) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err, text: out.join('\n') };
};

let dir: string;
let archive: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-cli-'));
  archive = join(dir, 'school.gla');
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const small = ['--seed', '5', '--since', '2024', '--until', '2024', '--scale', '0.1', '--grade-levels', '5-5', '--subjects', '3', '--pupils', '8'];

describe('grade-ledger generate, verify, export, import, replay, report-card, oneroster', () => {
  it('generates an archive; the same seed gives the same bytes; verify finds nothing (exit 0)', async () => {
    const generated = await run(['generate', ...small, '--out', archive, '--json']);
    expect(generated.err).toEqual([]);
    expect(generated.code).toBe(0);
    const summary = JSON.parse(generated.text) as { manifest: { eventCount: number; finalDigest: string } };
    expect(summary.manifest.eventCount).toBeGreaterThan(1000);
    const again = join(dir, 'again.gla');
    await run(['generate', ...small, '--out', again]);
    expect(await readFile(again)).toEqual(await readFile(archive));

    const verified = await run(['verify', archive, '--expect-digest', summary.manifest.finalDigest]);
    expect(verified.code).toBe(0);
    expect(verified.text).toContain('OK: nothing found.');
    expect(verified.text).toContain(summary.manifest.finalDigest);
  }, 120_000);

  it('verify reports a tampered line with its number (exit 1), in text and JSON', async () => {
    const lines = (await readFile(archive, 'utf8')).split('\n');
    lines[41] = (lines[41] as string).replace(/"streamRevision":(\d+)/, (_m, n: string) => `"streamRevision":${Number(n) + 7}`);
    const tampered = join(dir, 'tampered.gla');
    await writeFile(tampered, lines.join('\n'));
    const text = await run(['verify', tampered, '--no-domain']);
    expect(text.code).toBe(1);
    expect(text.text).toMatch(/line 42 \[chain\]/);
    const json = await run(['verify', tampered, '--no-domain', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.text).findings[0]).toMatchObject({ line: 42, check: 'chain' });
  }, 60_000);

  it('verify --workers N gives the report --workers 0 gives; a bad count is a usage error (exit 2)', async () => {
    const lines = (await readFile(archive, 'utf8')).split('\n');
    lines.splice(30, 1);
    lines[50] = (lines[50] as string).replace('"position":', '"position": ');
    const damaged = join(dir, 'damaged.gla');
    await writeFile(damaged, lines.join('\n'));
    const one = await run(['verify', damaged, '--workers', '0', '--json']);
    const two = await run(['verify', damaged, '--workers', '2', '--json']);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    const { workers: w1, ...report1 } = JSON.parse(one.text) as { workers: number };
    const { workers: w2, ...report2 } = JSON.parse(two.text) as { workers: number };
    // A small archive may be done before the workers have started: the main thread checks its lines meanwhile.
    expect(w1).toBe(0);
    expect(w2).toBeLessThanOrEqual(2);
    expect(report2).toEqual(report1);
    expect((report1 as { findings: unknown[] }).findings.length).toBeGreaterThan(1);
    for (const bad of ['x', '-1', '1.5', '65']) expect((await run(['verify', archive, '--workers', bad])).code).toBe(2);
    expect(defaultVerifyWorkers(1, 2 ** 30)).toBe(0);
    expect(defaultVerifyWorkers(2, 2 ** 30)).toBe(2);
    expect(defaultVerifyWorkers(64, 2 ** 30)).toBe(8);
    expect(defaultVerifyWorkers(64, WORKERS_FROM_BYTES - 1)).toBe(0);
    expect((await run(['--help'])).text).toContain('--workers N');
  }, 120_000);

  it('export pseudonymizes with a key and records the export; refuses without a key or purpose (exit 2)', async () => {
    const key = join(dir, 'export.key');
    await writeFile(key, Buffer.alloc(32, 7));
    const out = join(dir, 'pseudo.gla');
    const auditLog = join(dir, 'exports.jsonl');
    const exported = await run(['export', '--from', archive, '--out', out, '--actor', 'auditor-01', '--key-file', key, '--audit-log', auditLog]);
    expect(exported.err).toEqual([]);
    expect(exported.code).toBe(0);
    expect(exported.text).toMatch(/pseudonymized with key [0-9a-f]{16}/);
    const recorded = JSON.parse((await readFile(auditLog, 'utf8')).trim()) as { type: string; data: { pseudonymized: boolean; finalDigest: string } };
    expect(recorded).toMatchObject({ type: 'ArchiveExported', data: { pseudonymized: true } });
    const pseudo = await readFile(out, 'utf8');
    expect(pseudo).not.toMatch(/"pupil-\d+"/);
    expect((await run(['verify', out, '--expect-digest', recorded.data.finalDigest])).code).toBe(0);

    expect((await run(['export', '--from', archive, '--out', out, '--actor', 'auditor-01'])).code).toBe(2);
    const noPurpose = await run(['export', '--from', archive, '--out', out, '--actor', 'auditor-01', '--identified']);
    expect(noPurpose.code).toBe(2);
    expect(noPurpose.err.join('\n')).toContain('--purpose');
    const before = await readFile(archive, 'utf8');
    const ontoItself = await run(['export', '--from', archive, '--out', join(dir, '.', basename(archive)), '--actor', 'auditor-01', '--key-file', key]);
    expect(ontoItself.code).toBe(2);
    expect(ontoItself.err.join('\n')).toMatch(/is the archive being exported/);
    expect(await readFile(archive, 'utf8')).toBe(before);
  }, 120_000);

  it('export of an archive that does not verify lists the findings and writes nothing (exit 1)', async () => {
    const key = join(dir, 'bad.key');
    await writeFile(key, Buffer.alloc(32, 3));
    const lines = (await readFile(archive, 'utf8')).split('\n');
    const tampered = join(dir, 'tampered.gla');
    await writeFile(tampered, lines.map((line, i) => (i === 5 ? line.replace(/"position":(\d+)/, '"position":99999') : line)).join('\n'));
    const out = join(dir, 'from-tampered.gla');
    const exported = await run(['export', '--from', tampered, '--out', out, '--actor', 'auditor-01', '--key-file', key]);
    expect(exported.code).toBe(1);
    expect(exported.err.join('\n')).toMatch(/line 6/);
    expect(exported.err.join('\n')).toMatch(/cannot be exported: it does not verify; nothing was written/);
    await expect(readFile(out)).rejects.toThrow();
  }, 120_000);

  it('export writes no archive it could not record in --audit-log (exit 3)', async () => {
    const key = join(dir, 'log.key');
    await writeFile(key, Buffer.alloc(32, 5));
    const out = join(dir, 'unrecorded.gla');
    const auditLog = join(dir, 'log-is-a-directory');
    await mkdir(auditLog);
    const exported = await run(['export', '--from', archive, '--out', out, '--actor', 'auditor-01', '--key-file', key, '--audit-log', auditLog]);
    expect(exported.code).toBe(3);
    expect(exported.err.join('\n')).toMatch(/cannot append to the audit log .*log-is-a-directory.*nothing was exported/);
    await expect(readFile(out)).rejects.toThrow();
    expect((await readdir(dir)).filter((name) => name.startsWith('unrecorded.gla'))).toEqual([]);
  }, 120_000);

  it('import verifies and loads (exit 0); a cut archive is rejected (exit 1); a missing file is an I/O error (exit 3)', async () => {
    expect((await run(['import', archive, '--no-domain'])).code).toBe(0);
    const text = await readFile(archive, 'utf8');
    const cut = join(dir, 'cut.gla');
    await writeFile(cut, text.slice(0, Math.floor(text.length / 2)));
    const rejected = await run(['import', cut, '--no-domain']);
    expect(rejected.code).toBe(1);
    expect(rejected.err.join('\n')).toMatch(/nothing was written/);
    const missing = await run(['verify', join(dir, 'nope.gla')]);
    expect(missing.code).toBe(3);
    expect(missing.err.join('\n')).toContain('no such file');
    expect((await run(['verify'])).code).toBe(2);
    expect((await run(['verify', archive, '--frobnicate'])).code).toBe(2);
  }, 60_000);

  it('replay prints the projections as of a date; report-card a pupil; oneroster writes the CSV files', async () => {
    const replay = await run(['replay', archive, '--json']);
    expect(replay.code).toBe(0);
    const projections = JSON.parse(replay.text) as { classes: Array<{ pupilIds: string[] }>; events: number; eventsApplied: number; planChanges: Array<{ action: string; actor: { id: string } }> };
    expect(projections.classes.length).toBeGreaterThan(0);
    expect(projections.planChanges.length).toBeGreaterThan(0);
    expect(projections.planChanges.every((c) => typeof c.action === 'string' && typeof c.actor.id === 'string')).toBe(true);
    expect((await run(['replay', archive])).text).toMatch(/plan and roster changes: \d+ planApproved/);
    const early = await run(['replay', archive, '--as-of', '2024-09-15', '--json']);
    expect(JSON.parse(early.text).eventsApplied).toBeLessThan(projections.eventsApplied);
    expect(JSON.parse(early.text).asOfInstant).toBe('2024-09-16T00:00:00Z');
    // On the school's clock (Almaty: +05:00 since March 2024) the 15th ends five hours earlier.
    const almaty = await run(['replay', archive, '--as-of', '2024-09-15', '--time-zone', 'Asia/Almaty', '--json']);
    expect(almaty.code).toBe(0);
    expect(JSON.parse(almaty.text).asOfInstant).toBe('2024-09-15T19:00:00Z');
    expect(JSON.parse(almaty.text).eventsApplied).toBeLessThanOrEqual(JSON.parse(early.text).eventsApplied);
    expect(JSON.parse((await run(['replay', archive, '--as-of', '2024-09-15', '--time-zone', '+06:00', '--json'])).text).asOfInstant).toBe('2024-09-15T18:00:00Z');
    expect((await run(['replay', archive, '--as-of', '2024-09-15'])).text).toContain('as of the end of 2024-09-15 (UTC: recorded before 2024-09-16T00:00:00Z)');
    const badZone = await run(['replay', archive, '--as-of', '2024-09-15', '--time-zone', 'Mars/Olympus']);
    expect(badZone.code).toBe(2);
    expect(badZone.err.join('\n')).toContain('not a time zone');
    expect((await run(['replay', archive, '--time-zone', 'Asia/Almaty'])).code).toBe(2);
    const pupil = projections.classes[0]?.pupilIds[0] as string;
    const card = await run(['report-card', archive, '--pupil', pupil]);
    expect(card.code).toBe(0);
    expect(card.text).toContain(`Report cards (табель) of ${pupil}`);

    const key = join(dir, 'or.key');
    await writeFile(key, Buffer.alloc(32, 9));
    const refused = await run(['oneroster', archive, '--out', join(dir, 'or-refused')]);
    expect(refused.code).toBe(2);
    // --out names a file, not a directory: an input/output error that says so.
    const notADirectory = await run(['oneroster', archive, '--out', archive, '--key-file', key]);
    expect(notADirectory).toMatchObject({ code: 3, err: [expect.stringContaining('(a file, not a directory: give a directory)')] });
    const outDir = join(dir, 'oneroster');
    const written = await run(['oneroster', archive, '--out', outDir, '--key-file', key]);
    expect(written.code).toBe(0);
    const results = await readFile(join(outDir, 'results.csv'), 'utf8');
    expect(results.split('\r\n')[0]).toBe('sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,textScore,classSourcedId,inProgress,incomplete,late,missing');
    expect(results).not.toMatch(/pupil-\d+/);
    const users = await readFile(join(outDir, 'users.csv'), 'utf8');
    expect(users).toMatch(/\np-[0-9a-f]{16},,,true,p-/);
    const attendance = await readFile(join(outDir, 'attendance.csv'), 'utf8');
    expect(attendance).toMatch(/uri:\/\/ed-fi\.org\/AttendanceEventCategoryDescriptor#(Unexcused Absence|Excused Absence|Tardy)/);
    expect(await readFile(join(outDir, 'manifest.csv'), 'utf8')).toContain('oneroster.version,1.2');
  }, 120_000);
});
