export * from './auditTrail';
export * from './reportCard';
export { classIdOf } from './streams';
