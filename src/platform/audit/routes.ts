import { createRouter } from '../http/router.ts';

export const auditRoutes = createRouter();
