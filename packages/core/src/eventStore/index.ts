export * from './appendChecks';
export * from './errors';
export * from './eventStore';
export * from './inMemoryEventStore';
export * from './subscriptions';
