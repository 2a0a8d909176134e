import { and, count, desc, eq, ne } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Invalid, NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import type { Executor, Tx } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { addresses } from './tables.ts';
import { lockUser } from './users.ts';

/** Enough for home, work and family; a list that long is a client bug or abuse. */
export const MAX_ADDRESSES = 20;

type AddressRow = typeof addresses.$inferSelect;

export interface AddressFields {
  label: string;
  recipient: string;
  phone: string;
  line1: string;
  line2?: string | null | undefined;
  city: string;
  region?: string | null | undefined;
  postalCode?: string | null | undefined;
  countryCode: string;
  lat?: number | null | undefined;
  lng?: number | null | undefined;
}

export type AddressChanges = Partial<AddressFields>;

export interface AddressView {
  id: string;
  label: string;
  recipient: string;
  phone: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string | null;
  countryCode: string;
  lat: number | null;
  lng: number | null;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

function toAddressView(row: AddressRow): AddressView {
  return {
    id: row.id,
    label: row.label,
    recipient: row.recipient,
    phone: row.phone,
    line1: row.line1,
    line2: row.line2,
    city: row.city,
    region: row.region,
    postalCode: row.postalCode,
    countryCode: row.countryCode,
    lat: row.lat,
    lng: row.lng,
    isDefault: row.isDefault,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const notFound = () => new NotFound('address');

/** The default address first, then the newest. */
export async function listAddresses(ctx: Ctx, page: PageInput): Promise<Page<AddressView>> {
  const { userId } = requireActor(ctx);
  const result = await keysetPage<AddressRow>(ctx, {
    scope: 'addresses:default-first',
    keys: [
      { column: addresses.isDefault, direction: 'desc', value: (a) => a.isDefault },
      { column: addresses.createdAt, direction: 'desc', value: (a) => a.createdAt },
      { column: addresses.id, direction: 'desc', value: (a) => a.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select()
        .from(addresses)
        .where(and(eq(addresses.userId, userId), where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  return { items: result.items.map(toAddressView), nextCursor: result.nextCursor };
}

/** One of `userId`'s addresses, or null when it is not theirs (or does not exist). */
export async function addressOf(
  db: Executor,
  userId: string,
  addressId: string,
): Promise<AddressView | null> {
  const [row] = await db
    .select()
    .from(addresses)
    .where(and(eq(addresses.id, addressId), eq(addresses.userId, userId)));
  return row ? toAddressView(row) : null;
}

/** The partial unique index allows one default per user: the old one goes before the new one. */
async function clearDefault(tx: { db: Tx }, userId: string, except?: string): Promise<void> {
  await tx.db
    .update(addresses)
    .set({ isDefault: false })
    .where(
      and(
        eq(addresses.userId, userId),
        eq(addresses.isDefault, true),
        except ? ne(addresses.id, except) : undefined,
      ),
    );
}

/**
 * Adds an address. The first one is the default; `isDefault` makes a later one the default.
 * Writes to one user's addresses run one at a time (the user row is locked), so the limit and
 * the single default hold under concurrent requests.
 */
export async function createAddress(
  ctx: Ctx,
  input: AddressFields & { isDefault?: boolean | undefined },
): Promise<AddressView> {
  const { userId } = requireActor(ctx);
  return withTransaction(ctx, async (tx) => {
    await lockUser(tx.db, userId);
    const [existing] = await tx.db
      .select({ n: count() })
      .from(addresses)
      .where(eq(addresses.userId, userId));
    const held = existing?.n ?? 0;
    if (held >= MAX_ADDRESSES) {
      throw new Invalid(
        'too-many-addresses',
        `An account can keep at most ${MAX_ADDRESSES} addresses; delete one first.`,
      );
    }
    const isDefault = held === 0 || input.isDefault === true;
    if (isDefault) await clearDefault(tx, userId);
    const [row] = await tx.db
      .insert(addresses)
      .values({ ...input, userId, isDefault })
      .returning();
    if (!row) throw new Error('address insert returned nothing');
    return toAddressView(row);
  });
}

export async function updateAddress(
  ctx: Ctx,
  id: string,
  changes: AddressChanges,
): Promise<AddressView> {
  const { userId } = requireActor(ctx);
  const [row] = await ctx.db
    .update(addresses)
    .set(changes)
    .where(and(eq(addresses.id, id), eq(addresses.userId, userId)))
    .returning();
  if (!row) throw notFound();
  return toAddressView(row);
}

/** Deletes an address; when it was the default, the newest remaining one takes its place. */
export async function deleteAddress(ctx: Ctx, id: string): Promise<void> {
  const { userId } = requireActor(ctx);
  await withTransaction(ctx, async (tx) => {
    await lockUser(tx.db, userId);
    const [gone] = await tx.db
      .delete(addresses)
      .where(and(eq(addresses.id, id), eq(addresses.userId, userId)))
      .returning({ isDefault: addresses.isDefault });
    if (!gone) throw notFound();
    if (!gone.isDefault) return;
    const [newest] = await tx.db
      .select({ id: addresses.id })
      .from(addresses)
      .where(eq(addresses.userId, userId))
      .orderBy(desc(addresses.createdAt), desc(addresses.id))
      .limit(1);
    if (newest) {
      await tx.db.update(addresses).set({ isDefault: true }).where(eq(addresses.id, newest.id));
    }
  });
}

export async function makeDefaultAddress(ctx: Ctx, id: string): Promise<AddressView> {
  const { userId } = requireActor(ctx);
  return withTransaction(ctx, async (tx) => {
    await lockUser(tx.db, userId);
    const [found] = await tx.db
      .select({ id: addresses.id })
      .from(addresses)
      .where(and(eq(addresses.id, id), eq(addresses.userId, userId)));
    if (!found) throw notFound();
    await clearDefault(tx, userId, id);
    const [row] = await tx.db
      .update(addresses)
      .set({ isDefault: true })
      .where(eq(addresses.id, id))
      .returning();
    if (!row) throw notFound();
    return toAddressView(row);
  });
}
