import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { AUTHENTICATED, jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { policies, rateLimit } from '../../../platform/http/rate-limit.ts';
import { createRouter } from '../../../platform/http/router.ts';
import {
  createInquiry,
  INQUIRY_BOXES,
  Inquiry,
  InquiryCreate,
  listInquiries,
  SETTABLE_INQUIRY_STATUSES,
  setInquiryStatus,
} from '../inquiries.ts';
import { INQUIRY_STATUSES } from '../vocabulary.ts';
import { ListingParams } from './listings.ts';

/** Inquiries about listings: sent by anyone, read and handled by the lister. */
export const inquiryRoutes = createRouter();

const tags = ['Inquiries'];

const InquiryParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const inquiryResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Inquiry } },
});

inquiryRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/listings/{id}/inquiries',
    tags,
    summary: 'Ask the lister about a listing',
    description:
      'About a listing on the market. Signed in, the inquiry is from the caller; a guest must ' +
      'give an `email`. INQUIRY_RATE_LIMIT_PER_HOUR per user, or per address for guests. The ' +
      'lister is told (`inquiry.created`).',
    // A token is optional: without one the inquiry is a guest's.
    security: [{}, ...AUTHENTICATED],
    middleware: rateLimit(policies.inquiries),
    request: { params: ListingParams, body: jsonBody(InquiryCreate) },
    responses: { 201: inquiryResponse('The inquiry, sent'), ...problems(404, 422) },
  }),
  async (c) =>
    c.json(await createInquiry(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 201),
);

inquiryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/inquiries',
    tags,
    summary: "The caller's received or sent inquiries, newest first",
    ...signedIn,
    request: {
      query: PageQuery.extend({
        box: z
          .enum(INQUIRY_BOXES)
          .default('received')
          .openapi({ description: 'About the caller’s listings (received), or by the caller.' }),
        status: z.enum(INQUIRY_STATUSES).optional(),
      }),
    },
    responses: {
      200: {
        description: 'A page of inquiries',
        content: { 'application/json': { schema: pageOf(Inquiry, 'InquiryPage') } },
      },
    },
  }),
  async (c) => {
    const { box, status, ...page } = c.req.valid('query');
    return c.json(await listInquiries(c.get('ctx'), { box, status }, page), 200);
  },
);

inquiryRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/inquiries/{id}',
    tags,
    summary: 'Mark a received inquiry read, replied or archived',
    description:
      'By its recipient only. To anyone else, its sender included, the inquiry is not found: ' +
      'handling it is not theirs.',
    ...signedIn,
    request: {
      params: InquiryParams,
      body: jsonBody(
        z
          .strictObject({ status: z.enum(SETTABLE_INQUIRY_STATUSES) })
          .openapi('InquiryStatusChange'),
      ),
    },
    responses: { 200: inquiryResponse('The inquiry in its new status'), ...problems(404) },
  }),
  async (c) =>
    c.json(
      await setInquiryStatus(c.get('ctx'), c.req.valid('param').id, c.req.valid('json').status),
      200,
    ),
);
