import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem, ok } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { fetchFile, formOf, PDF, png } from '../professionals/professionals.test-support.ts';
import { createCategory, createProduct, createSeller } from './shop.test-support.ts';
import type { PublicShopView } from './shops.ts';
import { products } from './tables.ts';
import type { ShopView } from './views.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-shops-'));
const t = await createTestApp({ env: { DATA_DIR: dataDir } });
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

const SHOPS = '/api/v1/seller/shops';
const ME = `${SHOPS}/me`;

const shopBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'Bole Electronics',
  description: 'Phones and laptops, with a year’s warranty.',
  contact: { email: 'Sales@Bole.example.com', phone: '+251911234567' },
  returnPolicy: 'Returns within 7 days, unopened.',
  currency: 'ETB',
  shipping: {
    flatFee: { amount: 15_000, currency: 'ETB' },
    freeOver: { amount: 500_000, currency: 'ETB' },
  },
  ...overrides,
});

const open = (who: SignedIn, body: unknown) => t.json('POST', SHOPS, body, who.headers);
const patch = (who: SignedIn, body: unknown) => t.json('PATCH', ME, body, who.headers);
const shopPage = (idOrSlug: string, headers: Record<string, string> = {}) =>
  t.request(`/api/v1/shops/${idOrSlug}`, { headers });

function upload(who: SignedIn, which: 'logo' | 'banner', bytes: Uint8Array, field = 'image') {
  return t.request(`${ME}/${which}`, {
    method: 'PUT',
    headers: who.headers,
    body: formOf({ [field]: { bytes, name: `${which}.png`, type: 'image/png' } }),
  });
}

/** A new user who opened a shop through the API: pending, and a seller now. */
async function opened(overrides: Record<string, unknown> = {}) {
  const who = await signedInUser(t);
  const shop = await ok<ShopView>(await open(who, shopBody(overrides)), 201);
  return { who, shop };
}

securityCases(() => t, { method: 'POST', path: SHOPS, body: shopBody() });
for (const route of [
  { method: 'GET', path: ME },
  { method: 'PATCH', path: ME, body: { name: 'Renamed' } },
  { method: 'PUT', path: `${ME}/logo` },
  { method: 'DELETE', path: `${ME}/logo` },
  { method: 'PUT', path: `${ME}/banner` },
  { method: 'DELETE', path: `${ME}/banner` },
]) {
  securityCases(() => t, { ...route, allowed: ['seller'], forbidden: [] });
}

describe('POST /seller/shops', () => {
  it('opens a pending shop and makes the caller a seller at once', async () => {
    const who = await signedInUser(t);
    await expectProblem(await t.request(ME, { headers: who.headers }), 403, 'forbidden');

    const shop = await ok<ShopView>(await open(who, shopBody()), 201);
    expect(shop).toEqual({
      id: expect.any(String),
      ownerId: who.user.id,
      name: 'Bole Electronics',
      slug: expect.stringMatching(/^bole-electronics(-[a-z0-9]{6})?$/),
      description: 'Phones and laptops, with a year’s warranty.',
      logoUrl: null,
      bannerUrl: null,
      contact: { email: 'sales@bole.example.com', phone: '+251911234567' },
      returnPolicy: 'Returns within 7 days, unopened.',
      currency: 'ETB',
      shipping: {
        flatFee: { amount: 15_000, currency: 'ETB' },
        freeOver: { amount: 500_000, currency: 'ETB' },
      },
      status: 'pending',
      statusReason: null,
      rename: null,
      approvedAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    // The same token: the session check forgot the roles from before the shop.
    expect(await ok<ShopView>(await t.request(ME, { headers: who.headers }))).toEqual(shop);
    const events = await t.database.db
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.name, 'shop.created'), eq(outboxEvents.aggregateId, shop.id)));
    expect(events.map((e) => e.payload)).toEqual([{ shopId: shop.id, ownerId: who.user.id }]);
  });

  it('takes a free flat fee and no free-shipping threshold', async () => {
    const { shop } = await opened({
      description: undefined,
      contact: undefined,
      returnPolicy: undefined,
      shipping: { flatFee: { amount: 0, currency: 'ETB' }, freeOver: null },
    });
    expect(shop).toMatchObject({
      description: null,
      contact: { email: null, phone: null },
      returnPolicy: null,
      shipping: { flatFee: { amount: 0, currency: 'ETB' }, freeOver: null },
    });
  });

  it('allows one shop per user', async () => {
    const { who } = await opened();
    await expectProblem(await open(who, shopBody({ name: 'Second Shop' })), 409, 'shop-exists');
  });

  it('refuses an account that has not verified an email or phone', async () => {
    const who = await signedInUser(t, { status: 'unverified' });
    await expectProblem(await open(who, shopBody()), 403, 'unverified-account');
    await expectProblem(await t.request(ME, { headers: who.headers }), 403, 'forbidden');
  });

  it('derives the slug from the name, with a suffix when another shop has it', async () => {
    const first = await opened({ name: 'Café Ëthiopia & Co.' });
    expect(first.shop.slug).toMatch(/^cafe-ethiopia-co(-[a-z0-9]{6})?$/);
    const second = await opened({ name: 'Café Ëthiopia & Co.' });
    expect(second.shop.slug).toMatch(/^cafe-ethiopia-co-[a-z0-9]{6}$/);
    expect(second.shop.slug).not.toBe(first.shop.slug);

    const geez = await opened({ name: 'የአበበ ሱቅ' });
    expect(geez.shop.slug).toMatch(/^shop(-[a-z0-9]{6})?$/);
    const long = await opened({ name: 'x'.repeat(80) });
    expect(long.shop.slug.length).toBeLessThanOrEqual(60);
  });

  it('keeps a chosen slug, lower-cased, and refuses one another shop has', async () => {
    const slug = `Merkato-Books-${Date.now()}`;
    const { shop } = await opened({ slug });
    expect(shop.slug).toBe(slug.toLowerCase());
    const other = await signedInUser(t);
    await expectProblem(await open(other, shopBody({ slug })), 409, 'slug-taken', ['body.slug']);
  });

  it('names every invalid field', async () => {
    const who = await signedInUser(t);
    await expectInvalid(
      await open(who, {
        name: ' ',
        slug: 'Not_A_Slug!',
        contact: { email: 'nope', phone: '0911234567', fax: '1' },
        currency: 'ETBX',
        shipping: {
          flatFee: { amount: -1, currency: 'ETB' },
          freeOver: { amount: 0, currency: 'ETB' },
        },
        owner: 'me',
      }),
      [
        'body.name',
        'body.slug',
        'body.contact.email',
        'body.contact.phone',
        'body.contact.fax',
        'body.currency',
        'body.shipping.flatFee.amount',
        'body.shipping.freeOver.amount',
        'body.owner',
      ],
    );
    await expectInvalid(await open(who, { name: 'No Currency' }), [
      'body.currency',
      'body.shipping',
    ]);
    await expectInvalid(
      await open(who, shopBody({ slug: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' })),
      ['body.slug'],
    );
    await expectInvalid(await open(who, shopBody({ slug: 'ab' })), ['body.slug']);
  });

  it('refuses shipping amounts in another currency than the shop’s', async () => {
    const who = await signedInUser(t);
    await expectProblem(
      await open(
        who,
        shopBody({
          shipping: {
            flatFee: { amount: 500, currency: 'USD' },
            freeOver: { amount: 10_000, currency: 'EUR' },
          },
        }),
      ),
      422,
      'shipping-currency',
      ['body.shipping.flatFee.currency', 'body.shipping.freeOver.currency'],
    );
  });
});

describe('PATCH /seller/shops/me', () => {
  it('changes what is given, clears what is null, and keeps the rest', async () => {
    const { who, shop } = await opened();
    const changed = await ok<ShopView>(
      await patch(who, {
        description: null,
        contact: { phone: null },
        returnPolicy: 'No returns.',
        shipping: { flatFee: { amount: 0, currency: 'ETB' }, freeOver: null },
      }),
    );
    expect(changed).toEqual({
      ...shop,
      description: null,
      contact: { email: 'sales@bole.example.com', phone: null },
      returnPolicy: 'No returns.',
      shipping: { flatFee: { amount: 0, currency: 'ETB' }, freeOver: null },
      updatedAt: expect.any(String),
    });
    expect(await ok<ShopView>(await t.request(ME, { headers: who.headers }))).toEqual(changed);
  });

  it('renames the shop’s products with it, for search, while it awaits approval', async () => {
    const seller = await createSeller(t, { name: 'Old Name', status: 'pending' });
    const category = await createCategory(t);
    const made = await createProduct(t, seller.shop, { categoryId: category.id });
    const before = made.product.updatedAt;
    expect((await ok<ShopView>(await patch(seller, { name: '  New Name  ' }))).name).toBe(
      'New Name',
    );
    const [row] = await t.database.db
      .select({ shopName: products.shopName, updatedAt: products.updatedAt })
      .from(products)
      .where(eq(products.id, made.product.id));
    expect(row).toEqual({ shopName: 'New Name', updatedAt: before });
  });

  it('changes the currency only while the shop has no products', async () => {
    const { who } = await opened();
    await expectProblem(await patch(who, { currency: 'USD' }), 422, 'shipping-currency', [
      'body.shipping',
    ]);
    const changed = await ok<ShopView>(
      await patch(who, {
        currency: 'usd',
        shipping: {
          flatFee: { amount: 500, currency: 'USD' },
          freeOver: { amount: 10_000, currency: 'USD' },
        },
      }),
    );
    expect(changed).toMatchObject({
      currency: 'USD',
      shipping: { flatFee: { amount: 500, currency: 'USD' } },
    });
    await expectProblem(
      await patch(who, { shipping: { flatFee: { amount: 1, currency: 'ETB' }, freeOver: null } }),
      422,
      'shipping-currency',
      ['body.shipping.flatFee.currency'],
    );

    const seller = await createSeller(t, { shippingFlatFee: 0 });
    await createProduct(t, seller.shop, { categoryId: (await createCategory(t)).id });
    await expectProblem(await patch(seller, { currency: 'USD' }), 409, 'shop-has-products', [
      'body.currency',
    ]);
    expect((await ok<ShopView>(await patch(seller, { currency: 'ETB' }))).currency).toBe('ETB');
  });

  it('changes the slug unless another shop has it', async () => {
    const { who } = await opened();
    const other = await opened();
    const slug = `renamed-${Date.now()}`;
    expect((await ok<ShopView>(await patch(who, { slug }))).slug).toBe(slug);
    expect((await ok<ShopView>(await patch(who, { slug }))).slug).toBe(slug);
    await expectProblem(await patch(other.who, { slug }), 409, 'slug-taken', ['body.slug']);
  });

  it('refuses an empty change, unknown fields and the owner', async () => {
    const { who } = await opened();
    await expectInvalid(await patch(who, {}), ['body']);
    await expectInvalid(await patch(who, { ownerId: who.user.id, name: '' }), [
      'body.ownerId',
      'body.name',
    ]);
  });

  it('answers 404 no-shop to a seller without one', async () => {
    const seller = await signedInUser(t, { roles: ['seller'] });
    await expectProblem(await t.request(ME, { headers: seller.headers }), 404, 'no-shop');
    await expectProblem(await patch(seller, { name: 'X shop' }), 404, 'no-shop');
    await expectProblem(await upload(seller, 'logo', await png()), 404, 'no-shop');
  });
});

describe('PUT and DELETE /seller/shops/me/logo and /banner', () => {
  it('stores the image publicly without its metadata and replaces the previous one', async () => {
    const { who, shop } = await opened();
    const jpeg = await sharp(await png(120, 80))
      .jpeg()
      .withExifMerge({ IFD3: { GPSMapDatum: 'SECRET-PLACE' } })
      .toBuffer();
    const res = await t.request(`${ME}/logo`, {
      method: 'PUT',
      headers: who.headers,
      body: formOf({ image: { bytes: jpeg, name: 'logo.jpg', type: 'image/jpeg' } }),
    });
    const first = await ok<ShopView>(res);
    expect(first.logoUrl).toMatch(new RegExp(`/files/shops/${shop.id}/logo-[0-9a-f-]{36}\\.jpg$`));
    const stored = await fetchFile(t, first.logoUrl as string);
    expect(stored.res.status).toBe(200);
    expect(stored.res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(stored.bytes).includes('SECRET-PLACE')).toBe(false);

    const second = await ok<ShopView>(await upload(who, 'logo', await png(32, 32)));
    expect(second.logoUrl).toMatch(/\/logo-[0-9a-f-]{36}\.png$/);
    expect((await fetchFile(t, first.logoUrl as string)).res.status).toBe(404);
    expect((await fetchFile(t, second.logoUrl as string)).res.status).toBe(200);
  });

  it('keeps the banner apart from the logo, and removes either', async () => {
    const { who } = await opened();
    const withLogo = await ok<ShopView>(await upload(who, 'logo', await png()));
    const withBoth = await ok<ShopView>(await upload(who, 'banner', await png(200, 50)));
    expect(withBoth.logoUrl).toBe(withLogo.logoUrl);
    expect(withBoth.bannerUrl).toMatch(/\/banner-[0-9a-f-]{36}\.png$/);

    const removed = await t.request(`${ME}/banner`, { method: 'DELETE', headers: who.headers });
    expect(removed.status).toBe(204);
    expect((await fetchFile(t, withBoth.bannerUrl as string)).res.status).toBe(404);
    const shown = await ok<ShopView>(await t.request(ME, { headers: who.headers }));
    expect(shown).toMatchObject({ logoUrl: withLogo.logoUrl, bannerUrl: null });
    const again = await t.request(`${ME}/banner`, { method: 'DELETE', headers: who.headers });
    expect(again.status).toBe(204);
  });

  it('refuses what is not an image and a form without one', async () => {
    const { who } = await opened();
    const { logoUrl } = await ok<ShopView>(await upload(who, 'logo', await png()));
    await expectProblem(await upload(who, 'logo', PDF), 422, 'unsupported-file-type');
    await expectInvalid(await upload(who, 'logo', await png(), 'file'), ['body.image']);
    expect((await ok<ShopView>(await t.request(ME, { headers: who.headers }))).logoUrl).toBe(
      logoUrl,
    );
  });
});

describe('GET /shops/{idOrSlug}', () => {
  it('shows an active shop by id or slug, rated over its products on sale', async () => {
    const seller = await createSeller(t, { shippingFlatFee: 2_500 });
    const category = await createCategory(t);
    const rated = async (averageRating: number, ratingCount: number, more = {}) =>
      createProduct(t, seller.shop, {
        categoryId: category.id,
        averageRating,
        ratingCount,
        ...more,
      });
    await rated(4, 10);
    await rated(5, 30);
    await rated(0, 0);
    await rated(1, 100, { status: 'draft' });
    await rated(1, 100, { disabledAt: new Date() });

    const page = await ok<PublicShopView>(await shopPage(seller.shop.slug));
    expect(page).toEqual({
      id: seller.shop.id,
      name: seller.shop.name,
      slug: seller.shop.slug,
      description: null,
      logoUrl: null,
      bannerUrl: null,
      contact: { email: null, phone: null },
      returnPolicy: null,
      currency: 'ETB',
      shipping: { flatFee: { amount: 2_500, currency: 'ETB' }, freeOver: null },
      status: 'active',
      createdAt: seller.shop.createdAt.toISOString(),
      rating: { average: 4.75, count: 40 },
      productCount: 3,
    });
    expect(await ok<PublicShopView>(await shopPage(seller.shop.id))).toEqual(page);
    expect(await ok<PublicShopView>(await shopPage(seller.shop.slug.toUpperCase()))).toEqual(page);
  });

  it('gives an unrated shop no average', async () => {
    const seller = await createSeller(t);
    expect((await ok<PublicShopView>(await shopPage(seller.shop.id))).rating).toEqual({
      average: null,
      count: 0,
    });
  });

  it('hides a pending shop from all but its owner and reviewers', async () => {
    const { who, shop } = await opened();
    await expectProblem(await shopPage(shop.id), 404, 'not-found');
    await expectProblem(await shopPage(shop.slug), 404, 'not-found');
    const stranger = await signedInUser(t);
    await expectProblem(await shopPage(shop.id, stranger.headers), 404, 'not-found');
    expect((await ok<PublicShopView>(await shopPage(shop.id, who.headers))).status).toBe('pending');
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    expect((await ok<PublicShopView>(await shopPage(shop.slug, moderator.headers))).id).toBe(
      shop.id,
    );
  });

  it('answers 404 for a shop that does not exist', async () => {
    await expectProblem(await shopPage('no-such-shop'), 404, 'not-found');
    await expectProblem(await shopPage(crypto.randomUUID()), 404, 'not-found');
  });
});
