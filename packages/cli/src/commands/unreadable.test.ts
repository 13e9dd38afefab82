import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../index';

// A file the process may not read (tests may run as root, for whom chmod 000 changes nothing): access(R_OK) refuses it.
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    access: async (path: string, mode?: number) =>
      String(path).endsWith('locked.gla') ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, access '${path}'`), { code: 'EACCES' })) : fs.access(path, mode),
  };
});

let dir: string;
let locked: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grade-ledger-locked-'));
  locked = join(dir, 'locked.gla');
  await writeFile(locked, 'not an archive\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = async (argv: ReadonlyArray<string>) => {
  const err: string[] = [];
  const code = await runCli(argv, { out: () => undefined, err: (line) => err.push(line) });
  return { code, err: err.join('\n') };
};

describe('an archive the process may not read', () => {
  it('is an input/output error (exit 3, permission denied) for every command that reads one, not a finding', async () => {
    for (const argv of [['verify', locked], ['import', locked], ['replay', locked], ['report-card', locked, '--pupil', 'p-1'], ['oneroster', locked, '--out', join(dir, 'or')], ['audit', '--from', '2025-03-01', '--to', '2025-03-31', '--archive', locked]]) {
      const { code, err } = await run(argv);
      expect([argv[0], code]).toEqual([argv[0], 3]);
      expect(err).toContain('(permission denied)');
    }
    const exported = await run(['export', '--from', locked, '--out', join(dir, 'out.gla'), '--actor', 'a1', '--identified', '--purpose', 'x']);
    expect([exported.code, exported.err]).toEqual([3, expect.stringContaining('(permission denied)')]);
  });
});
