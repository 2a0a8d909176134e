import type { Redis } from 'ioredis';
import type { Cache } from './cache.ts';
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
}

export function createCache(options: CacheOptions = {}): Cache {
  if (options.redis) return createRedisCache(options.redis, { prefix: options.prefix ?? 'cache:' });
  return createMemoryCache({ maxEntries: options.maxEntries ?? 10_000 });
}
