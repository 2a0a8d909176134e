import { createRouter } from '../../platform/http/router.ts';
import type { Module } from '../../platform/module.ts';
import { professionalRoutes } from './routes/professionals.ts';
import { verificationRoutes } from './routes/verifications.ts';

const routes = createRouter();
for (const part of [professionalRoutes, verificationRoutes]) routes.route('/', part);

/** Agents' and brokers' public profiles, and the KYC check that makes them verified. */
export const professionalsModule: Module = {
  name: 'professionals',
  routes,
};
