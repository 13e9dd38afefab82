import { randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import {
  dataKey,
  generateDataKey,
  inMemoryKeyStore,
  migratePersonKeys,
  personKeyMigrations,
  postgresKeyStore,
  seal,
  unseal,
  type DataKey,
  type KeyStore,
  type PersonalRecord,
} from '@grade-ledger/people';
import { postgresPoolForTests } from './pool';

/*
 * The PostgreSQL key store against a real PostgreSQL: the behaviour the in-memory and file key
 * stores have (packages/people/src/seal.test.ts), schools kept apart, concurrent put and
 * destroy, and a destroyed key's bytes gone from the table (and, after VACUUM FULL, from its file).
 */

const thePool = postgresPoolForTests(8);
const school = (): string => `school-${randomUUID()}`;
const keyStoreOf = (schoolId: string, schema?: string) => postgresKeyStore({ pool: thePool(), schoolId, ...(schema === undefined ? {} : { schema }) });

const record = (personId: string): PersonalRecord => ({
  personId,
  kind: 'pupil',
  name: { family: 'Садыкова', given: 'Айгерим' },
  nationalId: '100417500123',
  birthDate: '2010-04-17',
  contacts: [{ kind: 'phone', value: '+7 701 000 00 00' }],
  family: ['parent-1'],
});

const presentKey = (lookup: Awaited<ReturnType<KeyStore['get']>>): DataKey | undefined =>
  E.isRight(lookup) && lookup.right.status === 'present' ? lookup.right.key : undefined;

describe('PostgreSQL key store', () => {
  it('keeps one key per person, destroys it for good, and refuses a new one after (the in-memory and file stores’ test)', async () => {
    const schoolId = school();
    const store = keyStoreOf(schoolId);
    const reopen = () => keyStoreOf(schoolId);
    const key = generateDataKey('pupil:1');
    expect(await store.put(key)).toEqual(E.right(undefined));
    expect(await store.put(generateDataKey('pupil:1'))).toMatchObject({ left: { kind: 'KeyAlreadyExists', keyId: key.keyId } });
    const found = presentKey(await reopen().get('pupil:1'));
    expect(found?.keyId).toBe(key.keyId);
    expect(found?.material.equals(key.material)).toBe(true);
    expect(await store.get('pupil:2')).toEqual(E.right({ status: 'missing', personId: 'pupil:2' }));
    expect(await store.destroy('pupil:1')).toEqual(E.right({ destroyed: true }));
    expect(await reopen().get('pupil:1')).toEqual(E.right({ status: 'destroyed', personId: 'pupil:1' }));
    expect(await store.destroy('pupil:1')).toEqual(E.right({ destroyed: false }));
    expect(await reopen().put(generateDataKey('pupil:1'))).toMatchObject({ left: { kind: 'KeyDestroyed', personId: 'pupil:1' } });
    // Destroying a person who never had a key still leaves a tombstone.
    expect(await store.destroy('pupil:3')).toEqual(E.right({ destroyed: false }));
    expect(await store.put(generateDataKey('pupil:3'))).toMatchObject({ left: { kind: 'KeyDestroyed', personId: 'pupil:3' } });
  });

  it('answers every sequence of put, get and destroy as the in-memory store does', async () => {
    const personId = fc.constantFrom('pupil:1', 'pupil:2', 'parent:1');
    const operation = fc.oneof(
      fc.record({ op: fc.constant('put' as const), personId }),
      fc.record({ op: fc.constant('get' as const), personId }),
      fc.record({ op: fc.constant('destroy' as const), personId }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 12 }), async (operations) => {
        const model = inMemoryKeyStore();
        const store = keyStoreOf(school());
        for (const { op, personId } of operations) {
          if (op === 'put') {
            const key = generateDataKey(personId);
            expect(await store.put(key)).toEqual(await model.put(key));
          } else if (op === 'get') {
            const [real, expected] = [await store.get(personId), await model.get(personId)];
            expect(E.isRight(real) && real.right.status).toEqual(E.isRight(expected) && expected.right.status);
            expect(presentKey(real)?.material.toString('hex')).toEqual(presentKey(expected)?.material.toString('hex'));
            expect(presentKey(real)?.keyId).toEqual(presentKey(expected)?.keyId);
            // Many at once (one query) answers as get does, for every person asked.
            const asked = ['pupil:1', 'pupil:2', 'parent:1', personId];
            const [realMany, expectedMany] = [await store.getMany(asked), await model.getMany(asked)];
            if (E.isLeft(realMany) || E.isLeft(expectedMany)) throw new Error('getMany failed');
            for (const id of asked) {
              expect(realMany.right.get(id)?.status).toEqual(expectedMany.right.get(id)?.status);
              const [r, m] = [realMany.right.get(id), expectedMany.right.get(id)];
              expect(r?.status === 'present' ? r.key.material.toString('hex') : null).toEqual(m?.status === 'present' ? m.key.material.toString('hex') : null);
            }
          } else {
            expect(await store.destroy(personId)).toEqual(await model.destroy(personId));
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('keeps schools apart: the same person id has its own key, and its own destruction, in each school', async () => {
    const [a, b] = [keyStoreOf(school()), keyStoreOf(school())];
    const [keyA, keyB] = [generateDataKey('pupil:1'), generateDataKey('pupil:1')];
    expect(await a.put(keyA)).toEqual(E.right(undefined));
    expect(await b.get('pupil:1')).toEqual(E.right({ status: 'missing', personId: 'pupil:1' }));
    expect(await b.put(keyB)).toEqual(E.right(undefined));
    expect(presentKey(await a.get('pupil:1'))?.keyId).toBe(keyA.keyId);
    expect(presentKey(await b.get('pupil:1'))?.keyId).toBe(keyB.keyId);
    expect(await a.destroy('pupil:1')).toEqual(E.right({ destroyed: true }));
    expect(presentKey(await b.get('pupil:1'))?.material.equals(keyB.material)).toBe(true);
    expect(await a.get('pupil:1')).toEqual(E.right({ status: 'destroyed', personId: 'pupil:1' }));
  });

  it('a sealed record no longer opens once its key is destroyed', async () => {
    const store = keyStoreOf(school());
    await store.put(generateDataKey('pupil:7'));
    const key = presentKey(await store.get('pupil:7'));
    if (key === undefined) throw new Error('the key was not stored');
    const sealed = seal(record('pupil:7'), key);
    expect(unseal(sealed, key)).toEqual(E.right(record('pupil:7')));
    expect(await store.destroy('pupil:7')).toEqual(E.right({ destroyed: true }));
    const after = await store.get('pupil:7');
    expect(after).toEqual(E.right({ status: 'destroyed', personId: 'pupil:7' }));
    // Nothing the store gives back can open it; a fresh key for the person is refused, and would not open it either.
    const fresh = generateDataKey('pupil:7');
    expect(await store.put(fresh)).toMatchObject({ left: { kind: 'KeyDestroyed' } });
    expect(unseal(sealed, dataKey('pupil:7', sealed.keyId, fresh.material))).toMatchObject({ left: { kind: 'DecryptionFailed' } });
  });

  it('after destroy no row of the table holds the key bytes, and after VACUUM FULL neither does the table file', async () => {
    const schema = `keys_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const schoolId = school();
    const store = keyStoreOf(schoolId, schema);
    const key = generateDataKey('pupil:9');
    const other = generateDataKey('pupil:10');
    await store.put(key);
    await store.put(other);
    const holding = async (material: Buffer) => {
      const rows = await thePool().query<{ row: string }>(`SELECT t::text AS row FROM ${schema}.person_keys t`);
      return rows.rows.filter((r) => r.row.includes(material.toString('hex'))).length;
    };
    const inFile = async (material: Buffer): Promise<boolean> => {
      await thePool().query('CHECKPOINT');
      const { rows } = await thePool().query<{ found: boolean }>(
        `SELECT position($1::bytea IN pg_read_binary_file(pg_relation_filepath('${schema}.person_keys'))) > 0 AS found`,
        [material],
      );
      return rows[0]?.found === true;
    };
    expect(await holding(key.material)).toBe(1);
    expect(await store.destroy('pupil:9')).toEqual(E.right({ destroyed: true }));
    expect(await holding(key.material)).toBe(0);
    const { rows } = await thePool().query(`SELECT key_id, material, destroyed_at IS NOT NULL AS tombstone FROM ${schema}.person_keys WHERE school_id = $1 AND person_id = 'pupil:9'`, [schoolId]);
    expect(rows).toEqual([{ key_id: null, material: null, tombstone: true }]);
    // The old row version is still in the data file until VACUUM: why docs/personal-data.md asks for it.
    expect(await inFile(key.material)).toBe(true);
    await thePool().query(`VACUUM FULL ${schema}.person_keys`);
    expect(await inFile(key.material)).toBe(false);
    expect(await inFile(other.material)).toBe(true);
    expect(presentKey(await store.get('pupil:10'))?.material.equals(other.material)).toBe(true);
    await thePool().query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('put and destroy racing on one person: the put succeeds exactly when the destroy destroyed a key, and the key ends destroyed', async () => {
    const store = keyStoreOf(school());
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const personId = `pupil:${n}`;
        // Half the pairs issue the put first, half the destroy.
        const destroyFirst = n % 2 === 1 ? store.destroy(personId) : undefined;
        const putting = store.put(generateDataKey(personId));
        const [put, destroyed] = await Promise.all([putting, destroyFirst ?? store.destroy(personId)]);
        return { put, destroyed, after: await store.get(personId), personId };
      }),
    );
    for (const { put, destroyed, after, personId } of outcomes) {
      expect(after).toEqual(E.right({ status: 'destroyed', personId }));
      expect(E.isRight(destroyed)).toBe(true);
      expect(E.isRight(put)).toBe(E.isRight(destroyed) && destroyed.right.destroyed);
      if (E.isLeft(put)) expect(put.left.kind).toBe('KeyDestroyed');
    }
  });

  it('a destroy that meets another process’s put still uncommitted waits for it, then destroys that key', async () => {
    const schoolId = school();
    const store = keyStoreOf(schoolId);
    await store.ready();
    const key = generateDataKey('pupil:5');
    // Another process's put, in a transaction that has not committed yet when the destroy starts.
    const other = await thePool().connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO grade_ledger.person_keys (school_id, person_id, key_id, material) VALUES ($1, 'pupil:5', $2, $3)`, [schoolId, key.keyId, key.material]);
      const destroying = store.destroy('pupil:5');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await other.query('COMMIT');
      expect(await destroying).toEqual(E.right({ destroyed: true }));
    } finally {
      other.release();
    }
    expect(await store.get('pupil:5')).toEqual(E.right({ status: 'destroyed', personId: 'pupil:5' }));
  });

  it('creates its table once, whatever the number of processes starting at once; a store on a new schema migrates itself', async () => {
    const schema = `keys_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const applied = await Promise.all([migratePersonKeys(thePool(), schema), migratePersonKeys(thePool(), schema), migratePersonKeys(thePool(), schema)]);
    expect(applied.flat()).toEqual(personKeyMigrations.map((m) => m.version));
    expect(await migratePersonKeys(thePool(), schema)).toEqual([]);
    const { rows } = await thePool().query<{ version: number }>(`SELECT version FROM ${schema}.person_key_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(personKeyMigrations.map((m) => m.version));
    await thePool().query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('refuses a bad school id or schema name, and reports an unreachable server as KeyStoreUnavailable', async () => {
    expect(() => postgresKeyStore({ pool: thePool(), schoolId: 'school 1' })).toThrow(/schoolId: "school 1"/);
    expect(() => postgresKeyStore({ pool: thePool(), schoolId: 'school-1', schema: 'Grade; DROP' })).toThrow(/schema: "Grade; DROP"/);
    const unreachable = postgresKeyStore({ connectionString: 'postgres://nobody:nothing@127.0.0.1:1/none', schoolId: 'school-1' });
    const result = await unreachable.get('pupil:1');
    await unreachable.close();
    expect(result).toMatchObject({ left: { kind: 'KeyStoreUnavailable', message: expect.stringMatching(/^key store: reading the key of pupil:1 failed/) } });
  });
});
