export * from './deciderSpecification';
export * from './events';
