import { createRoute, z } from '@hono/zod-openapi';
import { optionalText, QueryFlag, text } from '../../../platform/core/fields.ts';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { imageFiles } from '../../../platform/http/fields.ts';
import { AUTHENTICATED, jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { adminReviews, moderateReview } from '../moderation.ts';
import { addReviewPhotos } from '../photos.ts';
import { productReviews, reviewById } from '../reads.ts';
import { reportReview } from '../reports.ts';
import {
  MAX_REVIEW_PHOTOS,
  REVIEW_EDIT_DAYS,
  REVIEW_REPORT_REASONS,
  REVIEW_STATUSES,
} from '../vocabulary.ts';
import { createReview, editReview, markHelpful, replyToReview } from '../writes.ts';

/** Verified-purchase reviews of products, the shops' replies, votes, reports, moderation. */
export const reviewRoutes = createRouter();

const tags = ['Reviews'];
const adminTags = ['Admin: reviews'];
const moderator = {
  security: AUTHENTICATED,
  middleware: requirePermission('reviews.moderate'),
} as const;

const Rating = z.number().int().min(1).max(5).openapi({ example: 5 });
const ReviewText = text(5000).openapi({ example: 'Fits well, the colour is as pictured.' });

const ReviewPhoto = z
  .object({
    id: z.uuid(),
    url: z.url(),
    width: z.number().int(),
    height: z.number().int(),
    variants: z
      .record(z.string(), z.url())
      .openapi({ description: 'Resized WebP copies by width; filled shortly after the upload.' }),
  })
  .openapi('ReviewPhoto');

const reviewFields = {
  id: z.uuid(),
  productId: z.uuid(),
  shopId: z.uuid(),
  orderItemId: z.uuid(),
  author: z.object({
    id: z.uuid(),
    name: z.string().openapi({ description: 'First name and the initial of the last.' }),
  }),
  rating: z.number().int(),
  text: z.string(),
  photos: z.array(ReviewPhoto),
  helpfulCount: z.number().int(),
  reply: z
    .object({ text: z.string(), repliedAt: z.iso.datetime() })
    .nullable()
    .openapi({ description: 'The shop’s answer.' }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  editableUntil: z.iso.datetime(),
};

const Review = z.object(reviewFields).openapi('Review');

const AdminReview = z
  .object({
    ...reviewFields,
    status: z.enum(REVIEW_STATUSES),
    hiddenReason: z.string().nullable(),
    openReports: z.number().int(),
  })
  .openapi('AdminReview');

const reviewResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Review } },
});

const ReviewParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const ReviewCreate = z
  .strictObject({ orderItemId: z.uuid(), rating: Rating, text: ReviewText })
  .openapi('ReviewCreate');

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/reviews',
    tags,
    summary: 'Review an item you received',
    description:
      'An item of one of your delivered or completed orders (422 `not-eligible` otherwise; ' +
      'another buyer’s item is 404), once (409 `already-reviewed`). Add photos after with ' +
      'POST /reviews/{id}/photos. The product’s rating counts it at once.',
    ...signedIn,
    request: { body: jsonBody(ReviewCreate) },
    responses: { 201: reviewResponse('The review'), ...problems(404, 409, 422) },
  }),
  async (c) => c.json(await createReview(c.get('ctx'), c.req.valid('json')), 201),
);

const PhotoUpload = z
  .object({ photos: imageFiles('photos', MAX_REVIEW_PHOTOS, 'photos') })
  .openapi('ReviewPhotoUpload');

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/reviews/{id}/photos',
    tags,
    summary: 'Add photos to your review',
    description:
      `At most ${MAX_REVIEW_PHOTOS} photos per review (422 \`too-many-photos\`), multipart ` +
      'under `photos`. Each file is checked by its bytes and one refused file refuses them all ' +
      '(422 `unsupported-file-type`, `image-too-large`, `corrupt-image`, naming ' +
      '`body.photos.<index>`). Another’s review is 404.',
    ...signedIn,
    request: {
      params: ReviewParams,
      body: { required: true, content: { 'multipart/form-data': { schema: PhotoUpload } } },
    },
    responses: { 201: reviewResponse('The review with its photos'), ...problems(404, 422) },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    const { id } = c.req.valid('param');
    const files = await Promise.all(
      c.req.valid('form').photos.map(async (file) => new Uint8Array(await file.arrayBuffer())),
    );
    await addReviewPhotos(ctx, id, files);
    return c.json(await reviewById(ctx, id), 201);
  },
);

const ReviewEdit = z
  .strictObject({ rating: Rating.optional(), text: ReviewText.optional() })
  .refine((value) => value.rating !== undefined || value.text !== undefined, {
    message: 'give rating, text or both',
  })
  .openapi('ReviewEdit');

reviewRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/reviews/{id}',
    tags,
    summary: 'Edit your review',
    description:
      `By its author (403 \`not-author\`), within ${REVIEW_EDIT_DAYS} days of writing it ` +
      '(409 `edit-window-closed`, see `editableUntil`). The product’s rating follows.',
    ...signedIn,
    request: { params: ReviewParams, body: jsonBody(ReviewEdit) },
    responses: { 200: reviewResponse('The review'), ...problems(403, 404, 409) },
  }),
  async (c) =>
    c.json(await editReview(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
);

const ReplyCreate = z.strictObject({ text: text(5000) }).openapi('ReviewReplyCreate');

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/reviews/{id}/reply',
    tags,
    summary: 'Reply to a review of your shop’s product',
    description:
      'By the owner of the shop that sold the item (403 `not-the-shop`), once (409 ' +
      '`already-replied`).',
    ...signedIn,
    request: { params: ReviewParams, body: jsonBody(ReplyCreate) },
    responses: { 200: reviewResponse('The review with its reply'), ...problems(403, 404, 409) },
  }),
  async (c) =>
    c.json(
      await replyToReview(c.get('ctx'), c.req.valid('param').id, c.req.valid('json').text),
      200,
    ),
);

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/reviews/{id}/helpful',
    tags,
    summary: 'Mark a review helpful',
    description:
      'Once per user (409 `already-voted`), not one’s own review (422 `own-review`). ' +
      '`helpfulCount` counts the votes.',
    ...signedIn,
    request: { params: ReviewParams },
    responses: {
      200: {
        description: 'The review’s count of helpful votes',
        content: {
          'application/json': {
            schema: z.object({ helpfulCount: z.number().int() }).openapi('ReviewHelpful'),
          },
        },
      },
      ...problems(404, 409, 422),
    },
  }),
  async (c) => c.json(await markHelpful(c.get('ctx'), c.req.valid('param').id), 200),
);

const ReportCreate = z
  .strictObject({
    reason: z.enum(REVIEW_REPORT_REASONS),
    text: optionalText(1000).openapi({ description: 'What is wrong, in the reporter’s words.' }),
  })
  .openapi('ReviewReportCreate');

const ReviewReport = z
  .object({
    id: z.uuid(),
    reason: z.enum(REVIEW_REPORT_REASONS),
    text: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('ReviewReport');

reviewRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/reviews/{id}/reports',
    tags,
    summary: 'Report a review',
    description:
      'Once per user until a moderator decides on the review (409 `already-reported`); not ' +
      'one’s own (422 `own-review`).',
    ...signedIn,
    request: { params: ReviewParams, body: jsonBody(ReportCreate) },
    responses: {
      201: { description: 'The report', content: { 'application/json': { schema: ReviewReport } } },
      ...problems(404, 409, 422),
    },
  }),
  async (c) =>
    c.json(await reportReview(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 201),
);

const ProductReviewQuery = PageQuery.extend({
  rating: z.coerce
    .number()
    .int()
    .min(1)
    .max(5)
    .optional()
    .openapi({ description: 'Only reviews with this rating.' }),
  withPhotos: QueryFlag.optional().openapi({ description: 'Only reviews with photos.' }),
  sort: z
    .enum(['newest', 'most_helpful'])
    .default('newest')
    .openapi({ description: '`most_helpful`: by helpful votes, most first.' }),
});

const Histogram = z.object({
  '1': z.number().int(),
  '2': z.number().int(),
  '3': z.number().int(),
  '4': z.number().int(),
  '5': z.number().int(),
});

const ProductReviewPage = pageOf(Review, 'ProductReviewPage').extend({
  summary: z
    .object({
      average: z.number().openapi({ description: '0 without reviews.' }),
      count: z.number().int(),
      histogram: Histogram.openapi({ description: 'Visible reviews by rating.' }),
    })
    .openapi({ description: 'Over all the product’s visible reviews, whatever the filters.' }),
});

reviewRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/products/{id}/reviews',
    tags,
    summary: 'A product’s reviews',
    description:
      'Visible reviews, newest or most helpful first, with the rating summary and histogram. ' +
      'A product without reviews (or an unknown id) gives an empty page.',
    request: { params: ReviewParams, query: ProductReviewQuery },
    responses: {
      200: {
        description: 'A page of reviews with the summary',
        content: { 'application/json': { schema: ProductReviewPage } },
      },
    },
  }),
  async (c) =>
    c.json(await productReviews(c.get('ctx'), c.req.valid('param').id, c.req.valid('query')), 200),
);

const AdminReviewQuery = PageQuery.extend({
  status: z.enum(REVIEW_STATUSES).optional(),
  reported: QueryFlag.optional().openapi({ description: 'Only reviews with open reports.' }),
});

const AdminReviewPage = pageOf(AdminReview, 'AdminReviewPage').extend({
  total: z.number().int().openapi({ description: 'Reviews matching the filter.' }),
});

reviewRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/reviews',
    tags: adminTags,
    summary: 'Reviews to moderate',
    description: 'Newest first, by status, or only those with open reports (`reported=true`).',
    ...moderator,
    request: { query: AdminReviewQuery },
    responses: {
      200: {
        description: 'A page of reviews, with how many match',
        content: { 'application/json': { schema: AdminReviewPage } },
      },
    },
  }),
  async (c) => c.json(await adminReviews(c.get('ctx'), c.req.valid('query')), 200),
);

const Reason = z
  .strictObject({ reason: text(1000).openapi({ description: 'Kept in the audit log.' }) })
  .openapi('ReviewModerationReason');

for (const decision of ['hide', 'restore'] as const) {
  reviewRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/admin/reviews/{id}/${decision}`,
      tags: adminTags,
      summary: decision === 'hide' ? 'Hide a review' : 'Restore a hidden review',
      description:
        'Audited; the product’s rating is recounted and the open reports on the review are ' +
        `resolved. 409 \`invalid-transition\` unless it is ${decision === 'hide' ? 'visible' : 'hidden'}.`,
      ...moderator,
      request: { params: ReviewParams, body: jsonBody(Reason) },
      responses: {
        200: {
          description: 'The review',
          content: { 'application/json': { schema: AdminReview } },
        },
        ...problems(404, 409),
      },
    }),
    async (c) =>
      c.json(
        await moderateReview(
          c.get('ctx'),
          c.req.valid('param').id,
          decision,
          c.req.valid('json').reason,
        ),
        200,
      ),
  );
}
