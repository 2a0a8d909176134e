import { z } from 'zod';
import { defineEvent } from '../../platform/events/events.ts';
import { ORDER_STATUSES } from './vocabulary.ts';

const orderRef = { orderId: z.uuid(), checkoutId: z.uuid(), shopId: z.uuid(), buyerId: z.uuid() };

/** A checkout made this order: the seller has something to confirm. */
export const orderPlaced = defineEvent(
  'order.placed',
  z.object({ ...orderRef, status: z.enum(ORDER_STATUSES), total: z.number().int() }),
);

/** Any move of an order's status; `by` is null for the system. */
export const orderStatusChanged = defineEvent(
  'order.status_changed',
  z.object({
    ...orderRef,
    from: z.enum(ORDER_STATUSES),
    to: z.enum(ORDER_STATUSES),
    by: z.uuid().nullable(),
    note: z.string().nullable(),
  }),
);

/** Its stock and voucher use went back. */
export const orderCancelled = defineEvent(
  'order.cancelled',
  z.object({ ...orderRef, by: z.uuid().nullable(), reason: z.string().nullable() }),
);
