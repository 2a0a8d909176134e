import type { Module } from '../../platform/module.ts';
import { reviewPermissions } from './permissions.ts';
import { reviewPhotoHolder } from './photos.ts';
import { reviewRoutes } from './routes/reviews.ts';

/** Verified-purchase reviews of products, with photos, replies, votes, reports and moderation. */
export const reviewsModule: Module = {
  name: 'reviews',
  routes: reviewRoutes,
  permissions: reviewPermissions,
  imageHolders: [reviewPhotoHolder],
};
