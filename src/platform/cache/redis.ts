import type { Redis } from 'ioredis';
import { type Cache, cacheOver, type StoreFailures } from './cache.ts';

/**
 * Deletes every key listed in the tag sets, then the sets, in one round trip for all tags.
 * The listed keys are not declared in KEYS: fine on one Redis server, not on Redis Cluster.
 * UNLINK frees the values off the main thread; the batches stay under Lua's unpack limit.
 */
const INVALIDATE_TAGS = `
for _, tagKey in ipairs(KEYS) do
  local keys = redis.call('SMEMBERS', tagKey)
  for i = 1, #keys, 1000 do
    redis.call('UNLINK', unpack(keys, i, math.min(i + 999, #keys)))
  end
  redis.call('UNLINK', tagKey)
end
return #KEYS
`;

/**
 * A cache every API instance shares: entries are `${prefix}${key}`, and each tag is a set
 * `${prefix}tag:${tag}` of the full keys tagged with it. A tag set may list keys that have
 * since expired or been re-set without the tag; invalidating it then costs a spurious miss,
 * never a stale hit. Such members go when the tag is invalidated or its set expires.
 */
export function createRedisCache(
  redis: Redis,
  options: { prefix: string; failures?: StoreFailures | undefined },
): Cache {
  const { prefix } = options;
  const tagKey = (tag: string) => `${prefix}tag:${tag}`;

  return cacheOver(
    {
      async get(key) {
        return (await redis.get(prefix + key)) ?? undefined;
      },
      async set(key, json, ttlSeconds, tags) {
        const fullKey = prefix + key;
        const tx = redis.multi().set(fullKey, json, 'EX', ttlSeconds);
        for (const tag of tags) {
          // NX starts the set's clock, GT only lengthens it: the set outlives every entry it
          // lists, whatever order shorter and longer TTLs arrive in.
          tx.sadd(tagKey(tag), fullKey)
            .expire(tagKey(tag), ttlSeconds, 'NX')
            .expire(tagKey(tag), ttlSeconds, 'GT');
        }
        await execOrThrow(tx);
      },
      async delete(keys) {
        await redis.unlink(...keys.map((key) => prefix + key));
      },
      async invalidateTags(tags) {
        await redis.eval(INVALIDATE_TAGS, tags.length, ...tags.map(tagKey));
      },
    },
    options.failures,
  );
}

/** EXEC resolves even when a queued command failed; that failure is in its slot. */
async function execOrThrow(tx: ReturnType<Redis['multi']>) {
  for (const [err] of (await tx.exec()) ?? []) if (err) throw err;
}
