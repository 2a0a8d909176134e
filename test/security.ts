import { describe, expect, it } from 'vitest';
import { signAccessToken } from '../src/platform/http/auth.ts';
import type { Actor } from '../src/platform/http/context.ts';
import type { TestApp } from './harness.ts';
import { problemOf } from './harness.ts';

/** A bearer header for `actor`, signed as the identity module would sign it. */
export async function bearer(
  t: TestApp,
  actor: Actor,
  ttlSeconds = 300,
  secret = t.config.jwtSecret,
): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${await signAccessToken(secret, actor, ttlSeconds)}` };
}

export interface GuardedRoute {
  method: string;
  path: string;
  body?: unknown;
  /** A signed-in user who must be refused with 403 (a role without the permission). */
  forbidden?: Actor;
}

/**
 * The security cases every protected route gets: no token, an expired token and a forged one
 * answer 401; a user whose roles do not allow it gets 403. Call inside the route's describe.
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
  const someone: Actor = { userId: crypto.randomUUID(), roles: ['admin'] };

  describe(`security: ${route.method} ${route.path}`, () => {
    it('answers 401 without a token', async () => {
      const res = await send({});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect((await problemOf(res)).code).toBe('unauthorized');
    });

    it('answers 401 to an expired token', async () => {
      const res = await send(await bearer(getApp(), someone, -60));
      expect(res.status).toBe(401);
      expect((await problemOf(res)).code).toBe('token-expired');
    });

    it('answers 401 to a token signed with another secret', async () => {
      const res = await send(await bearer(getApp(), someone, 300, 'x'.repeat(40)));
      expect(res.status).toBe(401);
      expect((await problemOf(res)).code).toBe('invalid-token');
    });

    if (route.forbidden) {
      const forbidden = route.forbidden;
      it(`answers 403 to a ${forbidden.roles.join('+') || 'role-less'} user`, async () => {
        const res = await send(await bearer(getApp(), forbidden));
        expect(res.status).toBe(403);
        expect((await problemOf(res)).code).toBe('forbidden');
      });
    }
  });
}
