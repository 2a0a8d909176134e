import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/** One Redis connection for the process; later services (cache, limits, queues) share it. */
export function createRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 2000 });
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
