import { describe, expect, it } from 'vitest';
import { forgetSessions } from '../src/modules/identity/sessions.ts';
import { signAccessToken } from '../src/modules/identity/tokens.ts';
import type { Actor } from '../src/platform/core/context.ts';
import type { Role } from '../src/platform/core/permissions.ts';
import { signedInUser, suspendInDatabase } from './factories.ts';
import type { TestApp } from './harness.ts';
import { problemOf } from './harness.ts';

/** A bearer header for `actor`'s session, signed as the identity module signs it. */
export async function bearer(
  t: TestApp,
  actor: Actor,
  ttlSeconds = 300,
  secret = t.config.jwtSecret,
): Promise<Record<string, string>> {
  const token = await signAccessToken({ jwtSecret: secret }, actor, ttlSeconds);
  return { Authorization: `Bearer ${token}` };
}

export interface GuardedRoute {
  method: string;
  path: string;
  body?: unknown;
  /** Roles that may call the route; the suspended-user case signs in with them. */
  allowed?: Role[];
  /** Roles that must be refused with 403 (lacking the permission). */
  forbidden?: Role[];
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The security cases every protected route gets: no token, an expired token, one signed with
 * another key, one whose claims were altered, one with `alg: none`, and a suspended user's
 * token all answer 401; a user whose roles lack the permission gets 403.
 */
export function securityCases(getApp: () => TestApp, route: GuardedRoute): void {
  const send = (headers: Record<string, string>) =>
    getApp().request(route.path, {
      method: route.method,
      headers: {
        ...headers,
        ...(route.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
    });
  const allowed = () => signedInUser(getApp(), { roles: route.allowed ?? [] });
  const expectRefused = async (res: Response, code: string) => {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await problemOf(res)).code).toBe(code);
  };

  describe(`security: ${route.method} ${route.path}`, () => {
    it('answers 401 without a token', async () => {
      await expectRefused(await send({}), 'unauthorized');
    });

    it('answers 401 to an expired token', async () => {
      const { user, tokens } = await allowed();
      const actor = { userId: user.id, roles: route.allowed ?? [], sessionId: sessionOf(tokens) };
      await expectRefused(await send(await bearer(getApp(), actor, -60)), 'token-expired');
    });

    it('answers 401 to a token signed with another key', async () => {
      const { user, tokens } = await allowed();
      const actor = { userId: user.id, roles: route.allowed ?? [], sessionId: sessionOf(tokens) };
      const forged = await bearer(getApp(), actor, 300, 'another-secret-of-at-least-32-bytes!');
      await expectRefused(await send(forged), 'invalid-token');
    });

    it('answers 401 to a token whose claims were altered', async () => {
      const { tokens } = await signedInUser(getApp());
      const [header, payload, signature] = tokens.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      const altered = b64({ ...claims, roles: ['admin', ...(route.allowed ?? [])] });
      await expectRefused(
        await send({ Authorization: `Bearer ${header}.${altered}.${signature}` }),
        'invalid-token',
      );
    });

    it('answers 401 to an unsigned (alg: none) token', async () => {
      const { tokens } = await allowed();
      const [header, payload] = tokens.accessToken.split('.');
      const { kid } = JSON.parse(Buffer.from(header ?? '', 'base64url').toString());
      const none = `${b64({ alg: 'none', typ: 'JWT', kid })}.${payload}.`;
      await expectRefused(await send({ Authorization: `Bearer ${none}` }), 'invalid-token');
    });

    it('answers 401 to a suspended user’s token', async () => {
      const { user, headers } = await allowed();
      await suspendInDatabase(getApp(), user.id);
      await forgetSessions(getApp().ctx(), { userId: user.id });
      await expectRefused(await send(headers), 'account-suspended');
    });

    if (route.forbidden) {
      const roles = route.forbidden;
      it(`answers 403 to a ${roles.join('+') || 'buyer'}`, async () => {
        const { headers } = await signedInUser(getApp(), { roles });
        const res = await send(headers);
        expect(res.status).toBe(403);
        expect((await problemOf(res)).code).toBe('forbidden');
      });
    }
  });
}

/** The session id inside an access token. */
export function sessionOf(tokens: { accessToken: string }): string {
  const payload = tokens.accessToken.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString()).sid;
}
