import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { waitingConnection } from '../redis.ts';
import { deliver, encode, type Handler, type PubSub, PubSubClosed } from './pubsub.ts';

export interface RedisPubSubOptions {
  /**
   * Put before every channel name. Pub/Sub channels ignore the database number, so this is
   * what keeps two deployments (or test runs) on one Redis from hearing each other.
   */
  prefix: string;
  log: Logger;
}

interface Channel {
  handlers: Set<Handler>;
  /** Whether Redis has the subscriber connection on this channel, as of the last command. */
  subscribed: boolean;
  /** The channel's SUBSCRIBE and UNSUBSCRIBE commands, run one after another. */
  pending: Promise<void>;
}

/**
 * Publishes on the shared connection. Subscribes on one connection of its own, opened on the
 * first subscribe: a subscribed connection runs nothing else under RESP2, and one connection
 * per WebSocket would exhaust Redis's clients, so every channel and handler shares it.
 */
export function createRedisPubSub(redis: Redis, { prefix, log }: RedisPubSubOptions): PubSub {
  const channels = new Map<string, Channel>();
  let subscriber: Redis | undefined;
  let closed = false;

  function connection(): Redis {
    if (subscriber) return subscriber;
    const sub = waitingConnection(redis);
    let down = false;
    sub.on('error', (err) => {
      // ioredis reconnects and resubscribes by itself; one line per outage is enough.
      if (!down) log.warn({ err }, 'redis subscriber connection error');
      down = true;
    });
    sub.on('ready', () => {
      down = false;
    });
    sub.on('message', (name: string, payload: string) => {
      const channel = channels.get(name);
      if (channel) deliver(channel.handlers, name, payload, log);
    });
    subscriber = sub;
    return sub;
  }

  function forgetIfIdle(name: string, channel: Channel): void {
    if (channel.handlers.size === 0 && !channel.subscribed && channels.get(name) === channel) {
      channels.delete(name);
    }
  }

  /**
   * Brings Redis in line with the channel's handlers once the commands already queued for it
   * are done, so a subscribe racing the last unsubscribe cannot end with Redis unsubscribed.
   */
  function sync(sub: Redis, name: string, channel: Channel): Promise<void> {
    const step = channel.pending.then(async () => {
      if (closed) throw new PubSubClosed();
      const wanted = channel.handlers.size > 0;
      if (wanted && !channel.subscribed) {
        await sub.subscribe(name);
        channel.subscribed = true;
      } else if (!wanted && channel.subscribed) {
        await sub.unsubscribe(name);
        channel.subscribed = false;
      }
      forgetIfIdle(name, channel);
    });
    // The caller sees a failed command; the channel's later commands must still run.
    channel.pending = step.catch(() => {});
    return step;
  }

  return {
    async publish(channel, message) {
      if (closed) throw new PubSubClosed();
      await redis.publish(prefix + channel, encode(message));
    },

    async subscribe(channelName, handler) {
      if (closed) throw new PubSubClosed();
      // Opened before any await, so a close() that overtakes this subscribe still quits it.
      const sub = connection();
      const name = prefix + channelName;
      let channel = channels.get(name);
      if (!channel) {
        channel = { handlers: new Set(), subscribed: false, pending: Promise.resolve() };
        channels.set(name, channel);
      }
      // Its own function per subscription: the same handler subscribed twice is two
      // subscriptions, and each unsubscribe removes only its own.
      const entry: Handler = (message) => handler(message);
      const own = channel;
      own.handlers.add(entry);
      try {
        await sync(sub, name, own);
      } catch (err) {
        own.handlers.delete(entry);
        forgetIfIdle(name, own);
        throw err;
      }
      return async () => {
        // QUIT on close() already ended every subscription.
        if (closed) return;
        own.handlers.delete(entry);
        await sync(sub, name, own);
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      channels.clear();
      await subscriber?.quit();
    },
  };
}
