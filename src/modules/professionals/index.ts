import type { Module } from '../../platform/module.ts';
import { professionalPermissions } from './permissions.ts';
import { routes } from './routes/index.ts';

/** Agents' and brokers' public profiles, and the KYC check that makes them verified. */
export const professionalsModule: Module = {
  name: 'professionals',
  routes,
  permissions: professionalPermissions,
};
