import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import {
  deleteSavedSearch,
  listSavedSearches,
  SavedSearch,
  SavedSearchCreate,
  saveSearch,
} from '../saved-searches.ts';

/** A signed-in user's saved searches, matched against new listings by a scheduled job. */
export const savedSearchRoutes = createRouter();

const tags = ['Saved searches'];

const SavedSearchParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

savedSearchRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/saved-searches',
    tags,
    summary: 'Save a search',
    description:
      'The filters of GET /listings, a name, and how often to be told of new matches. Listings ' +
      'published from now on that match raise `saved_search.matched`, once per listing; the ' +
      "caller's own listings never do. At most 50 per user: 422 `too-many-saved-searches`.",
    ...signedIn,
    request: { body: jsonBody(SavedSearchCreate) },
    responses: {
      201: {
        description: 'The saved search',
        content: { 'application/json': { schema: SavedSearch } },
      },
      ...problems(422),
    },
  }),
  async (c) => c.json(await saveSearch(c.get('ctx'), c.req.valid('json')), 201),
);

savedSearchRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/saved-searches',
    tags,
    summary: "The caller's saved searches, newest first",
    ...signedIn,
    request: { query: PageQuery },
    responses: {
      200: {
        description: 'A page of saved searches',
        content: { 'application/json': { schema: pageOf(SavedSearch, 'SavedSearchPage') } },
      },
    },
  }),
  async (c) => c.json(await listSavedSearches(c.get('ctx'), c.req.valid('query')), 200),
);

savedSearchRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/saved-searches/{id}',
    tags,
    summary: 'Delete a saved search',
    description: 'Its alerts stop. Another user’s saved search is not found.',
    ...signedIn,
    request: { params: SavedSearchParams },
    responses: { 204: { description: 'Deleted' }, ...problems(404) },
  }),
  async (c) => {
    await deleteSavedSearch(c.get('ctx'), c.req.valid('param').id);
    return c.body(null, 204);
  },
);
