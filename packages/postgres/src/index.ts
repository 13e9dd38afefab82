/**
 * @grade-ledger/postgres: the grade ledger's event store on PostgreSQL (node-postgres), one
 * school (tenant) per store, behind the same port as the in-memory store.
 */
export { postgresEventStore, type PostgresEventStore, type PostgresEventStoreOptions } from './postgresEventStore';
export { postgresCheckpointStore, type PostgresCheckpointStore } from './checkpointStore';
export type { PostgresConnection, PostgresTarget } from './connection';
export { isStoreUnavailable, type StoreUnavailableError } from './errors';
export { checkSchemaName, DEFAULT_SCHEMA, EVENT_PARTITIONS, migrate, migrations, runMigrations, type Migration } from './schema';
export {
  importArchiveWithCopy,
  type CopyImportError,
  type CopyImportOptions,
  type CopyImportSummary,
} from './importArchive';
