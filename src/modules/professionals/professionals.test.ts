import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser, suspendInDatabase } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem, ok } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import {
  createActive,
  createDraft,
  type ListingPage,
  pendingLister,
  propertyBody,
  vehicleBody,
} from '../listings/listings.test-support.ts';
import {
  fetchFile,
  formOf,
  PDF,
  png,
  profileBody,
  putProfile,
} from './professionals.test-support.ts';
import type { ProfessionalView } from './schemas.ts';
import { professionalProfiles } from './tables.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-professionals-'));
const t = await createTestApp({ env: { DATA_DIR: dataDir } });
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

const ME = '/api/v1/professionals/me';

const agent = () => signedInUser(t, { roles: ['agent'] });
const sendProfile = (who: SignedIn, body: unknown) => t.json('PUT', ME, body, who.headers);
const publicProfile = (id: string, headers: Record<string, string> = {}) =>
  t.request(`/api/v1/professionals/${id}`, { headers });
const listingsOf = (id: string, query = '') =>
  t.request(`/api/v1/professionals/${id}/listings${query}`);

function uploadLogo(who: SignedIn, bytes: Uint8Array, type = 'image/png') {
  return t.request(`${ME}/logo`, {
    method: 'PUT',
    headers: who.headers,
    body: formOf({ file: { bytes, name: 'logo.png', type } }),
  });
}
const deleteLogo = (who: SignedIn) =>
  t.request(`${ME}/logo`, { method: 'DELETE', headers: who.headers });

for (const route of [
  { method: 'PUT', path: ME, body: profileBody() },
  { method: 'GET', path: ME },
  { method: 'PUT', path: `${ME}/logo` },
  { method: 'DELETE', path: `${ME}/logo` },
]) {
  securityCases(() => t, { ...route, allowed: ['agent'] });
}

describe('PUT /professionals/me', () => {
  it('creates the profile, which anyone may then read', async () => {
    const pro = await agent();
    const mine = await putProfile(t, pro);
    expect(mine).toEqual({
      id: pro.user.id,
      agencyName: 'Bole Homes Realty',
      licenseNumber: 'AA-RE-2041',
      bio: 'Twelve years selling homes in Addis Ababa.',
      serviceAreas: ['Bole', 'Kazanchis'],
      languages: ['am', 'en'],
      phone: '+251911234567',
      website: 'https://bolehomes.example.com',
      logoUrl: null,
      verified: false,
      roles: ['agent'],
      activeListings: 0,
      memberSince: pro.user.createdAt.toISOString(),
    });
    expect(await ok<ProfessionalView>(await t.request(ME, { headers: pro.headers }))).toEqual(mine);
    expect(await ok<ProfessionalView>(await publicProfile(pro.user.id))).toEqual(mine);
  });

  it('replaces the whole profile, clearing what is left out, keeping repeats once', async () => {
    const pro = await agent();
    await putProfile(t, pro);
    const replaced = await putProfile(t, pro, {
      agencyName: '  Kazanchis Brokers  ',
      serviceAreas: [' Bole ', 'bole', 'CMC', 'Bole'],
      languages: ['EN', 'am', 'en'],
      website: null,
    });
    expect(replaced).toMatchObject({
      agencyName: 'Kazanchis Brokers',
      licenseNumber: null,
      bio: null,
      serviceAreas: ['Bole', 'CMC'],
      languages: ['en', 'am'],
      phone: null,
      website: null,
    });
    const rows = await t.database.db
      .select()
      .from(professionalProfiles)
      .where(eq(professionalProfiles.userId, pro.user.id));
    expect(rows).toHaveLength(1);
    expect(await putProfile(t, pro, { agencyName: 'AB' })).toMatchObject({
      agencyName: 'AB',
      serviceAreas: [],
      languages: [],
    });
  });

  it('lets an agent or broker awaiting KYC have a profile, but nobody else', async () => {
    const waiting = await pendingLister(t, 'broker');
    expect(await putProfile(t, waiting)).toMatchObject({ roles: [], verified: false });
    const broker = await signedInUser(t, { roles: ['broker'] });
    expect(await putProfile(t, broker)).toMatchObject({ roles: ['broker'] });

    for (const roles of [[], ['owner'], ['moderator']] as const) {
      const who = await signedInUser(t, { roles: [...roles] });
      await expectProblem(await sendProfile(who, profileBody()), 403, 'professional-role-required');
      await expectProblem(await t.request(ME, { headers: who.headers }), 404, 'not-found');
    }
  });

  it('names every field it refuses', async () => {
    const pro = await agent();
    await expectInvalid(await sendProfile(pro, {}), ['body.agencyName']);
    await expectInvalid(
      await sendProfile(
        pro,
        profileBody({
          agencyName: ' A ',
          licenseNumber: 'x'.repeat(65),
          bio: 'x'.repeat(2001),
          serviceAreas: Array.from({ length: 21 }, (_, i) => `Area ${i}`),
          languages: ['eng'],
          phone: '0911234567',
          website: 'ftp://bolehomes.example.com',
          logo: 'https://example.com/logo.png',
        }),
      ),
      [
        'body.agencyName',
        'body.licenseNumber',
        'body.bio',
        'body.serviceAreas',
        'body.languages.0',
        'body.phone',
        'body.website',
        'body.logo',
      ],
    );
    await expectInvalid(
      await sendProfile(
        pro,
        profileBody({
          serviceAreas: ['Bole', 'x'.repeat(81), ''],
          languages: Array.from({ length: 11 }, () => 'en'),
          website: 'javascript:alert(1)',
        }),
      ),
      ['body.serviceAreas.1', 'body.serviceAreas.2', 'body.languages', 'body.website'],
    );
    await expectProblem(await t.request(ME, { headers: pro.headers }), 404, 'not-found');
  });
});

describe('GET /professionals/{id}', () => {
  it('answers 404 without a profile, for a suspended user and an unknown id', async () => {
    const pro = await agent();
    await expectProblem(await publicProfile(pro.user.id), 404, 'not-found');
    await expectProblem(await listingsOf(pro.user.id), 404, 'not-found');
    await putProfile(t, pro);
    await ok(await publicProfile(pro.user.id));
    await suspendInDatabase(t, pro.user.id);
    await expectProblem(await publicProfile(pro.user.id), 404, 'not-found');
    await expectProblem(await listingsOf(pro.user.id), 404, 'not-found');
    await expectProblem(await publicProfile(crypto.randomUUID()), 404, 'not-found');
    await expectInvalid(await publicProfile('bole-homes'), ['params.id']);
  });

  it('counts listings on the market and shows them newest first', async () => {
    const pro = await agent();
    const other = await agent();
    await putProfile(t, pro);
    await putProfile(t, other);
    const active: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = i % 2 === 0 ? propertyBody({ title: `Home ${i}` }) : vehicleBody();
      active.push((await createActive(t, pro, body)).id);
    }
    await createDraft(t, pro, propertyBody());
    const archived = active.shift() as string;
    const archive = await t.request(`/api/v1/listings/${archived}`, {
      method: 'DELETE',
      headers: pro.headers,
    });
    expect(archive.status).toBe(204);
    const underOffer = active[0] as string;
    const status = await t.json(
      'POST',
      `/api/v1/listings/${underOffer}/status`,
      { status: 'under_offer' },
      pro.headers,
    );
    expect(status.status).toBe(200);
    await createActive(t, other, propertyBody());

    expect(await ok<ProfessionalView>(await publicProfile(pro.user.id))).toMatchObject({
      activeListings: 4,
    });
    const seen: ListingPage['items'] = [];
    let cursor: string | null = null;
    do {
      const page: ListingPage = await ok(
        await listingsOf(pro.user.id, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`),
      );
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((l) => l.id)).toEqual([...active].reverse());
    expect(seen.find((l) => l.id === underOffer)?.status).toBe('under_offer');
    expect(seen.every((l) => l.ownerId === pro.user.id && !('photos' in l))).toBe(true);

    const { nextCursor } = await ok<ListingPage>(await listingsOf(pro.user.id, '?limit=1'));
    await expectProblem(
      await listingsOf(other.user.id, `?cursor=${nextCursor}`),
      400,
      'invalid-cursor',
    );
    await expectInvalid(await listingsOf(pro.user.id, '?limit=0'), ['query.limit']);
  });
});

describe('PUT /professionals/me/logo', () => {
  it('needs the profile first', async () => {
    const pro = await agent();
    await expectProblem(await uploadLogo(pro, await png()), 404, 'profile-required');
    await expectProblem(await deleteLogo(pro), 404, 'profile-required');
  });

  it('stores the logo publicly, without its metadata, and replaces the previous one', async () => {
    const pro = await agent();
    await putProfile(t, pro);
    const jpeg = await sharp(await png(120, 80))
      .jpeg()
      .withExifMerge({ IFD3: { GPSMapDatum: 'SECRET-PLACE' } })
      .toBuffer();
    const first = await ok<ProfessionalView>(await uploadLogo(pro, jpeg, 'image/jpeg'));
    expect(first.logoUrl).toMatch(
      new RegExp(`/files/professionals/${pro.user.id}/logo-[0-9a-f-]{36}\\.jpg$`),
    );
    const stored = await fetchFile(t, first.logoUrl as string);
    expect(stored.res.status).toBe(200);
    expect(stored.res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(stored.bytes).includes('SECRET-PLACE')).toBe(false);
    expect(await sharp(stored.bytes).metadata()).toMatchObject({ width: 120, height: 80 });
    const shown = await ok<ProfessionalView>(await publicProfile(pro.user.id));
    expect(shown.logoUrl).toBe(first.logoUrl);

    const second = await ok<ProfessionalView>(await uploadLogo(pro, await png(32, 32)));
    expect(second.logoUrl).toMatch(/\.png$/);
    expect((await fetchFile(t, first.logoUrl as string)).res.status).toBe(404);
    expect((await fetchFile(t, second.logoUrl as string)).res.status).toBe(200);
  });

  it('refuses what is not an image, keeping the logo it had', async () => {
    const pro = await agent();
    await putProfile(t, pro);
    const { logoUrl } = await ok<ProfessionalView>(await uploadLogo(pro, await png()));
    await expectProblem(
      await uploadLogo(pro, PDF, 'application/pdf'),
      422,
      'unsupported-file-type',
    );
    const image = await png(100, 100);
    await expectProblem(
      await uploadLogo(pro, image.subarray(0, image.length / 2)),
      422,
      'corrupt-image',
    );
    const noFile = await t.request(`${ME}/logo`, {
      method: 'PUT',
      headers: pro.headers,
      body: formOf({ file: 'not a file' }),
    });
    await expectInvalid(noFile, ['body.file']);
    expect(
      (await ok<ProfessionalView>(await t.request(ME, { headers: pro.headers }))).logoUrl,
    ).toBe(logoUrl);
  });
});

describe('DELETE /professionals/me/logo', () => {
  it('removes the logo and its file; again is harmless', async () => {
    const pro = await agent();
    await putProfile(t, pro);
    const { logoUrl } = await ok<ProfessionalView>(await uploadLogo(pro, await png()));
    expect((await deleteLogo(pro)).status).toBe(204);
    expect((await fetchFile(t, logoUrl as string)).res.status).toBe(404);
    expect((await ok<ProfessionalView>(await publicProfile(pro.user.id))).logoUrl).toBeNull();
    expect((await deleteLogo(pro)).status).toBe(204);
  });

  it('keeps the logo when the profile is replaced', async () => {
    const pro = await agent();
    await putProfile(t, pro);
    const { logoUrl } = await ok<ProfessionalView>(await uploadLogo(pro, await png()));
    expect((await putProfile(t, pro, profileBody({ bio: 'New bio' }))).logoUrl).toBe(logoUrl);
  });
});
