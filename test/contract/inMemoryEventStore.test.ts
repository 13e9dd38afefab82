import { inMemoryCheckpointStore, inMemoryEventStore } from '@grade-ledger/core';
import { eventStoreContract } from './eventStoreContract';

// The embedded store: a fresh one per test, with in-memory checkpoints.
eventStoreContract('in-memory', async () => ({ store: inMemoryEventStore(), checkpoints: inMemoryCheckpointStore() }));
