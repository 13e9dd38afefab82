export * from './decider';
export * from './commandType';
