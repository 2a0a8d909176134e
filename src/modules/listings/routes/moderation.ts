import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { approveListing, listingsForReview, rejectListing } from '../review.ts';
import { ListingSummary } from '../schemas.ts';
import { LISTING_STATUSES, MODERATION_RULES } from '../vocabulary.ts';
import { ListingParams, listingResponse } from './listings.ts';

/** Moderators and admins work the review queue: approve or reject, or take a listing down. */
export const moderationRoutes = createRouter();

const tags = ['Admin: listings'];

const AdminListing = ListingSummary.extend({
  reviewFlags: z
    .array(
      z.object({
        rule: z.enum(MODERATION_RULES),
        reason: z.string().openapi({ example: 'The same photo is on another account’s listing.' }),
      }),
    )
    .openapi({ description: 'Why it waits in review: each moderation rule that fired.' }),
  openReports: z
    .number()
    .int()
    .openapi({ description: 'Reports by users that no moderator has decided on yet.' }),
}).openapi('AdminListing');

const ReviewQuery = PageQuery.extend({
  status: z.enum(LISTING_STATUSES).default('pending_review'),
});

const RejectBody = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(3)
      .max(500)
      .openapi({ example: 'The photos show a different flat from the one described.' }),
  })
  .openapi('ListingRejection');

const ApproveBody = z
  .strictObject({
    revision: z.number().int().min(1).openapi({
      description: 'The `revision` of the listing as reviewed; a later one is refused.',
      example: 3,
    }),
  })
  .openapi('ListingApproval');

moderationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/listings',
    tags,
    summary: 'Listings in a status, longest unchanged first: the review queue by default',
    description:
      'For moderators and admins. Each listing carries its review flags and open reports.',
    security: AUTHENTICATED,
    middleware: requirePermission('listings.review'),
    request: { query: ReviewQuery },
    responses: {
      200: {
        description: 'A page of listings',
        content: { 'application/json': { schema: pageOf(AdminListing, 'AdminListingPage') } },
      },
    },
  }),
  async (c) => {
    const { status, ...page } = c.req.valid('query');
    return c.json(await listingsForReview(c.get('ctx'), status, page), 200);
  },
);

moderationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/listings/{id}/approve',
    tags,
    summary: 'Approve a listing in review: it goes on the market',
    description:
      'Only from `pending_review` (else 409 `not-in-review`), and only the revision reviewed: ' +
      'a listing its owner changed since answers 409 `listing-changed` with the current ' +
      '`revision`. Its open reports count no more. Audited as `listing.approved`.',
    security: AUTHENTICATED,
    middleware: requirePermission('listings.review'),
    request: { params: ListingParams, body: jsonBody(ApproveBody) },
    responses: { 200: listingResponse('The listing, active'), ...problems(404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await approveListing(c.get('ctx'), id, c.req.valid('json').revision), 200);
  },
);

moderationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/listings/{id}/reject',
    tags,
    summary: 'Reject a listing in review, or take one down from the market',
    description:
      'From `pending_review`, `active` or `under_offer` (else 409 `not-rejectable`). The owner ' +
      'is told the reason, and may change the listing and publish it again. Its open reports ' +
      'count no more. Audited as `listing.rejected`.',
    security: AUTHENTICATED,
    middleware: requirePermission('listings.review'),
    request: { params: ListingParams, body: jsonBody(RejectBody) },
    responses: { 200: listingResponse('The listing, rejected'), ...problems(404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await rejectListing(c.get('ctx'), id, c.req.valid('json').reason), 200);
  },
);
