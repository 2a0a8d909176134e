import { createRoute, z } from '@hono/zod-openapi';
import { optionalText } from '../../../platform/core/fields.ts';
import { requireUser } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems } from '../../../platform/http/openapi.ts';
import { policies, rateLimit } from '../../../platform/http/rate-limit.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { reportListing } from '../reports.ts';
import { REPORT_REASONS } from '../vocabulary.ts';
import { ListingParams } from './listings.ts';

/** Users report listings that break the rules; enough reports send one back to review. */
export const reportRoutes = createRouter();

const tags = ['Listings'];

const ReportCreate = z
  .strictObject({
    reason: z.enum(REPORT_REASONS),
    text: optionalText(1000).openapi({
      description: 'What is wrong, in the reporter’s words.',
      example: 'The same flat is listed by another agent at half the price.',
    }),
  })
  .openapi('ListingReportCreate');

const Report = z
  .object({
    id: z.uuid(),
    reason: z.enum(REPORT_REASONS),
    text: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('ListingReport');

reportRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/listings/{id}/reports',
    tags,
    summary: 'Report a listing',
    description:
      'A listing on the market, once per user until a moderator decides on it (409 ' +
      '`already-reported`); not one’s own (422 `own-listing`). When ' +
      '`LISTING_REPORTS_THRESHOLD` different users have open reports on it, the listing leaves ' +
      'the market for review (`pending_review`, flagged `reports`).',
    security: AUTHENTICATED,
    middleware: [requireUser(), rateLimit(policies.reports)] as const,
    request: { params: ListingParams, body: jsonBody(ReportCreate) },
    responses: {
      201: {
        description: 'The report',
        content: { 'application/json': { schema: Report } },
      },
      ...problems(404, 409, 422),
    },
  }),
  async (c) =>
    c.json(await reportListing(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 201),
);
