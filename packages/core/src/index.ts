/**
 * @grade-ledger/core: the pure core of grade-ledger. No I/O, no clock, no randomness: ids and
 * time come in as arguments, storage through the {@link EventStore} port.
 */
export * from './primitives/ids';
export * from './primitives/instant';
export * from './primitives/localDate';
export * from './primitives/text';
export * from './events';
export * from './decider';
export * from './eventStore';
export * from './commandHandling';
export * from './schoolYear';
export * from './classJournal';
