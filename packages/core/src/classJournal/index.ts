export * from './calendarOf';
export * from './commands';
export * from './decider';
export { periodMarksOf } from './decide';
export * from './errors';
export * from './journalRules';
export * from './state';
export * from './journalRulesFromRuleSets';
export * from './marksInForce';
