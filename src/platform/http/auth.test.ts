import { afterAll, describe, expect, it } from 'vitest';
import { probeModule } from '../../../test/fixtures/probe-module.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { bearer } from '../../../test/security.ts';
import { can, signAccessToken, verifyAccessToken } from './auth.ts';

const SECRET = 'auth-test-secret-at-least-32-bytes-long';
const t = await createTestApp({ modules: [probeModule] });
afterAll(() => t.close());

describe('access tokens', () => {
  it('round-trip the user and roles, dropping roles that do not exist', async () => {
    const token = await signAccessToken(SECRET, { userId: 'u-1', roles: ['seller', 'wizard'] }, 60);
    expect(await verifyAccessToken(SECRET, token)).toEqual({ userId: 'u-1', roles: ['seller'] });
  });

  it('refuse an expired, forged, altered or unsigned token', async () => {
    const expired = await signAccessToken(SECRET, { userId: 'u-1', roles: [] }, -1);
    await expect(verifyAccessToken(SECRET, expired)).rejects.toMatchObject({
      status: 401,
      code: 'token-expired',
    });
    const forged = await signAccessToken(
      `${SECRET}-other`,
      { userId: 'u-1', roles: ['admin'] },
      60,
    );
    await expect(verifyAccessToken(SECRET, forged)).rejects.toMatchObject({
      code: 'invalid-token',
    });

    const [header, , signature] = (
      await signAccessToken(SECRET, { userId: 'u-1', roles: [] }, 60)
    ).split('.');
    const escalated = Buffer.from(
      JSON.stringify({
        sub: 'u-1',
        roles: ['admin'],
        iss: 'mercato',
        aud: 'mercato-api',
        exp: 9999999999,
      }),
    ).toString('base64url');
    await expect(
      verifyAccessToken(SECRET, `${header}.${escalated}.${signature}`),
    ).rejects.toMatchObject({
      code: 'invalid-token',
    });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${escalated}.`;
    await expect(verifyAccessToken(SECRET, none)).rejects.toMatchObject({ code: 'invalid-token' });
    await expect(verifyAccessToken(SECRET, 'not a jwt')).rejects.toMatchObject({
      code: 'invalid-token',
    });
  });

  it('grant permissions through roles', () => {
    expect(can({ userId: 'a', roles: ['admin'] }, 'events.manage')).toBe(true);
    expect(can({ userId: 'b', roles: ['seller', 'moderator'] }, 'events.manage')).toBe(false);
    expect(can(null, 'events.manage')).toBe(false);
  });
});

describe('the authenticate middleware', () => {
  it('lets guests through public routes', async () => {
    expect((await t.request('/api/v1/probe/limited')).status).toBe(204);
  });

  it('accepts a valid token on a public route', async () => {
    const res = await t.request('/api/v1/probe/limited', {
      headers: await bearer(t, { userId: 'u-2', roles: ['buyer'] }),
    });
    expect(res.status).toBe(204);
  });

  it.each([
    ['a malformed header', { Authorization: 'Bearer' }],
    ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['a garbage token', { Authorization: 'Bearer abc.def.ghi' }],
  ])('answers 401 problem+json to %s', async (_, headers) => {
    const res = await t.request('/api/v1/probe/limited', { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await problemOf(res)).code).toBe('invalid-token');
  });
});
