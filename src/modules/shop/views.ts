import { and, asc, eq, getTableColumns, gt, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { money } from '../../platform/core/money.ts';
import type { Executor } from '../../platform/db/client.ts';
import { imageLinks, type Storage } from '../../platform/storage/index.ts';
import type {
  Product,
  ProductImage,
  ProductSummary,
  Shop,
  ShopSummary,
  Variant,
} from './schemas.ts';
import {
  type ProductImageRow,
  type ProductRow,
  productImages,
  products,
  productVariants,
  type ShopRow,
  shops,
  type VariantRow,
} from './tables.ts';

export type ShopView = z.infer<typeof Shop>;
export type ShopSummaryView = z.infer<typeof ShopSummary>;
export type ProductView = z.infer<typeof Product>;
export type ProductSummaryView = z.infer<typeof ProductSummary>;
export type VariantView = z.infer<typeof Variant>;
export type ProductImageView = z.infer<typeof ProductImage>;

/** Every product column but the search ones, which only the database reads. */
const { search: _search, searchText: _searchText, ...columns } = getTableColumns(products);
export const productColumns = columns;
export type Produced = Omit<ProductRow, 'search' | 'searchText'>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const urlOf = (storage: Storage, key: string | null) => (key ? storage.url(key) : null);

export async function shopView(storage: Storage, row: ShopRow): Promise<ShopView> {
  return {
    id: row.id,
    ownerId: row.ownerId,
    name: row.name,
    slug: row.slug,
    description: row.description,
    logoUrl: await urlOf(storage, row.logoKey),
    bannerUrl: await urlOf(storage, row.bannerKey),
    contact: { email: row.contactEmail, phone: row.contactPhone },
    returnPolicy: row.returnPolicy,
    currency: row.currency,
    shipping: {
      flatFee: money(row.shippingFlatFee, row.currency),
      freeOver: row.shippingFreeOver === null ? null : money(row.shippingFreeOver, row.currency),
    },
    status: row.status,
    statusReason: row.statusReason,
    rename:
      row.pendingName === null && row.pendingSlug === null
        ? null
        : { name: row.pendingName ?? row.name, slug: row.pendingSlug ?? row.slug },
    approvedAt: iso(row.approvedAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function shopSummary(storage: Storage, row: ShopRow): Promise<ShopSummaryView> {
  return { id: row.id, name: row.name, slug: row.slug, logoUrl: await urlOf(storage, row.logoKey) };
}

export function variantView(row: VariantRow, currency: string): VariantView {
  return {
    id: row.id,
    sku: row.sku,
    price: money(row.priceAmount, currency),
    compareAtPrice: row.compareAtAmount === null ? null : money(row.compareAtAmount, currency),
    stock: row.stock,
    options: row.options,
    weightG: row.weightG,
    position: row.position,
  };
}

export async function imageView(storage: Storage, row: ProductImageRow): Promise<ProductImageView> {
  const { url, variants } = await imageLinks(storage, row);
  return {
    id: row.id,
    url,
    width: row.width,
    height: row.height,
    alt: row.alt,
    position: row.position,
    variants,
  };
}

const common = (row: Produced) => ({
  id: row.id,
  shopId: row.shopId,
  categoryId: row.categoryId,
  title: row.title,
  status: row.status,
  price: money(row.priceAmount, row.currency),
  averageRating: row.averageRating,
  ratingCount: row.ratingCount,
  soldCount: row.soldCount,
  publishedAt: iso(row.publishedAt),
});

export async function variantsOf(db: Executor, productId: string): Promise<VariantRow[]> {
  return db
    .select()
    .from(productVariants)
    .where(eq(productVariants.productId, productId))
    .orderBy(asc(productVariants.position), asc(productVariants.id));
}

/** A product with its variants and images in order. */
export async function productView(
  db: Executor,
  storage: Storage,
  row: Produced,
): Promise<ProductView> {
  const [variants, images] = await Promise.all([
    variantsOf(db, row.id),
    db
      .select()
      .from(productImages)
      .where(eq(productImages.ownerId, row.id))
      .orderBy(asc(productImages.position)),
  ]);
  return {
    ...common(row),
    description: row.description,
    options: row.options,
    variants: variants.map((v) => variantView(v, row.currency)),
    images: await Promise.all(images.map((image) => imageView(storage, image))),
    disabled: row.disabledAt
      ? { at: row.disabledAt.toISOString(), reason: row.disabledReason }
      : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Product cards for a page of rows, in its order: three queries whatever the page size. */
export async function productSummaries(
  db: Executor,
  storage: Storage,
  rows: readonly Produced[],
): Promise<ProductSummaryView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [shopRows, firstImages, stocked] = await Promise.all([
    db
      .select()
      .from(shops)
      .where(inArray(shops.id, [...new Set(rows.map((r) => r.shopId))])),
    db
      .selectDistinctOn([productImages.ownerId])
      .from(productImages)
      .where(inArray(productImages.ownerId, ids))
      .orderBy(productImages.ownerId, asc(productImages.position)),
    db
      .selectDistinct({ productId: productVariants.productId })
      .from(productVariants)
      .where(and(inArray(productVariants.productId, ids), gt(productVariants.stock, 0))),
  ]);
  const shopsById = new Map(
    await Promise.all(shopRows.map(async (s) => [s.id, await shopSummary(storage, s)] as const)),
  );
  const imagesByProduct = new Map(firstImages.map((image) => [image.ownerId, image]));
  const inStock = new Set(stocked.map((s) => s.productId));
  return Promise.all(
    rows.map(async (row) => {
      const shop = shopsById.get(row.shopId);
      if (!shop) throw new Error(`product ${row.id} has no shop ${row.shopId}`);
      const image = imagesByProduct.get(row.id);
      return {
        ...common(row),
        shop,
        image: image ? await imageView(storage, image) : null,
        inStock: inStock.has(row.id),
      };
    }),
  );
}

/** The products on sale: active, not disabled, of an active shop. */
export const onSale = sql`${products.visible}`;
