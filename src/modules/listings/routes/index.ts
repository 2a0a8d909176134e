import { joinRoutes } from '../../../platform/http/router.ts';
import { favoriteRoutes } from './favorites.ts';
import { inquiryRoutes } from './inquiries.ts';
import { lifecycleRoutes } from './lifecycle.ts';
import { listingRoutes } from './listings.ts';
import { moderationRoutes } from './moderation.ts';
import { photoRoutes } from './photos.ts';
import { reportRoutes } from './reports.ts';
import { savedSearchRoutes } from './saved-searches.ts';
import { searchRoutes } from './search.ts';
import { similarRoutes } from './similar.ts';
import { statsRoutes } from './stats.ts';

// Search and similar before the id routes: /listings/{id}/similar must not be read as one.
export const routes = joinRoutes(
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
);
