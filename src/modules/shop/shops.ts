import { and, count, eq, ne, or, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, Invalid, NotFound } from '../../platform/core/errors.ts';
import type { Amount } from '../../platform/core/money.ts';
import { can, requireActor } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { inspectUpload, withoutMetadata } from '../../platform/storage/index.ts';
import { accountStanding, forgetSessions, grantRole } from '../identity/index.ts';
import { shopCreated } from './events.ts';
import { byIdOrSlug, isUuidShaped, MAX_SLUG_LENGTH, slugFrom } from './slugs.ts';
import { products, type ShopRow, shops } from './tables.ts';
import { onSale, type ShopView, shopView } from './views.ts';

/**
 * The caller's own shop, whatever its status; 404 when they have none yet. `lock` holds it until
 * the transaction ends, so changes to it queue up.
 */
export async function sellerShop(ctx: Ctx, { lock = false } = {}): Promise<ShopRow> {
  const { userId } = requireActor(ctx);
  const query = ctx.db.select().from(shops).where(eq(shops.ownerId, userId));
  const [shop] = await (lock ? query.for('update') : query);
  if (!shop) {
    throw new NotFound('You have no shop yet: open one with POST /seller/shops.', 'no-shop');
  }
  return shop;
}

/** Whether `userId` owns the shop `shopId`: its reviews and orders are not theirs to make. */
export async function ownsShop(db: Executor, userId: string, shopId: string): Promise<boolean> {
  const [shop] = await db
    .select({ id: shops.id })
    .from(shops)
    .where(and(eq(shops.id, shopId), eq(shops.ownerId, userId)));
  return shop !== undefined;
}

export interface ShippingInput {
  flatFee: Amount;
  freeOver: Amount | null;
}

export interface ContactInput {
  email?: string | null | undefined;
  phone?: string | null | undefined;
}

export interface ShopInput {
  name: string;
  /** Made of the name when absent. */
  slug?: string | undefined;
  description?: string | null | undefined;
  contact?: ContactInput | undefined;
  returnPolicy?: string | null | undefined;
  currency: string;
  shipping: ShippingInput;
}

/** What a seller may change; absent fields stay as they are, null clears. */
export type ShopChanges = Partial<ShopInput>;

const SUFFIX_LENGTH = 6;
/** A shop's address is at least this long, whether chosen or made of its name. */
export const SHOP_SLUG_MIN = 3;

/**
 * The slug a shop's name gives, within the shops' length. A name with too few ASCII letters
 * and digits (a name in Ge'ez script) still gives one.
 */
function slugOfName(name: string): string {
  const base = slugFrom(name);
  return base.length >= SHOP_SLUG_MIN ? base : [base, 'shop'].filter(Boolean).join('-');
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SUFFIX_LENGTH));
  return Array.from(bytes, (b) => (b % 36).toString(36)).join('');
}

/** Whether a shop (but `except`) has the slug, or asked for it in a rename under review. */
export async function slugInUse(db: Executor, slug: string, except?: string): Promise<boolean> {
  const [row] = await db
    .select({ id: shops.id })
    .from(shops)
    .where(
      and(
        or(eq(shops.slug, slug), eq(shops.pendingSlug, slug)),
        except ? ne(shops.id, except) : undefined,
      ),
    )
    .limit(1);
  return row !== undefined;
}

/**
 * Where a change of name and address goes: straight on a shop never approved (its approval
 * will cover them), held for a moderator on an approved one (renames.ts decides). Asking for
 * the current value again withdraws what was held.
 */
function nameColumns(shop: ShopRow, changes: Pick<ShopChanges, 'name' | 'slug'>) {
  if (shop.approvedAt === null) return { name: changes.name, slug: changes.slug };
  const held = (asked: string | undefined, current: string, pending: string | null) =>
    asked === undefined ? pending : asked === current ? null : asked;
  return {
    pendingName: held(changes.name, shop.name, shop.pendingName),
    pendingSlug: held(changes.slug, shop.slug, shop.pendingSlug),
  };
}

/** The name's slug, or when a shop has it, the slug with a short random suffix. */
async function freeSlugFor(db: Executor, name: string): Promise<string> {
  const base = slugOfName(name);
  if (!isUuidShaped(base) && !(await slugInUse(db, base))) return base;
  const stem = base.slice(0, MAX_SLUG_LENGTH - SUFFIX_LENGTH - 1).replace(/-$/, '');
  for (;;) {
    const candidate = `${stem}-${randomSuffix()}`;
    if (!(await slugInUse(db, candidate))) return candidate;
  }
}

const slugTaken = (slug: string) =>
  new Conflict('slug-taken', `Another shop has the address “${slug}”; choose another slug.`, {
    fields: [{ path: 'slug', message: 'taken by another shop' }],
  });

const shopExists = () =>
  new Conflict('shop-exists', 'You already have a shop: change it with PATCH /seller/shops/me.');

/** Shipping is charged in the shop's currency: each amount must be in it. */
function assertShippingCurrency(currency: string, shipping: ShippingInput): void {
  const errors = (['flatFee', 'freeOver'] as const)
    .filter((field) => {
      const amount = shipping[field];
      return amount !== null && amount.currency !== currency;
    })
    .map((field) => ({
      path: `shipping.${field}.currency`,
      message: `must be the shop’s currency, ${currency}`,
    }));
  if (errors.length > 0) {
    throw new Invalid(
      'shipping-currency',
      `Shipping is charged in the shop’s currency, ${currency}.`,
      { fields: errors },
    );
  }
}

const shippingColumns = (shipping: ShippingInput) => ({
  shippingFlatFee: shipping.flatFee.amount,
  shippingFreeOver: shipping.freeOver?.amount ?? null,
});

/**
 * Opens the caller's shop, pending an admin's approval, and makes them a seller: their next
 * request holds the role. One shop per user; the account must have proved an email or phone.
 */
export async function openShop(ctx: Ctx, input: ShopInput): Promise<ShopView> {
  const { userId } = requireActor(ctx);
  if (!(await accountStanding(ctx.db, userId)).verified) {
    throw new Forbidden('Verify your email or phone before opening a shop.', 'unverified-account');
  }
  assertShippingCurrency(input.currency, input.shipping);
  let row: ShopRow;
  try {
    row = await withTransaction(ctx, async (tx) => {
      const [own] = await tx.db
        .select({ id: shops.id })
        .from(shops)
        .where(eq(shops.ownerId, userId));
      if (own) throw shopExists();
      if (input.slug !== undefined && (await slugInUse(tx.db, input.slug))) {
        throw slugTaken(input.slug);
      }
      const [created] = await tx.db
        .insert(shops)
        .values({
          ownerId: userId,
          name: input.name,
          slug: input.slug ?? (await freeSlugFor(tx.db, input.name)),
          description: input.description ?? null,
          contactEmail: input.contact?.email ?? null,
          contactPhone: input.contact?.phone ?? null,
          returnPolicy: input.returnPolicy ?? null,
          currency: input.currency,
          ...shippingColumns(input.shipping),
          status: 'pending',
        })
        .returning();
      if (!created) throw new Error('opening a shop inserted nothing');
      await grantRole(tx, userId, 'seller');
      await publish(tx, shopCreated, {
        aggregateId: created.id,
        payload: { shopId: created.id, ownerId: userId },
      });
      return created;
    });
  } catch (error) {
    // Lost a race for the owner or the slug to a request that committed first.
    if (!isUniqueViolation(error)) throw error;
    const [own] = await ctx.db
      .select({ id: shops.id })
      .from(shops)
      .where(eq(shops.ownerId, userId));
    throw own ? shopExists() : slugTaken(input.slug ?? slugOfName(input.name));
  }
  // After the commit, so a request in between cannot cache the roles from before it.
  await forgetSessions(ctx, { userId });
  return shopView(ctx.storage, row);
}

export async function getOwnShop(ctx: Ctx): Promise<ShopView> {
  return shopView(ctx.storage, await sellerShop(ctx));
}

async function hasProducts(db: Executor, shopId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: products.id })
    .from(products)
    .where(eq(products.shopId, shopId))
    .limit(1);
  return row !== undefined;
}

/**
 * Checks a currency change: prices are in the shop's currency, so it changes only while the
 * shop has no products, and stored shipping amounts must come anew in the new currency.
 */
async function assertCurrencyChange(
  db: Executor,
  shop: ShopRow,
  changes: ShopChanges,
): Promise<void> {
  if (changes.currency === undefined || changes.currency === shop.currency) return;
  if (await hasProducts(db, shop.id)) {
    throw new Conflict(
      'shop-has-products',
      'The currency of a shop with products cannot change: their prices are in it.',
      { fields: [{ path: 'currency', message: 'the shop has products' }] },
    );
  }
  const charges = shop.shippingFlatFee > 0 || shop.shippingFreeOver !== null;
  if (charges && changes.shipping === undefined) {
    throw new Invalid(
      'shipping-currency',
      `Give the shipping amounts in ${changes.currency} with the new currency.`,
      { fields: [{ path: 'shipping', message: `required in ${changes.currency}` }] },
    );
  }
}

/** Copies a shop's new name to its products, where search reads it. */
export async function renameProducts(db: Executor, shopId: string, name: string): Promise<void> {
  await db
    .update(products)
    // A copy kept in step is no change of the product: its updatedAt stays.
    .set({ shopName: name, updatedAt: sql`${products.updatedAt}` })
    .where(eq(products.shopId, shopId));
}

/**
 * Changes the caller's shop; a new name reaches its products (search reads it there). An
 * approved shop's new name or address waits for a moderator (`rename` in its view).
 */
export async function updateOwnShop(ctx: Ctx, changes: ShopChanges): Promise<ShopView> {
  let row: ShopRow;
  try {
    row = await withTransaction(ctx, async (tx) => {
      const shop = await sellerShop(tx, { lock: true });
      await assertCurrencyChange(tx.db, shop, changes);
      if (changes.shipping) {
        assertShippingCurrency(changes.currency ?? shop.currency, changes.shipping);
      }
      if (
        changes.slug !== undefined &&
        changes.slug !== shop.slug &&
        (await slugInUse(tx.db, changes.slug, shop.id))
      ) {
        throw slugTaken(changes.slug);
      }
      const { contact } = changes;
      const [updated] = await tx.db
        .update(shops)
        .set({
          ...nameColumns(shop, changes),
          description: changes.description,
          contactEmail: contact?.email,
          contactPhone: contact?.phone,
          returnPolicy: changes.returnPolicy,
          currency: changes.currency,
          ...(changes.shipping ? shippingColumns(changes.shipping) : {}),
        })
        .where(eq(shops.id, shop.id))
        .returning();
      if (!updated) throw new NotFound('shop');
      if (updated.name !== shop.name) await renameProducts(tx.db, shop.id, updated.name);
      return updated;
    });
  } catch (error) {
    if (isUniqueViolation(error) && changes.slug !== undefined) throw slugTaken(changes.slug);
    throw error;
  }
  return shopView(ctx.storage, row);
}

/** The shop's two public images. */
export type ShopImage = 'logo' | 'banner';

const IMAGE_COLUMN = { logo: 'logoKey', banner: 'bannerKey' } as const;

/** A replaced image's file; a failure only leaves an orphan file, so it is logged. */
async function deleteImageFile(ctx: Ctx, key: string): Promise<void> {
  try {
    await ctx.storage.delete(key);
  } catch (error) {
    ctx.log.warn({ err: error, key }, 'could not delete a shop image');
  }
}

/** Stores `bytes` as the shop's logo or banner, public and stripped; the old file goes. */
export async function setShopImage(
  ctx: Ctx,
  which: ShopImage,
  bytes: Uint8Array,
): Promise<ShopView> {
  // Checked before the upload is stored, so a caller without a shop leaves no file.
  const shop = await sellerShop(ctx);
  const { ext, mime } = await inspectUpload(bytes, {
    allowed: ['image'],
    maxBytes: ctx.config.uploadMaxBytes,
    maxPixels: ctx.config.imageMaxPixels,
  });
  const key = `shops/${shop.id}/${which}-${uuidv7()}.${ext}`;
  await ctx.storage.put(key, await withoutMetadata(bytes, ext), {
    contentType: mime,
    visibility: 'public',
  });
  const column = IMAGE_COLUMN[which];
  let changed: { row: ShopRow; previous: string | null };
  try {
    changed = await withTransaction(ctx, async (tx) => {
      const current = await sellerShop(tx, { lock: true });
      const [row] = await tx.db
        .update(shops)
        .set({ [column]: key })
        .where(eq(shops.id, current.id))
        .returning();
      if (!row) throw new NotFound('shop');
      return { row, previous: current[column] };
    });
  } catch (error) {
    await deleteImageFile(ctx, key);
    throw error;
  }
  if (changed.previous) await deleteImageFile(ctx, changed.previous);
  return shopView(ctx.storage, changed.row);
}

/** Removes the logo or banner; harmless when there is none. */
export async function removeShopImage(ctx: Ctx, which: ShopImage): Promise<void> {
  const column = IMAGE_COLUMN[which];
  const previous = await withTransaction(ctx, async (tx) => {
    const current = await sellerShop(tx, { lock: true });
    if (!current[column]) return null;
    await tx.db
      .update(shops)
      .set({ [column]: null })
      .where(eq(shops.id, current.id));
    return current[column];
  });
  if (previous) await deleteImageFile(ctx, previous);
}

export interface PublicShopView
  extends Omit<ShopView, 'ownerId' | 'statusReason' | 'rename' | 'approvedAt' | 'updatedAt'> {
  rating: { average: number | null; count: number };
  productCount: number;
}

/** How many products the shop has on sale and their ratings, weighted by how often rated. */
async function saleStats(db: Executor, shopId: string) {
  const [row] = await db
    .select({
      productCount: count(),
      ratingCount: sql<number>`coalesce(sum(${products.ratingCount}), 0)`.mapWith(Number),
      ratingSum:
        sql<number>`coalesce(sum(${products.averageRating} * ${products.ratingCount}), 0)`.mapWith(
          Number,
        ),
    })
    .from(products)
    .where(and(eq(products.shopId, shopId), onSale));
  return row ?? { productCount: 0, ratingCount: 0, ratingSum: 0 };
}

/**
 * A shop's page, by id or slug: anyone's while it is active; a pending or suspended shop only
 * its owner's and reviewers', 404 to everyone else.
 */
export async function publicShop(ctx: Ctx, idOrSlug: string): Promise<PublicShopView> {
  const [row] = await ctx.db
    .select()
    .from(shops)
    .where(byIdOrSlug(shops.id, shops.slug, idOrSlug))
    .limit(1);
  const mayReview = row && (row.ownerId === ctx.actor?.userId || can(ctx, 'shops.review'));
  if (!row || (row.status !== 'active' && !mayReview)) throw new NotFound('shop');
  const stats = await saleStats(ctx.db, row.id);
  const {
    ownerId: _ownerId,
    statusReason: _statusReason,
    rename: _rename,
    approvedAt: _approvedAt,
    updatedAt: _updatedAt,
    ...shown
  } = await shopView(ctx.storage, row);
  return {
    ...shown,
    rating: {
      average:
        stats.ratingCount > 0
          ? Math.round((stats.ratingSum / stats.ratingCount) * 100) / 100
          : null,
      count: stats.ratingCount,
    },
    productCount: stats.productCount,
  };
}
