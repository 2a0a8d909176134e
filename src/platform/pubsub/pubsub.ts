import type { Logger } from '../logger.ts';

export type Handler = (message: unknown) => void;

/**
 * Fan-out of JSON messages to every API instance, so a WebSocket held by one instance hears
 * what a request on another published. Delivery is at most once and asynchronous: a message
 * published while a subscriber is disconnected is lost, so clients fetch what they missed from
 * the database when they reconnect.
 */
export interface PubSub {
  publish(channel: string, message: unknown): Promise<void>;
  /**
   * Resolves once messages published from then on are delivered; returns the function that
   * removes this handler (calling it again does nothing).
   */
  subscribe(channel: string, handler: Handler): Promise<() => Promise<void>>;
  /** Drops every subscription; the instance refuses to publish or subscribe afterwards. */
  close(): Promise<void>;
}

export class PubSubClosed extends Error {
  constructor() {
    super('pubsub is closed');
    this.name = 'PubSubClosed';
  }
}

export function encode(message: unknown): string {
  const json = JSON.stringify(message);
  // undefined, functions and symbols serialize to nothing, which no subscriber could parse.
  if (json === undefined) throw new TypeError('a pubsub message must be a JSON value');
  return json;
}

/** Hands one payload to each handler, so that one failing keeps the message from no other. */
export function deliver(
  handlers: Iterable<Handler>,
  channel: string,
  payload: string,
  log: Logger,
): void {
  let message: unknown;
  try {
    message = JSON.parse(payload);
  } catch (err) {
    log.warn({ err, channel }, 'pubsub message is not JSON; dropped');
    return;
  }
  // A copy, so a handler that subscribes another does not hand it a message sent before it existed.
  for (const handler of [...handlers]) {
    try {
      const result: unknown = handler(message);
      // Async handlers type-check as `() => void`; their rejections would otherwise go unhandled.
      if (result instanceof Promise) {
        result.catch((err: unknown) => log.error({ err, channel }, 'pubsub handler failed'));
      }
    } catch (err) {
      log.error({ err, channel }, 'pubsub handler failed');
    }
  }
}
