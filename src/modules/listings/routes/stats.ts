import { createRoute } from '@hono/zod-openapi';
import { problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { ListingStats, listingStats, MAX_STATS_DAYS, StatsQuery } from '../stats.ts';
import { ListingParams } from './listings.ts';

/** A lister's statistics for one of their listings. */
export const statsRoutes = createRouter();

statsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/me/listings/{id}/stats',
    tags: ['Listings'],
    summary: 'Views per day, favorites and inquiries of one of the caller’s listings',
    description:
      'For its owner (and admins). A view is counted once per viewer and UTC day, never the ' +
      `owner's own. The range is at most ${MAX_STATS_DAYS} days; by default the last 30 days.`,
    ...signedIn,
    request: { params: ListingParams, query: StatsQuery },
    responses: {
      200: {
        description: 'The statistics',
        content: { 'application/json': { schema: ListingStats } },
      },
      ...problems(404, 422),
    },
  }),
  async (c) =>
    c.json(await listingStats(c.get('ctx'), c.req.valid('param').id, c.req.valid('query')), 200),
);
