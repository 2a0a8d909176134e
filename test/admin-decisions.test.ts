import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createSeller } from '../src/modules/shop/shop.test-support.ts';
import { shops } from '../src/modules/shop/tables.ts';
import { signedInUser } from './factories.ts';
import { createTestApp, expectProblem } from './harness.ts';

/**
 * A suspension an admin made stands until an admin lifts it: moderators, who may suspend and
 * reinstate too, cannot overrule the admins above them (accounts and shops alike).
 */
const t = await createTestApp();
afterAll(() => t.close());

const admin = () => signedInUser(t, { roles: ['admin'] });
const moderator = () => signedInUser(t, { roles: ['moderator'] });
const post = (who: { headers: Record<string, string> }, path: string, body: unknown) =>
  t.json('POST', `/api/v1${path}`, body, who.headers);
const reason = { reason: 'Fraud reports confirmed.' };

describe('an account an admin suspended', () => {
  it('is not unsuspended by a moderator, and is by an admin', async () => {
    const target = await signedInUser(t);
    const boss = await admin();
    expect((await post(boss, `/admin/users/${target.user.id}/suspend`, reason)).status).toBe(200);
    await expectProblem(
      await post(await moderator(), `/admin/users/${target.user.id}/unsuspend`, reason),
      403,
      'admin-decision',
    );
    expect(
      (await post(await admin(), `/admin/users/${target.user.id}/unsuspend`, reason)).status,
    ).toBe(200);
  });

  it('made by a moderator is still lifted by a moderator', async () => {
    const target = await signedInUser(t);
    expect(
      (await post(await moderator(), `/admin/users/${target.user.id}/suspend`, reason)).status,
    ).toBe(200);
    expect(
      (await post(await moderator(), `/admin/users/${target.user.id}/unsuspend`, reason)).status,
    ).toBe(200);
  });
});

describe('a shop an admin suspended', () => {
  it('is not reinstated by a moderator, and is by an admin', async () => {
    const seller = await createSeller(t);
    expect(
      (await post(await admin(), `/admin/shops/${seller.shop.id}/suspend`, reason)).status,
    ).toBe(200);
    await expectProblem(
      await post(await moderator(), `/admin/shops/${seller.shop.id}/reinstate`, reason),
      403,
      'admin-decision',
    );
    const [still] = await t.database.db.select().from(shops).where(eq(shops.id, seller.shop.id));
    expect(still?.status).toBe('suspended');
    expect(
      (await post(await admin(), `/admin/shops/${seller.shop.id}/reinstate`, reason)).status,
    ).toBe(200);
  });

  it('made by a moderator is still reinstated by a moderator', async () => {
    const seller = await createSeller(t);
    expect(
      (await post(await moderator(), `/admin/shops/${seller.shop.id}/suspend`, reason)).status,
    ).toBe(200);
    expect(
      (await post(await moderator(), `/admin/shops/${seller.shop.id}/reinstate`, reason)).status,
    ).toBe(200);
  });
});
