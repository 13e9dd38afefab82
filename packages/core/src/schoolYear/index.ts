export * from './schoolYear';
