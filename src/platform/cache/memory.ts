import { LRUCache } from 'lru-cache';
import { type Cache, cacheOver } from './cache.ts';

interface Entry {
  json: string;
  tags: readonly string[];
}

/** One process's cache: the least recently used entries go first once `maxEntries` is reached. */
export function createMemoryCache(options: { maxEntries: number }): Cache {
  const keysByTag = new Map<string, Set<string>>();
  const entries = new LRUCache<string, Entry>({
    max: options.maxEntries,
    // Runs however an entry goes (evicted, expired, replaced, deleted), so the tag index
    // never outgrows the cache.
    dispose: (entry, key) => {
      for (const tag of entry.tags) {
        const keys = keysByTag.get(tag);
        keys?.delete(key);
        if (keys?.size === 0) keysByTag.delete(tag);
      }
    },
  });

  return cacheOver({
    async get(key) {
      return entries.get(key)?.json;
    },
    async set(key, json, ttlSeconds, tags) {
      entries.set(key, { json, tags }, { ttl: ttlSeconds * 1000 });
      for (const tag of tags) {
        const keys = keysByTag.get(tag);
        if (keys) keys.add(key);
        else keysByTag.set(tag, new Set([key]));
      }
    },
    async delete(keys) {
      for (const key of keys) entries.delete(key);
    },
    async invalidateTags(tags) {
      for (const tag of tags) {
        // Copied: each delete's dispose removes the key from this very set.
        for (const key of [...(keysByTag.get(tag) ?? [])]) entries.delete(key);
      }
    },
  });
}
