import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import type { TestApp } from '../../../test/harness.ts';
import { breadcrumbsOf, categoryNames } from './categories.ts';
import {
  type CategoryRow,
  categories,
  type ProductOption,
  type ProductRow,
  products,
  productVariants,
  type ShopRow,
  shops,
  type VariantRow,
} from './tables.ts';
import type { ProductStatus, ShopStatus } from './vocabulary.ts';

/**
 * Shops, categories and products straight in the database, for tests of what reads them
 * (browse, search, admin lists). Tests of the routes that create them go through HTTP.
 */

let made = 0;
const next = () => ++made;

export interface ShopOverrides {
  status?: ShopStatus;
  name?: string;
  slug?: string;
  currency?: string;
  shippingFlatFee?: number;
  shippingFreeOver?: number | null;
}

export interface Seller extends SignedIn {
  shop: ShopRow;
}

/** A signed-in seller with a shop, active unless told otherwise. */
export async function createSeller(t: TestApp, overrides: ShopOverrides = {}): Promise<Seller> {
  const owner = await signedInUser(t, { roles: ['seller'] });
  const n = next();
  const status = overrides.status ?? 'active';
  const [shop] = await t.database.db
    .insert(shops)
    .values({
      ownerId: owner.user.id,
      name: overrides.name ?? `Test Shop ${n}`,
      slug: overrides.slug ?? `test-shop-${n}-${uuidv7().slice(-8)}`,
      currency: overrides.currency ?? 'ETB',
      shippingFlatFee: overrides.shippingFlatFee ?? 0,
      shippingFreeOver: overrides.shippingFreeOver ?? null,
      status,
      approvedAt: status === 'pending' ? null : new Date(),
    })
    .returning();
  if (!shop) throw new Error('createSeller inserted no shop');
  return { ...owner, shop };
}

export interface CategoryOverrides {
  name?: string;
  slug?: string;
  parentId?: string | null;
  position?: number;
}

/** A category under `parentId` (a root without one). */
export async function createCategory(
  t: TestApp,
  overrides: CategoryOverrides = {},
): Promise<CategoryRow> {
  const db = t.database.db;
  const n = next();
  const id = uuidv7();
  const parentId = overrides.parentId ?? null;
  const parentPath = parentId
    ? ((
        await db
          .select({ path: categories.path })
          .from(categories)
          .where(eq(categories.id, parentId))
      )[0]?.path ?? [])
    : [];
  const [row] = await db
    .insert(categories)
    .values({
      id,
      parentId,
      name: overrides.name ?? `Category ${n}`,
      slug: overrides.slug ?? `category-${n}-${id.slice(-8)}`,
      position: overrides.position ?? 0,
      path: [...parentPath, id],
    })
    .returning();
  if (!row) throw new Error('createCategory inserted nothing');
  return row;
}

export interface VariantOverrides {
  sku?: string;
  price?: number;
  compareAt?: number | null;
  stock?: number;
  options?: Record<string, string>;
  weightG?: number | null;
}

export interface ProductOverrides {
  categoryId: string;
  title?: string;
  description?: string;
  status?: ProductStatus;
  options?: ProductOption[];
  /** One variant of price 10000 and stock 5 when absent. */
  variants?: VariantOverrides[];
  averageRating?: number;
  ratingCount?: number;
  soldCount?: number;
  publishedAt?: Date;
  disabledAt?: Date | null;
  createdAt?: Date;
}

export interface MadeProduct {
  product: ProductRow;
  variants: VariantRow[];
}

/** A product of `shop` with its variants, active unless told otherwise. */
export async function createProduct(
  t: TestApp,
  shop: ShopRow,
  overrides: ProductOverrides,
): Promise<MadeProduct> {
  const db = t.database.db;
  const n = next();
  const variants = overrides.variants ?? [{}];
  const prices = variants.map((v) => v.price ?? 10_000);
  const status = overrides.status ?? 'active';
  const createdAt = overrides.createdAt ?? new Date();
  const [product] = await db
    .insert(products)
    .values({
      id: uuidv7({ msecs: createdAt.getTime() }),
      shopId: shop.id,
      categoryId: overrides.categoryId,
      title: overrides.title ?? `Test product ${n}`,
      description: overrides.description ?? `A product made for a test, number ${n}.`,
      status,
      options: overrides.options ?? [],
      currency: shop.currency,
      priceAmount: Math.min(...prices),
      publishedAt: status === 'active' ? (overrides.publishedAt ?? createdAt) : null,
      disabledAt: overrides.disabledAt ?? null,
      shopActive: shop.status === 'active',
      shopName: shop.name,
      categoryNames: categoryNames(await breadcrumbsOf(db, overrides.categoryId)),
      averageRating: overrides.averageRating ?? 0,
      ratingCount: overrides.ratingCount ?? 0,
      soldCount: overrides.soldCount ?? 0,
      createdAt,
      updatedAt: createdAt,
    })
    .returning();
  if (!product) throw new Error('createProduct inserted nothing');
  const variantRows = await db
    .insert(productVariants)
    .values(
      variants.map((v, position) => ({
        productId: product.id,
        shopId: shop.id,
        sku: v.sku ?? `SKU-${n}-${position}`,
        priceAmount: v.price ?? 10_000,
        compareAtAmount: v.compareAt ?? null,
        stock: v.stock ?? 5,
        options: v.options ?? {},
        weightG: v.weightG ?? null,
        position,
      })),
    )
    .returning();
  return { product, variants: variantRows };
}
