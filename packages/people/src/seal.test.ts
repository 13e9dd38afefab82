import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it } from 'vitest';
import { fileKeyStore, inMemoryKeyStore, type KeyStore } from './keyStore';
import { pseudonymOf } from './pseudonym';
import type { PersonalRecord } from './record';
import { fileRecordStore, inMemoryRecordStore, type RecordStore } from './recordStore';
import { dataKey, generateDataKey, seal, unseal } from './seal';

export const arbRecord = (personId: fc.Arbitrary<string> = fc.stringMatching(/^pupil-[0-9a-z]{1,8}$/)): fc.Arbitrary<PersonalRecord> =>
  fc.record({
    personId,
    kind: fc.constantFrom('pupil' as const, 'parent' as const, 'staff' as const),
    name: fc.record({ family: fc.constantFrom('Садыкова', 'Ахметов', 'Smith'), given: fc.constantFrom('Айгерим', 'Ерлан', 'Анна') }),
    nationalId: fc.stringMatching(/^\d{12}$/),
    birthDate: fc.constantFrom('2010-04-17', '2012-12-01', '1985-06-30'),
    contacts: fc.array(fc.record({ kind: fc.constantFrom('phone' as const, 'email' as const, 'address' as const), value: fc.constantFrom('+7 701 000 00 00', 'a@example.kz', 'Алматы, ул. Абая 1') }), { maxLength: 2 }),
    family: fc.array(fc.constantFrom('parent-1', 'parent-2', 'pupil-9'), { maxLength: 2 }),
  });

describe('seal / unseal (AES-256-GCM, one key per person)', () => {
  it('round-trips any record; every encryption has a fresh IV', () => {
    fc.assert(
      fc.property(arbRecord(), (record) => {
        const key = generateDataKey(record.personId);
        const a = seal(record, key);
        const b = seal(record, key);
        expect(unseal(a, key)).toEqual(E.right(record));
        expect(a.iv).not.toBe(b.iv);
        expect(a.ciphertext).not.toBe(b.ciphertext);
        expect(JSON.stringify(a)).not.toContain(record.nationalId);
      }),
      { numRuns: 50 },
    );
  });

  it('fails for another key, an altered byte, or the record moved under another person id (the id is authenticated)', () => {
    fc.assert(
      fc.property(arbRecord(), fc.nat(), (record, where) => {
        const key = generateDataKey(record.personId);
        const sealed = seal(record, key);
        const other = dataKey(record.personId, key.keyId, generateDataKey(record.personId).material);
        expect(unseal(sealed, other)).toMatchObject({ left: { kind: 'DecryptionFailed', personId: record.personId } });
        const bytes = Buffer.from(sealed.ciphertext, 'base64');
        bytes[where % bytes.length] = (bytes[where % bytes.length] ?? 0) ^ 1;
        expect(E.isLeft(unseal({ ...sealed, ciphertext: bytes.toString('base64') }, key))).toBe(true);
        const moved = dataKey('pupil-other', key.keyId, key.material);
        expect(E.isLeft(unseal({ ...sealed, personId: 'pupil-other' }, moved))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('never shows key material in JSON or console output', () => {
    const key = generateDataKey('pupil-1');
    const material = key.material.toString('base64');
    expect(JSON.stringify(key)).not.toContain(material);
    expect(inspect(key, { depth: 5 })).not.toContain(material);
    expect(key.material.length).toBe(32);
  });
});

describe('pseudonymOf', () => {
  it('is a stable function of the id, 8 hex digits; keyed with a secret it differs', () => {
    expect(pseudonymOf('pupil-0001', { kind: 'pupil' })).toMatch(/^pupil [0-9a-f]{8}$/);
    expect(pseudonymOf('pupil-0001', { kind: 'pupil' })).toBe(pseudonymOf('pupil-0001', { kind: 'pupil' }));
    expect(pseudonymOf('pupil-0001')).not.toBe(pseudonymOf('pupil-0002'));
    expect(pseudonymOf('pupil-0001', { secret: Buffer.from('school secret') })).not.toBe(pseudonymOf('pupil-0001'));
  });
});

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'grade-ledger-people-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const keyStores: ReadonlyArray<readonly [string, () => Promise<{ store: KeyStore; reopen: () => KeyStore; dir?: string }>]> = [
  ['in memory', async () => { const store = inMemoryKeyStore(); return { store, reopen: () => store }; }],
  ['file', async () => { const dir = await tempDir(); return { store: fileKeyStore(dir), reopen: () => fileKeyStore(dir), dir }; }],
];

describe.each(keyStores)('key store (%s)', (_name, make) => {
  it('keeps one key per person, destroys it for good, and refuses a new one after', async () => {
    const { store, reopen, dir } = await make();
    const key = generateDataKey('pupil:1');
    expect(await store.put(key)).toEqual(E.right(undefined));
    expect(await store.put(generateDataKey('pupil:1'))).toMatchObject({ left: { kind: 'KeyAlreadyExists', keyId: key.keyId } });
    const found = await reopen().get('pupil:1');
    expect(E.isRight(found) && found.right.status === 'present' && found.right.key.material.equals(key.material)).toBe(true);
    expect(await store.get('pupil:2')).toEqual(E.right({ status: 'missing', personId: 'pupil:2' }));
    expect(await store.destroy('pupil:1')).toEqual(E.right({ destroyed: true }));
    expect(await reopen().get('pupil:1')).toEqual(E.right({ status: 'destroyed', personId: 'pupil:1' }));
    expect(await store.destroy('pupil:1')).toEqual(E.right({ destroyed: false }));
    expect(await reopen().put(generateDataKey('pupil:1'))).toMatchObject({ left: { kind: 'KeyDestroyed', personId: 'pupil:1' } });
    if (dir !== undefined) {
      const files = await readdir(dir);
      expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const text = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
      expect(text).not.toContain(key.material.toString('base64'));
    }
  });

  it('gives many keys at once as get gives each: present, destroyed, missing', async () => {
    const { store, reopen } = await make();
    const keys = Array.from({ length: 150 }, (_, i) => generateDataKey(`pupil:${i}`));
    for (const key of keys) expect(await store.put(key)).toEqual(E.right(undefined));
    expect(await store.destroy('pupil:7')).toEqual(E.right({ destroyed: true }));
    const asked = [...keys.map((k) => k.personId), 'pupil:missing'];
    const many = await reopen().getMany(asked);
    if (E.isLeft(many)) throw new Error(many.left.message);
    expect([...many.right.keys()]).toEqual(asked);
    for (const personId of asked) {
      const one = await reopen().get(personId);
      if (E.isLeft(one)) throw new Error(one.left.message);
      const got = many.right.get(personId);
      expect(got?.status).toBe(one.right.status);
      if (got?.status === 'present' && one.right.status === 'present') expect([got.key.keyId, got.key.material.toString('hex')]).toEqual([one.right.key.keyId, one.right.key.material.toString('hex')]);
    }
    expect(many.right.get('pupil:7')).toEqual({ status: 'destroyed', personId: 'pupil:7' });
    expect(many.right.get('pupil:missing')).toEqual({ status: 'missing', personId: 'pupil:missing' });
  });
});

const recordStores: ReadonlyArray<readonly [string, () => Promise<{ store: RecordStore; reopen: () => RecordStore }>]> = [
  ['in memory', async () => { const store = inMemoryRecordStore(); return { store, reopen: () => store }; }],
  ['file', async () => { const dir = await tempDir(); return { store: fileRecordStore(dir), reopen: () => fileRecordStore(dir) }; }],
];

describe.each(recordStores)('record store (%s)', (_name, make) => {
  it('keeps sealed records and their status by person', async () => {
    const { store, reopen } = await make();
    const record: PersonalRecord = { personId: 'pupil:7', kind: 'pupil', name: { family: 'Ахметов', given: 'Ерлан' }, nationalId: '100417500123', birthDate: '2010-04-17', contacts: [], family: [] };
    const key = generateDataKey(record.personId);
    const person = { personId: record.personId, kind: 'pupil' as const, status: 'active' as const, sealed: seal(record, key), remainder: null };
    expect(await store.put(person)).toEqual(E.right(undefined));
    const read = await reopen().get('pupil:7');
    expect(read).toEqual(E.right(person));
    expect(E.isRight(read) && read.right?.sealed != null && unseal(read.right.sealed, key)).toEqual(E.right(record));
    expect(await reopen().personIds()).toEqual(E.right(['pupil:7']));
    expect(await store.get('nobody')).toEqual(E.right(undefined));
  });
});
