import { z } from 'zod';
import { defineEvent } from '../../platform/events/events.ts';

const shopRef = { shopId: z.uuid(), ownerId: z.uuid() };

/** A seller opened a shop: it waits for an admin's approval. */
export const shopCreated = defineEvent('shop.created', z.object(shopRef));

/** The shop sells from now on; its active products appear in browse. */
export const shopApproved = defineEvent('shop.approved', z.object({ ...shopRef, by: z.uuid() }));

/** The shop stopped selling; the seller is told why. */
export const shopSuspended = defineEvent(
  'shop.suspended',
  z.object({ ...shopRef, reason: z.string(), by: z.uuid() }),
);

/** A suspended shop sells again. */
export const shopReinstated = defineEvent(
  'shop.reinstated',
  z.object({ ...shopRef, reason: z.string(), by: z.uuid() }),
);

const productRef = { productId: z.uuid(), shopId: z.uuid() };

/** An admin took the product off sale; the seller is told why. */
export const productDisabled = defineEvent(
  'product.disabled',
  z.object({ ...productRef, reason: z.string(), by: z.uuid() }),
);

export const productEnabled = defineEvent(
  'product.enabled',
  z.object({ ...productRef, reason: z.string(), by: z.uuid() }),
);
