import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { listFavorites, removeFavorite, saveFavorite } from '../favorites.ts';
import { FavoriteItem } from '../schemas.ts';

/** A signed-in user's saved listings. */
export const favoriteRoutes = createRouter();

const tags = ['Favorites'];

const FavoriteParams = z.object({
  listingId: z.uuid().openapi({ param: { name: 'listingId', in: 'path' } }),
});

favoriteRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/favorites/{listingId}',
    tags,
    summary: 'Save a listing',
    description:
      'Any listing the caller may see. Saving it again changes nothing: it keeps its first ' +
      '`savedAt`.',
    ...signedIn,
    request: { params: FavoriteParams },
    responses: { 204: { description: 'Saved' }, ...problems(404) },
  }),
  async (c) => {
    await saveFavorite(c.get('ctx'), c.req.valid('param').listingId);
    return c.body(null, 204);
  },
);

favoriteRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/favorites/{listingId}',
    tags,
    summary: 'Forget a saved listing',
    description: 'Harmless when the listing was not saved.',
    ...signedIn,
    request: { params: FavoriteParams },
    responses: { 204: { description: 'Not saved (any more)' } },
  }),
  async (c) => {
    await removeFavorite(c.get('ctx'), c.req.valid('param').listingId);
    return c.body(null, 204);
  },
);

favoriteRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/favorites',
    tags,
    summary: "The caller's saved listings, most recently saved first",
    description:
      'A listing that has left the market since (sold, rented, expired, archived, back to ' +
      'draft) stays in the list with `available: false`.',
    ...signedIn,
    request: { query: PageQuery },
    responses: {
      200: {
        description: 'A page of favorites',
        content: { 'application/json': { schema: pageOf(FavoriteItem, 'FavoritePage') } },
      },
    },
  }),
  async (c) => c.json(await listFavorites(c.get('ctx'), c.req.valid('query')), 200),
);
