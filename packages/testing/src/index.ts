export * from './specification';
export * from './school';
export * from './arbitraries';
export * from './workload';
