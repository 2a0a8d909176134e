import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Invalid, NotFound } from '../../platform/core/errors.ts';
import type { Amount } from '../../platform/core/money.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import {
  isBuyable,
  isOwnShop,
  type SellableVariant,
  sellableVariants,
  shippingFor,
} from '../shop/index.ts';
import { type CartItemRow, cartItems } from './tables.ts';
import { LOW_STOCK } from './vocabulary.ts';

/**
 * The signed-in buyer's saved cart. It reserves nothing: stock and prices are read afresh on
 * every view, and checkout takes the stock. One line per variant, kept so by the unique
 * (user, variant) index even when two requests add the same variant at once.
 */

export const AVAILABILITIES = ['in_stock', 'low', 'out_of_stock', 'unavailable'] as const;
export type Availability = (typeof AVAILABILITIES)[number];

export const SYNC_REASONS = [
  'clamped_to_stock',
  'clamped_to_limit',
  'unavailable',
  'not_found',
  'removed_out_of_stock',
] as const;
export type SyncReason = (typeof SYNC_REASONS)[number];

export interface CartLineView {
  id: string;
  variantId: string;
  productId: string;
  title: string;
  options: Record<string, string>;
  sku: string;
  imageUrl: string | null;
  quantity: number;
  unitPrice: Amount;
  priceAtAdd: Amount;
  lineTotal: Amount;
  availability: Availability;
  available: number;
  priceChanged: boolean;
}

export interface CartShopView {
  shop: { id: string; name: string; slug: string };
  items: CartLineView[];
  subtotal: Amount;
  shipping: Amount;
  total: Amount;
}

export interface CartView {
  shops: CartShopView[];
  itemCount: number;
}

export interface Adjustment {
  variantId: string;
  requested: number;
  applied: number;
  reason: SyncReason;
}

export interface CartLineInput {
  variantId: string;
  quantity: number;
}

function availabilityOf(sellable: SellableVariant): Availability {
  if (!isBuyable(sellable)) return 'unavailable';
  if (sellable.variant.stock === 0) return 'out_of_stock';
  return sellable.variant.stock <= LOW_STOCK ? 'low' : 'in_stock';
}

/** Only what checkout could buy now counts towards a shop's subtotal and shipping. */
const buyable = (line: CartLineView) =>
  line.availability === 'in_stock' || line.availability === 'low';

async function linesOf(db: Executor, userId: string): Promise<CartItemRow[]> {
  return db
    .select()
    .from(cartItems)
    .where(eq(cartItems.userId, userId))
    .orderBy(asc(cartItems.createdAt), asc(cartItems.id));
}

/** The caller's cart, grouped by shop in the order their first line was added. */
export async function getCart(ctx: Ctx): Promise<CartView> {
  const { userId } = requireActor(ctx);
  const rows = await linesOf(ctx.db, userId);
  const catalogue = await sellableVariants(
    ctx.db,
    rows.map((row) => row.variantId),
  );
  const groups = new Map<string, { sellable: SellableVariant; items: CartLineView[] }>();
  let itemCount = 0;
  for (const row of rows) {
    // A variant deleted between the two reads: its line is gone with it (FK cascade).
    const sellable = catalogue.get(row.variantId);
    if (!sellable) continue;
    const group = groups.get(sellable.shop.id) ?? { sellable, items: [] };
    groups.set(sellable.shop.id, group);
    group.items.push(await lineView(ctx, row, sellable));
    itemCount += row.quantity;
  }
  return {
    shops: [...groups.values()].map(({ sellable: { shop }, items }) => {
      const money = (amount: number) => ({ amount, currency: shop.currency });
      const subtotal = items.filter(buyable).reduce((sum, line) => sum + line.lineTotal.amount, 0);
      const shipping = shippingFor(shop, subtotal);
      return {
        shop: { id: shop.id, name: shop.name, slug: shop.slug },
        items,
        subtotal: money(subtotal),
        shipping: money(shipping),
        total: money(subtotal + shipping),
      };
    }),
    itemCount,
  };
}

async function lineView(
  ctx: Ctx,
  row: CartItemRow,
  { variant, product, shop, imageKey }: SellableVariant,
): Promise<CartLineView> {
  const money = (amount: number) => ({ amount, currency: shop.currency });
  return {
    id: row.id,
    variantId: variant.id,
    productId: product.id,
    title: product.title,
    options: variant.options,
    sku: variant.sku,
    imageUrl: imageKey ? await ctx.storage.url(imageKey) : null,
    quantity: row.quantity,
    unitPrice: money(variant.priceAmount),
    priceAtAdd: money(row.priceAtAdd),
    lineTotal: money(variant.priceAmount * row.quantity),
    availability: availabilityOf({ variant, product, shop, imageKey }),
    available: variant.stock,
    priceChanged: row.priceAtAdd !== variant.priceAmount,
  };
}

/** The variant, on sale and not from the buyer's own shop; 422 naming `path` otherwise. */
async function sellable(
  db: Executor,
  buyerId: string,
  variantId: string,
  path: string,
): Promise<SellableVariant> {
  const found = (await sellableVariants(db, [variantId])).get(variantId);
  if (!found) {
    throw new Invalid('unknown-variant', 'No product variant has this id.', {
      fields: [{ path, message: 'no such variant' }],
    });
  }
  if (!isBuyable(found)) {
    throw new Invalid('not-on-sale', 'This product is not on sale now.', {
      fields: [{ path, message: 'the product is not on sale (withdrawn, or its shop is closed)' }],
    });
  }
  if (isOwnShop(found, buyerId)) {
    throw new Invalid('own-shop', 'You cannot buy from your own shop.', {
      fields: [{ path, message: 'from your own shop' }],
    });
  }
  return found;
}

/** Refuses a line quantity above the per-line limit or the variant's stock. */
function checkQuantity(ctx: Ctx, found: SellableVariant, quantity: number, held = 0): void {
  const limit = ctx.config.orders.maxQuantity;
  const stock = found.variant.stock;
  const already = held > 0 ? ` (the cart already holds ${held})` : '';
  if (quantity > stock) {
    throw new Conflict(
      'insufficient-stock',
      `Only ${stock} of this variant are available; the line would hold ${quantity}${already}.`,
      { fields: [{ path: 'quantity', message: `only ${stock} available` }] },
    );
  }
  if (quantity > limit) {
    throw new Invalid(
      'quantity-limit',
      `A cart line holds at most ${limit} of a variant; it would hold ${quantity}${already}.`,
      { fields: [{ path: 'quantity', message: `at most ${limit} per line` }] },
    );
  }
}

/**
 * Adds to the variant's line, or starts one at today's price. The upsert adds to whatever the
 * line holds at that moment, so two adds at once both count; the total is then checked and the
 * whole write rolls back when it is too much.
 */
export async function addToCart(ctx: Ctx, input: CartLineInput): Promise<CartView> {
  const { userId } = requireActor(ctx);
  await withTransaction(ctx, async (tx) => {
    const found = await sellable(tx.db, userId, input.variantId, 'variantId');
    // Checked before the write too, so an absurd quantity never reaches the integer column.
    checkQuantity(tx, found, input.quantity);
    const [line] = await tx.db
      .insert(cartItems)
      .values({
        userId,
        variantId: input.variantId,
        quantity: input.quantity,
        priceAtAdd: found.variant.priceAmount,
      })
      .onConflictDoUpdate({
        target: [cartItems.userId, cartItems.variantId],
        set: { quantity: sql`${cartItems.quantity} + excluded.quantity`, updatedAt: new Date() },
      })
      .returning({ quantity: cartItems.quantity });
    const total = line?.quantity ?? input.quantity;
    checkQuantity(tx, found, total, total - input.quantity);
  });
  return getCart(ctx);
}

async function ownLine(ctx: Ctx, id: string): Promise<CartItemRow> {
  const { userId } = requireActor(ctx);
  const [row] = await ctx.db
    .select()
    .from(cartItems)
    .where(and(eq(cartItems.id, id), eq(cartItems.userId, userId)))
    .for('update');
  if (!row) throw new NotFound('cart item');
  return row;
}

/** Sets a line's quantity (0 removes it); a kept line must be buyable at that quantity now. */
export async function setCartQuantity(ctx: Ctx, id: string, quantity: number): Promise<CartView> {
  await withTransaction(ctx, async (tx) => {
    const row = await ownLine(tx, id);
    if (quantity === 0) {
      await tx.db.delete(cartItems).where(eq(cartItems.id, row.id));
      return;
    }
    const found = await sellable(tx.db, row.userId, row.variantId, 'id');
    checkQuantity(tx, found, quantity);
    await tx.db
      .update(cartItems)
      .set({ quantity, updatedAt: new Date() })
      .where(eq(cartItems.id, row.id));
  });
  return getCart(ctx);
}

export async function removeCartLine(ctx: Ctx, id: string): Promise<void> {
  const { userId } = requireActor(ctx);
  const [gone] = await ctx.db
    .delete(cartItems)
    .where(and(eq(cartItems.id, id), eq(cartItems.userId, userId)))
    .returning({ id: cartItems.id });
  if (!gone) throw new NotFound('cart item');
}

export async function emptyCart(ctx: Ctx): Promise<void> {
  const { userId } = requireActor(ctx);
  await ctx.db.delete(cartItems).where(eq(cartItems.userId, userId));
}

/**
 * Merges a device's local cart into the saved one. A variant in both keeps the larger quantity,
 * not the sum, so a device that syncs the same cart twice does not double it. Each variant sent
 * is then fitted to what can be bought now: clamped to its stock and the per-line limit, or
 * taken out of the cart when it is unknown, not on sale or sold out. Saved lines the device did
 * not send stay as they are. Every change is reported with its reason.
 */
export async function syncCart(
  ctx: Ctx,
  items: readonly CartLineInput[],
): Promise<CartView & { adjustments: Adjustment[] }> {
  const { userId } = requireActor(ctx);
  const limit = ctx.config.orders.maxQuantity;
  const adjustments: Adjustment[] = [];
  await withTransaction(ctx, async (tx) => {
    const variantIds = items.map((item) => item.variantId);
    const catalogue = await sellableVariants(tx.db, variantIds);
    const saved = new Map(
      (
        await tx.db
          .select()
          .from(cartItems)
          .where(and(eq(cartItems.userId, userId), inArray(cartItems.variantId, variantIds)))
          .for('update')
      ).map((row) => [row.variantId, row]),
    );
    const removed: string[] = [];
    for (const { variantId, quantity: requested } of items) {
      const found = catalogue.get(variantId);
      const adjust = (applied: number, reason: SyncReason) =>
        adjustments.push({ variantId, requested, applied, reason });
      const gone = (reason: SyncReason) => {
        removed.push(variantId);
        adjust(0, reason);
      };
      if (!found) {
        adjust(0, 'not_found');
        continue;
      }
      if (!isBuyable(found)) {
        gone('unavailable');
        continue;
      }
      const stock = found.variant.stock;
      if (stock === 0) {
        gone('removed_out_of_stock');
        continue;
      }
      const wanted = Math.max(requested, saved.get(variantId)?.quantity ?? 0);
      const applied = Math.min(wanted, stock, limit);
      if (applied < wanted)
        adjust(applied, stock < limit ? 'clamped_to_stock' : 'clamped_to_limit');
      await tx.db
        .insert(cartItems)
        .values({ userId, variantId, quantity: applied, priceAtAdd: found.variant.priceAmount })
        .onConflictDoUpdate({
          target: [cartItems.userId, cartItems.variantId],
          set: { quantity: applied, updatedAt: new Date() },
        });
    }
    if (removed.length > 0) {
      await tx.db
        .delete(cartItems)
        .where(and(eq(cartItems.userId, userId), inArray(cartItems.variantId, removed)));
    }
  });
  return { ...(await getCart(ctx)), adjustments };
}
