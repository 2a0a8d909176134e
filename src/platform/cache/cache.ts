/**
 * Values pass through JSON on every backend, so the in-process cache answers exactly what Redis
 * would: a Date comes back as its ISO string, `undefined` properties vanish, and changing an
 * object after `set` does not change the cached copy. Cache plain JSON.
 */
export interface CacheSetOptions {
  /** Whole seconds, at least 1: Redis `SET ... EX` takes nothing finer. */
  ttlSeconds: number;
  /** Names that `invalidateTags` drops this entry by, e.g. `listing:<id>`. */
  tags?: string[];
}

export interface Cache {
  /** The value stored under `key`; `T` is the caller's promise, not checked. */
  get<T>(key: string): Promise<T | undefined>;
  /** Refuses `undefined` (and anything else JSON cannot hold), a TTL that is not a whole second. */
  set<T>(key: string, value: T, options: CacheSetOptions): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /**
   * The cached value, or the loader's, which is then cached unless it is `undefined`. In one
   * process, one load per key runs at a time: concurrent calls share it and its error, and an
   * error caches nothing. A load overtaken by `set`, `delete` or `invalidateTags` on its key
   * still answers its callers but is not stored, so it cannot bring back what was invalidated.
   */
  wrap<T>(key: string, options: CacheSetOptions, loader: () => Promise<T>): Promise<T>;
  invalidateTags(...tags: string[]): Promise<void>;
}

/** What a backend implements: serialized values only; `cacheOver` adds the rest. */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, json: string, ttlSeconds: number, tags: readonly string[]): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  invalidateTags(tags: readonly string[]): Promise<void>;
}

/** Keys starting with this would collide with Redis's tag sets (`${prefix}tag:${tag}`). */
const RESERVED_KEY_START = 'tag:';

interface Load {
  promise: Promise<unknown>;
  tags: readonly string[];
  superseded: boolean;
}

/** How a shared store's failures are heard, and whether it is worth asking now. */
export interface StoreFailures {
  onError(error: unknown, what: string): void;
  /** True while the store failed a moment ago: its calls are skipped, not waited on. */
  coolingOff?(): boolean;
}

/** First retry of a failed invalidation after this; each next one waits twice as long. */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Deletions and tag invalidations that failed, retried out of band until the store takes them:
 * what a request changed must not be served stale for a TTL once the store is back.
 */
function retrier(run: (keys: string[], tags: string[]) => Promise<void>, failures: StoreFailures) {
  const keys = new Set<string>();
  const tags = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wait = RETRY_BASE_MS;
  const attempt = async () => {
    timer = undefined;
    const batch = { keys: [...keys], tags: [...tags] };
    keys.clear();
    tags.clear();
    try {
      await run(batch.keys, batch.tags);
      wait = RETRY_BASE_MS;
    } catch (error) {
      failures.onError(error, 'invalidation retry');
      for (const key of batch.keys) keys.add(key);
      for (const tag of batch.tags) tags.add(tag);
      wait = Math.min(wait * 2, RETRY_MAX_MS);
      schedule();
    }
  };
  const schedule = () => {
    if (timer || (keys.size === 0 && tags.size === 0)) return;
    timer = setTimeout(attempt, wait);
    timer.unref?.();
  };
  return {
    later(more: { keys?: readonly string[]; tags?: readonly string[] }) {
      for (const key of more.keys ?? []) keys.add(key);
      for (const tag of more.tags ?? []) tags.add(tag);
      schedule();
    },
  };
}

/**
 * A cache over `store`. With `failures`, the store is one other processes share (Redis) and
 * may be away: a read that fails is a miss (the loader, the database, answers), a write that
 * fails is skipped, and a deletion or invalidation that fails is retried out of band.
 */
export function cacheOver(store: CacheStore, failures?: StoreFailures): Cache {
  const loads = new Map<string, Load>();
  const retry = failures
    ? retrier(async (keys, tags) => {
        if (keys.length > 0) await store.delete(keys);
        if (tags.length > 0) await store.invalidateTags(tags);
      }, failures)
    : undefined;

  /** Runs a store call; when the store may fail, a failure is heard and `fallback` answers. */
  const guarded = async <T>(what: string, call: () => Promise<T>, fallback: () => T) => {
    if (!failures) return call();
    if (failures.coolingOff?.()) return fallback();
    try {
      return await call();
    } catch (error) {
      failures.onError(error, what);
      return fallback();
    }
  };

  const supersede = (key: string) => {
    const load = loads.get(key);
    if (!load) return;
    load.superseded = true;
    loads.delete(key);
  };

  const read = async <T>(key: string): Promise<T | undefined> => {
    const json = await guarded(
      'read',
      () => store.get(key),
      () => undefined,
    );
    return json === undefined ? undefined : (JSON.parse(json) as T);
  };

  const write = (key: string, value: unknown, ttlSeconds: number, tags: readonly string[]) => {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`cache: ${typeof value} is not a JSON value`);
    return guarded(
      'write',
      () => store.set(key, json, ttlSeconds, tags),
      () => undefined,
    );
  };

  return {
    async get(key) {
      checkKey(key);
      return read(key);
    },

    async set(key, value, options) {
      checkKey(key);
      const tags = checkOptions(options);
      supersede(key);
      await write(key, value, options.ttlSeconds, tags);
    },

    async delete(...keys) {
      if (keys.length === 0) return;
      for (const key of keys) supersede(key);
      await guarded(
        'delete',
        () => store.delete(keys),
        () => retry?.later({ keys }),
      );
    },

    async wrap<T>(key: string, options: CacheSetOptions, loader: () => Promise<T>) {
      checkKey(key);
      const tags = checkOptions(options);
      // Looked up and registered before any await, so no two callers can both miss it.
      const running = loads.get(key);
      if (running) return running.promise as Promise<T>;
      const load: Load = { promise: Promise.resolve(), tags, superseded: false };
      load.promise = (async () => {
        const cached = await read<T>(key);
        if (cached !== undefined) return cached;
        const value = await loader();
        if (value !== undefined && !load.superseded) {
          await write(key, value, options.ttlSeconds, tags);
        }
        return value;
      })().finally(() => {
        if (loads.get(key) === load) loads.delete(key);
      });
      loads.set(key, load);
      return load.promise as Promise<T>;
    },

    async invalidateTags(...tags) {
      if (tags.length === 0) return;
      const dropped = new Set(tags);
      for (const [key, load] of loads) {
        if (load.tags.some((tag) => dropped.has(tag))) supersede(key);
      }
      const all = [...dropped];
      await guarded(
        'invalidation',
        () => store.invalidateTags(all),
        () => retry?.later({ tags: all }),
      );
    },
  };
}

function checkKey(key: string) {
  if (key.startsWith(RESERVED_KEY_START)) {
    throw new Error(`cache: keys may not start with "${RESERVED_KEY_START}" (got "${key}")`);
  }
}

function checkOptions(options: CacheSetOptions): readonly string[] {
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 1) {
    throw new RangeError(
      `cache: ttlSeconds must be a whole number >= 1 (got ${options.ttlSeconds})`,
    );
  }
  return [...new Set(options.tags ?? [])];
}

/**
 * A key from everything a cached answer depends on, joined by `:`. Parts are escaped (`\` and
 * `:`), so `['a:b', 'c']` and `['a', 'b:c']` differ, and null and undefined get markers no
 * string can produce. Numbers and booleans read as their text: `20` and `'20'` share a key.
 */
export function cacheKey(...parts: (string | number | boolean | null | undefined)[]): string {
  return parts
    .map((part) => {
      if (part === null) return '\\0';
      if (part === undefined) return '\\u';
      return String(part).replaceAll('\\', '\\\\').replaceAll(':', '\\:');
    })
    .join(':');
}
