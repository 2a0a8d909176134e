import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/harness.ts';
import { definedEvents } from './events.ts';

/**
 * An event is published because someone reacts to it. Every event the modules define must have
 * a subscriber, but for those below: published for a reaction not built yet, each with who will
 * react. Giving one a subscriber takes it off this list (the test fails until it is).
 */
const AWAITING: Readonly<Record<string, string>> = {
  'inquiry.created': 'messaging: the conversation with the lister, and the lister told',
  'listing.approved': 'notifications: the owner told',
  'listing.archived': 'notifications: the owner told (and the favouriting users)',
  'listing.expiring': 'notifications: the owner warned before the listing expires',
  'listing.featured': 'notifications: the owner told; payments will sell features',
  'listing.published': 'notifications: the owner told; saved-search alerts',
  'listing.rejected': 'notifications: the owner told why',
  'listing.renewed': 'notifications: the owner told',
  'listing.reported': 'moderation queue: the report listed',
  'listing.review_requested': 'moderation queue: the listing listed for review',
  'listing.status_changed': 'analytics: active listings over time',
  'listing.updated': 'notifications: users who saved the listing told of a price change',
  'order.cancelled': 'notifications: the buyer and the seller told',
  'order.placed': 'notifications: the seller told there is an order to confirm',
  'order.status_changed': 'notifications: the buyer told where the order is',
  'product.disabled': 'notifications: the seller told why',
  'product.enabled': 'notifications: the seller told',
  'professional.rejected': 'notifications: the applicant told why',
  'professional.verification_submitted': 'moderation queue: the check listed',
  'professional.verified': 'notifications: the professional told',
  'review.created': 'notifications: the seller told',
  'saved_search.matched': 'notifications: the alert, at the search’s frequency',
  'shop.approved': 'notifications: the seller told',
  'shop.created': 'moderation queue: the shop listed for approval',
  'shop.reinstated': 'notifications: the seller told',
  'shop.suspended': 'notifications: the seller told why',
  'user.registered': 'analytics: new users',
  'user.role_changed': 'notifications: the user told',
  'user.suspended': 'notifications: the user told',
  'user.verified': 'analytics: verified users',
};

const t = await createTestApp();
afterAll(() => t.close());

describe('domain events', () => {
  it('each have a subscriber, but for those awaiting one', () => {
    const heard = t.services.events.subscribedEvents();
    const unheard = definedEvents().filter((name) => !heard.has(name));
    expect(unheard).toEqual(Object.keys(AWAITING).sort());
  });

  it('are heard only when defined: no handler waits on an event nobody publishes', () => {
    const defined = new Set(definedEvents());
    expect([...t.services.events.subscribedEvents()].filter((name) => !defined.has(name))).toEqual(
      [],
    );
  });
});
