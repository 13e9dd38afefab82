import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@grade-ledger/cli';
import { startPostgres, type TestPostgres } from './server';

/*
 * `grade-ledger import --postgres URL --school ID` against a real server: the archive lands in
 * the school through COPY, a second import is refused writing nothing, and a server that cannot
 * be reached is an input/output error. `grade-ledger export --postgres URL --school ID` streams
 * the school's ledger out and records the export in it.
 */

let server: TestPostgres | undefined;
let pool: pg.Pool | undefined;
let dir = '';
let archive = '';
let eventCount = 0;

const run = async (argv: ReadonlyArray<string>) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
};

beforeAll(async () => {
  server = await startPostgres();
  pool = new pg.Pool({ connectionString: server.url, max: 2 });
  pool.on('error', () => undefined);
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-cli-pg-'));
  archive = join(dir, 'school.gla');
  const generated = await run(['generate', '--seed', '5', '--since', '2024', '--until', '2024', '--scale', '0.1', '--grade-levels', '5-5', '--subjects', '3', '--pupils', '8', '--out', archive, '--json']);
  expect(generated.code).toBe(0);
  eventCount = (JSON.parse(generated.out.join('\n')) as { manifest: { eventCount: number } }).manifest.eventCount;
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** The school's rows and head in the given schema. */
const school = async (schema: string, schoolId: string) => {
  const { rows } = await (pool as pg.Pool).query<{ count: string; head: string | null }>(
    `SELECT (SELECT count(*) FROM ${schema}.events WHERE school_id = $1) AS count,
            (SELECT last_position FROM ${schema}.school_heads WHERE school_id = $1) AS head`,
    [schoolId],
  );
  return { count: Number(rows[0]?.count), head: rows[0]?.head === null ? null : Number(rows[0]?.head) };
};

describe('grade-ledger import --postgres', () => {
  it('loads the archive into the school through COPY; a second import is refused and writes nothing', async () => {
    const url = (server as TestPostgres).url;
    const schoolId = `school-${randomUUID()}`;
    const schema = `gl_cli_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    const imported = await run(['import', archive, '--postgres', url, '--school', schoolId, '--schema', schema, '--no-domain', '--json']);
    expect(imported.err).toEqual([]);
    expect(imported.code).toBe(0);
    const summary = JSON.parse(imported.out.join('\n')) as { imported: boolean; events: number; positions: { first: number; last: number } };
    expect(summary).toMatchObject({ imported: true, events: eventCount, positions: { first: 1, last: eventCount } });
    expect(await school(schema, schoolId)).toEqual({ count: eventCount, head: eventCount });

    const again = await run(['import', archive, '--postgres', url, '--school', schoolId, '--schema', schema, '--no-domain']);
    expect(again.code).toBe(1);
    expect(again.err.join('\n')).toMatch(/already exist in school .*nothing was written/);
    expect(await school(schema, schoolId)).toEqual({ count: eventCount, head: eventCount });
  }, 60_000);

  it('a server that cannot be reached is an input/output error (exit 3); --postgres without --school is a usage error (exit 2)', async () => {
    const unreachable = await run(['import', archive, '--postgres', 'postgres://nobody:secret@127.0.0.1:1/none', '--school', 'school-x', '--no-domain']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.err.join('\n')).toMatch(/cannot reach the PostgreSQL server/);
    expect((await run(['import', archive, '--postgres', (server as TestPostgres).url])).code).toBe(2);
    expect((await run(['import', archive, '--school', 'school-x'])).code).toBe(2);
  }, 60_000);
});

describe('grade-ledger export --postgres', () => {
  it('exports the school as its archive would be, and records the export in the school\'s ledger', async () => {
    const url = (server as TestPostgres).url;
    const schoolId = `school-${randomUUID()}`;
    const schema = `gl_cli_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    expect((await run(['import', archive, '--postgres', url, '--school', schoolId, '--schema', schema, '--no-domain'])).code).toBe(0);
    const key = join(dir, 'export.key');
    await writeFile(key, randomUUID());
    const fromDatabase = join(dir, `${schoolId}.gla`);
    const fromArchive = join(dir, `${schoolId}-from-archive.gla`);
    const exported = await run(['export', '--postgres', url, '--school', schoolId, '--schema', schema, '--out', fromDatabase, '--actor', 'auditor-01', '--role', 'auditor', '--key-file', key, '--json']);
    expect(exported.err).toEqual([]);
    expect(exported.code).toBe(0);
    const { manifest, recorded } = JSON.parse(exported.out.join('\n')) as { manifest: { eventCount: number; finalDigest: string }; recorded: { type: string; metadata: { eventId: string } } };
    expect(manifest.eventCount).toBe(eventCount);
    // The same history, the same key: the same bytes as the export of the archive itself.
    expect((await run(['export', '--from', archive, '--out', fromArchive, '--actor', 'auditor-01', '--role', 'auditor', '--key-file', key])).code).toBe(0);
    expect(await readFile(fromDatabase, 'utf8')).toBe(await readFile(fromArchive, 'utf8'));
    expect((await run(['verify', fromDatabase, '--expect-digest', manifest.finalDigest])).code).toBe(0);
    // Recorded in the school's ledger: the next export holds it.
    const { rows } = await (pool as pg.Pool).query<{ event_id: string }>(`SELECT event_id FROM ${schema}.events WHERE school_id = $1 AND stream_id = 'audit-exports'`, [schoolId]);
    expect(rows.map((r) => r.event_id)).toEqual([recorded.metadata.eventId]);
    const again = await run(['export', '--postgres', url, '--school', schoolId, '--schema', schema, '--out', join(dir, `${schoolId}-again.gla`), '--actor', 'auditor-01', '--role', 'auditor', '--key-file', key, '--json']);
    expect((JSON.parse(again.out.join('\n')) as { manifest: { eventCount: number } }).manifest.eventCount).toBe(eventCount + 1);
  }, 60_000);

  it('a server that cannot be reached is an input/output error (exit 3) and writes no file; --from with --postgres is a usage error (exit 2)', async () => {
    const key = join(dir, 'other.key');
    await writeFile(key, randomUUID());
    const out = join(dir, 'unreachable.gla');
    const unreachable = await run(['export', '--postgres', 'postgres://nobody:secret@127.0.0.1:1/none', '--school', 'school-x', '--out', out, '--actor', 'auditor-01', '--role', 'auditor', '--key-file', key]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.err.join('\n')).toMatch(/cannot be read.*nothing was exported/);
    await expect(readFile(out)).rejects.toThrow();
    expect((await run(['export', '--from', archive, '--postgres', (server as TestPostgres).url, '--school', 'school-x', '--out', out, '--actor', 'auditor-01', '--role', 'auditor', '--key-file', key])).code).toBe(2);
    expect((await run(['export', '--postgres', (server as TestPostgres).url, '--out', out, '--actor', 'auditor-01', '--role', 'auditor', '--key-file', key])).code).toBe(2);
    expect((await run(['export', '--from', archive, '--school', 'school-x', '--out', out, '--actor', 'auditor-01', '--role', 'auditor', '--key-file', key])).code).toBe(2);
    await expect(readFile(out)).rejects.toThrow();
  }, 60_000);
});
