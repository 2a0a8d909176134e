import { createRouter } from '../../platform/http/router.ts';
import type { Module } from '../../platform/module.ts';
import { registerPhotoJobs, subscribePhotoEvents } from './photos.ts';
import { favoriteRoutes } from './routes/favorites.ts';
import { listingRoutes } from './routes/listings.ts';
import { photoRoutes } from './routes/photos.ts';
import { searchRoutes } from './routes/search.ts';
import { similarRoutes } from './routes/similar.ts';
import { seedDemoListings } from './seed.ts';

const routes = createRouter();
// Search and similar before the id routes: /listings/{id}/similar must not be read as one.
for (const part of [searchRoutes, similarRoutes, listingRoutes, photoRoutes, favoriteRoutes]) {
  routes.route('/', part);
}

/** Properties and vehicles for sale or rent: listings, photos, search, favorites. */
export const listingsModule: Module = {
  name: 'listings',
  routes,
  seed: seedDemoListings,
  subscribe: subscribePhotoEvents,
  registerJobs: registerPhotoJobs,
};
