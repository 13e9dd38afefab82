export * from './policy';
export * from './facts';
export * from './accessDay';
export * from './personalData';
export * from './accessTrail';
