/**
 * @grade-ledger/core: the pure core of grade-ledger. No I/O, no clock, no randomness: ids and
 * time come in as arguments, storage through the {@link EventStore} port.
 */
export * from './primitives/ids';
export * from './primitives/instant';
export * from './primitives/localDate';
export * from './primitives/text';
export * as Rational from './primitives/rational';
export type { Rational as RationalNumber, RoundingMode } from './primitives/rational';
export * from './rules';
export * from './events';
export * from './decider';
export * from './eventStore';
export * from './commandHandling';
export * from './schoolYear';
export * from './classJournal';
export * from './projections';
export * from './access';
export * from './replay';
