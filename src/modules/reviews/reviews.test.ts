import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem, ok } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { startWorker } from '../../platform/services.ts';
import {
  createCategory,
  createProduct,
  createSeller,
  type MadeProduct,
  type Seller,
} from '../shop/shop.test-support.ts';
import { products } from '../shop/tables.ts';
import type { ReviewPhotoView } from './photos.ts';
import type { AdminReviewView, ReviewView } from './reads.ts';
import { createOrder } from './reviews.test-support.ts';
import { reviewReports, reviews } from './tables.ts';
import { MAX_REVIEW_PHOTOS, REVIEW_EDIT_DAYS } from './vocabulary.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-review-photos-'));
const t = await createTestApp({ env: { DATA_DIR: dataDir } });
beforeAll(() => startWorker(t.services, t.ctx()));
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

const API = '/api/v1';
const ID = '0190a000-0000-7000-8000-000000000000';
const category = await createCategory(t);

interface Page {
  items: ReviewView[];
  nextCursor: string | null;
  summary: { average: number; count: number; histogram: Record<string, number> };
}

async function shopWithProduct(): Promise<{ seller: Seller; made: MadeProduct }> {
  const seller = await createSeller(t);
  // Stock for every buyer a test makes: each order takes one.
  const variants = [{ stock: 1_000 }];
  return {
    seller,
    made: await createProduct(t, seller.shop, { categoryId: category.id, variants }),
  };
}

/** A buyer with a delivered order of the product: who may review it, and the item. */
async function buyerOf(
  seller: Seller,
  made: MadeProduct,
  status: Parameters<typeof createOrder>[4] = 'delivered',
) {
  const buyer = await signedInUser(t, { fullName: 'Abebe Kebede Bikila' });
  const { item } = await createOrder(t, buyer.user.id, seller, made, status);
  return { buyer, itemId: item.id };
}

const post = (who: SignedIn, path: string, body: unknown) =>
  t.json('POST', `${API}${path}`, body, who.headers);

async function review(who: SignedIn, itemId: string, rating: number, text = 'Good value.') {
  return ok<ReviewView>(await post(who, '/reviews', { orderItemId: itemId, rating, text }), 201);
}

async function reviewed(made: MadeProduct, seller: Seller, rating: number) {
  const { buyer, itemId } = await buyerOf(seller, made);
  return { buyer, review: await review(buyer, itemId, rating) };
}

async function ratingOf(productId: string) {
  const [row] = await t.database.db
    .select({ average: products.averageRating, count: products.ratingCount })
    .from(products)
    .where(eq(products.id, productId));
  return row;
}

const listPath = (productId: string, query = '') => `${API}/products/${productId}/reviews${query}`;
const list = async (productId: string, query = '') =>
  ok<Page>(await t.request(listPath(productId, query)));

const moderator = () => signedInUser(t, { roles: ['moderator'] });

describe('POST /reviews', () => {
  it('reviews a delivered item, counts it on the product and tells review.created', async () => {
    const { seller, made } = await shopWithProduct();
    const { buyer, itemId } = await buyerOf(seller, made);
    const created = await review(buyer, itemId, 4, '  Sturdy and well made.  ');
    expect(created).toMatchObject({
      productId: made.product.id,
      shopId: seller.shop.id,
      orderItemId: itemId,
      author: { id: buyer.user.id, name: 'Abebe B.' },
      rating: 4,
      text: 'Sturdy and well made.',
      photos: [],
      helpfulCount: 0,
      reply: null,
    });
    const until = new Date(created.createdAt).getTime() + REVIEW_EDIT_DAYS * 86_400_000;
    expect(new Date(created.editableUntil).getTime()).toBe(until);
    expect(await ratingOf(made.product.id)).toEqual({ average: 4, count: 1 });
    const events = await t.database.db
      .select({ name: outboxEvents.name, payload: outboxEvents.payload })
      .from(outboxEvents)
      .where(eq(outboxEvents.aggregateId, created.id));
    expect(events).toEqual([
      {
        name: 'review.created',
        payload: {
          reviewId: created.id,
          productId: made.product.id,
          shopId: seller.shop.id,
          authorId: buyer.user.id,
          rating: 4,
        },
      },
    ]);
  });

  it('accepts a completed order’s item and refuses an undelivered one with not-eligible', async () => {
    const { seller, made } = await shopWithProduct();
    const completed = await buyerOf(seller, made, 'completed');
    await review(completed.buyer, completed.itemId, 5);
    for (const status of ['placed', 'confirmed', 'shipped', 'cancelled'] as const) {
      const { buyer, itemId } = await buyerOf(seller, made, status);
      const problem = await expectProblem(
        await post(buyer, '/reviews', { orderItemId: itemId, rating: 5, text: 'Early.' }),
        422,
        'not-eligible',
        ['body.orderItemId'],
      );
      expect(problem.detail).toContain(status);
    }
    expect(await ratingOf(made.product.id)).toEqual({ average: 5, count: 1 });
  });

  it('does not let a buyer review another buyer’s item', async () => {
    const { seller, made } = await shopWithProduct();
    const { itemId } = await buyerOf(seller, made);
    const stranger = await signedInUser(t);
    await expectProblem(
      await post(stranger, '/reviews', { orderItemId: itemId, rating: 1, text: 'Not mine.' }),
      404,
      'order-item-not-found',
    );
    await expectProblem(
      await post(stranger, '/reviews', { orderItemId: ID, rating: 1, text: 'None.' }),
      404,
      'order-item-not-found',
    );
  });

  it('takes one review per order item, also when two race', async () => {
    const { seller, made } = await shopWithProduct();
    const { buyer, itemId } = await buyerOf(seller, made);
    const body = { orderItemId: itemId, rating: 3, text: 'Fine.' };
    const answers = await Promise.all([
      post(buyer, '/reviews', body),
      post(buyer, '/reviews', body),
    ]);
    expect(answers.map((res) => res.status).sort()).toEqual([201, 409]);
    await expectProblem(await post(buyer, '/reviews', body), 409, 'already-reviewed', [
      'body.orderItemId',
    ]);
    expect(await ratingOf(made.product.id)).toEqual({ average: 3, count: 1 });
  });

  it('names every bad field', async () => {
    const buyer = await signedInUser(t);
    await expectInvalid(await post(buyer, '/reviews', { orderItemId: 'x', rating: 6, text: ' ' }), [
      'body.orderItemId',
      'body.rating',
      'body.text',
    ]);
    await expectInvalid(
      await post(buyer, '/reviews', {
        orderItemId: ID,
        rating: 2.5,
        text: 'x'.repeat(5001),
        extra: 1,
      }),
      ['body.extra', 'body.rating', 'body.text'],
    );
  });
});

describe('the product’s rating', () => {
  it('stays exact after create, edit, hide and restore', async () => {
    const { seller, made } = await shopWithProduct();
    const id = made.product.id;
    const a = await reviewed(made, seller, 5);
    await reviewed(made, seller, 4);
    const c = await reviewed(made, seller, 2);
    expect(await ratingOf(id)).toEqual({ average: 11 / 3, count: 3 });

    await ok(
      await t.json('PATCH', `${API}/reviews/${c.review.id}`, { rating: 3 }, c.buyer.headers),
    );
    expect(await ratingOf(id)).toEqual({ average: 4, count: 3 });

    const mod = await moderator();
    await ok(await post(mod, `/admin/reviews/${a.review.id}/hide`, { reason: 'Spam link.' }));
    expect(await ratingOf(id)).toEqual({ average: 3.5, count: 2 });
    expect((await list(id)).summary).toEqual({
      average: 3.5,
      count: 2,
      histogram: { '1': 0, '2': 0, '3': 1, '4': 1, '5': 0 },
    });

    await ok(await post(mod, `/admin/reviews/${a.review.id}/restore`, { reason: 'Appealed.' }));
    expect(await ratingOf(id)).toEqual({ average: 4, count: 3 });
  });

  it('derives the shop’s rating from its products', async () => {
    const { seller, made } = await shopWithProduct();
    await reviewed(made, seller, 5);
    await reviewed(made, seller, 2);
    const shop = await ok<{ rating: { average: number | null; count: number } }>(
      await t.request(`${API}/shops/${seller.shop.slug}`),
    );
    expect(shop.rating.count).toBe(2);
    expect(shop.rating.average).toBeCloseTo(3.5);
  });
});

/** A product with seven visible reviews, some voted helpful, and one hidden. */
async function reviewedProduct() {
  const { seller, made } = await shopWithProduct();
  const id = made.product.id;
  const written: ReviewView[] = [];
  for (const rating of [5, 4, 4, 1, 5, 3, 5]) {
    written.push((await reviewed(made, seller, rating)).review);
  }
  // Votes: the third most helpful (3), then the first (2), then the sixth (1).
  for (const [index, votes] of [
    [2, 3],
    [0, 2],
    [5, 1],
  ] as const) {
    for (let i = 0; i < votes; i++) {
      const voter = await signedInUser(t);
      await ok(await post(voter, `/reviews/${written[index]?.id}/helpful`, {}));
    }
  }
  const hidden = (await reviewed(made, seller, 1)).review;
  await ok(await post(await moderator(), `/admin/reviews/${hidden.id}/hide`, { reason: 'Rude.' }));
  return { id, written };
}

const { id, written } = await reviewedProduct();

describe('GET /products/{id}/reviews', () => {
  it('lists visible reviews newest first with the summary over all of them', async () => {
    const page = await list(id);
    expect(page.items.map((r) => r.id)).toEqual(written.map((r) => r.id).reverse());
    expect(page.nextCursor).toBeNull();
    expect(page.summary).toEqual({
      average: 27 / 7,
      count: 7,
      histogram: { '1': 1, '2': 0, '3': 1, '4': 2, '5': 3 },
    });
  });

  it('filters by rating and keeps the summary whole', async () => {
    const page = await list(id, '?rating=5');
    expect(page.items.map((r) => r.rating)).toEqual([5, 5, 5]);
    expect(page.summary.count).toBe(7);
  });

  it('sorts by helpful votes, ties newest id first', async () => {
    const page = await list(id, '?sort=most_helpful');
    const rest = [6, 4, 3, 1].map((i) => written[i]?.id);
    expect(page.items.map((r) => r.id)).toEqual([
      written[2]?.id,
      written[0]?.id,
      written[5]?.id,
      ...rest,
    ]);
    expect(page.items.map((r) => r.helpfulCount)).toEqual([3, 2, 1, 0, 0, 0, 0]);
  });

  it('walks both sorts page by page without skipping or repeating', async () => {
    for (const sort of ['newest', 'most_helpful']) {
      const whole = (await list(id, `?sort=${sort}`)).items.map((r) => r.id);
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?sort=${sort}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await list(id, query);
        walked.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(walked).toEqual(whole);
    }
  });

  it('refuses a cursor from another sort or filter', async () => {
    const { nextCursor } = await list(id, '?limit=2');
    await expectProblem(
      await t.request(listPath(id, `?sort=most_helpful&cursor=${nextCursor}`)),
      400,
      'invalid-cursor',
      ['query.cursor'],
    );
    await expectProblem(
      await t.request(listPath(id, `?rating=5&cursor=${nextCursor}`)),
      400,
      'invalid-cursor',
    );
  });

  it('gives an empty page and a zero summary for a product without reviews', async () => {
    const { made } = await shopWithProduct();
    expect(await list(made.product.id)).toEqual({
      items: [],
      nextCursor: null,
      summary: { average: 0, count: 0, histogram: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } },
    });
  });

  it('answers 404 for a product that is unknown or not on sale', async () => {
    await expectProblem(await t.request(listPath(ID)), 404, 'not-found');
    const { seller } = await shopWithProduct();
    const draft = await createProduct(t, seller.shop, { categoryId: category.id, status: 'draft' });
    await expectProblem(await t.request(listPath(draft.product.id)), 404, 'not-found');
  });

  it('names bad query fields', async () => {
    await expectInvalid(await t.request(listPath(id, '?rating=0&withPhotos=yes&sort=best')), [
      'query.rating',
      'query.withPhotos',
      'query.sort',
    ]);
    await expectInvalid(await t.request(`${API}/products/nope/reviews`), ['params.id']);
  });
});

describe('PATCH /reviews/{id}', () => {
  it('lets the author edit within the window, and only then', async () => {
    const { seller, made } = await shopWithProduct();
    const { buyer, review: mine } = await reviewed(made, seller, 2);
    const edited = await ok<ReviewView>(
      await t.json(
        'PATCH',
        `${API}/reviews/${mine.id}`,
        { text: 'Better after a week.' },
        buyer.headers,
      ),
    );
    expect(edited).toMatchObject({ rating: 2, text: 'Better after a week.' });

    const other = await signedInUser(t);
    await expectProblem(
      await t.json('PATCH', `${API}/reviews/${mine.id}`, { rating: 5 }, other.headers),
      403,
      'not-author',
    );

    const old = new Date(Date.now() - (REVIEW_EDIT_DAYS + 1) * 86_400_000);
    await t.database.db.update(reviews).set({ createdAt: old }).where(eq(reviews.id, mine.id));
    await expectProblem(
      await t.json('PATCH', `${API}/reviews/${mine.id}`, { rating: 5 }, buyer.headers),
      409,
      'edit-window-closed',
    );
    expect(await ratingOf(made.product.id)).toEqual({ average: 2, count: 1 });
  });

  it('names bad fields and wants at least one', async () => {
    const buyer = await signedInUser(t);
    await expectInvalid(
      await t.json('PATCH', `${API}/reviews/${ID}`, { rating: 0, text: '' }, buyer.headers),
      ['body.rating', 'body.text'],
    );
    await expectInvalid(await t.json('PATCH', `${API}/reviews/${ID}`, {}, buyer.headers), ['body']);
    await expectProblem(
      await t.json('PATCH', `${API}/reviews/${ID}`, { rating: 3 }, buyer.headers),
      404,
      'not-found',
    );
  });
});

describe('POST /reviews/{id}/reply', () => {
  it('takes one reply, from the shop that sold the item only', async () => {
    const { seller, made } = await shopWithProduct();
    const { buyer, review: theirs } = await reviewed(made, seller, 3);
    const otherSeller = await createSeller(t);
    for (const who of [buyer, otherSeller]) {
      await expectProblem(
        await post(who, `/reviews/${theirs.id}/reply`, { text: 'Thanks!' }),
        403,
        'not-the-shop',
      );
    }
    const replied = await ok<ReviewView>(
      await post(seller, `/reviews/${theirs.id}/reply`, { text: 'Thank you for the review.' }),
    );
    expect(replied.reply).toEqual({
      text: 'Thank you for the review.',
      repliedAt: expect.any(String),
    });
    await expectProblem(
      await post(seller, `/reviews/${theirs.id}/reply`, { text: 'Again.' }),
      409,
      'already-replied',
    );
    const page = await list(made.product.id);
    expect(page.items[0]?.reply?.text).toBe('Thank you for the review.');
    await expectInvalid(await post(seller, `/reviews/${theirs.id}/reply`, { text: '' }), [
      'body.text',
    ]);
  });
});

describe('POST /reviews/{id}/helpful', () => {
  it('counts each user once and never the author', async () => {
    const { seller, made } = await shopWithProduct();
    const { buyer, review: theirs } = await reviewed(made, seller, 4);
    await expectProblem(await post(buyer, `/reviews/${theirs.id}/helpful`, {}), 422, 'own-review');
    const voter = await signedInUser(t);
    expect(await ok(await post(voter, `/reviews/${theirs.id}/helpful`, {}))).toEqual({
      helpfulCount: 1,
    });
    const again = await Promise.all([
      post(voter, `/reviews/${theirs.id}/helpful`, {}),
      post(voter, `/reviews/${theirs.id}/helpful`, {}),
    ]);
    expect(again.map((res) => res.status)).toEqual([409, 409]);
    await expectProblem(again[0] as Response, 409, 'already-voted');
    expect(
      await ok(await post(await signedInUser(t), `/reviews/${theirs.id}/helpful`, {})),
    ).toEqual({ helpfulCount: 2 });
    await expectProblem(await post(voter, `/reviews/${ID}/helpful`, {}), 404, 'not-found');
  });
});

describe('reports and moderation', () => {
  it('takes a report once while open; hiding resolves it, audited', async () => {
    const { seller, made } = await shopWithProduct();
    const { buyer, review: theirs } = await reviewed(made, seller, 1);
    const reporter = await signedInUser(t);
    await expectProblem(
      await post(buyer, `/reviews/${theirs.id}/reports`, { reason: 'spam' }),
      422,
      'own-review',
    );
    const report = await ok<{ reason: string; text: string | null }>(
      await post(reporter, `/reviews/${theirs.id}/reports`, { reason: 'fake', text: ' Bought? ' }),
      201,
    );
    expect(report).toMatchObject({ reason: 'fake', text: 'Bought?' });
    await expectProblem(
      await post(reporter, `/reviews/${theirs.id}/reports`, { reason: 'spam' }),
      409,
      'already-reported',
    );
    await expectInvalid(
      await post(reporter, `/reviews/${theirs.id}/reports`, { reason: 'boring' }),
      ['body.reason'],
    );

    const mod = await moderator();
    const reported = await ok<{ items: AdminReviewView[]; total: number }>(
      await t.request(`${API}/admin/reviews?reported=true&status=visible`, {
        headers: mod.headers,
      }),
    );
    expect(reported.items.find((r) => r.id === theirs.id)).toMatchObject({ openReports: 1 });
    expect(reported.total).toBeGreaterThanOrEqual(1);

    const hidden = await ok<AdminReviewView>(
      await post(mod, `/admin/reviews/${theirs.id}/hide`, { reason: 'Fake review.' }),
    );
    expect(hidden).toMatchObject({
      status: 'hidden',
      hiddenReason: 'Fake review.',
      openReports: 0,
    });
    await expectProblem(
      await post(mod, `/admin/reviews/${theirs.id}/hide`, { reason: 'Again.' }),
      409,
      'invalid-transition',
    );
    const [open] = await t.database.db
      .select({ resolvedAt: reviewReports.resolvedAt })
      .from(reviewReports)
      .where(eq(reviewReports.subjectId, theirs.id));
    expect(open?.resolvedAt).toBeInstanceOf(Date);
    // A hidden review takes no reports; restored, it takes the reporter's again, theirs resolved.
    await expectProblem(
      await post(reporter, `/reviews/${theirs.id}/reports`, { reason: 'spam' }),
      404,
      'not-found',
    );
    expect((await list(made.product.id)).items).toEqual([]);

    const restored = await ok<AdminReviewView>(
      await post(mod, `/admin/reviews/${theirs.id}/restore`, { reason: 'Verified purchase.' }),
    );
    expect(restored).toMatchObject({ status: 'visible', hiddenReason: null });
    await ok(await post(reporter, `/reviews/${theirs.id}/reports`, { reason: 'spam' }), 201);

    const audits = await t.database.db
      .select({ action: auditLog.action, actorId: auditLog.actorId, metadata: auditLog.metadata })
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, 'review'), eq(auditLog.resourceId, theirs.id)))
      .orderBy(auditLog.occurredAt, auditLog.id);
    expect(audits).toEqual([
      {
        action: 'review.hidden',
        actorId: mod.user.id,
        metadata: expect.objectContaining({ reason: 'Fake review.' }),
      },
      {
        action: 'review.restored',
        actorId: mod.user.id,
        metadata: expect.objectContaining({ reason: 'Verified purchase.' }),
      },
    ]);
  });

  it('lists by status with a total and a cursor', async () => {
    const { seller, made } = await shopWithProduct();
    const mod = await moderator();
    for (let i = 0; i < 3; i++) {
      const { review: r } = await reviewed(made, seller, 2);
      await ok(await post(mod, `/admin/reviews/${r.id}/hide`, { reason: 'Test.' }));
    }
    const first = await ok<{ items: AdminReviewView[]; total: number; nextCursor: string }>(
      await t.request(`${API}/admin/reviews?status=hidden&limit=2`, { headers: mod.headers }),
    );
    expect(first.items).toHaveLength(2);
    expect(first.items.every((r) => r.status === 'hidden')).toBe(true);
    const second = await ok<{ items: AdminReviewView[]; total: number }>(
      await t.request(`${API}/admin/reviews?status=hidden&limit=2&cursor=${first.nextCursor}`, {
        headers: mod.headers,
      }),
    );
    expect(second.total).toBe(first.total);
    expect(first.items.length + second.items.length).toBeLessThanOrEqual(first.total);
    expect(new Set([...first.items, ...second.items].map((r) => r.id)).size).toBe(
      first.items.length + second.items.length,
    );
    await expectInvalid(
      await t.request(`${API}/admin/reviews?status=gone&reported=maybe`, { headers: mod.headers }),
      ['query.status', 'query.reported'],
    );
    await expectInvalid(await post(mod, `/admin/reviews/${ID}/hide`, {}), ['body.reason']);
    await expectProblem(
      await post(mod, `/admin/reviews/${ID}/hide`, { reason: 'x' }),
      404,
      'not-found',
    );
  });
});

describe('POST /reviews/{id}/photos', () => {
  const png = (width = 40, height = 30) =>
    sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();

  function upload(who: SignedIn, reviewId: string, files: Uint8Array[]) {
    const form = new FormData();
    for (const bytes of files) {
      form.append('photos', new File([new Uint8Array(bytes)], 'photo.png', { type: 'image/png' }));
    }
    return t.request(`${API}/reviews/${reviewId}/photos`, {
      method: 'POST',
      headers: who.headers,
      body: form,
    });
  }

  it('adds the author’s photos up to the limit, and the list can filter by them', async () => {
    const { seller, made } = await shopWithProduct();
    const { buyer, review: mine } = await reviewed(made, seller, 5);
    await reviewed(made, seller, 4);
    const withPhotos = await ok<ReviewView>(
      await upload(buyer, mine.id, [await png(40, 30), await png(20, 20)]),
      201,
    );
    expect(withPhotos.photos.map((p: ReviewPhotoView) => [p.width, p.height])).toEqual([
      [40, 30],
      [20, 20],
    ]);
    const file = await t.request(new URL(withPhotos.photos[0]?.url ?? '').pathname);
    expect(file.status).toBe(200);
    await expect
      .poll(
        async () =>
          (await list(made.product.id, '?withPhotos=true')).items[0]?.photos.map((p) =>
            Object.keys(p.variants),
          ),
        { timeout: 15_000, interval: 100 },
      )
      .toEqual([['40'], ['20']]);

    const filtered = await list(made.product.id, '?withPhotos=true');
    expect(filtered.items.map((r) => r.id)).toEqual([mine.id]);
    expect((await list(made.product.id, '?withPhotos=false')).items).toHaveLength(2);

    const four = await Promise.all(Array.from({ length: MAX_REVIEW_PHOTOS - 1 }, () => png()));
    await expectProblem(await upload(buyer, mine.id, four), 422, 'too-many-photos', [
      'body.photos',
    ]);
    await expectProblem(
      await upload(await signedInUser(t), mine.id, [await png()]),
      404,
      'not-found',
    );
    await expectProblem(
      await upload(buyer, mine.id, [await png(), new TextEncoder().encode('not an image')]),
      422,
      'unsupported-file-type',
      ['body.photos.1'],
    );
    expect((await list(made.product.id, '?withPhotos=true')).items[0]?.photos).toHaveLength(2);
  });
});

const reviewPath = `${API}/reviews/${ID}`;
securityCases(() => t, {
  method: 'POST',
  path: `${API}/reviews`,
  body: { orderItemId: ID, rating: 5, text: 'x' },
});
securityCases(() => t, { method: 'PATCH', path: reviewPath, body: { rating: 5 } });
securityCases(() => t, { method: 'POST', path: `${reviewPath}/reply`, body: { text: 'x' } });
securityCases(() => t, { method: 'POST', path: `${reviewPath}/helpful` });
securityCases(() => t, { method: 'POST', path: `${reviewPath}/reports`, body: { reason: 'spam' } });
securityCases(() => t, { method: 'POST', path: `${reviewPath}/photos` });
securityCases(() => t, {
  method: 'GET',
  path: `${API}/admin/reviews`,
  allowed: ['moderator'],
  forbidden: ['seller'],
});
for (const decision of ['hide', 'restore']) {
  securityCases(() => t, {
    method: 'POST',
    path: `${API}/admin/reviews/${ID}/${decision}`,
    body: { reason: 'x' },
    allowed: ['admin'],
    forbidden: ['seller'],
  });
}

describe.runIf(process.env.TEST_DATABASE_URL)('concurrent reviews (PostgreSQL)', () => {
  it('counts 10 concurrent reviews of one product exactly', async () => {
    const { seller, made } = await shopWithProduct();
    const ratings = [5, 4, 3, 5, 1, 2, 5, 4, 4, 3];
    const buyers = await Promise.all(ratings.map(() => buyerOf(seller, made)));
    const answers = await Promise.all(
      buyers.map(({ buyer, itemId }, i) =>
        post(buyer, '/reviews', { orderItemId: itemId, rating: ratings[i], text: 'Racing.' }),
      ),
    );
    expect(answers.map((res) => res.status)).toEqual(ratings.map(() => 201));
    const rating = await ratingOf(made.product.id);
    expect(rating?.count).toBe(10);
    expect(rating?.average).toBeCloseTo(36 / 10, 12);
  });
});
