import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { imageFile } from '../../../platform/http/fields.ts';
import { jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { ListingSummary } from '../../listings/index.ts';
import {
  getMyProfile,
  getProfessional,
  professionalListings,
  removeLogo,
  setLogo,
  upsertProfile,
} from '../profiles.ts';
import { Professional, ProfessionalUpsert } from '../schemas.ts';

/** Agents' and brokers' profiles: their own to edit, anyone's to read. */
export const professionalRoutes = createRouter();

const tags = ['Professionals'];

const professionalResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Professional } },
});

// The /me routes come first: `me` is not an id.
professionalRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/professionals/me',
    tags,
    summary: 'Create or replace my professional profile',
    description:
      'For agents and brokers, their KYC check pending or done (403 ' +
      '`professional-role-required` for others). The profile is replaced whole: a field left ' +
      'out is cleared. Service areas and languages repeated are kept once.',
    ...signedIn,
    request: { body: jsonBody(ProfessionalUpsert) },
    responses: { 200: professionalResponse('The profile'), ...problems(403) },
  }),
  async (c) => c.json(await upsertProfile(c.get('ctx'), c.req.valid('json')), 200),
);

professionalRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/professionals/me',
    tags,
    summary: 'My professional profile',
    ...signedIn,
    responses: { 200: professionalResponse('The profile'), ...problems(404) },
  }),
  async (c) => c.json(await getMyProfile(c.get('ctx')), 200),
);

const LogoUpload = z
  .object({
    file: imageFile(),
  })
  .openapi('ProfessionalLogoUpload');

professionalRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/professionals/me/logo',
    tags,
    summary: 'Upload my agency’s logo; the previous one is deleted',
    description:
      'The image is checked by its bytes and stored, public, without its metadata. 404 ' +
      '`profile-required` until the profile exists.',
    ...signedIn,
    request: {
      body: { required: true, content: { 'multipart/form-data': { schema: LogoUpload } } },
    },
    responses: { 200: professionalResponse('The profile, with its logo'), ...problems(404, 422) },
  }),
  async (c) => {
    const { file } = c.req.valid('form');
    return c.json(await setLogo(c.get('ctx'), new Uint8Array(await file.arrayBuffer())), 200);
  },
);

professionalRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/professionals/me/logo',
    tags,
    summary: 'Remove my agency’s logo',
    description: 'Harmless when there is none; 404 `profile-required` without a profile.',
    ...signedIn,
    responses: { 204: { description: 'No logo (any more)' }, ...problems(404) },
  }),
  async (c) => {
    await removeLogo(c.get('ctx'));
    return c.body(null, 204);
  },
);

const ProfessionalParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, description: 'The user’s id.' }),
});

professionalRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/professionals/{id}',
    tags,
    summary: 'An agent’s or broker’s public profile',
    description:
      'With the verified badge (a KYC check approved for a role they hold) and how many ' +
      'listings they have on the market. 404 when there is no profile or the account is ' +
      'suspended.',
    request: { params: ProfessionalParams },
    responses: { 200: professionalResponse('The profile'), ...problems(404) },
  }),
  async (c) => c.json(await getProfessional(c.get('ctx'), c.req.valid('param').id), 200),
);

professionalRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/professionals/{id}/listings',
    tags,
    summary: 'An agent’s or broker’s listings on the market, newest first',
    request: { params: ProfessionalParams, query: PageQuery },
    responses: {
      200: {
        description: 'A page of listings, active or under offer',
        content: {
          'application/json': { schema: pageOf(ListingSummary, 'ProfessionalListingPage') },
        },
      },
      ...problems(404),
    },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    return c.json(
      await professionalListings(ctx, c.req.valid('param').id, c.req.valid('query')),
      200,
    );
  },
);
