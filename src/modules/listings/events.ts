import { z } from 'zod';
import { defineEvent } from '../../platform/events/events.ts';
import {
  ALERT_FREQUENCIES,
  LISTING_KINDS,
  LISTING_STATUSES,
  MODERATION_RULES,
  REPORT_REASONS,
} from './vocabulary.ts';

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

/** Publishing went to review: the rules that fired say why. */
export const listingReviewRequested = defineEvent(
  'listing.review_requested',
  z.object({
    ...listingRef,
    flags: z.array(z.object({ rule: z.enum(MODERATION_RULES), reason: z.string() })),
  }),
);

export const listingApproved = defineEvent(
  'listing.approved',
  z.object({ ...listingRef, by: z.uuid() }),
);

/** The owner is told why. */
export const listingRejected = defineEvent(
  'listing.rejected',
  z.object({ ...listingRef, reason: z.string(), by: z.uuid() }),
);

export const listingReported = defineEvent(
  'listing.reported',
  z.object({ ...listingRef, reportId: z.uuid(), reason: z.enum(REPORT_REASONS) }),
);

export const listingFeatured = defineEvent(
  'listing.featured',
  z.object({ ...listingRef, featuredUntil: z.iso.datetime(), by: z.uuid() }),
);

/** The owner is warned LISTING_EXPIRY_WARNING_DAYS ahead, once per renewal. */
export const listingExpiring = defineEvent(
  'listing.expiring',
  z.object({ ...listingRef, expiresAt: z.iso.datetime() }),
);

export const listingRenewed = defineEvent(
  'listing.renewed',
  z.object({ ...listingRef, expiresAt: z.iso.datetime() }),
);

/** The lister is told through notifications. */
export const inquiryCreated = defineEvent(
  'inquiry.created',
  z.object({
    inquiryId: z.uuid(),
    listingId: z.uuid(),
    recipientId: z.uuid(),
    senderId: z.uuid().nullable(),
  }),
);

/** Once per saved search and listing; the alert frequency tells notifications when to send. */
export const savedSearchMatched = defineEvent(
  'saved_search.matched',
  z.object({
    savedSearchId: z.uuid(),
    userId: z.uuid(),
    listingId: z.uuid(),
    frequency: z.enum(ALERT_FREQUENCIES),
  }),
);
