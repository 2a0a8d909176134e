import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  type ProductRow,
  productImages,
  products,
  productVariants,
  type ShopRow,
  shops,
  type VariantRow,
} from './tables.ts';

/**
 * What carts and orders need of the catalogue, through the shop module's surface: variants with
 * their product and shop, stock taken and given back, sales and ratings recorded.
 */

export interface SellableVariant {
  variant: VariantRow;
  product: Pick<
    ProductRow,
    'id' | 'title' | 'status' | 'visible' | 'currency' | 'options' | 'shopId'
  >;
  shop: Pick<
    ShopRow,
    | 'id'
    | 'name'
    | 'slug'
    | 'status'
    | 'currency'
    | 'shippingFlatFee'
    | 'shippingFreeOver'
    | 'ownerId'
  >;
  /** The storage key of the product's first image, if any. */
  imageKey: string | null;
}

/**
 * Whether a variant can be bought now: its product is on sale (the generated `visible`: active,
 * not disabled, its shop's copied status active) and its shop, read itself, is active. How many
 * can be bought is its stock. Carts and checkout ask this one rule, so checkout never sells what
 * the cart calls unavailable.
 */
export const isBuyable = ({ product, shop }: SellableVariant): boolean =>
  product.visible && shop.status === 'active';

/**
 * Whether `userId` sells it: a seller never buys from their own shop, so no order (and no
 * verified-purchase review) of theirs comes from it. Carts and checkout both ask this.
 */
export const isOwnShop = ({ shop }: SellableVariant, userId: string): boolean =>
  shop.ownerId === userId;

/**
 * What a shop charges to ship an order of `subtotal` (minor units of its currency): nothing for
 * an empty order or one at or over its free-shipping threshold, its flat fee otherwise.
 */
export function shippingFor(
  shop: Pick<ShopRow, 'shippingFlatFee' | 'shippingFreeOver'>,
  subtotal: number,
): number {
  const free =
    subtotal === 0 || (shop.shippingFreeOver !== null && subtotal >= shop.shippingFreeOver);
  return free ? 0 : shop.shippingFlatFee;
}

/** The variants asked for, with their product and shop; absent ids are left out. */
export async function sellableVariants(
  db: Executor,
  variantIds: readonly string[],
): Promise<Map<string, SellableVariant>> {
  if (variantIds.length === 0) return new Map();
  const rows = await db
    .select({
      variant: productVariants,
      product: {
        id: products.id,
        title: products.title,
        status: products.status,
        visible: products.visible,
        currency: products.currency,
        options: products.options,
        shopId: products.shopId,
      },
      shop: {
        id: shops.id,
        name: shops.name,
        slug: shops.slug,
        status: shops.status,
        currency: shops.currency,
        shippingFlatFee: shops.shippingFlatFee,
        shippingFreeOver: shops.shippingFreeOver,
        ownerId: shops.ownerId,
      },
      imageKey: sql<string | null>`(
        select ${productImages.key} from ${productImages}
        where ${productImages.ownerId} = ${products.id}
        order by ${productImages.position} limit 1)`,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .innerJoin(shops, eq(shops.id, products.shopId))
    .where(inArray(productVariants.id, [...new Set(variantIds)]));
  return new Map(rows.map((row) => [row.variant.id, row]));
}

export interface StockLine {
  variantId: string;
  quantity: number;
}

/**
 * Takes the stock of every line, or none: the variants are locked in id order (so two checkouts
 * of the same variants queue instead of deadlocking), then each is decremented only while it has
 * enough. Returns the lines that did not fit, with what was there; the caller rolls back then.
 */
export async function takeStock(
  db: Executor,
  lines: readonly StockLine[],
): Promise<{ variantId: string; available: number }[]> {
  const wanted = new Map<string, number>();
  for (const line of lines) {
    wanted.set(line.variantId, (wanted.get(line.variantId) ?? 0) + line.quantity);
  }
  const ids = [...wanted.keys()].sort();
  if (ids.length === 0) return [];
  const locked = await db
    .select({ id: productVariants.id, stock: productVariants.stock })
    .from(productVariants)
    .where(inArray(productVariants.id, ids))
    .orderBy(asc(productVariants.id))
    .for('update');
  const stock = new Map(locked.map((row) => [row.id, row.stock]));
  const short = ids
    .filter((id) => (stock.get(id) ?? 0) < (wanted.get(id) ?? 0))
    .map((variantId) => ({ variantId, available: stock.get(variantId) ?? 0 }));
  if (short.length > 0) return short;
  for (const id of ids) {
    await db
      .update(productVariants)
      .set({ stock: sql`${productVariants.stock} - ${wanted.get(id) ?? 0}` })
      .where(eq(productVariants.id, id));
  }
  return [];
}

/** Gives stock back (a cancelled order); variants deleted since are skipped. */
export async function returnStock(db: Executor, lines: readonly StockLine[]): Promise<void> {
  const sorted = [...lines].sort((a, b) => a.variantId.localeCompare(b.variantId));
  for (const line of sorted) {
    await db
      .update(productVariants)
      .set({ stock: sql`${productVariants.stock} + ${line.quantity}` })
      .where(eq(productVariants.id, line.variantId));
  }
}

/**
 * Counts completed sales on the products (best-selling sorts by it), in product id order, so two
 * completions sharing products queue rather than deadlock.
 */
export async function recordSales(
  db: Executor,
  sales: readonly { productId: string; quantity: number }[],
): Promise<void> {
  const sorted = [...sales].sort((a, b) => a.productId.localeCompare(b.productId));
  for (const sale of sorted) {
    await db
      .update(products)
      .set({
        soldCount: sql`${products.soldCount} + ${sale.quantity}`,
        updatedAt: sql`${products.updatedAt}`,
      })
      .where(eq(products.id, sale.productId));
  }
}

/** Whether the product is on sale (public): its reviews are public as long as it is. */
export async function productOnSale(db: Executor, productId: string): Promise<boolean> {
  const [row] = await db
    .select({ visible: products.visible })
    .from(products)
    .where(eq(products.id, productId));
  return row?.visible === true;
}

/** The product's rating as its visible reviews give it (reviews keep it exact). */
export async function setProductRating(
  db: Executor,
  productId: string,
  rating: { average: number; count: number },
): Promise<void> {
  await db
    .update(products)
    .set({
      averageRating: rating.average,
      ratingCount: rating.count,
      updatedAt: sql`${products.updatedAt}`,
    })
    .where(eq(products.id, productId));
}
