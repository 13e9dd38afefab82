export * from './primitives';
export * from './classHistory';
export * from './invalidCommand';
