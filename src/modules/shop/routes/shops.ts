import { createRoute, z } from '@hono/zod-openapi';
import { Currency, Money, optionalText, text } from '../../../platform/core/fields.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { imageFile } from '../../../platform/http/fields.ts';
import { AUTHENTICATED, jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { Phone } from '../../identity/index.ts';
import { PublicShop, Shop } from '../schemas.ts';
import {
  getOwnShop,
  openShop,
  publicShop,
  removeShopImage,
  SHOP_SLUG_MIN,
  type ShopImage,
  setShopImage,
  updateOwnShop,
} from '../shops.ts';
import { idOrSlugParam, slugField } from '../slugs.ts';

/** A seller's shop and the public shop page. */
export const shopRoutes = createRouter();

const tags = ['Shops'];
const seller = { security: AUTHENTICATED, middleware: requirePermission('shop.sell') } as const;

const shopResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Shop } },
});

/** Money that may be zero (fields.ts Money is positive): a flat shipping fee of 0 ships free. */
const FeeMoney = z
  .object({
    amount: z
      .number()
      .int({ message: 'expected an integer amount in minor units (cents, santim)' })
      .min(0)
      .openapi({ example: 15000, description: 'In minor units; 0 ships free.' }),
    currency: Currency,
  })
  .openapi('MoneyOrZero');

const ShippingInput = z
  .strictObject({
    flatFee: FeeMoney,
    freeOver: Money.nullable(),
  })
  .openapi('ShopShippingInput', {
    description:
      '`flatFee` is charged once per order from this shop (0 ships free); orders at or over ' +
      '`freeOver` ship free (null: never). Both in the shop’s currency.',
  });

const ContactEmail = z
  .email({ message: 'expected an email address' })
  .max(254)
  .transform((v) => v.toLowerCase());

const ContactInput = z
  .strictObject({
    email: ContactEmail.nullable().optional(),
    phone: Phone.nullable().optional(),
  })
  .openapi('ShopContactInput');

const shopFields = {
  name: text(80).openapi({ example: 'Bole Electronics' }),
  slug: slugField(SHOP_SLUG_MIN)
    .optional()
    .openapi({
      description:
        'The shop’s address, `/shops/{slug}`: lower-case letters, digits and hyphens, 3 to 60. ' +
        'Made of the name when absent (with a short suffix when another shop has it).',
    }),
  description: optionalText(4000),
  contact: ContactInput.optional(),
  returnPolicy: optionalText(4000),
  currency: Currency.openapi({
    description: 'Every price and shipping amount of the shop is in it.',
  }),
  shipping: ShippingInput,
};

const ShopCreate = z.strictObject(shopFields).openapi('ShopCreate');

const ShopUpdate = z
  .strictObject({
    ...shopFields,
    name: shopFields.name.optional(),
    currency: shopFields.currency.optional(),
    shipping: ShippingInput.optional(),
  })
  .refine((value) => Object.values(value).some((v) => v !== undefined), {
    message: 'give at least one field to change',
  })
  .openapi('ShopUpdate');

shopRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/seller/shops',
    tags,
    summary: 'Open my shop',
    description:
      'For a signed-in user whose email or phone is verified (403 `unverified-account`); one ' +
      'shop per user (409 `shop-exists`). The shop waits in `pending` for an admin’s approval, ' +
      'and the caller becomes a seller at once. 409 `slug-taken`; 422 `shipping-currency` when ' +
      'a shipping amount is not in the shop’s currency.',
    ...signedIn,
    request: { body: jsonBody(ShopCreate) },
    responses: { 201: shopResponse('The new shop, pending'), ...problems(403, 409, 422) },
  }),
  async (c) => c.json(await openShop(c.get('ctx'), c.req.valid('json')), 201),
);

shopRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/seller/shops/me',
    tags,
    summary: 'My shop, whatever its status',
    description: 'With why it was suspended, when it was. 404 `no-shop` before one is opened.',
    ...seller,
    responses: { 200: shopResponse('The shop'), ...problems(404) },
  }),
  async (c) => c.json(await getOwnShop(c.get('ctx')), 200),
);

shopRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/seller/shops/me',
    tags,
    summary: 'Change my shop',
    description:
      'Fields left out stay; null clears an optional one; `shipping` is replaced whole. A new ' +
      'name shows on its products at once. The currency changes only while the shop has no ' +
      'products (409 `shop-has-products`), with the shipping amounts in the new currency ' +
      'when it charges any (422 `shipping-currency`). 409 `slug-taken`.',
    ...seller,
    request: { body: jsonBody(ShopUpdate) },
    responses: { 200: shopResponse('The changed shop'), ...problems(404, 409, 422) },
  }),
  async (c) => c.json(await updateOwnShop(c.get('ctx'), c.req.valid('json')), 200),
);

const ImageUpload = z
  .object({
    image: imageFile(),
  })
  .openapi('ShopImageUpload');

for (const which of ['logo', 'banner'] as const satisfies ShopImage[]) {
  shopRoutes.openapi(
    createRoute({
      method: 'put',
      path: `/seller/shops/me/${which}`,
      tags,
      summary: `Upload my shop’s ${which}; the previous one is deleted`,
      description:
        'The image is checked by its bytes and stored, public, without its metadata (EXIF, ' +
        'GPS). 413 `file-too-large`; 422 `unsupported-file-type`, `image-too-large`, ' +
        '`corrupt-image`.',
      ...seller,
      request: {
        body: { required: true, content: { 'multipart/form-data': { schema: ImageUpload } } },
      },
      responses: { 200: shopResponse(`The shop with its ${which}`), ...problems(404, 422) },
    }),
    async (c) => {
      const { image } = c.req.valid('form');
      const bytes = new Uint8Array(await image.arrayBuffer());
      return c.json(await setShopImage(c.get('ctx'), which, bytes), 200);
    },
  );

  shopRoutes.openapi(
    createRoute({
      method: 'delete',
      path: `/seller/shops/me/${which}`,
      tags,
      summary: `Remove my shop’s ${which}`,
      description: 'Harmless when there is none.',
      ...seller,
      responses: { 204: { description: `No ${which} (any more)` }, ...problems(404) },
    }),
    async (c) => {
      await removeShopImage(c.get('ctx'), which);
      return c.body(null, 204);
    },
  );
}

const ShopParams = z.object({ idOrSlug: idOrSlugParam('bole-electronics') });

shopRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/shops/{idOrSlug}',
    tags,
    summary: 'A shop’s public page',
    description:
      'An active shop, with how many products it has on sale and their rating (each product ' +
      'weighted by its number of ratings). A pending or suspended shop is 404 except to its ' +
      'owner and reviewers.',
    request: { params: ShopParams },
    responses: {
      200: { description: 'The shop', content: { 'application/json': { schema: PublicShop } } },
      ...problems(404),
    },
  }),
  async (c) => c.json(await publicShop(c.get('ctx'), c.req.valid('param').idOrSlug), 200),
);
