import { createRoute } from '@hono/zod-openapi';
import { pageOf } from '../../../platform/core/paging.ts';
import { problems } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { ListingSummary } from '../schemas.ts';
import { searchListings } from '../search.ts';
import { SearchQuery } from '../search-query.ts';

/** GET /listings: what anyone browsing or searching the market calls. */
export const searchRoutes = createRouter();

searchRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/listings',
    tags: ['Listings'],
    summary: 'Search listings on the market',
    description:
      'Active listings (and those under offer), filtered, in a map box or around a point, ' +
      'matched by words. Featured listings come first in every order; pages stay stable in ' +
      'every order. An unknown parameter or value is a 400 naming it.',
    request: { query: SearchQuery },
    responses: {
      200: {
        description: 'A page of listings, each with its primary photo',
        content: { 'application/json': { schema: pageOf(ListingSummary, 'ListingPage') } },
      },
      ...problems(400),
    },
  }),
  async (c) => c.json(await searchListings(c.get('ctx'), c.req.valid('query')), 200),
);
