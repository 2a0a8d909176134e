import { createRouter } from '../../platform/http/router.ts';
import type { Module } from '../../platform/module.ts';
import { favoriteRoutes } from './routes/favorites.ts';
import { listingRoutes } from './routes/listings.ts';
import { photoRoutes } from './routes/photos.ts';
import { searchRoutes } from './routes/search.ts';

const routes = createRouter();
// Search first: its GET /listings/{id}/similar must not be read as a listing id route.
for (const part of [searchRoutes, listingRoutes, photoRoutes, favoriteRoutes]) {
  routes.route('/', part);
}

/** Properties and vehicles for sale or rent: listings, photos, search, favorites. */
export const listingsModule: Module = {
  name: 'listings',
  routes,
};
