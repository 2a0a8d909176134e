import { joinRoutes } from '../../../platform/http/router.ts';
import { professionalRoutes } from './professionals.ts';
import { verificationRoutes } from './verifications.ts';

export const routes = joinRoutes(professionalRoutes, verificationRoutes);
