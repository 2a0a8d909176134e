import { z } from '@hono/zod-openapi';
import { Amount } from '../../platform/core/fields.ts';
import { IMAGE_VARIANT_WIDTHS } from '../../platform/storage/index.ts';
import { PRODUCT_STATUSES, SHOP_STATUSES } from './vocabulary.ts';

/**
 * Response contracts of the shop marketplace that several routes share (camelCase, money in
 * minor units of the shop's currency). Request bodies live beside the routes that take them.
 */

const imageVariants = z
  .object(Object.fromEntries(IMAGE_VARIANT_WIDTHS.map((w) => [String(w), z.url().optional()])))
  .catchall(z.url())
  .openapi({
    description:
      'WebP variants by width, made in the background shortly after the upload. An image ' +
      'narrower than every width gets one variant of its own width.',
  });

export const Shipping = z
  .object({
    flatFee: Amount.openapi({ description: 'Charged once per order from this shop; 0 is free.' }),
    freeOver: Amount.nullable().openapi({
      description: 'Orders from this shop at or over this subtotal ship free; null: never.',
    }),
  })
  .openapi('ShopShipping');

/** A shop as its seller and admins see it. */
export const Shop = z
  .object({
    id: z.uuid(),
    ownerId: z.uuid(),
    name: z.string(),
    slug: z.string(),
    description: z.string().nullable(),
    logoUrl: z.url().nullable(),
    bannerUrl: z.url().nullable(),
    contact: z.object({ email: z.string().nullable(), phone: z.string().nullable() }),
    returnPolicy: z.string().nullable(),
    currency: z.string(),
    shipping: Shipping,
    status: z.enum(SHOP_STATUSES),
    statusReason: z.string().nullable().openapi({ description: 'Why it was suspended.' }),
    rename: z
      .object({ name: z.string(), slug: z.string() })
      .nullable()
      .openapi({
        description:
          'The name and address the seller asked for, waiting for a moderator; buyers see ' +
          '`name` and `slug` until it is approved.',
      }),
    approvedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Shop');

/** What a product page says of its shop. */
export const ShopSummary = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    logoUrl: z.url().nullable(),
  })
  .openapi('ShopSummary');

export const CategoryRef = z
  .object({ id: z.uuid(), name: z.string(), slug: z.string() })
  .openapi('CategoryRef');

export const ProductOption = z
  .object({ name: z.string(), values: z.array(z.string()) })
  .openapi('ProductOption');

export const Variant = z
  .object({
    id: z.uuid(),
    sku: z.string(),
    price: Amount,
    compareAtPrice: Amount.nullable(),
    stock: z.number().int(),
    options: z.record(z.string(), z.string()),
    weightG: z.number().int().nullable(),
    position: z.number().int(),
  })
  .openapi('ProductVariant');

export const ProductImage = z
  .object({
    id: z.uuid(),
    url: z.url().openapi({ description: 'The uploaded image, metadata stripped.' }),
    width: z.number().int(),
    height: z.number().int(),
    alt: z.string().nullable(),
    position: z.number().int().openapi({ description: 'From 0, the order clients show.' }),
    variants: imageVariants,
  })
  .openapi('ProductImage');

const productCommon = {
  id: z.uuid(),
  shopId: z.uuid(),
  categoryId: z.uuid(),
  title: z.string(),
  status: z.enum(PRODUCT_STATUSES),
  price: Amount.openapi({ description: 'The lowest price among its variants.' }),
  averageRating: z.number().openapi({ description: '0 until rated; 1 to 5.' }),
  ratingCount: z.number().int(),
  soldCount: z.number().int(),
  publishedAt: z.iso.datetime().nullable(),
};

/** A product with its variants and images, as its seller, an admin or (on sale) anyone sees it. */
export const Product = z
  .object({
    ...productCommon,
    description: z.string(),
    options: z.array(ProductOption),
    variants: z.array(Variant),
    images: z.array(ProductImage),
    disabled: z
      .object({ at: z.iso.datetime(), reason: z.string().nullable() })
      .nullable()
      .openapi({ description: 'Set when an admin took it off sale, whatever its status.' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Product');

/** A product in a list: its card. */
export const ProductSummary = z
  .object({
    ...productCommon,
    shop: ShopSummary,
    image: ProductImage.nullable().openapi({ description: 'The first image.' }),
    inStock: z.boolean(),
  })
  .openapi('ProductSummary');

/** GET /products/{id}: the product with its shop, its rating and where it sits in the tree. */
export const ProductPage = Product.extend({
  shop: ShopSummary,
  rating: z.object({
    average: z.number().openapi({ description: '0 until rated; 1 to 5.' }),
    count: z.number().int(),
  }),
  breadcrumbs: z
    .array(CategoryRef)
    .openapi({ description: 'Its category and the ancestors, from the root down.' }),
}).openapi('ProductPage');

/** A shop's public page: what buyers see, with how its products on sale are rated. */
export const PublicShop = Shop.omit({
  ownerId: true,
  statusReason: true,
  rename: true,
  approvedAt: true,
  updatedAt: true,
})
  .extend({
    rating: z.object({
      average: z.number().nullable().openapi({
        description:
          'Over its products on sale, each weighted by its number of ratings; null until rated.',
      }),
      count: z.number().int(),
    }),
    productCount: z.number().int().openapi({ description: 'Its products on sale.' }),
  })
  .openapi('PublicShop');
