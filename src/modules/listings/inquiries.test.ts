import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import type { InquiryView } from './inquiries.ts';
import {
  type Body,
  propertyBody as baseProperty,
  vehicleBody as baseVehicle,
  createActive,
  createDraft,
  lister,
  pendingLister,
} from './listings.test-support.ts';
import { inquiries } from './tables.ts';

// Guests are told apart by X-Forwarded-For, so each test's guests have counters of their own.
const LIMIT = 5;
const t = await createTestApp({
  env: { TRUST_PROXY_HOPS: '1', INQUIRY_RATE_LIMIT_PER_HOUR: String(LIMIT) },
});
afterAll(() => t.close());

interface InquiryPage {
  items: InquiryView[];
  nextCursor: string | null;
}

// Each listing its own description: a copy of another account's goes to review.
const propertyBody = () => baseProperty({ description: `A flat, ref. ${crypto.randomUUID()}` });
const vehicleBody = () => baseVehicle({ description: `A car, ref. ${crypto.randomUUID()}` });

let addresses = 0;
/** Headers of a guest at an address no other test uses. */
const guest = () => ({ 'X-Forwarded-For': `198.51.100.${++addresses}` });

const ask = (listingId: string, body: Body, headers: Record<string, string> = guest()) =>
  t.json('POST', `/api/v1/listings/${listingId}/inquiries`, body, headers);

async function sent(listingId: string, body: Body, headers?: Record<string, string>) {
  const res = await ask(listingId, body, headers);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as InquiryView;
}

async function inbox(who: SignedIn, query = ''): Promise<InquiryPage> {
  const res = await t.request(`/api/v1/inquiries${query}`, { headers: who.headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as InquiryPage;
}

const setStatus = (who: SignedIn, id: string, body: Body) =>
  t.json('PATCH', `/api/v1/inquiries/${id}`, body, who.headers);

const message = 'Is it still available? Could I visit on Saturday?';

const someId = crypto.randomUUID();
for (const route of [
  { method: 'GET', path: '/api/v1/inquiries' },
  { method: 'PATCH', path: `/api/v1/inquiries/${someId}`, body: { status: 'read' } },
]) {
  securityCases(() => t, { ...route, allowed: [] });
}

describe('POST /listings/{id}/inquiries', () => {
  it('takes a guest’s inquiry with an email, for the lister, told as inquiry.created', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const inquiry = await sent(listing.id, {
      message: `  ${message}  `,
      name: 'Ada Bekele',
      email: 'Ada@Example.COM',
      phone: '+251911234567',
      preferredContactTime: 'Weekday evenings',
    });
    expect(inquiry).toEqual({
      id: expect.any(String),
      listing: { id: listing.id, title: listing.title },
      message,
      name: 'Ada Bekele',
      email: 'ada@example.com',
      phone: '+251911234567',
      preferredContactTime: 'Weekday evenings',
      status: 'new',
      sender: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const [row] = await t.database.db.select().from(inquiries).where(eq(inquiries.id, inquiry.id));
    expect(row).toMatchObject({ recipientId: owner.user.id, senderId: null });

    const events = await t.database.db
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.aggregateId, inquiry.id));
    expect(events.map((e) => ({ name: e.name, payload: e.payload }))).toEqual([
      {
        name: 'inquiry.created',
        payload: {
          inquiryId: inquiry.id,
          listingId: listing.id,
          recipientId: owner.user.id,
          senderId: null,
        },
      },
    ]);
  });

  it('refuses a guest without an email, naming body.email, and stores nothing', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const res = await ask(listing.id, { message, phone: '+251911234567' });
    expect(res.status).toBe(422);
    const problem = await problemOf(res);
    expect(problem.code).toBe('email-required');
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.email']);
    expect(
      await t.database.db.select().from(inquiries).where(eq(inquiries.listingId, listing.id)),
    ).toEqual([]);
  });

  it('takes a signed-in user’s inquiry without an email, as theirs', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const listing = await createActive(t, owner, vehicleBody());
    const inquiry = await sent(listing.id, { message }, buyer.headers);
    expect(inquiry).toMatchObject({
      listing: { id: listing.id, title: listing.title },
      email: null,
      name: null,
      phone: null,
      preferredContactTime: null,
      sender: { userId: buyer.user.id },
    });
    const [event] = await t.database.db
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.aggregateId, inquiry.id));
    expect(event?.payload).toMatchObject({ senderId: buyer.user.id });
  });

  it('takes an inquiry about a listing under offer', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const res = await t.json(
      'POST',
      `/api/v1/listings/${listing.id}/status`,
      { status: 'under_offer' },
      owner.headers,
    );
    expect(res.status).toBe(200);
    await sent(listing.id, { message, email: 'ada@example.com' });
  });

  it('refuses an inquiry about one’s own listing with 422 own-listing', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const res = await ask(listing.id, { message }, owner.headers);
    expect(res.status).toBe(422);
    expect((await problemOf(res)).code).toBe('own-listing');
  });

  it('answers 404 for a listing off the market, to everyone, staff and owner included', async () => {
    const owner = await lister(t);
    const agent = await pendingLister(t);
    const buyer = await signedInUser(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const draft = await createDraft(t, owner, propertyBody());
    const inReview = await createDraft(t, agent, propertyBody());
    const published = await t.request(`/api/v1/listings/${inReview.id}/publish`, {
      method: 'POST',
      headers: agent.headers,
    });
    expect(((await published.json()) as { status: string }).status).toBe('pending_review');
    const sold = await createActive(t, owner, propertyBody());
    await t.json('POST', `/api/v1/listings/${sold.id}/status`, { status: 'sold' }, owner.headers);

    for (const id of [draft.id, inReview.id, sold.id, crypto.randomUUID()]) {
      for (const headers of [guest(), buyer.headers, moderator.headers, owner.headers]) {
        const res = await ask(id, { message, email: 'ada@example.com' }, headers);
        expect(res.status).toBe(404);
        expect((await problemOf(res)).code).toBe('not-found');
      }
    }
    const rows = await t.database.db.select().from(inquiries);
    expect(rows.filter((r) => [draft.id, inReview.id, sold.id].includes(r.listingId))).toEqual([]);
  });

  it('names every bad field', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await expectInvalid(
      await ask(listing.id, {
        message: '   ',
        name: 'x'.repeat(101),
        email: 'not-an-email',
        phone: '0911 234 567',
        preferredContactTime: 'y'.repeat(101),
        urgent: true,
      }),
      [
        'body.message',
        'body.name',
        'body.email',
        'body.phone',
        'body.preferredContactTime',
        'body.urgent',
      ],
    );
    await expectInvalid(await ask(listing.id, { message: 'm'.repeat(2001), email: 'a@b.co' }), [
      'body.message',
    ]);
    await expectInvalid(await ask(listing.id, {}), ['body.message']);
    await expectInvalid(await ask('not-a-uuid', { message, email: 'a@b.co' }), ['params.id']);
  });

  it('refuses a bad token instead of taking the inquiry as a guest’s', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const res = await ask(
      listing.id,
      { message, email: 'ada@example.com' },
      { ...guest(), Authorization: 'Bearer not.a.token' },
    );
    expect(res.status).toBe(401);
  });

  it('limits inquiries per user and per guest address, each on its own', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const spammer = await signedInUser(t);
    const other = await signedInUser(t);
    const address = guest();
    for (let i = 0; i < LIMIT; i++) {
      await sent(listing.id, { message: `${message} (${i})` }, spammer.headers);
      await sent(listing.id, { message, email: 'guest@example.com' }, address);
    }
    for (const headers of [spammer.headers, address]) {
      const res = await ask(listing.id, { message, email: 'guest@example.com' }, headers);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('ratelimit-policy')).toBe(`${LIMIT};w=3600`);
      expect((await problemOf(res)).code).toBe('too-many-requests');
    }
    // A user at the spamming guest's address has a counter of their own, and the reverse.
    await sent(listing.id, { message }, { ...address, ...other.headers });
    await sent(listing.id, { message, email: 'guest@example.com' }, guest());
    const rows = await t.database.db
      .select()
      .from(inquiries)
      .where(eq(inquiries.listingId, listing.id));
    expect(rows).toHaveLength(2 * LIMIT + 2);
  });
});

describe('GET /inquiries', () => {
  it('shows the recipient what they received and the sender what they sent', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const stranger = await signedInUser(t);
    const house = await createActive(t, owner, propertyBody());
    const car = await createActive(t, owner, vehicleBody());
    const fromBuyer = await sent(house.id, { message: 'About the house' }, buyer.headers);
    const fromGuest = await sent(car.id, { message: 'About the car', email: 'g@example.com' });

    const received = await inbox(owner);
    expect(received.items.map((i) => i.id)).toEqual([fromGuest.id, fromBuyer.id]);
    expect(received.items[0]).toEqual(fromGuest);
    expect((await inbox(owner, '?box=received')).items).toEqual(received.items);
    expect((await inbox(owner, '?box=sent')).items).toEqual([]);

    expect((await inbox(buyer, '?box=sent')).items).toEqual([fromBuyer]);
    expect((await inbox(buyer)).items).toEqual([]);
    expect((await inbox(stranger)).items).toEqual([]);
    expect((await inbox(stranger, '?box=sent')).items).toEqual([]);
  });

  it('filters by status', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const first = await sent(listing.id, { message: 'One', email: 'g@example.com' });
    const second = await sent(listing.id, { message: 'Two', email: 'g@example.com' });
    expect((await setStatus(owner, first.id, { status: 'archived' })).status).toBe(200);
    expect((await inbox(owner, '?status=archived')).items.map((i) => i.id)).toEqual([first.id]);
    expect((await inbox(owner, '?status=new')).items.map((i) => i.id)).toEqual([second.id]);
    expect((await inbox(owner, '?status=replied')).items).toEqual([]);
  });

  it('walks the inbox newest first, each inquiry once, in pages', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const address = guest();
      ids.push((await sent(listing.id, { message: `#${i}`, email: 'g@example.com' }, address)).id);
    }
    // Pairs share a createdAt, so pages must break ties by id.
    const base = Date.now();
    for (const [i, id] of ids.entries()) {
      await t.database.db
        .update(inquiries)
        .set({ createdAt: new Date(base + Math.floor(i / 2) * 1000) })
        .where(eq(inquiries.id, id));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await inbox(owner, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('refuses a cursor from the other box and bad filters', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await sent(listing.id, { message: 'One', email: 'g@example.com' });
    await sent(listing.id, { message: 'Two', email: 'g@example.com' });
    const { nextCursor } = await inbox(owner, '?limit=1');
    expect(nextCursor).toEqual(expect.any(String));
    const res = await t.request(`/api/v1/inquiries?box=sent&cursor=${nextCursor}`, {
      headers: owner.headers,
    });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe('invalid-cursor');
    await expectInvalid(
      await t.request('/api/v1/inquiries?box=all&status=closed', { headers: owner.headers }),
      ['query.box', 'query.status'],
    );
  });
});

describe('PATCH /inquiries/{id}', () => {
  it('lets the recipient mark an inquiry read, replied and archived', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const listing = await createActive(t, owner, propertyBody());
    const inquiry = await sent(listing.id, { message }, buyer.headers);
    for (const status of ['read', 'replied', 'archived', 'read']) {
      const res = await setStatus(owner, inquiry.id, { status });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toMatchObject({
        id: inquiry.id,
        listing: { id: listing.id, title: listing.title },
        sender: { userId: buyer.user.id },
        status,
      });
    }
    expect((await inbox(buyer, '?box=sent')).items[0]?.status).toBe('read');
  });

  it('answers 404 to the sender, a stranger and staff, changing nothing', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const stranger = await signedInUser(t);
    const admin = await signedInUser(t, { roles: ['admin'] });
    const listing = await createActive(t, owner, propertyBody());
    const inquiry = await sent(listing.id, { message }, buyer.headers);
    for (const who of [buyer, stranger, admin]) {
      const res = await setStatus(who, inquiry.id, { status: 'archived' });
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe('not-found');
    }
    const res = await setStatus(owner, crypto.randomUUID(), { status: 'read' });
    expect(res.status).toBe(404);
    expect((await inbox(owner)).items[0]?.status).toBe('new');
  });

  it('names a bad status, an unknown field and a bad id', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const inquiry = await sent(listing.id, { message, email: 'g@example.com' });
    for (const status of ['new', 'closed', 7, null]) {
      await expectInvalid(await setStatus(owner, inquiry.id, { status }), ['body.status']);
    }
    await expectInvalid(await setStatus(owner, inquiry.id, {}), ['body.status']);
    await expectInvalid(await setStatus(owner, inquiry.id, { status: 'read', note: 'x' }), [
      'body.note',
    ]);
    await expectInvalid(await setStatus(owner, 'nope', { status: 'read' }), ['params.id']);
  });
});
