import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq, inArray } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../test/factories.ts';
import { createTestApp } from '../../../test/harness.ts';
import { codeSentTo } from '../../../test/outbox.ts';
import { CITIES } from '../../platform/demo/cities.ts';
import { seedDemoData } from '../../platform/seed.ts';
import { startWorker } from '../../platform/services.ts';
import { ensureSeedAccounts } from '../identity/index.ts';
import { userRoles, users } from '../identity/tables.ts';
import { modules } from '../index.ts';
import { generateListing, seededRandom } from './generate.ts';
import type { ListingPage } from './listings.test-support.ts';
import { Listing, ListingCreate } from './schemas.ts';
import { DEMO_LISTERS, loadListings } from './seed.ts';
import { listings } from './tables.ts';
import type { ListingView } from './views.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-listings-seed-'));
const t = await createTestApp({
  env: { DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: '100000', AUTH_RATE_LIMIT_PER_MINUTE: '1000' },
});
let firstSeed: boolean;
let demo: ListingView[];

beforeAll(async () => {
  firstSeed = await seedDemoData(t.ctx(), modules);
  // Jobs start after the seed committed, as `make run` does.
  await startWorker(t.services, t.ctx());
  const rows = await t.database.db.select({ id: listings.id }).from(listings);
  demo = await Promise.all(
    rows.map(async ({ id }) => {
      const res = await t.request(`/api/v1/listings/${id}`);
      expect(res.status).toBe(200);
      return Listing.parse(await res.json()) as ListingView;
    }),
  );
}, 120_000);
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('demo listings', () => {
  it('loads ten published listings in each of the four cities, once', async () => {
    expect(firstSeed).toBe(true);
    expect(demo).toHaveLength(40);
    expect(demo.every((l) => l.status === 'active' && l.publishedAt !== null)).toBe(true);
    for (const city of CITIES) {
      const here = demo.filter((l) => l.location.city === city.name);
      expect(here, city.name).toHaveLength(10);
      expect(
        here.every(
          (l) => l.price.currency === city.currency && l.location.countryCode === city.countryCode,
        ),
      ).toBe(true);
      const kinds = new Set(here.map((l) => `${l.kind}/${l.purpose}`));
      expect(kinds).toEqual(
        new Set(['property/sale', 'property/rent', 'vehicle/sale', 'vehicle/rent']),
      );
      expect(here.filter((l) => l.purpose === 'rent').every((l) => l.rentPeriod !== null)).toBe(
        true,
      );
    }
    expect(await seedDemoData(t.ctx(), modules)).toBe(false);
    const [after] = await t.database.db.select({ n: count() }).from(listings);
    expect(after?.n).toBe(40);
  });

  it('finds each city’s listings by searching it, featured first', async () => {
    for (const city of CITIES) {
      const res = await t.request(
        `/api/v1/listings?city=${encodeURIComponent(city.name)}&limit=50`,
      );
      expect(res.status, await res.clone().text()).toBe(200);
      const page = (await res.json()) as ListingPage;
      expect(page.items.map((l) => l.id).sort()).toEqual(
        demo
          .filter((l) => l.location.city === city.name)
          .map((l) => l.id)
          .sort(),
      );
      expect(page.items[0]?.featuredUntil, city.name).not.toBeNull();
      expect(page.items.slice(1).every((l) => l.featuredUntil === null)).toBe(true);
    }
  });

  it('places every listing within a few kilometres of its city', () => {
    for (const listing of demo) {
      const city = CITIES.find((c) => c.name === listing.location.city);
      if (!city) throw new Error(`unknown city ${listing.location.city}`);
      const km =
        111.32 *
        Math.hypot(
          listing.location.lat - city.lat,
          (listing.location.lng - city.lng) * Math.cos((city.lat * Math.PI) / 180),
        );
      expect(km, listing.title).toBeLessThan(25);
    }
  });

  it('gives every listing a primary JPEG photo first, with its variants made after the seed', async () => {
    for (const listing of demo) {
      expect(listing.photos.length).toBeGreaterThan(0);
      expect(listing.photos.filter((p) => p.primary).map((p) => p.position)).toEqual([0]);
    }
    const url = new URL(demo[0]?.photos[0]?.url ?? '');
    const file = await t.request(`${url.pathname}${url.search}`);
    expect(file.status).toBe(200);
    const image = new Uint8Array(await file.arrayBuffer());
    const meta = await sharp(image).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 800, 600]);
    await expect
      .poll(
        async () => {
          const res = await t.request(`/api/v1/listings/${demo[0]?.id}`);
          return Object.keys(((await res.json()) as ListingView).photos[0]?.variants ?? {});
        },
        { timeout: 30_000, interval: 200 },
      )
      .not.toHaveLength(0);
  });

  it('lists through demo accounts that have no password, so none can sign in with one', async () => {
    const owners = new Set(demo.map((l) => l.ownerId));
    const accounts = await t.database.db
      .select({ id: users.id, email: users.email, passwordHash: users.passwordHash })
      .from(users)
      .where(inArray(users.id, [...owners]));
    expect(accounts.map((a) => a.email).sort()).toEqual(DEMO_LISTERS.map((l) => l.email).sort());
    expect(accounts.every((a) => a.passwordHash === null)).toBe(true);
    const res = await t.json('POST', '/api/v1/auth/login', {
      email: DEMO_LISTERS[0]?.email,
      password: 'a long guessed passphrase',
    });
    expect(res.status).toBe(401);
  });

  it('lets a developer sign in as a demo lister with a one-time code and manage its listings', async () => {
    const email = DEMO_LISTERS[1]?.email ?? '';
    expect((await t.json('POST', '/api/v1/auth/otp/request', { email })).status).toBe(202);
    const code = await codeSentTo(t, email);
    const signedIn = await t.json('POST', '/api/v1/auth/otp/verify', { email, code });
    expect(signedIn.status).toBe(200);
    const { accessToken, user } = (await signedIn.json()) as {
      accessToken: string;
      user: { id: string };
    };
    const res = await t.request('/api/v1/me/listings?limit=100', {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(res.status).toBe(200);
    const mine = ((await res.json()) as ListingPage).items.map((l) => l.id).sort();
    expect(mine).toEqual(
      demo
        .filter((l) => l.ownerId === user.id)
        .map((l) => l.id)
        .sort(),
    );
    expect(mine.length).toBeGreaterThan(0);
  });
});

describe('generated listings', () => {
  it('are valid listings as a lister would send them', () => {
    const random = seededRandom(11);
    for (let i = 0; i < 5_000; i++) {
      const input = generateListing(random);
      const parsed = ListingCreate.safeParse(input);
      expect(parsed.error?.issues, JSON.stringify(input)).toBeUndefined();
    }
  });

  it('are the same for the same seed', () => {
    const a = generateListing(seededRandom(5));
    const b = generateListing(seededRandom(5));
    expect(a).toEqual(b);
    expect(generateListing(seededRandom(6))).not.toEqual(a);
  });

  it('load in bulk, published and spread over the cities, and read back through the API', async () => {
    const before = await t.database.db.select({ id: listings.id }).from(listings);
    const seen: number[] = [];
    await loadListings(t.ctx(), { count: 2_345, seed: 3, onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([2_000, 2_345]);
    // Loading again reuses the generated listers rather than failing on their emails.
    await loadListings(t.ctx(), { count: 5, seed: 4 });

    const known = new Set(before.map((r) => r.id));
    const rows = (
      await t.database.db
        .select({
          id: listings.id,
          city: listings.city,
          status: listings.status,
          publishedAt: listings.publishedAt,
          featuredUntil: listings.featuredUntil,
          ownerId: listings.ownerId,
        })
        .from(listings)
    ).filter((r) => !known.has(r.id));
    expect(rows).toHaveLength(2_350);
    expect(rows.every((r) => r.status === 'active' && r.publishedAt !== null)).toBe(true);
    for (const city of CITIES) {
      expect(rows.filter((r) => r.city === city.name).length).toBeGreaterThan(500);
    }
    const featured = rows.filter((r) => r.featuredUntil !== null).length;
    expect(featured).toBeGreaterThan(20);
    expect(featured).toBeLessThan(200);
    const owners = [...new Set(rows.map((r) => r.ownerId))];
    expect(owners.length).toBeGreaterThan(1);
    const ownerRows = await t.database.db
      .select({ passwordHash: users.passwordHash })
      .from(users)
      .where(inArray(users.id, owners));
    expect(ownerRows.every((u) => u.passwordHash === null)).toBe(true);

    const read = await Promise.all(
      rows.slice(0, 60).map(async (row) => {
        const res = await t.request(`/api/v1/listings/${row.id}`);
        expect(res.status).toBe(200);
        return Listing.parse(await res.json());
      }),
    );
    expect(read.every((l) => l.photos.length === 0)).toBe(true);
    // Arrays and timestamps survive the JSON the rows travel in.
    expect(read.some((l) => (l.property?.features.length ?? 0) > 0)).toBe(true);
    expect(read.every((l) => l.createdAt <= (l.publishedAt ?? ''))).toBe(true);
  });

  it('are never owned by a person’s account that happens to have a generated lister’s email', async () => {
    const person = await createUser(t, { email: 'taken@bulk.mercato.example', roles: [] });
    await expect(
      ensureSeedAccounts(t.ctx(), [
        { email: person.email ?? '', fullName: 'Generated', roles: ['broker'] },
      ]),
    ).rejects.toMatchObject({ code: 'seed-account-taken' });
    const [roles] = await t.database.db
      .select({ n: count() })
      .from(userRoles)
      .where(eq(userRoles.userId, person.id));
    expect(roles?.n).toBe(1);
  });
});
