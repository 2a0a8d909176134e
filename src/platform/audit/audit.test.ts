import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from './tables.ts';

// Behind a proxy, as in production: the audit log records the client's forwarded address.
const t = await createTestApp({ env: { TRUST_PROXY_HOPS: '1' } });
afterAll(() => t.close());

let admin: SignedIn;
/** Entries written straight to the table, at known times long before any test ran. */
const actorA = crypto.randomUUID();
const actorB = crypto.randomUUID();
const at = (minute: number) => new Date(Date.UTC(2001, 0, 1, 12, minute));
const fixtures = [
  { minute: 0, actorId: actorA, action: 'fixture.created', resourceId: 'r-1' },
  { minute: 1, actorId: actorA, action: 'fixture.updated', resourceId: 'r-1' },
  { minute: 2, actorId: actorB, action: 'fixture.updated', resourceId: 'r-2' },
  { minute: 3, actorId: actorB, action: 'fixture.updated', resourceId: 'r-1' },
  { minute: 4, actorId: null, action: 'fixture.deleted', resourceId: 'r-2' },
];

beforeAll(async () => {
  admin = await signedInUser(t, { roles: ['admin'] });
  await t.database.db.insert(auditLog).values(
    fixtures.map((f) => ({
      occurredAt: at(f.minute),
      actorId: f.actorId,
      action: f.action,
      resourceType: 'fixture',
      resourceId: f.resourceId,
      metadata: { minute: f.minute },
    })),
  );
});

interface Entry {
  id: string;
  occurredAt: string;
  actorId: string | null;
  action: string;
  resourceId: string | null;
  metadata: { minute?: number } | null;
  [key: string]: unknown;
}

async function read(query: string): Promise<{ items: Entry[]; nextCursor: string | null }> {
  const res = await t.request(`/api/v1/admin/audit-log?${query}`, { headers: admin.headers });
  expect(res.status).toBe(200);
  return res.json();
}

const minutes = (items: Entry[]) => items.map((e) => e.metadata?.minute);

describe('GET /api/v1/admin/audit-log', () => {
  securityCases(() => t, {
    method: 'GET',
    path: '/api/v1/admin/audit-log',
    allowed: ['admin'],
    forbidden: ['seller', 'moderator'],
  });

  it('shows what an admin did, with who, from which client and request, newest first', async () => {
    const target = await createUser(t);
    const res = await t.json(
      'POST',
      `/api/v1/admin/users/${target.id}/suspend`,
      { reason: 'Chargebacks' },
      { ...admin.headers, 'User-Agent': 'audit-test/1.0', 'X-Forwarded-For': '203.0.113.7' },
    );
    expect(res.status).toBe(200);
    const { items } = await read(`resourceType=user&resourceId=${target.id}`);
    expect(items).toEqual([
      {
        id: expect.any(String),
        occurredAt: expect.any(String),
        actorId: admin.user.id,
        action: 'user.suspended',
        resourceType: 'user',
        resourceId: target.id,
        ip: '203.0.113.7',
        userAgent: 'audit-test/1.0',
        requestId: res.headers.get('x-request-id'),
        before: { status: 'active' },
        after: { status: 'suspended' },
        metadata: { reason: 'Chargebacks', sessionsEnded: 0 },
      },
    ]);
    const newest = await read('limit=1');
    expect(newest.items[0]?.action).toBe('user.suspended');
  });

  it('filters by actor, action, resource and time', async () => {
    expect(minutes((await read(`actorId=${actorA}`)).items)).toEqual([1, 0]);
    expect(minutes((await read('action=fixture.updated')).items)).toEqual([3, 2, 1]);
    expect(minutes((await read('resourceType=fixture&resourceId=r-1')).items)).toEqual([3, 1, 0]);
    expect(
      minutes((await read(`action=fixture.updated&actorId=${actorB}&resourceId=r-1`)).items),
    ).toEqual([3]);
    const from = at(1).toISOString();
    const to = at(3).toISOString();
    expect(minutes((await read(`from=${from}&to=${to}`)).items)).toEqual([3, 2, 1]);
    expect(minutes((await read(`resourceType=fixture&from=${to}`)).items)).toEqual([4, 3]);
    expect(minutes((await read(`to=${from}`)).items)).toEqual([1, 0]);
    expect(
      minutes(
        (await read(`from=${encodeURIComponent('2001-01-01T14:02:00+02:00')}&to=${to}`)).items,
      ),
    ).toEqual([3, 2]);
    expect((await read(`actorId=${crypto.randomUUID()}`)).items).toEqual([]);
  });

  it('pages with cursors, each entry once', async () => {
    const first = await read('resourceType=fixture&limit=2');
    expect(minutes(first.items)).toEqual([4, 3]);
    const second = await read(`resourceType=fixture&limit=2&cursor=${first.nextCursor}`);
    expect(minutes(second.items)).toEqual([2, 1]);
    const third = await read(`resourceType=fixture&limit=2&cursor=${second.nextCursor}`);
    expect(minutes(third.items)).toEqual([0]);
    expect(third.nextCursor).toBeNull();
  });

  it('is not itself audited', async () => {
    const total = async () => (await t.database.db.select({ n: count() }).from(auditLog))[0]?.n;
    const before = await total();
    await read('limit=5');
    await read(`actorId=${actorA}`);
    expect(await total()).toBe(before);
  });

  it('answers 400 naming each bad query field', async () => {
    for (const [query, path] of [
      [`from=${at(3).toISOString()}&to=${at(1).toISOString()}`, 'query.to'],
      ['from=yesterday', 'query.from'],
      ['to=2001-01-01', 'query.to'],
      ['actorId=42', 'query.actorId'],
      ['action=', 'query.action'],
      ['limit=101', 'query.limit'],
      ['cursor=forged.cursor', 'query.cursor'],
    ] as const) {
      const res = await t.request(`/api/v1/admin/audit-log?${query}`, { headers: admin.headers });
      expect(res.status, query).toBe(400);
      expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual([path]);
    }
  });
});
