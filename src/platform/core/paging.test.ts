import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeTable, probeModule, probeThings } from '../../../test/fixtures/probe-module.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { decodeCursor, encodeCursor } from './paging.ts';

const t = await createTestApp({ modules: [probeModule] });
afterAll(() => t.close());

const SECRET = 'pagination-test-secret-0123456789';

describe('cursors', () => {
  it('round-trip strings, numbers and dates', async () => {
    const at = new Date('2026-11-22T07:00:00.123Z');
    const cursor = await encodeCursor(SECRET, 'things:newest', [at, 42, 'abc', true]);
    expect(await decodeCursor(SECRET, 'things:newest', cursor)).toEqual([at, 42, 'abc', true]);
  });

  it('refuse a tampered cursor', async () => {
    const cursor = await encodeCursor(SECRET, 'things:rank', [5, 'id-1']);
    const [body, signature] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ s: 'things:rank', v: [1, 'id-1'] })).toString(
      'base64url',
    );
    for (const bad of [
      `${forged}.${signature}`,
      `${body}.${signature.slice(0, -2)}AA`,
      body,
      `${cursor}.x`,
      '%%%',
    ]) {
      await expect(decodeCursor(SECRET, 'things:rank', bad)).rejects.toMatchObject({
        kind: 'bad-input',
        code: 'invalid-cursor',
      });
    }
  });

  it('refuse a cursor issued for another list or order, or with another secret', async () => {
    const cursor = await encodeCursor(SECRET, 'things:rank', [5, 'id-1']);
    await expect(decodeCursor(SECRET, 'things:newest', cursor)).rejects.toMatchObject({
      kind: 'bad-input',
    });
    await expect(decodeCursor(`${SECRET}-rotated`, 'things:rank', cursor)).rejects.toMatchObject({
      kind: 'bad-input',
    });
  });
});

describe('keyset pages through HTTP', () => {
  const total = 23;

  beforeAll(async () => {
    await createProbeTable(t.database.db);
    // Many rows share a creation time and a rank: the id must break every tie.
    const shared = new Date('2026-01-01T00:00:00.000Z');
    await t.database.db.insert(probeThings).values(
      Array.from({ length: total }, (_, i) => ({
        name: `thing ${i}`,
        rank: i % 3,
        createdAt: i < 15 ? shared : new Date(shared.getTime() + i),
      })),
    );
  });

  async function walk(order: string, limit: number) {
    const seen: { id: string; rank: number; createdAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query = new URLSearchParams({
        order,
        limit: String(limit),
        ...(cursor ? { cursor } : {}),
      });
      const res = await t.request(`/api/v1/probe/things?${query}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: typeof seen; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    return { seen, pages };
  }

  it('returns every row exactly once, in order, under ties (newest first)', async () => {
    const { seen, pages } = await walk('newest', 4);
    expect(pages).toBe(Math.ceil(total / 4));
    expect(new Set(seen.map((r) => r.id)).size).toBe(total);
    const expected = [...seen].sort((a, b) =>
      a.createdAt === b.createdAt
        ? b.id.localeCompare(a.id)
        : b.createdAt.localeCompare(a.createdAt),
    );
    expect(seen).toEqual(expected);
  });

  it('handles mixed directions (rank ascending, id descending)', async () => {
    const { seen } = await walk('rank', 5);
    expect(new Set(seen.map((r) => r.id)).size).toBe(total);
    const expected = [...seen].sort((a, b) =>
      a.rank === b.rank ? b.id.localeCompare(a.id) : a.rank - b.rank,
    );
    expect(seen).toEqual(expected);
  });

  it('ends with a null cursor when the last page is exactly full', async () => {
    const res = await t.request(`/api/v1/probe/things?limit=100`);
    const page = await res.json();
    expect(page.items).toHaveLength(total);
    expect(page.nextCursor).toBeNull();
  });

  it('defaults the limit to 20', async () => {
    const page = await (await t.request('/api/v1/probe/things')).json();
    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it.each(['0', '101', '-1', '2.5', 'ten'])(
    'refuses limit=%s with a 400 naming query.limit',
    async (limit) => {
      const res = await t.request(`/api/v1/probe/things?limit=${limit}`);
      expect(res.status).toBe(400);
      expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual(['query.limit']);
    },
  );

  it('refuses a cursor from another order', async () => {
    const first = await (await t.request('/api/v1/probe/things?order=rank&limit=2')).json();
    const res = await t.request(`/api/v1/probe/things?order=newest&cursor=${first.nextCursor}`);
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.code).toBe('invalid-cursor');
    expect(problem.errors).toEqual([{ path: 'query.cursor', message: expect.any(String) }]);
  });

  it('keep working across a JWT_SECRET rotation when CURSOR_SECRET is set apart', async () => {
    const cursorSecret = 'cursor-secret-of-at-least-thirty-two-bytes';
    const issuing = await createTestApp({
      modules: [probeModule],
      env: { JWT_SECRET: 'the-old-token-secret-of-32-bytes-or-more', CURSOR_SECRET: cursorSecret },
    });
    const rotated = await createTestApp({
      modules: [probeModule],
      env: { JWT_SECRET: 'the-new-token-secret-of-32-bytes-or-more', CURSOR_SECRET: cursorSecret },
    });
    const unset = await createTestApp({
      modules: [probeModule],
      env: { JWT_SECRET: 'the-new-token-secret-of-32-bytes-or-more' },
    });
    try {
      for (const app of [issuing, rotated, unset]) {
        await createProbeTable(app.database.db);
        await app.database.db
          .insert(probeThings)
          .values(Array.from({ length: 3 }, (_, i) => ({ name: `thing ${i}`, rank: i })));
      }
      const first = await (await issuing.request('/api/v1/probe/things?limit=1')).json();
      const next = `/api/v1/probe/things?limit=1&cursor=${first.nextCursor}`;
      expect((await rotated.request(next)).status).toBe(200);
      const refused = await unset.request(next);
      expect(refused.status).toBe(400);
      expect((await problemOf(refused)).code).toBe('invalid-cursor');
    } finally {
      await Promise.all([issuing.close(), rotated.close(), unset.close()]);
    }
  });

  it('refuses garbage as a cursor', async () => {
    const res = await t.request('/api/v1/probe/things?cursor=eyJzIjoicHJvYmUifQ');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe('invalid-cursor');
  });
});
