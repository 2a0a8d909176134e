import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp } from '../../../test/harness.ts';
import { createActive, lister, propertyBody } from './listings.test-support.ts';
import { reportWeight, SEASONED_REPORTER_DAYS } from './reports.ts';
import { listingReports, listings } from './tables.ts';

/**
 * A handful of throwaway accounts cannot take a competitor's listing off the market: reports
 * weigh by their reporter's standing, and a reporter already answered is not counted again.
 */
const THRESHOLD = 3;
const t = await createTestApp({ env: { LISTING_REPORTS_THRESHOLD: String(THRESHOLD) } });
afterAll(() => t.close());

const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

const reporter = (days: number, status: 'active' | 'unverified' = 'active') =>
  signedInUser(t, { createdAt: daysAgo(days), status });

async function report(who: SignedIn, listingId: string): Promise<void> {
  const res = await t.json(
    'POST',
    `/api/v1/listings/${listingId}/reports`,
    { reason: 'fraud' },
    who.headers,
  );
  expect(res.status, await res.clone().text()).toBe(201);
}

async function statusOf(listingId: string) {
  const [row] = await t.database.db
    .select({ status: listings.status })
    .from(listings)
    .where(eq(listings.id, listingId));
  return row?.status;
}

describe('report weights', () => {
  it('count 1 from a proven account from its seventh day, ½ before, nothing unproven', () => {
    const now = new Date();
    const at = (days: number) => new Date(now.getTime() - days * DAY_MS);
    expect(
      reportWeight({ createdAt: at(SEASONED_REPORTER_DAYS), verified: true }, false, now),
    ).toBe(1);
    expect(
      reportWeight(
        { createdAt: new Date(at(SEASONED_REPORTER_DAYS).getTime() + 1), verified: true },
        false,
        now,
      ),
    ).toBe(0.5);
    expect(reportWeight({ createdAt: at(400), verified: false }, false, now)).toBe(0);
    expect(reportWeight({ createdAt: at(400), verified: true }, true, now)).toBe(0);
    expect(reportWeight(undefined, false, now)).toBe(0);
  });
});

describe('taking a listing down by reports', () => {
  it('needs more than three fresh accounts', async () => {
    const listing = await createActive(t, await lister(t), propertyBody());
    for (let i = 0; i < 5; i++) await report(await reporter(0), listing.id);
    expect(await statusOf(listing.id)).toBe('active');
    // Six fresh accounts weigh three: the threshold.
    await report(await reporter(0), listing.id);
    expect(await statusOf(listing.id)).toBe('pending_review');
  });

  it('never counts unproven accounts, however many', async () => {
    const listing = await createActive(t, await lister(t), propertyBody());
    for (let i = 0; i < 8; i++) await report(await reporter(90, 'unverified'), listing.id);
    expect(await statusOf(listing.id)).toBe('active');
    const reports = await t.database.db
      .select()
      .from(listingReports)
      .where(eq(listingReports.subjectId, listing.id));
    expect(reports).toHaveLength(8);
  });

  it('takes the listing down at the threshold of seasoned reporters, not one before', async () => {
    const listing = await createActive(t, await lister(t), propertyBody());
    await report(await reporter(SEASONED_REPORTER_DAYS + 1), listing.id);
    await report(await reporter(SEASONED_REPORTER_DAYS + 1), listing.id);
    expect(await statusOf(listing.id)).toBe('active');
    await report(await reporter(SEASONED_REPORTER_DAYS + 1), listing.id);
    expect(await statusOf(listing.id)).toBe('pending_review');
  });

  it('does not let the reporters a moderator answered take it down again', async () => {
    const owner = await lister(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const listing = await createActive(t, owner, propertyBody());
    const crowd = await Promise.all([reporter(30), reporter(30), reporter(30)]);
    for (const who of crowd) await report(who, listing.id);
    expect(await statusOf(listing.id)).toBe('pending_review');
    const approved = await t.json(
      'POST',
      `/api/v1/admin/listings/${listing.id}/approve`,
      { revision: listing.revision },
      moderator.headers,
    );
    expect(approved.status).toBe(200);

    for (const who of crowd) await report(who, listing.id);
    expect(await statusOf(listing.id)).toBe('active');
  });

  it('limits how many listings one account reports in an hour', async () => {
    const who = await reporter(30);
    const owner = await lister(t);
    let last: Response | undefined;
    for (let i = 0; i < 21; i++) {
      const listing = await createActive(t, owner, propertyBody());
      last = await t.json(
        'POST',
        `/api/v1/listings/${listing.id}/reports`,
        { reason: 'spam' },
        who.headers,
      );
      if (i < 20) expect(last.status).toBe(201);
    }
    expect(last?.status).toBe(429);
  });
});
