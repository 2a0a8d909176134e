import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { redisCoolingOff, redisFailed } from '../redis.ts';
import type { Cache, StoreFailures } from './cache.ts';
import { createMemoryCache } from './memory.ts';
import { createRedisCache } from './redis.ts';

export type { Cache, CacheSetOptions } from './cache.ts';
export { cacheKey } from './cache.ts';

export interface CacheOptions {
  /** Shared by every API instance when given; otherwise each process caches on its own. */
  redis?: Redis;
  /** Namespaces the keys in a Redis that other services share. */
  prefix?: string;
  /** The in-process cache's bound; Redis is bounded by its own `maxmemory`. */
  maxEntries?: number;
  /** Hears of Redis failures, which the cache outlives (reading from the database instead). */
  log?: Logger;
}

export function createCache(options: CacheOptions = {}): Cache {
  if (options.redis) {
    return createRedisCache(options.redis, {
      prefix: options.prefix ?? 'cache:',
      failures: throttledFailures(options.redis, options.log),
    });
  }
  return createMemoryCache({ maxEntries: options.maxEntries ?? 10_000 });
}

/**
 * Redis's failures, cooling it off for the process's other users; one log line a minute while
 * it fails is enough to see it is down.
 */
function throttledFailures(redis: Redis, log: Logger | undefined): StoreFailures {
  let last = 0;
  return {
    coolingOff: () => redisCoolingOff(redis),
    onError(err: unknown, what: string) {
      redisFailed(redis);
      if (Date.now() - last < 60_000) return;
      last = Date.now();
      log?.warn({ err, what }, 'cache: redis failed; answering from the database');
    },
  };
}
