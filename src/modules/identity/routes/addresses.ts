import { createRoute, z } from '@hono/zod-openapi';
import { CountryCode, optionalText, text } from '../../../platform/core/fields.ts';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import {
  createAddress,
  deleteAddress,
  listAddresses,
  MAX_ADDRESSES,
  makeDefaultAddress,
  updateAddress,
} from '../addresses.ts';
import { Phone } from '../schemas.ts';
import { atLeastOneField, IdParams, nothingToChange } from './shared.ts';

/** The signed-in user's saved addresses: up to MAX_ADDRESSES, exactly one the default. */
export const addressRoutes = createRouter();

const tags = ['Profile'];

const addressFields = {
  label: text(60).openapi({ example: 'Home' }),
  recipient: text(120).openapi({ example: 'Abebe Kebede' }),
  phone: Phone,
  line1: text(200).openapi({ example: 'Bole Road, House 12' }),
  line2: optionalText(200),
  city: text(100).openapi({ example: 'Addis Ababa' }),
  region: optionalText(100),
  postalCode: optionalText(20),
  countryCode: CountryCode,
  lat: z.number().min(-90).max(90).nullable().optional().openapi({ example: 8.9806 }),
  lng: z.number().min(-180).max(180).nullable().optional().openapi({ example: 38.7578 }),
};

/** A position is both coordinates or neither: half of one places the address nowhere. */
function latLngTogether(value: { lat?: number | null; lng?: number | null }, ctx: z.RefinementCtx) {
  if ((value.lat ?? null) === null && (value.lng ?? null) !== null) {
    ctx.addIssue({ code: 'custom', path: ['lat'], message: 'give lat with lng' });
  }
  if ((value.lng ?? null) === null && (value.lat ?? null) !== null) {
    ctx.addIssue({ code: 'custom', path: ['lng'], message: 'give lng with lat' });
  }
}

const AddressCreate = z
  .object({
    ...addressFields,
    isDefault: z
      .boolean()
      .optional()
      .openapi({ description: 'Make it the default; the first address always is.' }),
  })
  .superRefine(latLngTogether)
  .openapi('AddressCreate');

const AddressUpdate = z
  .object(addressFields)
  .partial()
  .refine(atLeastOneField, nothingToChange)
  .superRefine((value, ctx) => {
    // Patching one coordinate would pair it with the other's old value.
    if ((value.lat === undefined) !== (value.lng === undefined)) {
      const missing = value.lat === undefined ? 'lat' : 'lng';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'change lat and lng together' });
      return;
    }
    latLngTogether(value, ctx);
  })
  .openapi('AddressUpdate');

const Address = z
  .object({
    id: z.uuid(),
    label: z.string(),
    recipient: z.string(),
    phone: z.string(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable(),
    postalCode: z.string().nullable(),
    countryCode: z.string(),
    lat: z.number().nullable(),
    lng: z.number().nullable(),
    isDefault: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Address');

const addressResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Address } },
});

addressRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/profile/addresses',
    tags,
    summary: 'My saved addresses, the default first, then the newest',
    ...signedIn,
    request: { query: PageQuery },
    responses: {
      200: {
        description: 'A page of addresses',
        content: { 'application/json': { schema: pageOf(Address, 'AddressPage') } },
      },
    },
  }),
  async (c) => c.json(await listAddresses(c.get('ctx'), c.req.valid('query')), 200),
);

addressRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/profile/addresses',
    tags,
    summary: 'Save an address',
    description: `At most ${MAX_ADDRESSES} per account (422 \`too-many-addresses\`).`,
    ...signedIn,
    request: { body: jsonBody(AddressCreate) },
    responses: { 201: addressResponse('Saved'), ...problems(422) },
  }),
  async (c) => c.json(await createAddress(c.get('ctx'), c.req.valid('json')), 201),
);

addressRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/profile/addresses/{id}',
    tags,
    summary: 'Change an address',
    ...signedIn,
    request: { params: IdParams, body: jsonBody(AddressUpdate) },
    responses: { 200: addressResponse('The changed address'), ...problems(404) },
  }),
  async (c) =>
    c.json(await updateAddress(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
);

addressRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/profile/addresses/{id}',
    tags,
    summary: 'Delete an address; if it was the default, the newest remaining one becomes it',
    ...signedIn,
    request: { params: IdParams },
    responses: { 204: { description: 'Deleted' }, ...problems(404) },
  }),
  async (c) => {
    await deleteAddress(c.get('ctx'), c.req.valid('param').id);
    return c.body(null, 204);
  },
);

addressRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/profile/addresses/{id}/default',
    tags,
    summary: 'Make an address the default',
    ...signedIn,
    request: { params: IdParams },
    responses: { 200: addressResponse('The new default'), ...problems(404) },
  }),
  async (c) => c.json(await makeDefaultAddress(c.get('ctx'), c.req.valid('param').id), 200),
);
