import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectProblem, problemOf } from '../../../test/harness.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { createCategory, createProduct, createSeller, type Seller } from './shop.test-support.ts';
import { products } from './tables.ts';

/**
 * An approved shop cannot become another brand unseen: a new name or address waits for a
 * moderator, buyers seeing the approved ones until then.
 */
const t = await createTestApp();
afterAll(() => t.close());

const moderator = () => signedInUser(t, { roles: ['moderator'] });
const rename = (seller: Seller, body: unknown) =>
  t.json('PATCH', '/api/v1/seller/shops/me', body, seller.headers);
const publicName = async (slug: string) => {
  const res = await t.request(`/api/v1/shops/${slug}`);
  return res.status === 200 ? (await res.json()).name : res.status;
};

describe('renaming an approved shop', () => {
  it('waits for review: buyers see the approved name and address meanwhile', async () => {
    const seller = await createSeller(t);
    const res = await rename(seller, { name: 'Official Apple Store', slug: 'apple' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: seller.shop.name,
      slug: seller.shop.slug,
      rename: { name: 'Official Apple Store', slug: 'apple' },
    });
    expect(await publicName(seller.shop.slug)).toBe(seller.shop.name);
    expect(await publicName('apple')).toBe(404);
  });

  it('takes effect when a moderator approves it, products included', async () => {
    const seller = await createSeller(t);
    const category = await createCategory(t);
    const made = await createProduct(t, seller.shop, { categoryId: category.id });
    await rename(seller, { name: 'Bole Bikes' });
    const mod = await moderator();
    const queue = await t.request('/api/v1/admin/shops?renamePending=true', {
      headers: mod.headers,
    });
    expect((await queue.json()).items.map((s: { id: string }) => s.id)).toContain(seller.shop.id);

    const approved = await t.json(
      'POST',
      `/api/v1/admin/shops/${seller.shop.id}/rename/approve`,
      {},
      mod.headers,
    );
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ name: 'Bole Bikes', rename: null });
    const [product] = await t.database.db
      .select({ shopName: products.shopName })
      .from(products)
      .where(eq(products.id, made.product.id));
    expect(product?.shopName).toBe('Bole Bikes');
    const audited = await t.database.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.resourceId, seller.shop.id));
    expect(audited.map((a) => a.action)).toContain('shop.rename_approved');
  });

  it('is dropped when a moderator rejects it, the approved name kept', async () => {
    const seller = await createSeller(t);
    await rename(seller, { name: 'Ethio Telecom Official' });
    const rejected = await t.json(
      'POST',
      `/api/v1/admin/shops/${seller.shop.id}/rename/reject`,
      { reason: 'Impersonates another company.' },
      (await moderator()).headers,
    );
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toMatchObject({ name: seller.shop.name, rename: null });
  });

  it('is withdrawn by asking for the current name again', async () => {
    const seller = await createSeller(t);
    await rename(seller, { name: 'Something Else' });
    const back = await rename(seller, { name: seller.shop.name });
    expect((await back.json()).rename).toBeNull();
    await expectProblem(
      await t.json(
        'POST',
        `/api/v1/admin/shops/${seller.shop.id}/rename/approve`,
        {},
        (await moderator()).headers,
      ),
      409,
      'no-rename',
    );
  });

  it('holds the address asked for: no other shop can take it meanwhile', async () => {
    const first = await createSeller(t);
    const slug = `held-${first.shop.id.slice(-8)}`;
    await rename(first, { slug });
    const other = await createSeller(t);
    const taken = await rename(other, { slug });
    expect(taken.status).toBe(409);
    expect((await problemOf(taken)).errors?.map((e) => e.path)).toEqual(['body.slug']);
  });
});

describe('renaming a shop not approved yet', () => {
  it('applies at once: its approval will cover the name', async () => {
    const seller = await createSeller(t, { status: 'pending' });
    const res = await rename(seller, { name: 'Fresh Name' });
    expect(await res.json()).toMatchObject({ name: 'Fresh Name', rename: null });
  });
});
