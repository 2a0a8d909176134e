import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';

const t = await createTestApp();
afterAll(() => t.close());

const BASE = '/api/v1/profile/addresses';

const home = (overrides: Record<string, unknown> = {}) => ({
  label: 'Home',
  recipient: 'Abebe Kebede',
  phone: '+251911234567',
  line1: 'Bole Road, House 12',
  city: 'Addis Ababa',
  countryCode: 'ET',
  ...overrides,
});

interface AddressBody {
  id: string;
  label: string;
  isDefault: boolean;
  [field: string]: unknown;
}

async function create(user: SignedIn, body: Record<string, unknown> = home()) {
  const res = await t.json('POST', BASE, body, user.headers);
  expect(res.status).toBe(201);
  return (await res.json()) as AddressBody;
}

async function list(user: SignedIn, query = '') {
  const res = await t.request(`${BASE}${query}`, { headers: user.headers });
  expect(res.status).toBe(200);
  return (await res.json()) as { items: AddressBody[]; nextCursor: string | null };
}

const defaults = async (user: SignedIn) =>
  (await list(user, '?limit=100')).items.filter((a) => a.isDefault).map((a) => a.id);

const someId = crypto.randomUUID();
for (const route of [
  { method: 'GET', path: BASE },
  { method: 'POST', path: BASE, body: home() },
  { method: 'PATCH', path: `${BASE}/${someId}`, body: { label: 'Work' } },
  { method: 'DELETE', path: `${BASE}/${someId}` },
  { method: 'POST', path: `${BASE}/${someId}/default` },
]) {
  securityCases(() => t, { ...route, allowed: [] });
}

describe('POST /profile/addresses', () => {
  it('saves the first address as the default, trimmed, the country upper-cased', async () => {
    const user = await signedInUser(t);
    const address = await create(
      user,
      home({ label: '  Home ', countryCode: 'et', line2: 'Apartment 4', lat: 8.98, lng: 38.76 }),
    );
    expect(address).toEqual({
      id: expect.any(String),
      label: 'Home',
      recipient: 'Abebe Kebede',
      phone: '+251911234567',
      line1: 'Bole Road, House 12',
      line2: 'Apartment 4',
      city: 'Addis Ababa',
      region: null,
      postalCode: null,
      countryCode: 'ET',
      lat: 8.98,
      lng: 38.76,
      isDefault: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await list(user)).items).toEqual([address]);
  });

  it('keeps the default unless told, and moves it when told', async () => {
    const user = await signedInUser(t);
    const first = await create(user);
    const second = await create(user, home({ label: 'Work' }));
    expect(second.isDefault).toBe(false);
    expect(await defaults(user)).toEqual([first.id]);
    const third = await create(user, home({ label: 'Mother', isDefault: true }));
    expect(third.isDefault).toBe(true);
    expect(await defaults(user)).toEqual([third.id]);
    // The default first, then the newest.
    expect((await list(user)).items.map((a) => a.id)).toEqual([third.id, second.id, first.id]);
  });

  it('names every invalid field', async () => {
    const user = await signedInUser(t);
    const { headers } = user;
    await expectInvalid(
      await t.json(
        'POST',
        BASE,
        {
          label: '   ',
          phone: '0911234567',
          line1: 'x'.repeat(201),
          city: 'Addis Ababa',
          countryCode: 'ETH',
          lat: 91,
          lng: 38,
        },
        headers,
      ),
      ['body.label', 'body.recipient', 'body.phone', 'body.line1', 'body.countryCode', 'body.lat'],
    );
    await expectInvalid(await t.json('POST', BASE, home({ lat: 8.9 }), headers), ['body.lng']);
    await expectInvalid(await t.json('POST', BASE, home({ lng: 181, lat: 0 }), headers), [
      'body.lng',
    ]);
    expect((await list(user)).items).toEqual([]);
  });

  it('refuses a 21st address with 422 too-many-addresses', async () => {
    const user = await signedInUser(t);
    for (let i = 0; i < 20; i++) await create(user, home({ label: `Place ${i}` }));
    const res = await t.json('POST', BASE, home({ label: 'One too many' }), user.headers);
    expect(res.status).toBe(422);
    expect((await problemOf(res)).code).toBe('too-many-addresses');
    expect((await list(user, '?limit=100')).items).toHaveLength(20);
  });

  it('keeps exactly one default when several ask for it at once', async () => {
    const user = await signedInUser(t);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.json('POST', BASE, home({ label: `Race ${i}`, isDefault: true }), user.headers),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(await defaults(user)).toHaveLength(1);
  });
});

describe('GET /profile/addresses', () => {
  it('pages through every address once, and only the caller’s', async () => {
    const user = await signedInUser(t);
    const other = await signedInUser(t);
    await create(other);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await create(user, home({ label: `A${i}` }))).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(user, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    // The first one stays the default, so it leads; the rest newest first.
    expect(seen).toEqual([made[0], ...made.slice(1).reverse()]);
  });

  it('refuses a cursor that is not one it issued', async () => {
    const user = await signedInUser(t);
    const res = await t.request(`${BASE}?cursor=forged.cursor`, { headers: user.headers });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe('invalid-cursor');
  });
});

describe('PATCH /profile/addresses/{id}', () => {
  it('changes the given fields only', async () => {
    const user = await signedInUser(t);
    const address = await create(user, home({ region: 'Bole', lat: 9, lng: 38 }));
    const res = await t.json(
      'PATCH',
      `${BASE}/${address.id}`,
      { label: ' Office ', region: null, lat: null, lng: null, countryCode: 'ke' },
      user.headers,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: address.id,
      label: 'Office',
      recipient: 'Abebe Kebede',
      region: null,
      lat: null,
      lng: null,
      countryCode: 'KE',
      isDefault: true,
    });
  });

  it('refuses an empty change, a lone coordinate and a bad id', async () => {
    const user = await signedInUser(t);
    const address = await create(user);
    await expectInvalid(await t.json('PATCH', `${BASE}/${address.id}`, {}, user.headers), ['body']);
    await expectInvalid(await t.json('PATCH', `${BASE}/${address.id}`, { lat: 10 }, user.headers), [
      'body.lng',
    ]);
    await expectInvalid(
      await t.json('PATCH', `${BASE}/not-a-uuid`, { label: 'Work' }, user.headers),
      ['params.id'],
    );
  });
});

describe('POST /profile/addresses/{id}/default', () => {
  it('moves the default to the address', async () => {
    const user = await signedInUser(t);
    const first = await create(user);
    const second = await create(user, home({ label: 'Work' }));
    const res = await t.request(`${BASE}/${second.id}/default`, {
      method: 'POST',
      headers: user.headers,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: second.id, isDefault: true });
    expect(await defaults(user)).toEqual([second.id]);
    // Again: nothing changes.
    await t.request(`${BASE}/${second.id}/default`, { method: 'POST', headers: user.headers });
    expect(await defaults(user)).toEqual([second.id]);
    expect((await list(user)).items.map((a) => a.id)).toEqual([second.id, first.id]);
  });
});

describe('DELETE /profile/addresses/{id}', () => {
  it('deletes, and gives the default to the newest remaining address', async () => {
    const user = await signedInUser(t);
    const first = await create(user);
    const second = await create(user, home({ label: 'Work' }));
    const third = await create(user, home({ label: 'Gym' }));
    await t.request(`${BASE}/${first.id}/default`, { method: 'POST', headers: user.headers });

    const removeSecond = await t.request(`${BASE}/${second.id}`, {
      method: 'DELETE',
      headers: user.headers,
    });
    expect(removeSecond.status).toBe(204);
    expect(await defaults(user)).toEqual([first.id]);

    await t.request(`${BASE}/${first.id}`, { method: 'DELETE', headers: user.headers });
    expect(await defaults(user)).toEqual([third.id]);

    await t.request(`${BASE}/${third.id}`, { method: 'DELETE', headers: user.headers });
    expect((await list(user)).items).toEqual([]);
    const again = await t.request(`${BASE}/${third.id}`, {
      method: 'DELETE',
      headers: user.headers,
    });
    expect(again.status).toBe(404);
  });
});

describe('another user’s address', () => {
  it('is not found, and stays as it was', async () => {
    const owner = await signedInUser(t);
    const stranger = await signedInUser(t);
    const address = await create(owner);
    const attempts = [
      t.json('PATCH', `${BASE}/${address.id}`, { label: 'Mine now' }, stranger.headers),
      t.request(`${BASE}/${address.id}`, { method: 'DELETE', headers: stranger.headers }),
      t.request(`${BASE}/${address.id}/default`, { method: 'POST', headers: stranger.headers }),
      t.json('PATCH', `${BASE}/${crypto.randomUUID()}`, { label: 'Nowhere' }, owner.headers),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe('not-found');
    }
    expect((await list(owner)).items).toEqual([address]);
    expect((await list(stranger)).items).toEqual([]);
  });
});
