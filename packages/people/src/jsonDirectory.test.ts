import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fileKeyStore } from './keyStore';
import { generateDataKey } from './seal';

// The final rename of a write fails while `failRenames` is set (a full disk, an I/O error, a file-system gone read-only).
let failRenames = false;
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return { ...fs, rename: async (from: string, to: string) => (failRenames ? Promise.reject(Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' })) : fs.rename(from, to)) };
});

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('file key store', () => {
  it('leaves no copy of a key behind when storing it fails half-way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'grade-ledger-keys-'));
    dirs.push(dir);
    const key = generateDataKey('pupil:3');
    failRenames = true;
    try {
      expect(await fileKeyStore(dir).put(key)).toMatchObject({ left: { kind: 'KeyStoreUnavailable' } });
    } finally {
      failRenames = false;
    }
    const files = await readdir(dir);
    const text = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
    expect(files).toEqual([]);
    expect(text).not.toContain(key.material.toString('base64'));
    // Nothing stored: the key can be stored once the disk is back.
    expect(await fileKeyStore(dir).put(key)).toEqual(E.right(undefined));
  });
});
