import { createRoute, z } from '@hono/zod-openapi';
import { Amount } from '../../../platform/core/fields.ts';
import { jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import {
  AVAILABILITIES,
  addToCart,
  emptyCart,
  getCart,
  removeCartLine,
  SYNC_REASONS,
  setCartQuantity,
  syncCart,
} from '../cart.ts';
import { LOW_STOCK } from '../vocabulary.ts';

/** The buyer's saved cart. */
export const cartRoutes = createRouter();

const tags = ['Cart'];

/** Money the cart computes: may be 0 (an empty subtotal, free shipping). */

const CartLine = z
  .object({
    id: z.uuid(),
    variantId: z.uuid(),
    productId: z.uuid(),
    title: z.string(),
    options: z.record(z.string(), z.string()),
    sku: z.string(),
    imageUrl: z.url().nullable(),
    quantity: z.number().int(),
    unitPrice: Amount.openapi({ description: 'The variant’s price now.' }),
    priceAtAdd: Amount.openapi({ description: 'Its price when the line was started.' }),
    lineTotal: Amount.openapi({ description: '`unitPrice` × `quantity`.' }),
    availability: z.enum(AVAILABILITIES).openapi({
      description:
        `\`low\`: ${LOW_STOCK} or fewer left; \`unavailable\`: the product is not on sale or ` +
        'its shop is not active. A line may hold more than `available`: checkout then refuses it.',
    }),
    available: z.number().int().openapi({ description: 'The variant’s stock now.' }),
    priceChanged: z.boolean(),
  })
  .openapi('CartLine');

const CartShop = z
  .object({
    shop: z.object({ id: z.uuid(), name: z.string(), slug: z.string() }),
    items: z.array(CartLine),
    subtotal: Amount.openapi({
      description: 'Of the lines that can be bought now (`in_stock`, `low`).',
    }),
    shipping: Amount.openapi({
      description:
        'The shop’s flat fee; 0 when the subtotal reaches its free-shipping threshold or is 0.',
    }),
    total: Amount,
  })
  .openapi('CartShop');

const Cart = z
  .object({
    shops: z.array(CartShop).openapi({ description: 'In the order their first line was added.' }),
    itemCount: z.number().int().openapi({ description: 'The sum of every line’s quantity.' }),
  })
  .openapi('Cart');

const cartResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Cart } },
});

const Quantity = z.number().int({ message: 'expected a whole number' });

const CartItemInput = z
  .strictObject({
    variantId: z.uuid(),
    quantity: Quantity.min(1),
  })
  .openapi('CartItemInput');

const CartItemParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const CartItemUpdate = z
  .strictObject({ quantity: Quantity.min(0).openapi({ description: '0 removes the line.' }) })
  .openapi('CartItemUpdate');

const CartSyncInput = z
  .strictObject({
    items: z
      .array(CartItemInput)
      .max(100)
      .superRefine((items, check) => {
        const seen = new Set<string>();
        items.forEach((item, index) => {
          if (seen.has(item.variantId)) {
            check.addIssue({
              code: 'custom',
              path: [index, 'variantId'],
              message: 'this variant is listed twice',
            });
          }
          seen.add(item.variantId);
        });
      }),
  })
  .openapi('CartSyncInput');

const CartSynced = Cart.extend({
  adjustments: z.array(
    z
      .object({
        variantId: z.uuid(),
        requested: z.number().int(),
        applied: z.number().int().openapi({ description: 'What the cart holds now; 0: none.' }),
        reason: z.enum(SYNC_REASONS),
      })
      .openapi('CartAdjustment'),
  ),
}).openapi('CartSynced');

const refusals =
  '409 `insufficient-stock` (naming `body.quantity`, with the stock in the message) when the ' +
  'line would hold more than the variant’s stock; 422 `quantity-limit` above the per-line limit ' +
  '(`ORDER_MAX_QUANTITY`, 20 by default).';

cartRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/cart',
    tags,
    summary: 'My cart',
    description:
      'Lines grouped by shop with today’s prices, availability and whether the price changed ' +
      'since the line was started; per shop a subtotal, shipping and total in its currency.',
    ...signedIn,
    responses: { 200: cartResponse('The cart') },
  }),
  async (c) => c.json(await getCart(c.get('ctx')), 200),
);

cartRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/cart/items',
    tags,
    summary: 'Add a variant to my cart',
    description:
      'Adds to the variant’s line when the cart has one; a new line remembers today’s price. ' +
      `${refusals} 422 \`unknown-variant\` or \`not-on-sale\` (the product is withdrawn or ` +
      'its shop not active), naming `body.variantId`.',
    ...signedIn,
    request: { body: jsonBody(CartItemInput) },
    responses: { 200: cartResponse('The cart'), ...problems(409, 422) },
  }),
  async (c) => c.json(await addToCart(c.get('ctx'), c.req.valid('json')), 200),
);

cartRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/cart/items/{id}',
    tags,
    summary: 'Change a line’s quantity',
    description:
      `0 removes the line. A kept line must be buyable at its new quantity: ${refusals} 422 ` +
      '`not-on-sale` (naming `params.id`). 404 for a line that is not in the caller’s cart.',
    ...signedIn,
    request: { params: CartItemParams, body: jsonBody(CartItemUpdate) },
    responses: { 200: cartResponse('The cart'), ...problems(404, 409, 422) },
  }),
  async (c) =>
    c.json(
      await setCartQuantity(c.get('ctx'), c.req.valid('param').id, c.req.valid('json').quantity),
      200,
    ),
);

cartRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/cart/items/{id}',
    tags,
    summary: 'Remove a line',
    description: '404 for a line that is not in the caller’s cart.',
    ...signedIn,
    request: { params: CartItemParams },
    responses: { 204: { description: 'Removed' }, ...problems(404) },
  }),
  async (c) => {
    await removeCartLine(c.get('ctx'), c.req.valid('param').id);
    return c.body(null, 204);
  },
);

cartRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/cart',
    tags,
    summary: 'Empty my cart',
    ...signedIn,
    responses: { 204: { description: 'Emptied' } },
  }),
  async (c) => {
    await emptyCart(c.get('ctx'));
    return c.body(null, 204);
  },
);

cartRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/cart/sync',
    tags,
    summary: 'Merge a device’s cart into mine',
    description:
      'Up to 100 lines, each variant once. A variant in both carts keeps the larger quantity ' +
      '(not the sum: syncing the same cart twice changes nothing). Each variant sent is fitted ' +
      'to what can be bought now: clamped to its stock (`clamped_to_stock`) and the per-line ' +
      'limit (`clamped_to_limit`), or left out of the cart, its saved line removed too, when ' +
      'unknown (`not_found`), not on sale (`unavailable`) or sold out ' +
      '(`removed_out_of_stock`). Saved lines the device did not send stay as they are. ' +
      'Answers the cart and every adjustment made.',
    ...signedIn,
    request: { body: jsonBody(CartSyncInput) },
    responses: {
      200: {
        description: 'The merged cart',
        content: { 'application/json': { schema: CartSynced } },
      },
    },
  }),
  async (c) => c.json(await syncCart(c.get('ctx'), c.req.valid('json').items), 200),
);
