import { createRoute, z } from '@hono/zod-openapi';
import { Order, PAYMENT_METHODS } from '../../modules/orders/index.ts';
import { text } from '../../platform/core/fields.ts';
import { IdempotencyHeader } from '../../platform/http/idempotency.ts';
import { jsonBody, problems, signedIn } from '../../platform/http/openapi.ts';
import { policies, rateLimit } from '../../platform/http/rate-limit.ts';
import { createRouter } from '../../platform/http/router.ts';
import { checkout } from '../checkout.ts';

/** Checkout: the caller's cart, or the items given, bought as one order per shop. */
export const checkoutRoutes = createRouter();

/** More lines than any real basket: a bound on the work one request can ask for. */
const MAX_CHECKOUT_LINES = 100;

const CheckoutBody = z
  .strictObject({
    addressId: z.uuid().openapi({ description: 'One of the caller’s saved addresses.' }),
    paymentMethod: z.enum(PAYMENT_METHODS),
    vouchers: z
      .record(z.uuid(), text(64))
      .optional()
      .openapi({
        description: 'A voucher code per shop id (the shop’s own or a platform code).',
        example: { '0190f1e2-7c3a-7b4d-9e5f-1a2b3c4d5e6f': 'WELCOME10' },
      }),
    items: z
      .array(
        z.strictObject({
          variantId: z.uuid(),
          quantity: z
            .number()
            .int()
            .min(1)
            .openapi({ description: 'At most the per-order limit (ORDER_MAX_QUANTITY).' }),
        }),
      )
      .max(MAX_CHECKOUT_LINES)
      .optional()
      .openapi({ description: 'Bought instead of the cart; a variant listed twice is merged.' }),
  })
  .openapi('CheckoutRequest');

const CheckoutResult = z
  .object({ checkoutId: z.uuid(), orders: z.array(Order) })
  .openapi('CheckoutResult');

checkoutRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/orders',
    tags: ['Orders'],
    summary: 'Check out: the cart (or the items given) as one order per shop',
    description:
      'Without `items` the caller’s cart is bought, and its lines are removed; with `items` ' +
      'those are bought and any cart lines of the same variants are removed. Every line is ' +
      'checked before anything is written: 409 `checkout-unavailable` names each line that ' +
      'cannot be bought (`body.items.N` or `cart.<variantId>`) and why (`not-found`, ' +
      '`not-on-sale`, `out-of-stock: N available`), and nothing is created. Each shop’s order ' +
      'costs its items at today’s prices, the shop’s flat shipping fee (free at or over its ' +
      'threshold), less its voucher. 422: an address not the caller’s (`unknown-address`), ' +
      'nothing to buy (`empty-checkout`), a voucher for a shop not in the checkout, an ' +
      'Idempotency-Key reused with another body, cash on delivery without a verified phone ' +
      '(`phone-unverified`). 409 `voucher-not-applicable` names the voucher that does not ' +
      'apply; 409 `cod-limit` names each line that would take the buyer’s open ' +
      'cash-on-delivery orders past `ORDER_MAX_QUANTITY` of its variant. A line from the ' +
      'buyer’s own shop is `own-shop`. 20 checkouts an hour per user (429).',
    security: signedIn.security,
    middleware: [signedIn.middleware, rateLimit(policies.checkouts)] as const,
    request: { headers: IdempotencyHeader, body: jsonBody(CheckoutBody) },
    responses: {
      201: {
        description: 'The checkout and its orders (a retry with the same key: the first answer)',
        content: { 'application/json': { schema: CheckoutResult } },
      },
      ...problems(409, 422, 429),
    },
  }),
  async (c) => {
    const result = await checkout(
      c.get('ctx'),
      c.req.valid('json'),
      c.req.valid('header')['idempotency-key'],
      new Date(),
    );
    return c.json(result.body, 201);
  },
);
