import { getTableColumns, inArray, sql } from 'drizzle-orm';
import type { Actor, Ctx } from '../../platform/core/context.ts';
import { CITIES } from '../../platform/demo/cities.ts';
import type { BulkLoad } from '../../platform/seed.ts';
import { imageCodec } from '../../platform/storage/index.ts';
import { ensureSeedAccounts, type SeedAccount } from '../identity/index.ts';
import {
  generateListing,
  generateRows,
  type ListingInsert,
  type ListingShape,
  seededRandom,
} from './generate.ts';
import { createListing, goLive, listingToChange } from './listings.ts';
import { addPhotos } from './photos.ts';
import type { ListingInput } from './schemas.ts';
import { listings } from './tables.ts';

/** Demo listings for `make run` on an empty database, and many generated ones on request. */

export const DEMO_LISTERS: readonly SeedAccount[] = [
  { email: 'owner@demo.mercato.example', fullName: 'Selam Bekele', roles: ['owner'] },
  { email: 'agent@demo.mercato.example', fullName: 'Wanjiru Kamau', roles: ['agent'] },
  { email: 'broker@demo.mercato.example', fullName: 'Tiago Ferreira', roles: ['broker'] },
];

/** Each city's demo listings: properties and vehicles, for sale and for rent. */
const DEMO_SHAPES: readonly Omit<ListingShape, 'city'>[] = [
  { kind: 'property', purpose: 'sale' },
  { kind: 'property', purpose: 'sale' },
  { kind: 'property', purpose: 'sale' },
  { kind: 'property', purpose: 'rent' },
  { kind: 'property', purpose: 'rent' },
  { kind: 'property', purpose: 'rent' },
  { kind: 'vehicle', purpose: 'sale' },
  { kind: 'vehicle', purpose: 'sale' },
  { kind: 'vehicle', purpose: 'sale' },
  { kind: 'vehicle', purpose: 'rent' },
];

const DEMO_PHOTOS_PER_LISTING = 2;
const FEATURED_DAYS = 30;

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Lines of at most `width` characters, broken between words. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return line ? [...lines, line] : lines;
}

/** A house or a car in a few strokes, so a photo tells at a glance what is on offer. */
const SILHOUETTES = {
  property:
    '<path d="M400 110 L610 270 L570 270 L570 420 L230 420 L230 270 L190 270 Z"/><rect x="370" y="330" width="60" height="90" fill-opacity="0.5"/>',
  vehicle:
    '<path d="M180 360 L230 280 Q250 250 290 250 L500 250 Q540 250 570 285 L630 320 Q660 330 660 360 L660 390 L180 390 Z"/><circle cx="280" cy="395" r="38"/><circle cx="560" cy="395" r="38"/>',
};

/**
 * A generated 800x600 JPEG: a gradient in the listing's own colours, a silhouette of its kind
 * and its title. Small, so seeding stays quick.
 */
async function demoPhoto(input: ListingInput, index: number): Promise<Uint8Array> {
  let hash = 0;
  for (const char of input.title) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const hue = ((hash % 360) + index * 47) % 360;
  const lines = wrap(input.title, 32).slice(0, 3);
  const text = lines
    .map(
      (line, i) =>
        `<text x="40" y="${500 - (lines.length - 1 - i) * 44}" font-family="sans-serif" font-size="36" font-weight="bold" fill="#fff">${escapeXml(line)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue}, 55%, 58%)"/>
      <stop offset="1" stop-color="hsl(${(hue + 50) % 360}, 60%, 28%)"/>
    </linearGradient></defs>
    <rect width="800" height="600" fill="url(#g)"/>
    <g fill="#fff" fill-opacity="0.22">${SILHOUETTES[input.kind]}</g>
    ${text}
    <text x="40" y="560" font-family="sans-serif" font-size="22" fill="#fff" fill-opacity="0.8">${escapeXml(`${input.location.city} · photo ${index + 1} · Mercato demo`)}</text>
  </svg>`;
  return (await imageCodec()).jpegOf(svg, 78);
}

const asLister = (ctx: Ctx, actor: Actor): Ctx => ({ ...ctx, actor });

/**
 * The module's demo data: ten listings in each city, listed, photographed and published by
 * the demo listers through the same services as the API; each city's first is featured.
 */
export async function seedDemoListings(ctx: Ctx): Promise<void> {
  const listers = await ensureSeedAccounts(ctx, DEMO_LISTERS);
  const random = seededRandom(2026);
  const featured: string[] = [];
  let n = 0;
  for (const city of CITIES) {
    for (const [i, shape] of DEMO_SHAPES.entries()) {
      const lister = listers[n++ % listers.length];
      if (!lister) throw new Error('no demo lister');
      const as = asLister(ctx, lister);
      const input = generateListing(random, { ...shape, city: city.name });
      const draft = await createListing(as, input);
      const photos = await Promise.all(
        Array.from({ length: DEMO_PHOTOS_PER_LISTING }, (_, p) => demoPhoto(input, p)),
      );
      await addPhotos(as, draft.id, photos);
      // Straight on the market, past the moderation rules: the demo accounts are minutes old
      // and list dozens of listings at once, which the rules would send to review.
      await goLive(as, await listingToChange(as, draft.id));
      if (i === 0) featured.push(draft.id);
    }
  }
  // Featuring is a paid promotion that no endpoint sells yet; the demo shows how lists order it.
  await ctx.db
    .update(listings)
    .set({ featuredUntil: new Date(Date.now() + FEATURED_DAYS * 86_400_000) })
    .where(inArray(listings.id, featured));
  ctx.log.info({ listings: n }, 'demo listings loaded');
}

/** The accounts that own bulk-loaded listings: two of each lister role. */
const BULK_LISTERS: readonly SeedAccount[] = Array.from({ length: 6 }, (_, i) => ({
  email: `lister-${i + 1}@bulk.mercato.example`,
  fullName: `Generated Lister ${i + 1}`,
  roles: [(['owner', 'agent', 'broker'] as const)[i % 3] ?? 'owner'],
}));

/** Rows per statement: about 2.5 MB of JSON, where PGlite and PostgreSQL both load fastest. */
const BATCH_ROWS = 2_000;

/** Every column that takes a value: all but the generated search columns. */
const WRITABLE = Object.entries(getTableColumns(listings)).filter(
  ([, column]) => !column.generated,
);
const WRITABLE_NAMES = sql.raw(WRITABLE.map(([, column]) => `"${column.name}"`).join(', '));

/**
 * One statement for a batch: the rows go as one JSON parameter, unpacked by PostgreSQL. A
 * multi-row VALUES of 45 parameters a row spends more time being built by Drizzle and parsed
 * than inserting; this loads about twice as fast on PGlite and more on a server.
 */
async function insertRows(ctx: Ctx, rows: readonly ListingInsert[]): Promise<void> {
  const records = rows.map((row) =>
    Object.fromEntries(
      WRITABLE.map(([key, column]) => [column.name, row[key as keyof ListingInsert] ?? null]),
    ),
  );
  await ctx.db.execute(sql`
    insert into ${listings} (${WRITABLE_NAMES})
    select ${WRITABLE_NAMES} from json_populate_recordset(null::${listings}, ${JSON.stringify(records)}::json)`);
}

/**
 * Loads `count` generated listings, all published, straight into the table in batches (no
 * photos, events or audit entries): for volume, as in the load benchmark. Each batch commits
 * on its own, so an interrupted load keeps what it loaded.
 */
export async function loadListings(ctx: Ctx, load: BulkLoad): Promise<void> {
  const owners = await ensureSeedAccounts(ctx, BULK_LISTERS);
  const rows = generateRows(
    seededRandom(load.seed ?? 1),
    load.count,
    owners.map((o) => o.userId),
  );
  let batch: ListingInsert[] = [];
  let loaded = 0;
  for (const row of rows) {
    batch.push(row);
    if (batch.length === BATCH_ROWS) {
      await insertRows(ctx, batch);
      loaded += batch.length;
      batch = [];
      load.onProgress?.(loaded);
    }
  }
  if (batch.length > 0) {
    await insertRows(ctx, batch);
    loaded += batch.length;
    load.onProgress?.(loaded);
  }
  // Fresh statistics, so the planner knows the table grew before the first search.
  await ctx.db.execute(sql`analyze ${listings}`);
}
