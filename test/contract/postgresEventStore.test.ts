import { randomUUID } from 'node:crypto';
import { postgresCheckpointStore, postgresEventStore } from '@grade-ledger/postgres';
import { postgresPoolForTests } from '../postgres/pool';
import { eventStoreContract } from './eventStoreContract';

// The contract on a real PostgreSQL: embedded, or the server in GRADE_LEDGER_POSTGRES_URL.
const poolOf = postgresPoolForTests(12);

// One school for the whole file (the contract runs on a shared, non-empty store), another for isolation.
const schoolId = `school-${randomUUID()}`;
const otherSchoolId = `school-${randomUUID()}`;

eventStoreContract(
  'PostgreSQL',
  async () => ({
    store: postgresEventStore({ pool: poolOf(), schoolId }),
    checkpoints: postgresCheckpointStore({ pool: poolOf(), schoolId }),
    otherSchool: postgresEventStore({ pool: poolOf(), schoolId: otherSchoolId }),
  }),
  { schools: true },
);
