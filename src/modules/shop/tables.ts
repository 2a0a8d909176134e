import { type SQL, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { id, timestampMs, timestamps } from '../../platform/db/columns.ts';
import { imageColumns } from '../../platform/storage/index.ts';
import { users } from '../identity/tables.ts';
import { PRODUCT_STATUSES, SHOP_STATUSES } from './vocabulary.ts';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** A seller's shop: one per seller. Prices of its products are in its currency. */
export const shops = pgTable(
  'shops',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    /** Lower-case letters, digits and hyphens; unique, and never a UUID (ids share the path). */
    slug: text('slug').notNull(),
    description: text('description'),
    /** Storage keys of the public images; null when none was uploaded. */
    logoKey: text('logo_key'),
    bannerKey: text('banner_key'),
    contactEmail: text('contact_email'),
    contactPhone: text('contact_phone'),
    returnPolicy: text('return_policy'),
    currency: text('currency').notNull(),
    /** Charged once per order from this shop, in minor units; 0 ships free. */
    shippingFlatFee: bigint('shipping_flat_fee', { mode: 'number' }).notNull().default(0),
    /** Orders from this shop at or over this subtotal ship free; null never. */
    shippingFreeOver: bigint('shipping_free_over', { mode: 'number' }),
    status: text('status', { enum: SHOP_STATUSES }).notNull().default('pending'),
    /** Why an admin suspended it; shown to the seller. */
    statusReason: text('status_reason'),
    /** An admin's suspension: only an admin reinstates the shop. */
    suspendedByAdmin: boolean('suspended_by_admin').notNull().default(false),
    /**
     * A new name or address an approved shop asked for, waiting for a moderator: buyers see the
     * approved ones until then, so an approved shop cannot turn into another brand unseen.
     */
    pendingName: text('pending_name'),
    pendingSlug: text('pending_slug'),
    approvedAt: timestampMs('approved_at'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('shops_owner').on(t.ownerId),
    uniqueIndex('shops_slug').on(t.slug),
    // An address asked for is held for the shop that asked; slugInUse reads both.
    uniqueIndex('shops_pending_slug').on(t.pendingSlug).where(sql`${t.pendingSlug} is not null`),
    index('shops_status_created').on(t.status, t.createdAt, t.id),
    check('shops_flat_fee', sql`${t.shippingFlatFee} >= 0`),
    check('shops_free_over', sql`${t.shippingFreeOver} is null or ${t.shippingFreeOver} > 0`),
  ],
);

export type ShopRow = typeof shops.$inferSelect;

/**
 * The category tree. `path` holds the ids from the root down to the category itself, so "this
 * category and everything under it" is one indexed `path @> array[id]`, and a move rewrites
 * the paths of the moved subtree.
 */
export const categories = pgTable(
  'categories',
  {
    id: id(),
    parentId: uuid('parent_id').references((): AnyPgColumn => categories.id),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    /** The order among its siblings, from 0. */
    position: integer('position').notNull().default(0),
    /** An icon name the clients know (e.g. `phone`), not an image. */
    icon: text('icon'),
    path: uuid('path').array().notNull(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('categories_slug').on(t.slug),
    index('categories_parent').on(t.parentId, t.position),
    index('categories_path').using('gin', t.path),
  ],
);

export type CategoryRow = typeof categories.$inferSelect;

/** The option names a product declares and the values each may take. */
export type ProductOption = { name: string; values: string[] };

/**
 * A product of a shop. Browsing reads only these rows: the lowest variant price, the shop's and
 * categories' names (for search) and whether the shop sells are copied here and kept in step by
 * the services that change them; the ratings and sales counts are kept by orders and reviews.
 */
export const products = pgTable(
  'products',
  {
    id: id(),
    shopId: uuid('shop_id')
      .notNull()
      .references(() => shops.id),
    categoryId: uuid('category_id')
      .notNull()
      .references(() => categories.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    status: text('status', { enum: PRODUCT_STATUSES }).notNull().default('draft'),
    options: jsonb('options').$type<ProductOption[]>().notNull().default([]),
    /** The shop's currency. */
    currency: text('currency').notNull(),
    /** The lowest price among its variants, in minor units: what a product card shows. */
    priceAmount: bigint('price_amount', { mode: 'number' }).notNull(),
    /** When it first became active; "newest" sorts by it. */
    publishedAt: timestampMs('published_at'),
    /** Set by an admin; a disabled product is not sold whatever its status. */
    disabledAt: timestampMs('disabled_at'),
    disabledReason: text('disabled_reason'),
    /** Whether its shop is active: a copy of the shop's status. */
    shopActive: boolean('shop_active').notNull().default(false),
    /** The shop's name, a copy for search. */
    shopName: text('shop_name').notNull(),
    /** The names of its category and the category's ancestors, a copy for search. */
    categoryNames: text('category_names').notNull(),
    averageRating: doublePrecision('average_rating').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    soldCount: integer('sold_count').notNull().default(0),
    /** On sale: active, not disabled, of an active shop. Browse and search read only these. */
    visible: boolean('visible')
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`${products.status} = 'active' and ${products.disabledAt} is null and ${products.shopActive}`,
      ),
    /**
     * Full text, weighted: the title over the category and shop names over the description.
     * `simple` does not stem, as for listings: products are described in many languages.
     */
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        (): SQL => sql`
          setweight(to_tsvector('simple', ${products.title}), 'A') ||
          setweight(to_tsvector('simple', ${products.categoryNames} || ' ' || ${products.shopName}), 'B') ||
          setweight(to_tsvector('simple', ${products.description}), 'C')`,
      ),
    /** What a misspelt query is compared with, by trigrams. */
    searchText: text('search_text')
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`lower(${products.title} || ' ' || ${products.categoryNames} || ' ' || ${products.shopName})`,
      ),
    ...timestamps(),
  },
  (t) => [
    check('products_price_positive', sql`${t.priceAmount} > 0`),
    check('products_rating', sql`${t.averageRating} between 0 and 5`),
    // The seller's list and the admin lists (all, or by status).
    index('products_shop_created').on(t.shopId, t.createdAt, t.id),
    index('products_status_created').on(t.status, t.createdAt, t.id),
    index('products_created').on(t.createdAt, t.id),
    // Browse: every order over the products on sale; descending orders scan these backwards.
    index('products_visible_newest').on(t.publishedAt, t.id).where(sql`${t.visible}`),
    index('products_visible_price').on(t.priceAmount, t.id).where(sql`${t.visible}`),
    index('products_visible_rating')
      .on(t.averageRating, t.ratingCount, t.id)
      .where(sql`${t.visible}`),
    index('products_visible_sold').on(t.soldCount, t.id).where(sql`${t.visible}`),
    index('products_visible_category')
      .on(t.categoryId, t.publishedAt, t.id)
      .where(sql`${t.visible}`),
    index('products_visible_shop').on(t.shopId, t.publishedAt, t.id).where(sql`${t.visible}`),
    index('products_search').using('gin', t.search),
    index('products_search_trgm').using('gin', sql`${t.searchText} gin_trgm_ops`),
  ],
);

export type ProductRow = typeof products.$inferSelect;

/**
 * What a buyer picks: one combination of the product's option values, with its own SKU, price
 * and stock. Every product has at least one.
 */
export const productVariants = pgTable(
  'product_variants',
  {
    id: id(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    /** The product's shop, a copy: SKUs are unique within a shop. */
    shopId: uuid('shop_id')
      .notNull()
      .references(() => shops.id),
    sku: text('sku').notNull(),
    priceAmount: bigint('price_amount', { mode: 'number' }).notNull(),
    /** The "was" price, above the price; null when there is none. */
    compareAtAmount: bigint('compare_at_amount', { mode: 'number' }),
    stock: integer('stock').notNull().default(0),
    /** A value for each of the product's option names, e.g. `{ "size": "M" }`. */
    options: jsonb('options').$type<Record<string, string>>().notNull().default({}),
    weightG: integer('weight_g'),
    /** The order on the product page, from 0. */
    position: integer('position').notNull().default(0),
    ...timestamps(),
  },
  (t) => [
    check('product_variants_price_positive', sql`${t.priceAmount} > 0`),
    check(
      'product_variants_compare_at',
      sql`${t.compareAtAmount} is null or ${t.compareAtAmount} > ${t.priceAmount}`,
    ),
    // Stock never goes below zero, whatever races to take it.
    check('product_variants_stock', sql`${t.stock} >= 0`),
    check('product_variants_weight', sql`${t.weightG} is null or ${t.weightG} >= 0`),
    uniqueIndex('product_variants_sku').on(t.shopId, sql`lower(${t.sku})`),
    uniqueIndex('product_variants_options').on(t.productId, t.options),
    index('product_variants_product').on(t.productId, t.position),
    index('product_variants_in_stock').on(t.productId).where(sql`${t.stock} > 0`),
  ],
);

export type VariantRow = typeof productVariants.$inferSelect;

/** A product's images in order; the first is the one a product card shows. */
export const productImages = pgTable(
  'product_images',
  { ...imageColumns('product_id', () => products.id), alt: text('alt') },
  (t) => [index('product_images_product').on(t.ownerId, t.position)],
);

export type ProductImageRow = typeof productImages.$inferSelect;
