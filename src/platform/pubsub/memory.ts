import type { Logger } from '../logger.ts';
import { deliver, encode, type Handler, type PubSub, PubSubClosed } from './pubsub.ts';

/** One process's pub/sub, for development and tests: other API instances hear nothing. */
export function createMemoryPubSub({ log }: { log: Logger }): PubSub {
  const channels = new Map<string, Set<Handler>>();
  let closed = false;

  return {
    async publish(channel, message) {
      if (closed) throw new PubSubClosed();
      const payload = encode(message);
      // Redis delivers on a later turn of the event loop, after `await publish()` returns; doing
      // the same here keeps code that relies on synchronous delivery from passing only in tests.
      setImmediate(() => {
        const handlers = channels.get(channel);
        if (handlers) deliver(handlers, channel, payload, log);
      });
    },

    async subscribe(channel, handler) {
      if (closed) throw new PubSubClosed();
      let handlers = channels.get(channel);
      if (!handlers) {
        handlers = new Set();
        channels.set(channel, handlers);
      }
      // Its own function per subscription: the same handler subscribed twice is two
      // subscriptions, and each unsubscribe removes only its own.
      const entry: Handler = (message) => handler(message);
      handlers.add(entry);
      const own = handlers;
      return async () => {
        own.delete(entry);
        if (own.size === 0 && channels.get(channel) === own) channels.delete(channel);
      };
    },

    async close() {
      closed = true;
      channels.clear();
    },
  };
}
