import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Ctx } from '../../platform/core/context.ts';
import { CITIES, cityNamed } from '../../platform/demo/cities.ts';
import { seededRandom } from '../../platform/demo/random.ts';
import type { BulkLoad } from '../../platform/seed.ts';
import { announceImages, imageCodec } from '../../platform/storage/index.ts';
import {
  batches,
  CATEGORY_TREE,
  categoryIn,
  ensureCategoryTree,
  ensureShops,
  generateDraft,
  generateProducts,
  insertProducts,
  leafCategories,
  type PlacedCategory,
  placementIn,
  productRows,
  type ShopSpec,
} from './generate.ts';
import { productImageHolder } from './images.ts';
import {
  categories,
  productImages,
  products,
  productVariants,
  type ShopRow,
  shops,
} from './tables.ts';

/** Demo shops for `make run` on an empty database, and many generated products on request. */

interface DemoShop extends ShopSpec {
  /** The categories it sells in, by slug. */
  sells: readonly string[];
}

const demoOwner = (slug: string, fullName: string) => ({
  email: `${slug}@demo.mercato.example`,
  fullName,
  roles: ['seller' as const],
});

const RETURNS_14_DAYS =
  'Unused items in their packaging can be returned within 14 days for a full refund.';

export const DEMO_SHOPS: readonly DemoShop[] = [
  {
    owner: demoOwner('merkato-electronics', 'Dawit Alemu'),
    name: 'Merkato Electronics',
    slug: 'merkato-electronics',
    city: cityNamed('Addis Ababa'),
    description: 'Phones, laptops and sound from the heart of Merkato, with a warranty on all.',
    returnPolicy: RETURNS_14_DAYS,
    shippingFlatFee: 150,
    shippingFreeOver: 20_000,
    sells: ['phones', 'laptops', 'audio'],
  },
  {
    owner: demoOwner('bole-home-and-coffee', 'Hanna Tesfaye'),
    name: 'Bole Home & Coffee',
    slug: 'bole-home-and-coffee',
    city: cityNamed('Addis Ababa'),
    description: 'Jebenas, cookware and furniture for the home, and books to read in it.',
    returnPolicy: RETURNS_14_DAYS,
    shippingFlatFee: 200,
    shippingFreeOver: null,
    sells: ['kitchen', 'furniture', 'books'],
  },
  {
    owner: demoOwner('westlands-style-house', 'Achieng Otieno'),
    name: 'Westlands Style House',
    slug: 'westlands-style-house',
    city: cityNamed('Nairobi'),
    description: 'Clothes and shoes by Kenyan designers, tailored in Nairobi.',
    returnPolicy: 'Exchanges for another size within 30 days.',
    shippingFlatFee: 300,
    shippingFreeOver: 5_000,
    sells: ['men', 'women', 'shoes'],
  },
  {
    owner: demoOwner('kilimani-active', 'Brian Mwangi'),
    name: 'Kilimani Active',
    slug: 'kilimani-active',
    city: cityNamed('Nairobi'),
    description: 'Bikes, gym gear and skincare for people who train outdoors.',
    returnPolicy: RETURNS_14_DAYS,
    shippingFlatFee: 250,
    shippingFreeOver: 10_000,
    sells: ['fitness', 'cycling', 'skincare'],
  },
  {
    owner: demoOwner('saigon-gadget-and-home', 'Nguyễn Thị Lan'),
    name: 'Saigon Gadget & Home',
    slug: 'saigon-gadget-and-home',
    city: cityNamed('Ho Chi Minh City'),
    description: 'Phones, audio, kitchenware and fragrances, delivered across the city.',
    returnPolicy: null,
    shippingFlatFee: 30_000,
    shippingFreeOver: 1_000_000,
    sells: ['phones', 'audio', 'kitchen', 'fragrance'],
  },
  {
    owner: demoOwner('chiado-boutique', 'Inês Carvalho'),
    name: 'Chiado Boutique',
    slug: 'chiado-boutique',
    city: cityNamed('Lisbon'),
    description: 'Dresses, shoes, perfume and books, chosen in Chiado since 1998.',
    returnPolicy: 'Returns within 30 days, free in Portugal.',
    shippingFlatFee: 4.9,
    shippingFreeOver: 60,
    sells: ['women', 'shoes', 'fragrance', 'books'],
  },
];

const PRODUCTS_PER_SHOP = 10;
/** Every this many products has a second image. */
const SECOND_IMAGE_EVERY = 3;

/** The root category `slug` is under, or itself: the shape drawn on its images. */
function rootOf(slug: string): string {
  const root = CATEGORY_TREE.find(
    (node) => node.slug === slug || node.children?.some((c) => c.slug === slug),
  );
  return root?.slug ?? slug;
}

/** Something of each root category in a few strokes, so an image tells what is on offer. */
const SHAPES: Readonly<Record<string, string>> = {
  electronics: '<rect x="310" y="150" width="180" height="330" rx="28"/>',
  fashion:
    '<path d="M320 170 L370 150 Q400 185 430 150 L480 170 L560 250 L515 290 L490 265 L490 500 L310 500 L310 265 L285 290 L240 250 Z"/>',
  home: '<rect x="220" y="300" width="360" height="110" rx="20"/><rect x="250" y="230" width="300" height="90" rx="20"/><rect x="245" y="410" width="24" height="50"/><rect x="531" y="410" width="24" height="50"/>',
  beauty:
    '<rect x="340" y="250" width="120" height="240" rx="26"/><rect x="372" y="185" width="56" height="65" rx="6"/>',
  sports:
    '<rect x="230" y="315" width="340" height="30"/><rect x="215" y="250" width="55" height="160" rx="10"/><rect x="530" y="250" width="55" height="160" rx="10"/>',
  books: '<path d="M230 190 L400 220 L570 190 L570 470 L400 500 L230 470 Z"/>',
};

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const hueOf = (text: string) =>
  [...text].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) >>> 0, 0) % 360;

/**
 * A generated 800x800 JPEG: a gradient in the product's own colours, its category's shape, its
 * title and where it is sold. Small, so seeding stays quick.
 */
async function productImage(
  title: string,
  categorySlug: string,
  seller: DemoShop,
  index: number,
): Promise<Uint8Array> {
  const caption = `${seller.name}, ${seller.city.name} · image ${index + 1} · Mercato demo`;
  const hue = (hueOf(title) + index * 47) % 360;
  // One line across the image, smaller for long titles.
  const size = Math.min(36, Math.floor(1_150 / title.length));
  // A studio shot: the product's shape in its colour on a pale backdrop, captioned below.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">
    <rect width="800" height="800" fill="hsl(${hue}, 30%, 94%)"/>
    <ellipse cx="400" cy="530" rx="230" ry="26" fill="#000" fill-opacity="0.08"/>
    <g fill="hsl(${hue}, 55%, 45%)">${SHAPES[rootOf(categorySlug)] ?? ''}</g>
    <rect y="620" width="800" height="180" fill="hsl(${hue}, 35%, 22%)"/>
    <text x="40" y="690" font-family="sans-serif" font-size="${size}" font-weight="bold" fill="#fff">${escapeXml(title)}</text>
    <text x="40" y="750" font-family="sans-serif" font-size="24" fill="#fff" fill-opacity="0.75">${escapeXml(caption)}</text>
  </svg>`;
  return (await imageCodec()).jpegOf(svg, 78);
}

/** A 256x256 logo: the shop's initials on its own colour. */
async function shopLogo(name: string): Promise<Uint8Array> {
  const initials = name
    .split(/\s+/)
    .filter((word) => /^\p{L}/u.test(word))
    .slice(0, 2)
    .map((word) => word.charAt(0))
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">
    <rect width="256" height="256" fill="hsl(${hueOf(name)}, 45%, 38%)"/>
    <text x="128" y="160" text-anchor="middle" font-family="sans-serif" font-size="96" font-weight="bold" fill="#fff">${escapeXml(initials)}</text>
  </svg>`;
  return (await imageCodec()).jpegOf(svg, 85);
}

const JPEG = { contentType: 'image/jpeg', visibility: 'public' } as const;
const JPEG_SIZE = { contentType: JPEG.contentType, width: 800, height: 800 };

async function giveLogo(ctx: Ctx, shop: ShopRow): Promise<void> {
  if (shop.logoKey) return;
  const key = `shops/${shop.id}/logo-${uuidv7()}.jpg`;
  await ctx.storage.put(key, await shopLogo(shop.name), JPEG);
  await ctx.db.update(shops).set({ logoKey: key }).where(eq(shops.id, shop.id));
}

/**
 * The module's demo data: the category tree, and six approved shops in the four demo cities,
 * each with ten products on sale in its categories, with variants and one or two images whose
 * variants are made after the seed commits.
 */
export async function seedDemoShops(ctx: Ctx): Promise<void> {
  const tree = await ensureCategoryTree(ctx);
  const shopRows = await ensureShops(ctx, DEMO_SHOPS);
  const random = seededRandom(2026);
  const now = new Date();
  let made = 0;
  for (const [s, spec] of DEMO_SHOPS.entries()) {
    const shop = shopRows[s];
    if (!shop) throw new Error(`no demo shop ${spec.slug}`);
    await giveLogo(ctx, shop);
    const sells = spec.sells.map((slug) => categoryIn(tree, slug));
    const rows = Array.from({ length: PRODUCTS_PER_SHOP }, (_, p) => {
      const category = sells[p % sells.length] as PlacedCategory;
      const draft = generateDraft(random, category.slug, shop.currency);
      return { category, ...productRows(draft, placementIn(random, { shop, category }, 60, now)) };
    });
    await insertProducts(ctx, rows);
    const images = await Promise.all(
      rows.flatMap(({ product, category }, p) =>
        Array.from({ length: p % SECOND_IMAGE_EVERY === 0 ? 2 : 1 }, async (_, position) => {
          const id = uuidv7();
          const productId = product.id;
          const key = `products/${productId}/${id}.jpg`;
          const bytes = await productImage(product.title, category.slug, spec, position);
          await ctx.storage.put(key, bytes, JPEG);
          return { id, ownerId: productId, key, ...JPEG_SIZE, position, alt: product.title };
        }),
      ),
    );
    await ctx.db.insert(productImages).values(images);
    for (const { product } of rows) {
      const own = images.filter((image) => image.ownerId === product.id);
      await announceImages(ctx, productImageHolder, product.id, own);
    }
    made += rows.length;
  }
  ctx.log.info({ shops: DEMO_SHOPS.length, products: made }, 'demo shops loaded');
}

/** The shops bulk-loaded products are sold by: four in each demo city. */
const BULK_SHOPS: readonly ShopSpec[] = CITIES.flatMap((city, c) =>
  Array.from({ length: 4 }, (_, k) => {
    const n = c * 4 + k + 1;
    return {
      owner: {
        email: `shop-${n}@bulk.mercato.example`,
        fullName: `Generated Seller ${n}`,
        roles: ['seller' as const],
      },
      name: `${city.name} Market ${k + 1}`,
      slug: `generated-shop-${n}`,
      city,
      description: `A generated shop in ${city.name}, for load tests.`,
      returnPolicy: null,
      shippingFlatFee: 0,
      shippingFreeOver: null,
    };
  }),
);

/** Products per transaction, with their variants (about two each). */
const BATCH_PRODUCTS = 1_000;

/**
 * Loads `count` generated products on sale, with variants but no images, straight into the
 * tables in batches (no events or audit entries), over sixteen generated shops and the category
 * tree (created when missing): for volume, as in the load benchmark. Each batch commits on its
 * own, so an interrupted load keeps what it loaded.
 */
export async function loadProducts(ctx: Ctx, load: BulkLoad): Promise<void> {
  const leaves = leafCategories(await ensureCategoryTree(ctx));
  const bulkShops = await ensureShops(ctx, BULK_SHOPS);
  const rows = generateProducts(seededRandom(load.seed ?? 1), load.count, {
    shops: bulkShops,
    leaves,
  });
  let loaded = 0;
  for (const batch of batches(rows, BATCH_PRODUCTS)) {
    await insertProducts(ctx, batch);
    loaded += batch.length;
    load.onProgress?.(loaded);
  }
  // Fresh statistics, so the planner knows the tables grew before the first search, and how
  // few categories a subtree holds (PGlite has no autovacuum to gather them).
  await ctx.db.execute(sql`analyze ${products}, ${productVariants}, ${categories}, ${shops}`);
}
