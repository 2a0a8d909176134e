import { createRouter } from '../../../platform/http/router.ts';

/** A signed-in user's saved listings. */
export const favoriteRoutes = createRouter();
