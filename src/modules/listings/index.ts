import { createRouter } from '../../platform/http/router.ts';
import type { Module } from '../../platform/module.ts';
import { registerPhotoJobs, subscribePhotoEvents } from './photos.ts';
import { favoriteRoutes } from './routes/favorites.ts';
import { inquiryRoutes } from './routes/inquiries.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { listingRoutes } from './routes/listings.ts';
import { moderationRoutes } from './routes/moderation.ts';
import { photoRoutes } from './routes/photos.ts';
import { reportRoutes } from './routes/reports.ts';
import { savedSearchRoutes } from './routes/saved-searches.ts';
import { searchRoutes } from './routes/search.ts';
import { similarRoutes } from './routes/similar.ts';
import { statsRoutes } from './routes/stats.ts';
import { listingSchedules } from './schedules.ts';
import { seedDemoListings } from './seed.ts';

export { activeListingCount, publicListingsOf } from './by-owner.ts';
/** The four demo cities: other modules' demo data is set in them too. */
export { CITIES, type City, minorUnits } from './generate/cities.ts';
export { ListingSummary } from './schemas.ts';
export type { ListingSummaryView } from './views.ts';

const routes = createRouter();
// Search and similar before the id routes: /listings/{id}/similar must not be read as one.
for (const part of [
  searchRoutes,
  similarRoutes,
  listingRoutes,
  photoRoutes,
  favoriteRoutes,
  inquiryRoutes,
  statsRoutes,
  lifecycleRoutes,
  reportRoutes,
  moderationRoutes,
  savedSearchRoutes,
]) {
  routes.route('/', part);
}

/**
 * Properties and vehicles for sale or rent: listings, photos, search, favorites, inquiries,
 * moderation, expiry and features, saved searches.
 */
export const listingsModule: Module = {
  name: 'listings',
  routes,
  seed: seedDemoListings,
  subscribe: subscribePhotoEvents,
  registerJobs: registerPhotoJobs,
  schedules: listingSchedules,
};
