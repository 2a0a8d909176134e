import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type Cache, type CacheStore, cacheKey, cacheOver } from './cache.ts';
import { createCache } from './index.ts';
import { createMemoryCache } from './memory.ts';
import { createRedisCache } from './redis.ts';

const redisUrl = process.env.REDIS_URL;
const redis = redisUrl ? new Redis(redisUrl) : undefined;
afterAll(async () => {
  await redis?.quit();
});

// Unique per run and per test, so parallel test files and runs never see each other's keys.
const runPrefix = `test:cache:${crypto.randomUUID()}:`;
let tests = 0;
const freshPrefix = () => `${runPrefix}${++tests}:`;

const backends: [string, () => Cache][] = [
  ['memory', () => createMemoryCache({ maxEntries: 100 })],
];
if (redis) backends.push(['redis', () => createRedisCache(redis, { prefix: freshPrefix() })]);

const minute = { ttlSeconds: 60 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe.each(backends)('the Cache contract (%s)', (_, make) => {
  let cache: Cache;
  beforeEach(() => {
    cache = make();
  });

  it('gets what was set, and nothing once deleted', async () => {
    expect(await cache.get('missing')).toBeUndefined();
    await cache.set('a', 1, minute);
    await cache.set('b', 'two', minute);
    await cache.set('c', false, minute);
    expect(await cache.get('a')).toBe(1);
    await cache.set('a', 11, minute);
    expect(await cache.get('a')).toBe(11);
    await cache.delete('a', 'b');
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBe(false);
  });

  it('forgets an entry once its TTL has passed', async () => {
    await cache.set('short', 'soon gone', { ttlSeconds: 1 });
    await cache.set('long', 'stays', minute);
    expect(await cache.get('short')).toBe('soon gone');
    await sleep(1200);
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('long')).toBe('stays');
  });

  it('round-trips JSON, keeping a copy rather than the caller’s object', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const value = {
      id: 'l1',
      price: { amount: 1250000, currency: 'ETB' },
      tags: ['አዲስ አበባ', 'bole'],
      at,
      nothing: null,
      dropped: undefined,
    };
    await cache.set('listing', value, minute);
    value.price.amount = 1;
    expect(await cache.get('listing')).toStrictEqual({
      id: 'l1',
      price: { amount: 1250000, currency: 'ETB' },
      tags: ['አዲስ አበባ', 'bole'],
      at: '2026-01-02T03:04:05.678Z',
      nothing: null,
    });
  });

  it('invalidates exactly the keys carrying a tag', async () => {
    await cache.set('l1', 1, { ...minute, tags: ['listing:1', 'listings'] });
    await cache.set('l2', 2, { ...minute, tags: ['listing:2', 'listings'] });
    await cache.set('shop', 3, { ...minute, tags: ['shops'] });
    await cache.set('plain', 4, minute);

    await cache.invalidateTags('listing:1');
    expect(await cache.get('l1')).toBeUndefined();
    expect(await cache.get('l2')).toBe(2);

    await cache.invalidateTags('listings', 'no-such-tag');
    expect(await cache.get('l2')).toBeUndefined();
    expect(await cache.get('shop')).toBe(3);
    expect(await cache.get('plain')).toBe(4);

    // The tag is usable again after invalidation.
    await cache.set('l3', 5, { ...minute, tags: ['listings'] });
    expect(await cache.get('l3')).toBe(5);
    await cache.invalidateTags('listings');
    expect(await cache.get('l3')).toBeUndefined();
  });

  it('wraps: loads once, then answers from the cache', async () => {
    let calls = 0;
    const loader = async () => ({ n: ++calls });
    expect(await cache.wrap('w', minute, loader)).toEqual({ n: 1 });
    expect(await cache.wrap('w', minute, loader)).toEqual({ n: 1 });
    expect(calls).toBe(1);
    expect(await cache.get('w')).toEqual({ n: 1 });

    await cache.set('preset', 'from set', minute);
    expect(await cache.wrap('preset', minute, loader)).toBe('from set');
    expect(calls).toBe(1);
  });

  it('wraps: caches null but not undefined', async () => {
    let calls = 0;
    const none = async () => {
      calls++;
      return undefined;
    };
    expect(await cache.wrap('u', minute, none)).toBeUndefined();
    expect(await cache.wrap('u', minute, none)).toBeUndefined();
    expect(calls).toBe(2);

    const nothing = async () => {
      calls++;
      return null;
    };
    expect(await cache.wrap('n', minute, nothing)).toBeNull();
    expect(await cache.wrap('n', minute, nothing)).toBeNull();
    expect(calls).toBe(3);
  });

  it('wraps: concurrent callers share one load', async () => {
    let calls = 0;
    const slow = async () => {
      calls++;
      await sleep(50);
      return { listing: 'l1' };
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => cache.wrap('hot', minute, slow)),
    );
    expect(calls).toBe(1);
    expect(results).toHaveLength(10);
    for (const result of results) expect(result).toEqual({ listing: 'l1' });
  });

  it('wraps: a failing load reaches every waiter and caches nothing', async () => {
    let calls = 0;
    const failing = async () => {
      calls++;
      await sleep(20);
      throw new Error('database down');
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => cache.wrap('fail', minute, failing)),
    );
    expect(calls).toBe(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toHaveProperty('message', 'database down');
    }
    expect(await cache.get('fail')).toBeUndefined();
    expect(await cache.wrap('fail', minute, async () => 'recovered')).toBe('recovered');
    expect(await cache.get('fail')).toBe('recovered');
  });

  it('wraps: a load overtaken by invalidation is not stored', async () => {
    const gate = deferred<string>();
    let calls = 0;
    const loader = () => {
      calls++;
      return calls === 1 ? gate.promise : Promise.resolve('fresh');
    };
    const first = cache.wrap('raced', { ...minute, tags: ['listing:1'] }, loader);
    await sleep(10);
    await cache.invalidateTags('listing:1');
    // A caller arriving after the invalidation must not join the outdated load.
    const second = cache.wrap('raced', minute, loader);
    gate.resolve('outdated');
    expect(await first).toBe('outdated');
    expect(await second).toBe('fresh');
    expect(calls).toBe(2);
    expect(await cache.get('raced')).toBe('fresh');

    const gate2 = deferred<string>();
    const third = cache.wrap('deleted', minute, () => gate2.promise);
    await sleep(10);
    await cache.delete('deleted');
    gate2.resolve('outdated');
    expect(await third).toBe('outdated');
    expect(await cache.get('deleted')).toBeUndefined();
  });

  it('refuses what it could not store faithfully', async () => {
    await expect(cache.set('k', undefined, minute)).rejects.toThrow(TypeError);
    await expect(cache.set('k', 1, { ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(cache.set('k', 1, { ttlSeconds: 1.5 })).rejects.toThrow(RangeError);
    await expect(cache.set('tag:x', 1, minute)).rejects.toThrow(/tag:/);
    expect(await cache.get('k')).toBeUndefined();
  });
});

describe('createMemoryCache', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = createMemoryCache({ maxEntries: 2 });
    await cache.set('a', 1, minute);
    await cache.set('b', 2, minute);
    await cache.get('a');
    await cache.set('c', 3, minute);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('c')).toBe(3);
  });

  it('drops a key from the tags it no longer carries', async () => {
    const cache = createMemoryCache({ maxEntries: 10 });
    await cache.set('k', 1, { ...minute, tags: ['old'] });
    await cache.set('k', 2, { ...minute, tags: ['new'] });
    await cache.invalidateTags('old');
    expect(await cache.get('k')).toBe(2);
    await cache.invalidateTags('new');
    expect(await cache.get('k')).toBeUndefined();
  });
});

describe.runIf(redis)('createRedisCache', () => {
  const client = redis as Redis;

  it('stores under the prefix, with the TTL in Redis', async () => {
    const prefix = freshPrefix();
    const cache = createCache({ redis: client, prefix });
    await cache.set('k', { a: 1 }, { ttlSeconds: 30, tags: ['t'] });
    expect(await client.get(`${prefix}k`)).toBe('{"a":1}');
    expect(await client.ttl(`${prefix}k`)).toBeGreaterThan(25);
    expect(await client.smembers(`${prefix}tag:t`)).toEqual([`${prefix}k`]);
  });

  it('keeps a tag set alive as long as its longest-lived entry', async () => {
    const prefix = freshPrefix();
    const cache = createRedisCache(client, { prefix });
    await cache.set('long', 1, { ttlSeconds: 50, tags: ['t'] });
    await cache.set('short', 2, { ttlSeconds: 5, tags: ['t'] });
    expect(await client.ttl(`${prefix}tag:t`)).toBeGreaterThan(45);
    await cache.set('longer', 3, { ttlSeconds: 58, tags: ['t'] });
    expect(await client.ttl(`${prefix}tag:t`)).toBeGreaterThan(55);
  });

  it('removes the tag sets when invalidating', async () => {
    const prefix = freshPrefix();
    const cache = createRedisCache(client, { prefix });
    await cache.set('k', 1, { ...minute, tags: ['a', 'b'] });
    await cache.invalidateTags('a', 'b');
    expect(await client.exists(`${prefix}k`, `${prefix}tag:a`, `${prefix}tag:b`)).toBe(0);
  });
});

describe('createCache', () => {
  it('caches in memory without Redis', async () => {
    const cache = createCache();
    await cache.set('k', 'v', minute);
    expect(await cache.get('k')).toBe('v');
  });
});

describe('cacheKey', () => {
  it('joins the parts readably and stably', () => {
    expect(cacheKey('listings', 'v1', 20, true)).toBe('listings:v1:20:true');
    expect(cacheKey('listings', 'v1', 20, true)).toBe(cacheKey('listings', 'v1', 20, true));
  });

  it('never gives two different part lists the same key', () => {
    const lists: Parameters<typeof cacheKey>[] = [
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['a', 'b', 'c'],
      ['a\\', 'b'],
      ['a\\:b'],
      ['a\\', ':b'],
      ['a', null],
      ['a', undefined],
      ['a', 'null'],
      ['a', 'undefined'],
      ['a', ''],
      ['a'],
      ['a', '\\0'],
      ['a', '\\u'],
    ];
    const keys = lists.map((parts) => cacheKey(...parts));
    expect(new Set(keys).size).toBe(lists.length);
  });
});

describe('a cache over a store that fails', () => {
  /** A store whose every call fails while `down`, recording what reached it once back up. */
  function flakyStore() {
    const state = { down: true, deleted: [] as string[], invalidated: [] as string[] };
    const fail = async () => {
      if (state.down) throw new Error('connection is closed');
    };
    const store: CacheStore = {
      get: async () => {
        await fail();
        return undefined;
      },
      set: fail,
      delete: async (keys) => {
        await fail();
        state.deleted.push(...keys);
      },
      invalidateTags: async (tags) => {
        await fail();
        state.invalidated.push(...tags);
      },
    };
    return { store, state };
  }

  it('answers from the loader, and retries invalidations out of band until the store is back', async () => {
    const { store, state } = flakyStore();
    const heard: string[] = [];
    const cache = cacheOver(store, { onError: (_, what) => heard.push(what) });
    expect(await cache.wrap('k', minute, async () => 'from the database')).toBe(
      'from the database',
    );
    expect(await cache.get('k')).toBeUndefined();
    await cache.delete('k');
    await cache.invalidateTags('session:1');
    expect(heard).toEqual(['read', 'write', 'read', 'delete', 'invalidation']);
    state.down = false;
    await expect.poll(() => state.invalidated, { timeout: 5000 }).toEqual(['session:1']);
    expect(state.deleted).toEqual(['k']);
  });

  it('throws the store’s errors when told nothing of failures (an in-process store)', async () => {
    const { store } = flakyStore();
    await expect(cacheOver(store).get('k')).rejects.toThrow('connection is closed');
  });
});
