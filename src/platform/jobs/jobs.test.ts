import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../logger.ts';
import { createRedis } from '../redis.ts';
import { createJobs, type JobInfo, type Jobs, JobsClosed } from './index.ts';

const silent = createLogger({ level: 'silent', pretty: false });
const redisUrl = process.env.REDIS_URL;
// Created as the API creates its client, retry limit included: the service must cope with it.
const redis = redisUrl ? createRedis(redisUrl, silent, { commandTimeoutMs: 1000 }) : undefined;
afterAll(async () => {
  await redis?.quit();
});

const BACKOFF_MS = 50;
/** Long enough for BullMQ's round trips and a few backoffs. */
const WAIT = { timeout: 5000 };

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger({
    level: 'warn',
    pretty: false,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return { log, lines };
}

/**
 * Instances of the service on `redis` (or in memory), as processes of one deployment hold
 * them: on Redis they share a prefix of their own per test, whose keys go afterwards.
 */
function useJobs(redis: Redis | undefined) {
  let prefix = '';
  let opened: Jobs[] = [];
  beforeEach(() => {
    prefix = `mercato:test:${crypto.randomUUID()}:`;
    opened = [];
  });
  afterEach(async () => {
    await Promise.all(opened.map((jobs) => jobs.close()));
    if (redis) await deleteKeys(redis, `${prefix}*`);
  });
  return {
    prefix: () => prefix,
    open(options: { log?: Logger; concurrency?: number } = {}): Jobs {
      const { log = silent, concurrency } = options;
      const jobs = createJobs({ redis, prefix, log, backoffBaseMs: BACKOFF_MS, concurrency });
      opened.push(jobs);
      return jobs;
    },
  };
}

async function deleteKeys(redis: Redis, pattern: string) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

const backends: [string, Redis | undefined][] = [['memory', undefined]];
if (redis) backends.push(['bullmq', redis]);

describe.each(backends)('jobs on %s', (_, redis) => {
  const { open } = useJobs(redis);

  it('runs an enqueued job with its data, which travels as JSON', async () => {
    const jobs = open();
    const runs: [unknown, JobInfo][] = [];
    jobs.register('receipt', async (data, job) => void runs.push([data, job]));
    await jobs.start();
    const data = { orderId: 'o-1', total: { amount: 1250000, currency: 'ETB' }, at: new Date(0) };
    const id = await jobs.enqueue('receipt', data);

    await expect.poll(() => runs, WAIT).toHaveLength(1);
    expect(runs[0]).toStrictEqual([
      {
        orderId: 'o-1',
        total: { amount: 1250000, currency: 'ETB' },
        at: '1970-01-01T00:00:00.000Z',
      },
      { id, name: 'receipt', attempt: 1 },
    ]);
  });

  it('holds a job enqueued before start() until start()', async () => {
    const jobs = open();
    const runs: unknown[] = [];
    jobs.register('early', async (data) => void runs.push(data));
    await jobs.enqueue('early', 'waiting');
    await sleep(300);
    expect(runs).toEqual([]);

    await jobs.start();
    await expect.poll(() => runs, WAIT).toEqual(['waiting']);
  });

  it('runs a delayed job no earlier than its delay', async () => {
    const jobs = open();
    let ranAt = 0;
    jobs.register('later', async () => {
      ranAt = Date.now();
    });
    await jobs.start();
    const before = Date.now();
    await jobs.enqueue('later', {}, { delayMs: 400 });

    await expect.poll(() => ranAt, WAIT).toBeGreaterThan(0);
    expect(ranAt - before).toBeGreaterThanOrEqual(400);
  });

  it('retries a failing job with exponential backoff until it succeeds', async () => {
    const jobs = open();
    const tries: { attempt: number; at: number }[] = [];
    let succeeded = false;
    jobs.register('flaky', async (_, job) => {
      tries.push({ attempt: job.attempt, at: Date.now() });
      if (job.attempt < 3) throw new Error('not yet');
      succeeded = true;
    });
    await jobs.start();
    await jobs.enqueue('flaky', {});

    await expect.poll(() => succeeded, WAIT).toBe(true);
    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
    const [first, second, third] = tries.map((t) => t.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(BACKOFF_MS);
    expect(third - second).toBeGreaterThanOrEqual(2 * BACKOFF_MS);
  });

  it('stops after `attempts` tries and logs the failure as an error', async () => {
    const { log, lines } = capturingLogger();
    const jobs = open({ log });
    const tries: number[] = [];
    jobs.register('doomed', async (_, job) => {
      tries.push(job.attempt);
      throw new Error('card declined');
    });
    await jobs.start();
    const id = await jobs.enqueue('doomed', {}, { attempts: 2 });
    const about = () => lines.filter((line) => line.job === 'doomed');

    await expect.poll(() => about().filter((line) => line.level === 50), WAIT).toHaveLength(1);
    // Well past when a third attempt would run (2 × the backoff after the second).
    await sleep(8 * BACKOFF_MS);
    expect(tries).toEqual([1, 2]);
    expect(about().map((line) => [line.level, line.msg])).toEqual([
      [40, 'job attempt failed, will retry'],
      [50, 'job failed'],
    ]);
    expect(about()[1]).toMatchObject({ jobId: id, attempt: 2, err: { message: 'card declined' } });
  });

  it('fails a job nobody registered, and retries it so a handler can take it', async () => {
    const { log, lines } = capturingLogger();
    const jobs = open({ log });
    await jobs.start();
    await jobs.enqueue('late', { n: 1 }, { attempts: 5 });

    const about = () => lines.filter((line) => line.job === 'late');
    await expect.poll(about, WAIT).not.toEqual([]);
    expect(about()[0]).toMatchObject({
      level: 40,
      err: { message: 'No handler for job "late" is registered here' },
    });
    const runs: [unknown, number][] = [];
    jobs.register('late', async (data, job) => void runs.push([data, job.attempt]));
    await expect.poll(() => runs, WAIT).toHaveLength(1);
    expect(runs[0]?.[0]).toEqual({ n: 1 });
    expect(runs[0]?.[1]).toBeGreaterThanOrEqual(2);
  });

  it('makes one job of a jobId enqueued twice while it is pending', async () => {
    // One at a time, so the jobs run in the order they were enqueued.
    const jobs = open({ concurrency: 1 });
    const runs: unknown[] = [];
    jobs.register('paid', async (data) => void runs.push(data));
    const first = await jobs.enqueue('paid', 'first', { jobId: 'order-1-paid' });
    const second = await jobs.enqueue('paid', 'second', { jobId: 'order-1-paid' });
    await jobs.enqueue('paid', 'fence');
    await jobs.start();

    await expect.poll(() => runs, WAIT).toContain('fence');
    expect(runs).toEqual(['first', 'fence']);
    expect([first, second]).toEqual(['order-1-paid', 'order-1-paid']);

    // Completed, the id is free again.
    await jobs.enqueue('paid', 'again', { jobId: 'order-1-paid' });
    await expect.poll(() => runs, WAIT).toEqual(['first', 'fence', 'again']);
  });

  it('refuses a jobId BullMQ could not store', async () => {
    const jobs = open();
    for (const jobId of ['42', 'order:1', '']) {
      await expect(jobs.enqueue('paid', {}, { jobId })).rejects.toThrow(`Invalid jobId "${jobId}"`);
    }
  });

  it('refuses a second handler for one name', () => {
    const jobs = open();
    jobs.register('twice', async () => {});
    expect(() => jobs.register('twice', async () => {})).toThrow(
      'A handler for job "twice" is already registered',
    );
  });

  it('refuses an invalid cron expression, naming it', async () => {
    const jobs = open();
    for (const cron of ['every day', '61 * * * *', '* * *', '']) {
      await expect(jobs.schedule('report', cron)).rejects.toThrow(
        `Invalid cron expression "${cron}" for schedule "report"`,
      );
    }
  });

  it('runs a schedule on every tick, once however often it is declared', async () => {
    const jobs = open();
    const runs: unknown[] = [];
    jobs.register('heartbeat', async (data) => void runs.push(data));
    await jobs.schedule('heartbeat', '* * * * * *', { beat: 1 });
    await jobs.schedule('heartbeat', '* * * * * *', { beat: 2 });
    await jobs.start();

    await sleep(3000);
    // Three ticks in 3 s, give or take one at either end; doubled, it would be six.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(4);
    expect(runs).toEqual(runs.map(() => ({ beat: 2 })));
  });

  it('replaces the cron of a schedule declared again', async () => {
    const jobs = open();
    const runs: string[] = [];
    jobs.register('digest', async () => void runs.push('digest'));
    jobs.register('pulse', async () => void runs.push('pulse'));
    await jobs.schedule('digest', '* * * * * *');
    await jobs.schedule('digest', '0 0 1 1 *');
    await jobs.schedule('pulse', '* * * * * *');
    await jobs.start();

    // Two pulses: a tick has passed at which an every-second digest would have run.
    await expect.poll(() => runs.filter((name) => name === 'pulse').length, WAIT).toBe(2);
    expect(runs).not.toContain('digest');

    // Declared again while the service runs, it takes effect from the next tick.
    await jobs.schedule('digest', '* * * * * *');
    await expect.poll(() => runs, WAIT).toContain('digest');
  });

  it('waits in close() for the jobs in flight, then takes no more', async () => {
    const jobs = open();
    const gate = Promise.withResolvers<void>();
    const events: string[] = [];
    jobs.register('slow', async () => {
      events.push('started');
      await gate.promise;
      events.push('finished');
    });
    await jobs.start();
    await jobs.enqueue('slow', {});
    await expect.poll(() => events, WAIT).toEqual(['started']);

    const closing = jobs.close().then(() => events.push('closed'));
    await sleep(300);
    expect(events).toEqual(['started']);
    gate.resolve();
    await closing;
    expect(events).toEqual(['started', 'finished', 'closed']);
    await expect(jobs.enqueue('slow', {})).rejects.toThrow(JobsClosed);
  });
});

describe.runIf(redis)('jobs on BullMQ, across processes', () => {
  const { open, prefix } = useJobs(redis);

  it('keeps a job enqueued while no worker runs for the worker that starts later', async () => {
    const api = open();
    await api.enqueue('receipt', { orderId: 'o-9' });
    expect(await redis?.keys(`${prefix()}jobs:*`)).not.toEqual([]);
    await api.close();

    const worker = open();
    const runs: unknown[] = [];
    worker.register('receipt', async (data) => void runs.push(data));
    await worker.start();
    await expect.poll(() => runs, WAIT).toEqual([{ orderId: 'o-9' }]);
  });

  it('runs a schedule declared by two instances once per tick', async () => {
    const runs: string[] = [];
    const instances = [open(), open()];
    for (const [i, jobs] of instances.entries()) {
      jobs.register('heartbeat', async () => void runs.push(`instance ${i}`));
      await jobs.schedule('heartbeat', '* * * * * *');
    }
    await Promise.all(instances.map((jobs) => jobs.start()));

    await sleep(3000);
    // Three ticks in 3 s, give or take one at either end; once per instance, it would be six.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(4);
  });
});

describe('jobs on BullMQ with Redis unreachable', () => {
  it('fail an enqueue quickly instead of holding the request open', async () => {
    const down = createRedis(
      'redis://127.0.0.1:1',
      createLogger({ level: 'silent', pretty: false }),
      { commandTimeoutMs: 1000 },
    );
    const jobs = createJobs({
      redis: down,
      prefix: 'down:',
      log: createLogger({ level: 'silent', pretty: false }),
    });
    const started = performance.now();
    await expect(jobs.enqueue('mail.send', { to: 'a@example.com' })).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'jobs-unavailable',
    });
    expect(performance.now() - started).toBeLessThan(5000);
    await jobs.close();
    down.disconnect();
  });
});
