export * from './audit.ts';
export * from './tables.ts';
