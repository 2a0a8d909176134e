import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { createMemoryPubSub } from './memory.ts';
import type { PubSub } from './pubsub.ts';
import { createRedisPubSub } from './redis.ts';

export type { Handler, PubSub } from './pubsub.ts';
export { PubSubClosed } from './pubsub.ts';

export interface PubSubOptions {
  /** Given: every API instance on this Redis hears every other. Absent: this process only. */
  redis?: Redis;
  /** Put before every Redis channel name; `mercato:` when absent. */
  prefix?: string;
  log: Logger;
}

export function createPubSub(options: PubSubOptions): PubSub {
  const { redis, prefix = 'mercato:', log } = options;
  return redis ? createRedisPubSub(redis, { prefix, log }) : createMemoryPubSub({ log });
}
