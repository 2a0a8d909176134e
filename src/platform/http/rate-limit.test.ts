import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { probeModule } from '../../../test/fixtures/probe-module.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { createRateLimits, type RateLimits } from './rate-limit.ts';

const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];
afterAll(async () => {
  for (const redis of connections) redis.disconnect();
});

function redisClient(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 500 });
  redis.on('error', () => {});
  connections.push(redis);
  return redis;
}

const stores: [string, () => RateLimits][] = [
  ['memory', () => createRateLimits({ prefix: `t:${crypto.randomUUID()}:` })],
];
if (redisUrl) {
  stores.push([
    'redis',
    () => createRateLimits({ redis: redisClient(redisUrl), prefix: `t:${crypto.randomUUID()}:` }),
  ]);
}

describe.each(stores)('rate limit counters (%s)', (_, make) => {
  const policy = { name: 'contract', points: 3, duration: 60, key: 'ip' as const };

  it('allows the limit, then refuses with the time to wait', async () => {
    const limits = make();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limits.consume(policy, 'ip:1'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3]?.resetSeconds).toBeGreaterThan(55);
    expect(decisions[3]?.resetSeconds).toBeLessThanOrEqual(60);
  });

  it('counts each key and each policy apart', async () => {
    const limits = make();
    for (let i = 0; i < 3; i++) await limits.consume(policy, 'ip:1');
    expect((await limits.consume(policy, 'ip:2')).allowed).toBe(true);
    expect((await limits.consume({ ...policy, name: 'other' }, 'ip:1')).allowed).toBe(true);
  });
});

describe.runIf(redisUrl)('rate limits on Redis', () => {
  it('are shared by every API instance', async () => {
    const prefix = `t:${crypto.randomUUID()}:`;
    const one = createRateLimits({ redis: redisClient(redisUrl as string), prefix });
    const two = createRateLimits({ redis: redisClient(redisUrl as string), prefix });
    const policy = { name: 'shared', points: 2, duration: 60, key: 'ip' as const };
    expect((await one.consume(policy, 'ip:9')).allowed).toBe(true);
    expect((await two.consume(policy, 'ip:9')).allowed).toBe(true);
    expect((await one.consume(policy, 'ip:9')).allowed).toBe(false);
  });
});

describe('rate limits when Redis is down', () => {
  it('still limit, per process', async () => {
    const limits = createRateLimits({ redis: redisClient('redis://127.0.0.1:1'), prefix: 'down:' });
    const policy = { name: 'insured', points: 2, duration: 60, key: 'ip' as const };
    const allowed = [];
    for (let i = 0; i < 3; i++) allowed.push((await limits.consume(policy, 'ip:1')).allowed);
    expect(allowed).toEqual([true, true, false]);
  });
});

const t = await createTestApp({
  modules: [probeModule],
  env: { TRUST_PROXY_HOPS: '2', RATE_LIMIT_PER_MINUTE: '8' },
});
afterAll(() => t.close());

describe('the rateLimit middleware', () => {
  const from = (ip: string) => ({ headers: { 'X-Forwarded-For': `${ip}, 10.0.0.1` } });

  it('answers the N+1th request with 429, Retry-After and RateLimit headers', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await t.request('/api/v1/probe/limited', from('198.51.100.1'))).status);
    expect(statuses).toEqual([204, 204, 204]);
    const res = await t.request('/api/v1/probe/limited', from('198.51.100.1'));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('ratelimit-limit')).toBe('3');
    expect(res.headers.get('ratelimit-remaining')).toBe('0');
    expect(res.headers.get('ratelimit-policy')).toBe('3;w=60');
    const problem = await problemOf(res);
    expect(problem.code).toBe('too-many-requests');
    expect(problem.detail).toBe('Rate limit "probe" exceeded: 3 requests per 60 s.');
  });

  it('counts clients apart by address', async () => {
    expect((await t.request('/api/v1/probe/limited', from('198.51.100.2'))).status).toBe(204);
  });

  it('reports the strictest policy on an allowed request', async () => {
    const res = await t.request('/api/v1/probe/limited', from('198.51.100.3'));
    expect(res.headers.get('ratelimit-limit')).toBe('3');
    expect(res.headers.get('ratelimit-remaining')).toBe('2');
  });

  it('applies the global default per address to every /api route', async () => {
    const statuses = [];
    for (let i = 0; i < 9; i++)
      statuses.push((await t.request('/api/v1/nothing', from('198.51.100.4'))).status);
    expect(statuses.slice(0, 8).every((s) => s === 404)).toBe(true);
    expect(statuses[8]).toBe(429);
    expect((await t.request('/healthz', from('198.51.100.4'))).status).toBe(200);
  });

  it('takes the address TRUST_PROXY_HOPS from the right: what a client writes does not count', async () => {
    // Two proxies here: the nearer appended the farther one (10.0.0.1), which appended the client.
    const forged = (left: string) => ({
      headers: { 'X-Forwarded-For': `${left}, 198.51.100.50, 10.0.0.1` },
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await t.request('/api/v1/probe/limited', forged(`203.0.113.${i}`))).status);
    }
    expect(statuses).toEqual([204, 204, 204, 429]);
    // A request that did not come through both proxies is counted by its socket address.
    const short = { headers: { 'X-Forwarded-For': '198.51.100.51' } };
    expect((await t.request('/api/v1/probe/limited', short)).status).toBe(204);
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    const direct = await createTestApp({
      modules: [probeModule],
      env: { RATE_LIMIT_PER_MINUTE: '100' },
    });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (await direct.request('/api/v1/probe/limited', from(`203.0.113.${i}`))).status,
        );
      expect(statuses).toEqual([204, 204, 204, 429]);
    } finally {
      await direct.close();
    }
  });
});
