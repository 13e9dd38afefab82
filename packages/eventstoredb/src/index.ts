/**
 * @grade-ledger/eventstoredb: the grade ledger's event store on EventStoreDB / KurrentDB
 * (@eventstore/db-client), behind the same port as the in-memory and PostgreSQL stores.
 * Verified against a real server only where one is given (GRADE_LEDGER_ESDB_URL).
 */
export {
  eventStoreDbCheckpointStore,
  eventStoreDbEventStore,
  type EventStoreDbEventStore,
  type EventStoreDbEventStoreOptions,
  type EventStoreDbTarget,
  type LedgerServerClient,
} from './eventStoreDbEventStore';
export * from './translation';
