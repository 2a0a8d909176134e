import { createRouter } from '../../../platform/http/router.ts';

export const statsRoutes = createRouter();
