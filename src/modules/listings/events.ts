import { z } from 'zod';
import { defineEvent } from '../../platform/events/events.ts';
import { LISTING_KINDS, LISTING_STATUSES } from './vocabulary.ts';

const listingRef = { listingId: z.uuid(), ownerId: z.uuid() };

/** On the market for the first time, or again after review: saved searches match on it. */
export const listingPublished = defineEvent(
  'listing.published',
  z.object({ ...listingRef, kind: z.enum(LISTING_KINDS) }),
);

export const listingUpdated = defineEvent(
  'listing.updated',
  z.object({ ...listingRef, fields: z.array(z.string()) }),
);

export const listingStatusChanged = defineEvent(
  'listing.status_changed',
  z.object({ ...listingRef, from: z.enum(LISTING_STATUSES), to: z.enum(LISTING_STATUSES) }),
);

export const listingArchived = defineEvent(
  'listing.archived',
  z.object({ ...listingRef, by: z.uuid() }),
);

/** Photos stored and committed: their variants are made from here, never before the commit. */
export const listingPhotosAdded = defineEvent(
  'listing.photos_added',
  z.object({
    ...listingRef,
    photos: z.array(z.object({ photoId: z.uuid(), key: z.string() })),
  }),
);
