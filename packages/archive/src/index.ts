/**
 * @grade-ledger/archive: deterministic, hash-chained archives of the ledger (canonical JSON
 * lines), streamed export and import, verification (chain, schema, domain, grades),
 * pseudonymization, and OneRoster 1.2 CSV / Ed-Fi attendance interchange. The Node I/O of the
 * ledger lives here; the core stays pure.
 */
export * from './canonicalJson';
export * from './format';
export * from './pseudonymize';
export * from './writer';
export * from './lines';
export * from './readArchive';
export * from './domain';
export * from './verify';
export * from './eventIdSet';
export * from './importArchive';
export * from './exportArchive';
export * from './files';
export * from './oneroster';
export * from './reexport';
