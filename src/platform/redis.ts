import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * One Redis connection for the process; the cache, rate limits and queue share it. Redis only
 * speeds things up, so a command never waits out an outage: it fails after
 * `commandTimeoutMs` (a hung server) or at once (no connection, nothing queued offline), and
 * each user falls back (the cache to the database, the limits to the process's own).
 */
export function createRedis(
  url: string,
  log: Logger,
  options: { commandTimeoutMs: number },
): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: options.commandTimeoutMs,
    enableOfflineQueue: false,
  });
  let lastReport = 0;
  redis.on('error', (err) => {
    // ioredis reconnects by itself; one line a minute is enough to see that it is down.
    if (Date.now() - lastReport > 60_000) {
      lastReport = Date.now();
      log.warn({ err }, 'redis connection error');
    }
  });
  return redis;
}

/** After a failed command, Redis is passed over for this long: one timeout, not one per call. */
const COOL_OFF_MS = 5000;
const downUntil = new WeakMap<Redis, number>();

/** Marks `redis` as failing: its users go straight to their fallback for a few seconds. */
export function redisFailed(redis: Redis): void {
  downUntil.set(redis, Date.now() + COOL_OFF_MS);
}

/** Whether a command on `redis` failed a moment ago, so it is not worth waiting on now. */
export function redisCoolingOff(redis: Redis): boolean {
  return (downUntil.get(redis) ?? 0) > Date.now();
}

/**
 * A connection for waiting: a BullMQ worker's blocking pops, a subscriber. Its commands queue
 * while Redis is away and carry no timeout, as a blocking command outlasts any.
 */
export function waitingConnection(redis: Redis, extra: Record<string, unknown> = {}): Redis {
  return redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, ...extra });
}

/**
 * Resolves once `redis` is connected, or after `ms` if it is not (never rejects): a process
 * starting beside Redis serves its first requests with it rather than on the fallbacks, and
 * one starting while Redis is away starts anyway.
 */
export async function redisReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done);
  });
}
