import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { requireUser } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';

import {
  archiveListing,
  createListing,
  getListing,
  myListings,
  SETTABLE_STATUSES,
  setListingStatus,
} from '../listings.ts';
import { recordView } from '../page-views.ts';
import { publishListing, updateListing } from '../publishing.ts';
import { Listing, ListingCreate, ListingSummary, ListingUpdate } from '../schemas.ts';
import { LISTING_STATUSES } from '../vocabulary.ts';

/** A lister's own listings: create, change, publish, move through statuses, archive. */
export const listingRoutes = createRouter();

const tags = ['Listings'];

export const ListingParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const listingResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Listing } },
});

listingRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/listings',
    tags,
    summary: 'Create a listing (a draft)',
    description:
      'For owners, agents and brokers, and agents or brokers whose KYC check is pending. ' +
      'The listing starts as a draft; `POST /listings/{id}/publish` puts it on the market.',
    security: AUTHENTICATED,
    middleware: requireUser(),
    request: { body: jsonBody(ListingCreate) },
    responses: { 201: listingResponse('The new draft'), ...problems(403) },
  }),
  async (c) => c.json(await createListing(c.get('ctx'), c.req.valid('json')), 201),
);

listingRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/listings/{id}',
    tags,
    summary: 'A listing with all its photos',
    description:
      'Anyone may read an active listing (or one under offer); its owner, moderators and ' +
      'admins may read it in any status. Reading a listing on the market counts a view, ' +
      'once per viewer and day, unless the reader owns it.',
    request: { params: ListingParams },
    responses: { 200: listingResponse('The listing'), ...problems(404) },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    const listing = await getListing(ctx, c.req.valid('param').id);
    await recordView(ctx, listing);
    return c.json(listing, 200);
  },
);

listingRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/listings/{id}',
    tags,
    summary: 'Change a listing',
    description:
      'By its owner or an admin. `property` and `vehicle` merge into the attributes there; ' +
      '`location` and `price` replace theirs whole. An archived listing cannot change.',
    ...signedIn,
    request: { params: ListingParams, body: jsonBody(ListingUpdate) },
    responses: { 200: listingResponse('The changed listing'), ...problems(404, 409) },
  }),
  async (c) =>
    c.json(await updateListing(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
);

listingRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/listings/{id}',
    tags,
    summary: 'Archive a listing',
    description: 'Takes it off the market for good; its owner still sees it. Harmless twice.',
    ...signedIn,
    request: { params: ListingParams },
    responses: { 204: { description: 'Archived' }, ...problems(404) },
  }),
  async (c) => {
    await archiveListing(c.get('ctx'), c.req.valid('param').id);
    return c.body(null, 204);
  },
);

listingRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/listings/{id}/publish',
    tags,
    summary: 'Publish a draft',
    description:
      'A draft (or a rejected or expired listing) goes `active`, or to `pending_review` when ' +
      'its lister is an agent or broker whose KYC check is still pending.',
    ...signedIn,
    request: { params: ListingParams },
    responses: { 200: listingResponse('The listing, active or in review'), ...problems(404, 409) },
  }),
  async (c) => c.json(await publishListing(c.get('ctx'), c.req.valid('param').id), 200),
);

listingRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/listings/{id}/status',
    tags,
    summary: 'Mark a listing under offer, sold or rented, or back on the market',
    description:
      'From `active`: `under_offer`, and `sold` (a sale) or `rented` (a rent). From ' +
      '`under_offer`: back to `active`, or sold or rented. From `sold` or `rented`: `active`.',
    ...signedIn,
    request: {
      params: ListingParams,
      body: jsonBody(z.strictObject({ status: z.enum(SETTABLE_STATUSES) }).openapi('StatusChange')),
    },
    responses: { 200: listingResponse('The listing in its new status'), ...problems(404, 409) },
  }),
  async (c) =>
    c.json(
      await setListingStatus(c.get('ctx'), c.req.valid('param').id, c.req.valid('json').status),
      200,
    ),
);

listingRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/me/listings',
    tags,
    summary: "The caller's listings in every status, newest first",
    ...signedIn,
    request: {
      query: PageQuery.extend({ status: z.enum(LISTING_STATUSES).optional() }),
    },
    responses: {
      200: {
        description: 'A page of listings',
        content: { 'application/json': { schema: pageOf(ListingSummary, 'MyListingPage') } },
      },
    },
  }),
  async (c) => {
    const { status, ...page } = c.req.valid('query');
    return c.json(await myListings(c.get('ctx'), { status }, page), 200);
  },
);
