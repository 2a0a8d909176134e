import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logger.ts';
import { createRedis } from '../redis.ts';
import { createPubSub, type PubSub, PubSubClosed } from './index.ts';

const log = createLogger({ level: 'silent', pretty: false });
const redisUrl = process.env.REDIS_URL;

/** What one backend gives the contract: instances of it, and what only Redis can show. */
interface Backend {
  /** A PubSub as one API instance holds it; on Redis each has its own connection. */
  instance(): PubSub;
  /** Connections Redis has subscribed to the channel; memory has no outside view of it. */
  subscribers?(channel: string): Promise<number>;
  close(): Promise<void>;
}

function memoryBackend(): Backend {
  const opened: PubSub[] = [];
  return {
    instance() {
      const pubsub = createPubSub({ log });
      opened.push(pubsub);
      return pubsub;
    },
    async close() {
      await Promise.all(opened.map((p) => p.close()));
    },
  };
}

function redisBackend(url: string): Backend {
  // Pub/Sub channels are server-wide: a prefix per run keeps parallel runs apart.
  const prefix = `mercato-test:${crypto.randomUUID()}:`;
  const connections: Redis[] = [];
  const opened: PubSub[] = [];
  const connect = () => {
    const redis = createRedis(url, log, { commandTimeoutMs: 1000 });
    connections.push(redis);
    return redis;
  };
  const admin = connect();
  return {
    instance() {
      const pubsub = createPubSub({ redis: connect(), prefix, log });
      opened.push(pubsub);
      return pubsub;
    },
    async subscribers(channel) {
      const reply = (await admin.pubsub('NUMSUB', prefix + channel)) as [string, number];
      return Number(reply[1]);
    },
    async close() {
      await Promise.all(opened.map((p) => p.close()));
      await Promise.all(connections.map((r) => r.quit()));
    },
  };
}

const backends: [string, () => Backend][] = [['memory', memoryBackend]];
if (redisUrl) backends.push(['redis', () => redisBackend(redisUrl)]);

/** Records what a handler receives. */
function recorder() {
  const received: unknown[] = [];
  return { received, handler: (message: unknown) => void received.push(message) };
}

describe.each(backends)('pubsub on %s', (name, open) => {
  let backend: Backend;
  let pubsub: PubSub;
  beforeAll(() => {
    backend = open();
    pubsub = backend.instance();
  });
  afterAll(() => backend.close());

  /** Checks what Redis counts on the channel; the memory backend has no outside view. */
  async function expectSubscribers(channel: string, count: number) {
    if (backend.subscribers) expect(await backend.subscribers(channel)).toBe(count);
  }

  it('delivers a message to every subscriber of its channel and to no other channel', async () => {
    const one = recorder();
    const two = recorder();
    const elsewhere = recorder();
    await pubsub.subscribe('room:1', one.handler);
    await pubsub.subscribe('room:1', two.handler);
    await pubsub.subscribe('room:2', elsewhere.handler);

    await pubsub.publish('room:1', { text: 'hello' });
    // Messages arrive in the order they were published, so this one fences the first.
    await pubsub.publish('room:2', 'fence');

    await expect.poll(() => elsewhere.received).toEqual(['fence']);
    expect(one.received).toEqual([{ text: 'hello' }]);
    expect(two.received).toEqual([{ text: 'hello' }]);
  });

  it('delivers asynchronously, never inside the publish call', async () => {
    const { received, handler } = recorder();
    await pubsub.subscribe('async', handler);
    const publishing = pubsub.publish('async', 1);
    expect(received).toEqual([]);
    await publishing;
    await expect.poll(() => received).toEqual([1]);
  });

  it('round-trips JSON: values survive, Dates become strings, the object is a copy', async () => {
    const { received, handler } = recorder();
    await pubsub.subscribe('json', handler);
    const sent = {
      text: 'ሰላም 👋 "quoted"\n',
      amount: { amount: 1250000, currency: 'ETB' },
      ratio: 0.25,
      flags: [true, false, null],
      nested: { empty: {}, list: [] },
      at: new Date('2026-01-02T03:04:05.678Z'),
      dropped: undefined,
    };
    await pubsub.publish('json', sent);
    await pubsub.publish('json', 'plain string');
    await pubsub.publish('json', 42);

    await expect.poll(() => received.length).toBe(3);
    // Strict, so the dropped undefined property and the Date's conversion are checked too.
    expect(received).toStrictEqual([
      {
        text: 'ሰላም 👋 "quoted"\n',
        amount: { amount: 1250000, currency: 'ETB' },
        ratio: 0.25,
        flags: [true, false, null],
        nested: { empty: {}, list: [] },
        at: '2026-01-02T03:04:05.678Z',
      },
      'plain string',
      42,
    ]);
    expect(received[0]).not.toBe(sent);
  });

  it('refuses a message JSON cannot carry', async () => {
    await expect(pubsub.publish('json', undefined)).rejects.toThrow(TypeError);
    await expect(pubsub.publish('json', () => 1)).rejects.toThrow(TypeError);
    await expect(pubsub.publish('json', { n: 1n })).rejects.toThrow(TypeError);
  });

  it('stops delivery once unsubscribed; the last unsubscribe releases the channel', async () => {
    const first = recorder();
    const second = recorder();
    const offFirst = await pubsub.subscribe('leave', first.handler);
    const offSecond = await pubsub.subscribe('leave', second.handler);
    // Many handlers, one subscription: the instance multiplexes them on one connection.
    await expectSubscribers('leave', 1);

    await offFirst();
    await expectSubscribers('leave', 1);
    await pubsub.publish('leave', 'after first left');
    await expect.poll(() => second.received).toEqual(['after first left']);
    expect(first.received).toEqual([]);

    await offSecond();
    await expectSubscribers('leave', 0);

    const later = recorder();
    await pubsub.subscribe('leave', later.handler);
    await pubsub.publish('leave', 'after both left');
    await expect.poll(() => later.received).toEqual(['after both left']);
    expect(first.received).toEqual([]);
    expect(second.received).toEqual(['after first left']);
  });

  it('removes only its own subscription, however often an unsubscribe is called', async () => {
    const { received, handler } = recorder();
    const offOne = await pubsub.subscribe('twice', handler);
    await pubsub.subscribe('twice', handler);
    await pubsub.publish('twice', 'both');
    await expect.poll(() => received).toEqual(['both', 'both']);

    await offOne();
    await offOne();
    await expectSubscribers('twice', 1);
    await pubsub.publish('twice', 'one left');
    await expect.poll(() => received).toEqual(['both', 'both', 'one left']);
  });

  it('keeps the channel when a subscribe races the last unsubscribe', async () => {
    const gone = recorder();
    const { received, handler } = recorder();
    const off = await pubsub.subscribe('race', gone.handler);
    const leaving = off();
    const joining = pubsub.subscribe('race', handler);
    await Promise.all([leaving, joining]);

    await expectSubscribers('race', 1);
    await pubsub.publish('race', 'still here');
    await expect.poll(() => received).toEqual(['still here']);
    expect(gone.received).toEqual([]);
  });

  it('keeps delivering to the other handlers when one throws or rejects, and logs it', async () => {
    const failures = vi.spyOn(log, 'error');
    const { received, handler } = recorder();
    const throwing = vi.fn(() => {
      throw new Error('handler bug');
    });
    const rejecting = vi.fn(async () => {
      throw new Error('async handler bug');
    });
    await pubsub.subscribe('faulty', throwing);
    await pubsub.subscribe('faulty', rejecting);
    await pubsub.subscribe('faulty', handler);

    await pubsub.publish('faulty', 'one');
    await pubsub.publish('faulty', 'two');
    await expect.poll(() => received).toEqual(['one', 'two']);
    expect(throwing).toHaveBeenCalledTimes(2);
    await expect.poll(() => failures.mock.calls.length).toBe(4);
    expect(failures.mock.calls.map(([fields]) => (fields as { err: Error }).err.message)).toEqual(
      expect.arrayContaining(['handler bug', 'async handler bug']),
    );
    failures.mockRestore();
  });

  it('on close, drops its subscriptions and refuses further use', async () => {
    const closing = backend.instance();
    const { received, handler } = recorder();
    const off = await closing.subscribe('closing', handler);
    await expectSubscribers('closing', 1);

    await closing.close();
    await expectSubscribers('closing', 0);
    await expect(closing.publish('closing', 'x')).rejects.toThrow(PubSubClosed);
    await expect(closing.subscribe('closing', handler)).rejects.toThrow(PubSubClosed);
    await off();

    const witness = recorder();
    await pubsub.subscribe('closing', witness.handler);
    await pubsub.publish('closing', 'after close');
    await expect.poll(() => witness.received).toEqual(['after close']);
    expect(received).toEqual([]);
  });

  it.runIf(name === 'redis')(
    'lets separate instances, each with its own connection, hear each other',
    async () => {
      const other = backend.instance();
      const here = recorder();
      const there = recorder();
      await pubsub.subscribe('across', here.handler);
      await other.subscribe('across', there.handler);
      await expectSubscribers('across', 2);

      await pubsub.publish('across', 'from one');
      await other.publish('across', 'from two');
      await expect.poll(() => here.received).toEqual(['from one', 'from two']);
      await expect.poll(() => there.received).toEqual(['from one', 'from two']);
    },
  );
});
