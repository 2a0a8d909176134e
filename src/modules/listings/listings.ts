import { and, eq, type SQL } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { can, requireActor } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { pendingRoles } from '../identity/index.ts';
import { listingArchived, listingPublished, listingStatusChanged } from './events.ts';
import type { ListingInput } from './schemas.ts';
import { listings } from './tables.ts';
import {
  type Listed,
  type ListingSummaryView,
  type ListingView,
  listingColumns,
  listingView,
  summaryViews,
} from './views.ts';
import { isPublicStatus, type ListingStatus, type Purpose } from './vocabulary.ts';

/** Creating, reading, changing and moving listings through their statuses. */

/** Columns for a validated listing; the other kind's columns are cleared. */
export function columnsOf(input: ListingInput) {
  const { location, price } = input;
  const common = {
    kind: input.kind,
    purpose: input.purpose,
    rentPeriod: input.purpose === 'rent' ? (input.rentPeriod ?? null) : null,
    title: input.title,
    description: input.description,
    priceAmount: price.amount,
    priceCurrency: price.currency,
    address: location.address ?? null,
    city: location.city,
    region: location.region ?? null,
    countryCode: location.countryCode,
    postalCode: location.postalCode ?? null,
    lat: location.lat,
    lng: location.lng,
  };
  const property = input.kind === 'property' ? input.property : undefined;
  const vehicle = input.kind === 'vehicle' ? input.vehicle : undefined;
  return {
    ...common,
    propertyType: property?.type ?? null,
    bedrooms: property?.bedrooms ?? null,
    bathrooms: property?.bathrooms ?? null,
    floorAreaM2: property?.floorAreaM2 ?? null,
    lotSizeM2: property?.lotSizeM2 ?? null,
    yearBuilt: property?.yearBuilt ?? null,
    floor: property?.floor ?? null,
    parkingSpaces: property?.parkingSpaces ?? null,
    furnished: property?.furnished ?? null,
    features: property ? (property.features ?? []) : null,
    amenities: property ? (property.amenities ?? []) : null,
    vehicleCategory: vehicle?.category ?? null,
    make: vehicle?.make ?? null,
    model: vehicle?.model ?? null,
    trim: vehicle?.trim ?? null,
    year: vehicle?.year ?? null,
    mileageKm: vehicle?.mileageKm ?? null,
    fuel: vehicle?.fuel ?? null,
    transmission: vehicle?.transmission ?? null,
    bodyType: vehicle?.bodyType ?? null,
    color: vehicle?.color ?? null,
    condition: vehicle?.condition ?? null,
    engineCc: vehicle?.engineCc ?? null,
    vin: vehicle?.vin ?? null,
  };
}

async function mayList(ctx: Ctx): Promise<boolean> {
  const actor = requireActor(ctx);
  if (can(ctx, 'listings.create')) return true;
  const pending = await pendingRoles(ctx.db, actor.userId);
  return pending.includes('agent') || pending.includes('broker');
}

export async function createListing(ctx: Ctx, input: ListingInput): Promise<ListingView> {
  const actor = requireActor(ctx);
  if (!(await mayList(ctx))) {
    throw new Forbidden(
      'Listing needs the owner, agent or broker role: ask for one with POST /profile/roles/{role}.',
      'lister-role-required',
    );
  }
  const [row] = await ctx.db
    .insert(listings)
    .values({ ...columnsOf(input), ownerId: actor.userId, status: 'draft' })
    .returning(listingColumns);
  if (!row) throw new Error('inserting a listing returned no row');
  return listingView(ctx.db, ctx.storage, row);
}

/** Whether the caller may see the listing whatever its status. */
function seesEverything(ctx: Ctx, row: Listed): boolean {
  return ctx.actor?.userId === row.ownerId || can(ctx, 'listings.review');
}

async function findListing(db: Executor, id: string, lock = false): Promise<Listed | undefined> {
  const query = db.select(listingColumns).from(listings).where(eq(listings.id, id)).limit(1);
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** The listing locked until the transaction ends, so changes to it queue up; 404 when unknown. */
export async function lockedListing(ctx: Ctx, id: string): Promise<Listed> {
  const row = await findListing(ctx.db, id, true);
  if (!row) throw new NotFound('listing');
  return row;
}

/** The listing as the caller may see it: anyone when on the market, else its owner or staff. */
export async function visibleListing(ctx: Ctx, id: string): Promise<Listed> {
  const row = await findListing(ctx.db, id);
  if (!row || !(isPublicStatus(row.status) || seesEverything(ctx, row))) {
    throw new NotFound('listing');
  }
  return row;
}

export async function getListing(ctx: Ctx, id: string): Promise<ListingView> {
  return listingView(ctx.db, ctx.storage, await visibleListing(ctx, id));
}

/**
 * The listing locked for a change by its owner or an admin. Someone else's listing is 404 when
 * they could not see it (a draft) and 403 when they could.
 */
export async function listingToChange(ctx: Ctx, id: string): Promise<Listed> {
  const actor = requireActor(ctx);
  const row = await lockedListing(ctx, id);
  if (row.ownerId === actor.userId || can(ctx, 'listings.manage')) return row;
  if (isPublicStatus(row.status) || can(ctx, 'listings.review')) throw new Forbidden();
  throw new NotFound('listing');
}

/** Records an admin's change to someone else's listing; owners' own edits are not audited. */
export async function auditIfStaff(ctx: Ctx, row: Listed, action: string, after: unknown) {
  if (ctx.actor && ctx.actor.userId !== row.ownerId) {
    await audit(ctx, {
      action,
      resource: { type: 'listing', id: row.id },
      before: { status: row.status },
      after,
      metadata: { ownerId: row.ownerId },
    });
  }
}

export function assertNotArchived(row: Listed): void {
  if (row.status === 'archived') {
    throw new Conflict('listing-archived', 'The listing is archived; list it anew instead.');
  }
}

type StatusExtras = Partial<
  Pick<Listed, 'publishedAt' | 'expiresAt' | 'expiryWarnedAt' | 'reviewFlags' | 'rejectionReason'>
>;

/** Moves the listing to `to` (with `extra` columns), told as listing.status_changed. */
export async function moveTo(
  ctx: Ctx,
  row: Listed,
  to: ListingStatus,
  extra: StatusExtras = {},
): Promise<Listed> {
  const [updated] = await ctx.db
    .update(listings)
    .set({ status: to, ...extra })
    .where(eq(listings.id, row.id))
    .returning(listingColumns);
  if (!updated) throw new NotFound('listing');
  await publish(ctx, listingStatusChanged, {
    aggregateId: row.id,
    payload: { listingId: row.id, ownerId: row.ownerId, from: row.status, to },
  });
  await auditIfStaff(ctx, row, 'listing.status_changed', { status: to });
  return updated;
}

export const daysAfter = (from: Date, days: number) => new Date(from.getTime() + days * 86_400_000);

/**
 * Puts the listing on the market until LISTING_EXPIRY_DAYS from `now`, and tells saved searches
 * (listing.published). Publishing, a moderator's approval and renewing an expired listing all
 * come through here.
 */
export async function goLive(ctx: Ctx, row: Listed, now = new Date()): Promise<Listed> {
  const updated = await moveTo(ctx, row, 'active', {
    publishedAt: now,
    expiresAt: daysAfter(now, ctx.config.listings.expiryDays),
    expiryWarnedAt: null,
    reviewFlags: null,
    rejectionReason: null,
  });
  await publish(ctx, listingPublished, {
    aggregateId: row.id,
    payload: { listingId: row.id, ownerId: row.ownerId, kind: row.kind },
  });
  return updated;
}

/** What the status endpoint may set, from where. */
export const SETTABLE_STATUSES = ['active', 'under_offer', 'sold', 'rented'] as const;
export type SettableStatus = (typeof SETTABLE_STATUSES)[number];

const MOVES: Partial<Record<ListingStatus, readonly SettableStatus[]>> = {
  active: ['under_offer', 'sold', 'rented'],
  under_offer: ['active', 'sold', 'rented'],
  sold: ['active'],
  rented: ['active'],
};

/** A sale ends sold and a rent rented, never the other way round. */
const ENDS: Record<Purpose, SettableStatus> = { sale: 'sold', rent: 'rented' };

export async function setListingStatus(
  ctx: Ctx,
  id: string,
  to: SettableStatus,
): Promise<ListingView> {
  return withTransaction(ctx, async (tx) => {
    const row = await listingToChange(tx, id);
    const allowed = (MOVES[row.status] ?? []).filter(
      (s) => s === 'active' || s === 'under_offer' || s === ENDS[row.purpose],
    );
    if (!allowed.includes(to)) {
      throw new Conflict(
        'invalid-status-change',
        allowed.length === 0
          ? `A listing that is ${row.status.replace('_', ' ')} cannot change status here.`
          : `From ${row.status} a ${row.purpose} listing can go to ${allowed.join(', ')}.`,
      );
    }
    return listingView(tx.db, tx.storage, await moveTo(tx, row, to));
  });
}

/** Takes the listing off the market for good; archiving twice is harmless. */
export async function archiveListing(ctx: Ctx, id: string): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    const row = await listingToChange(tx, id);
    if (row.status === 'archived') return;
    await moveTo(tx, row, 'archived');
    await publish(tx, listingArchived, {
      aggregateId: id,
      payload: { listingId: id, ownerId: row.ownerId, by: requireActor(tx).userId },
    });
  });
}

/**
 * Listings matching `where`, newest first, as summaries. `scope` ties the cursors to the list
 * (and to whose it is), so one list's cursor cannot walk another.
 */
export async function newestListings(
  ctx: Ctx,
  scope: string,
  where: SQL | undefined,
  page: PageInput,
): Promise<Page<ListingSummaryView>> {
  const result = await keysetPage<Listed>(ctx, {
    scope,
    keys: [
      { column: listings.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: listings.id, direction: 'desc', value: (r) => r.id },
    ],
    page,
    fetch: ({ where: after, orderBy, limit }) =>
      ctx.db
        .select(listingColumns)
        .from(listings)
        .where(and(where, after))
        .orderBy(...orderBy)
        .limit(limit),
  });
  return { ...result, items: await summaryViews(ctx.db, ctx.storage, result.items) };
}

/** The caller's own listings, every status, newest first. */
export function myListings(
  ctx: Ctx,
  filter: { status?: ListingStatus | undefined },
  page: PageInput,
): Promise<Page<ListingSummaryView>> {
  const { userId } = requireActor(ctx);
  return newestListings(
    ctx,
    `my-listings:${filter.status ?? 'all'}`,
    and(
      eq(listings.ownerId, userId),
      filter.status ? eq(listings.status, filter.status) : undefined,
    ),
    page,
  );
}
