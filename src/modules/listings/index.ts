import type { Module } from '../../platform/module.ts';
import { listingPermissions } from './permissions.ts';
import { listingPhotoHolder } from './photos.ts';
import { routes } from './routes/index.ts';
import { listingSchedules } from './schedules.ts';
import { seedDemoListings } from './seed.ts';

export { activeListingCount, publicListingsOf } from './by-owner.ts';
export { ListingSummary } from './schemas.ts';
export type { ListingSummaryView } from './views.ts';

/**
 * Properties and vehicles for sale or rent: listings, photos, search, favorites, inquiries,
 * moderation, expiry and features, saved searches.
 */
export const listingsModule: Module = {
  name: 'listings',
  routes,
  permissions: listingPermissions,
  seed: seedDemoListings,
  imageHolders: [listingPhotoHolder],
  schedules: listingSchedules,
};
