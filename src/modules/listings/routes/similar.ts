import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { ListingSummary } from '../schemas.ts';
import { similarListings } from '../similar.ts';
import { ListingParams } from './listings.ts';

/** GET /listings/{id}/similar: what else a buyer looking at a listing may like. */
export const similarRoutes = createRouter();

const SimilarQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(10)
    .openapi({ description: 'How many, 1 to 20.', example: 10 }),
});

similarRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/listings/{id}/similar',
    tags: ['Listings'],
    summary: 'Listings like this one',
    description:
      'Listings on the market of the same kind and purpose (and rent period), priced in the ' +
      'same currency within ±25%, in the same city or within 25 km; ranked by how close the ' +
      'price, the place and the attributes are (a property’s type, bedrooms and floor area; a ' +
      'vehicle’s make, model, year and mileage). The listing itself is never among them. ' +
      'Anyone may ask about a listing they may read.',
    request: { params: ListingParams, query: SimilarQuery },
    responses: {
      200: {
        description: 'The best matches first',
        content: {
          'application/json': {
            schema: z.object({ items: z.array(ListingSummary) }).openapi('SimilarListings'),
          },
        },
      },
      ...problems(404),
    },
  }),
  async (c) => {
    const items = await similarListings(
      c.get('ctx'),
      c.req.valid('param').id,
      c.req.valid('query').limit,
    );
    return c.json({ items }, 200);
  },
);
