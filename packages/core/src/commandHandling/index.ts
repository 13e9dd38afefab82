export * from './command';
export * from './commandHandler';
