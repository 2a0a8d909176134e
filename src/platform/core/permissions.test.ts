import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/harness.ts';
import { identityModule } from '../../modules/identity/index.ts';
import { buildGrants, can, requireActor, requirePermission } from './permissions.ts';

const t = await createTestApp({ modules: [identityModule] });
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

describe('the guards services call', () => {
  const grants = t.services.grants;
  const actor = (roles: string[]) => ({ userId: 'u', roles, sessionId: 's' });

  it('refuse a guest as unauthenticated, and a caller without the permission as forbidden', () => {
    expect(() => requireActor({ actor: null })).toThrow(
      expect.objectContaining({ kind: 'unauthenticated' }),
    );
    expect(() => requirePermission({ actor: null, grants }, 'users.read')).toThrow(
      expect.objectContaining({ kind: 'unauthenticated' }),
    );
    expect(() => requirePermission({ actor: actor(['buyer']), grants }, 'users.read')).toThrow(
      expect.objectContaining({ kind: 'forbidden', code: 'forbidden' }),
    );
    expect(requirePermission({ actor: actor(['moderator']), grants }, 'users.read').userId).toBe(
      'u',
    );
  });
});
