export * from './asOf';
export * from './replay';
