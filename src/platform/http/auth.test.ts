import { afterAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../../test/factories.ts';
import { probeModule } from '../../../test/fixtures/probe-module.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { identityModule } from '../../modules/identity/index.ts';
import { buildGrants, can } from '../core/permissions.ts';

const t = await createTestApp({ modules: [identityModule, probeModule] });
afterAll(() => t.close());

describe('permissions', () => {
  const as = (roles: string[]) => ({
    actor: { userId: 'u', roles, sessionId: 's' },
    grants: t.services.grants,
  });

  it('are granted through roles, as the mounted modules declare them', () => {
    expect(can(as(['admin']), 'events.manage')).toBe(true);
    expect(can(as(['seller', 'moderator']), 'events.manage')).toBe(false);
    expect(can(as(['moderator']), 'users.suspend')).toBe(true);
    expect(can(as(['wizard']), 'users.read')).toBe(false);
    expect(can({ actor: null, grants: t.services.grants }, 'events.manage')).toBe(false);
  });

  it('give admins every declared permission, and nobody an undeclared one', () => {
    const grants = buildGrants([{ 'probe.read': ['buyer'] }, { 'probe.write': [] }]);
    expect([...grants.all].sort()).toEqual(['probe.read', 'probe.write']);
    expect([...(grants.byRole.get('admin') ?? [])].sort()).toEqual(['probe.read', 'probe.write']);
    expect([...(grants.byRole.get('buyer') ?? [])]).toEqual(['probe.read']);
    expect(grants.byRole.get('moderator')?.size).toBe(0);
    // Only identity's are mounted here: listings' permissions mean nothing in this app.
    expect(can(as(['admin']), 'listings.manage')).toBe(false);
  });

  it('refuse a permission two modules both declare', () => {
    expect(() => buildGrants([{ 'probe.read': [] }, { 'probe.read': ['buyer'] }])).toThrow(
      /probe\.read is declared twice/,
    );
  });
});

describe('the authenticate middleware', () => {
  it('lets guests through public routes', async () => {
    expect((await t.request('/api/v1/probe/limited')).status).toBe(204);
  });

  it('accepts a valid token on a public route', async () => {
    const { headers } = await signedInUser(t);
    expect((await t.request('/api/v1/probe/limited', { headers })).status).toBe(204);
  });

  it.each([
    ['a malformed header', { Authorization: 'Bearer' }],
    ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['extra words', { Authorization: 'Bearer a b' }],
    ['a garbage token', { Authorization: 'Bearer abc.def.ghi' }],
  ])('answers 401 problem+json to %s', async (_, headers) => {
    const res = await t.request('/api/v1/probe/limited', { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await problemOf(res)).code).toBe('invalid-token');
  });
});
