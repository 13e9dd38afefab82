import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventStoreDbCheckpointStore, eventStoreDbEventStore } from '@grade-ledger/eventstoredb';
import { eventFactory } from './events';
import { eventStoreContract } from './eventStoreContract';

/*
 * The contract on a real EventStoreDB / KurrentDB, only where one is given:
 *   GRADE_LEDGER_ESDB_URL=esdb://127.0.0.1:2113?tls=false npx vitest run test/contract
 * No fake server stands in for it. Without the variable, only the adapter's behaviour with no
 * server reachable is checked here (the translation layer has its own unit tests).
 */
const url = process.env.GRADE_LEDGER_ESDB_URL;

if (url !== undefined && url !== '') {
  // A fresh school per run: the server may hold anything, including earlier runs' events.
  const schoolId = `school-${randomUUID()}`;
  const otherSchoolId = `school-${randomUUID()}`;
  eventStoreContract(
    'EventStoreDB',
    async () => {
      const store = eventStoreDbEventStore({ connectionString: url, schoolId });
      const other = eventStoreDbEventStore({ client: store.client, schoolId: otherSchoolId });
      return {
        store,
        checkpoints: eventStoreDbCheckpointStore({ client: store.client, schoolId }),
        otherSchool: other,
        teardown: () => store.close(),
      };
    },
    { schools: true },
  );
} else {
  describe('EventStoreDB store without a server (GRADE_LEDGER_ESDB_URL is not set)', () => {
    it('reports StoreUnavailable for every operation when no server answers, and writes nothing anywhere', async () => {
      // A port nothing listens on: the real client, failing fast.
      const store = eventStoreDbEventStore({ connectionString: 'esdb://127.0.0.1:1?tls=false&defaultDeadline=2000&keepAliveInterval=-1', schoolId: 'school-1' });
      const f = eventFactory();
      try {
        const appended = await store.appendToStream(f.streamId('s'), f.batch(2), { expectedRevision: 'any' });
        expect(appended).toMatchObject({ _tag: 'Left', left: { kind: 'StoreUnavailable' } });
        expect(appended._tag === 'Left' ? appended.left.message : '').toMatch(/EventStoreDB event store unavailable while appending 2 event\(s\)/);
        const read = await store.readStream(f.streamId('s'));
        expect(read).toMatchObject({ _tag: 'Left', left: { kind: 'StoreUnavailable' } });
        await expect(store.readAll()[Symbol.asyncIterator]().next()).rejects.toMatchObject({ kind: 'StoreUnavailable' });
      } finally {
        await store.close();
      }
    }, 30_000);
  });
}
