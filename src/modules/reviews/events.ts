import { z } from 'zod';
import { defineEvent } from '../../platform/events/events.ts';

/** A buyer reviewed an item they received. */
export const reviewCreated = defineEvent(
  'review.created',
  z.object({
    reviewId: z.uuid(),
    productId: z.uuid(),
    shopId: z.uuid(),
    authorId: z.uuid(),
    rating: z.number().int(),
  }),
);
