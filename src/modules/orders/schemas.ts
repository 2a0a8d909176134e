import { z } from '@hono/zod-openapi';
import { Amount } from '../../platform/core/fields.ts';
import { ORDER_STATUSES, PAYMENT_METHODS } from './vocabulary.ts';

/** Response contracts that several order routes share. Money in minor units of the order's currency. */

export const OrderItem = z
  .object({
    id: z.uuid(),
    productId: z.uuid(),
    variantId: z.uuid().nullable().openapi({ description: 'Null once the variant was deleted.' }),
    title: z.string(),
    sku: z.string(),
    options: z.record(z.string(), z.string()),
    unitPrice: Amount,
    quantity: z.number().int(),
    lineTotal: Amount,
    imageUrl: z.url().nullable(),
  })
  .openapi('OrderItem');

export const OrderHistoryEntry = z
  .object({
    from: z.enum(ORDER_STATUSES).nullable(),
    to: z.enum(ORDER_STATUSES),
    by: z.uuid().nullable().openapi({ description: 'Null for the system.' }),
    role: z.string().openapi({ description: 'buyer, seller, admin or system.' }),
    note: z.string().nullable(),
    at: z.iso.datetime(),
  })
  .openapi('OrderHistoryEntry');

export const ShippingAddress = z
  .object({
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
  })
  .openapi('OrderShippingAddress');

export const Order = z
  .object({
    id: z.uuid(),
    checkoutId: z.uuid(),
    shopId: z.uuid(),
    buyerId: z.uuid(),
    status: z.enum(ORDER_STATUSES),
    paymentMethod: z.enum(PAYMENT_METHODS),
    items: z.array(OrderItem),
    subtotal: Amount,
    shipping: Amount,
    discount: Amount,
    total: Amount,
    voucherCode: z.string().nullable(),
    shippingAddress: ShippingAddress,
    carrier: z.string().nullable(),
    trackingNumber: z.string().nullable(),
    cancelReason: z.string().nullable(),
    holdExpiresAt: z.iso.datetime().nullable().openapi({
      description: 'While `pending_payment`: when the held stock goes back if still unpaid.',
    }),
    history: z.array(OrderHistoryEntry),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Order');

export const OrderParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

/** A route's answer of one order. */
export const orderResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Order } },
});
