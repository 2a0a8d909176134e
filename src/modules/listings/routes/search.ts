import { createRouter } from '../../../platform/http/router.ts';

/** GET /listings (filters, map and text search) and GET /listings/{id}/similar. */
export const searchRoutes = createRouter();
