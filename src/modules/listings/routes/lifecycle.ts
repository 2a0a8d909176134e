import { createRoute, z } from '@hono/zod-openapi';
import { requirePermission } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { endFeature, extendFeature, renewListing } from '../lifecycle.ts';
import { ListingParams, listingResponse } from './listings.ts';

/** How long a listing stays on the market (renewal) and on top of it (features). */
export const lifecycleRoutes = createRouter();

const adminTags = ['Admin: listings'];

lifecycleRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/listings/{id}/renew',
    tags: ['Listings'],
    summary: 'Keep a listing on the market for another period',
    description:
      'By its owner or an admin. A listing on the market expires LISTING_EXPIRY_DAYS (90 by ' +
      'default) from now, and is warned again before then. An expired listing goes back on ' +
      'the market for a new period without another review: it was reviewed when first ' +
      'published. Other statuses are a 409 `not-renewable`.',
    ...signedIn,
    request: { params: ListingParams },
    responses: {
      200: listingResponse('The listing with its new `expiresAt`'),
      ...problems(404, 409),
    },
  }),
  async (c) => c.json(await renewListing(c.get('ctx'), c.req.valid('param').id), 200),
);

lifecycleRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/listings/{id}/feature',
    tags: adminTags,
    summary: 'Feature a listing for some days',
    description:
      'Admins only. A featured listing comes first in every order of GET /listings. The days ' +
      'count from the end of a feature still running, so featuring again extends it. Only a ' +
      'listing on the market (active or under offer) can be featured: otherwise 409 ' +
      '`not-on-market`.',
    security: AUTHENTICATED,
    middleware: requirePermission('listings.manage'),
    request: {
      params: ListingParams,
      body: jsonBody(
        z
          .strictObject({ days: z.number().int().min(1).max(365).openapi({ example: 7 }) })
          .openapi('FeatureRequest'),
      ),
    },
    responses: {
      200: listingResponse('The listing with its `featuredUntil`'),
      ...problems(404, 409),
    },
  }),
  async (c) =>
    c.json(
      await extendFeature(c.get('ctx'), c.req.valid('param').id, c.req.valid('json').days),
      200,
    ),
);

lifecycleRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/admin/listings/{id}/feature',
    tags: adminTags,
    summary: 'End a feature early',
    description: 'Admins only. Harmless when the listing is not featured.',
    security: AUTHENTICATED,
    middleware: requirePermission('listings.manage'),
    request: { params: ListingParams },
    responses: { 200: listingResponse('The listing, no longer featured'), ...problems(404) },
  }),
  async (c) => c.json(await endFeature(c.get('ctx'), c.req.valid('param').id), 200),
);
