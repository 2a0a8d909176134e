import { describe, expect, it } from 'vitest';
import { keyId, signAccessToken, verifyAccessToken } from './tokens.ts';

const OLD = 'the-old-signing-secret-of-32-bytes-or-more';
const NEW = 'the-new-signing-secret-of-32-bytes-or-more';
const claims = {
  userId: '0193b1c4-7d2a-7c8e-9f10-3a6b5c4d2e1f',
  roles: ['buyer'],
  sessionId: 's-1',
};

describe('access tokens', () => {
  it('round-trip the user, roles and session, naming the key in the header', async () => {
    const token = await signAccessToken({ jwtSecret: NEW }, claims, 60);
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: await keyId(NEW) });
    expect(header.kid).not.toContain(NEW.slice(0, 8));
    expect(await verifyAccessToken({ jwtSecret: NEW, jwtPreviousSecrets: [] }, token)).toEqual(
      claims,
    );
  });

  it('keep verifying tokens signed with a previous secret while it is listed', async () => {
    const before = await signAccessToken({ jwtSecret: OLD }, claims, 60);
    const rotated = { jwtSecret: NEW, jwtPreviousSecrets: [OLD] };
    expect(await verifyAccessToken(rotated, before)).toEqual(claims);
    await expect(
      verifyAccessToken({ jwtSecret: NEW, jwtPreviousSecrets: [] }, before),
    ).rejects.toMatchObject({ kind: 'unauthenticated', code: 'invalid-token' });
  });

  it('refuse expired, kid-less and malformed tokens', async () => {
    const config = { jwtSecret: NEW, jwtPreviousSecrets: [] };
    const expired = await signAccessToken(config, claims, -1);
    await expect(verifyAccessToken(config, expired)).rejects.toMatchObject({
      code: 'token-expired',
    });
    const [, payload, signature] = (await signAccessToken(config, claims, 60)).split('.');
    const noKid = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    await expect(
      verifyAccessToken(config, `${noKid}.${payload}.${signature}`),
    ).rejects.toMatchObject({ code: 'invalid-token' });
    await expect(verifyAccessToken(config, 'not.a.jwt')).rejects.toMatchObject({
      code: 'invalid-token',
    });
  });
});
