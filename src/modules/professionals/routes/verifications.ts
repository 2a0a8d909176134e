import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import {
  ProfessionalRoleName,
  Verification,
  VerificationReview,
  VerificationReviewDetail,
} from '../schemas.ts';
import { VERIFICATION_STATUSES } from '../tables.ts';
import {
  approveVerification,
  DOCUMENT_LINK_SECONDS,
  getVerificationForReview,
  listVerifications,
  myVerification,
  rejectVerification,
  submitVerification,
} from '../verifications.ts';

/** KYC: agents and brokers send documents; moderators and admins review and decide. */
export const verificationRoutes = createRouter();

const tags = ['Professionals'];
const staffTags = ['Admin: verifications'];
const staff = {
  security: AUTHENTICATED,
  middleware: requirePermission('professionals.verify'),
} as const;

const verificationResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Verification } },
});

const reviewResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: VerificationReview } },
});

const documentFile = (description: string) =>
  z.file().openapi({
    type: 'string',
    format: 'binary',
    description: `${description}: a JPEG, PNG, WebP, GIF or AVIF image, or a PDF.`,
  });

const VerificationUpload = z
  .object({
    idDocument: documentFile('An identity document (passport, national ID card)'),
    license: documentFile('The agent’s or broker’s license'),
    role: ProfessionalRoleName.optional().openapi({
      description:
        'The role to verify. By default the agent or broker role waiting for its check, else ' +
        'the one already granted; needed when the caller holds both.',
    }),
  })
  .openapi('VerificationUpload');

verificationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/professionals/me/verification',
    tags,
    summary: 'Send my documents for the KYC check',
    description:
      'The files are kept private: only moderators and admins read them, through links ' +
      'that expire. Approval grants the role (and the verified badge); rejection gives a ' +
      'reason and the documents may be sent again. 403 `professional-role-required` without ' +
      'an agent or broker role; 409 `verification-pending` while one waits, ' +
      '`already-verified` when the role is verified; 422 `role-ambiguous`, ' +
      '`unsupported-file-type`, `image-too-large`, `corrupt-image`.',
    ...signedIn,
    request: {
      body: {
        required: true,
        content: { 'multipart/form-data': { schema: VerificationUpload } },
      },
    },
    responses: {
      201: verificationResponse('Waiting for review'),
      ...problems(403, 409, 422),
    },
  }),
  async (c) => {
    const { idDocument, license, role } = c.req.valid('form');
    const bytes = async (file: File) => new Uint8Array(await file.arrayBuffer());
    const files = { idDocument: await bytes(idDocument), license: await bytes(license) };
    return c.json(await submitVerification(c.get('ctx'), files, role), 201);
  },
);

verificationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/professionals/me/verification',
    tags,
    summary: 'My latest KYC check: its status, and why when it was rejected',
    ...signedIn,
    responses: { 200: verificationResponse('The latest check'), ...problems(404) },
  }),
  async (c) => c.json(await myVerification(c.get('ctx')), 200),
);

const VerificationParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

verificationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/verifications',
    tags: staffTags,
    summary: 'KYC checks by status: pending ones oldest first, decided ones newest first',
    ...staff,
    request: {
      query: PageQuery.extend({ status: z.enum(VERIFICATION_STATUSES).default('pending') }),
    },
    responses: {
      200: {
        description: 'A page of checks',
        content: {
          'application/json': { schema: pageOf(VerificationReview, 'VerificationReviewPage') },
        },
      },
    },
  }),
  async (c) => {
    const { status, ...page } = c.req.valid('query');
    return c.json(await listVerifications(c.get('ctx'), status, page), 200);
  },
);

verificationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/verifications/{id}',
    tags: staffTags,
    summary: 'One KYC check with links to its documents',
    description:
      `Each link works for ${DOCUMENT_LINK_SECONDS} seconds. Every read is audited as ` +
      '`verification.documents_viewed`.',
    ...staff,
    request: { params: VerificationParams },
    responses: {
      200: {
        description: 'The check and its documents',
        content: { 'application/json': { schema: VerificationReviewDetail } },
      },
      ...problems(404),
    },
  }),
  async (c) => {
    const detail = await getVerificationForReview(c.get('ctx'), c.req.valid('param').id);
    // The links open private documents: no cache may keep them.
    c.header('Cache-Control', 'no-store');
    return c.json(detail, 200);
  },
);

verificationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/verifications/{id}/approve',
    tags: staffTags,
    summary: 'Approve a KYC check, granting its role',
    description:
      'The applicant holds the agent or broker role from their next request, on tokens ' +
      'already issued too, and their listings go live without review. 409 `not-pending` ' +
      'when already decided; 403 `own-verification` for one’s own check.',
    ...staff,
    request: { params: VerificationParams },
    responses: { 200: reviewResponse('Approved'), ...problems(404, 409) },
  }),
  async (c) => c.json(await approveVerification(c.get('ctx'), c.req.valid('param').id), 200),
);

const RejectBody = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(3)
      .max(500)
      .openapi({ example: 'The license number does not match the regulator’s register.' }),
  })
  .openapi('VerificationRejection');

verificationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/verifications/{id}/reject',
    tags: staffTags,
    summary: 'Reject a KYC check, telling the applicant why',
    description:
      'The role stays pending, so the applicant may send new documents. 409 `not-pending` ' +
      'when already decided; 403 `own-verification` for one’s own check.',
    ...staff,
    request: { params: VerificationParams, body: jsonBody(RejectBody) },
    responses: { 200: reviewResponse('Rejected'), ...problems(404, 409) },
  }),
  async (c) =>
    c.json(
      await rejectVerification(c.get('ctx'), c.req.valid('param').id, c.req.valid('json').reason),
      200,
    ),
);
