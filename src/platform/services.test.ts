import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApp } from '../../test/harness.ts';
import { type DomainEvent, defineEvent, publish } from './events/events.ts';
import type { Module } from './module.ts';
import { startWorker } from './services.ts';

const ListingPublished = defineEvent('listing.published', z.object({ title: z.string() }));
const received: DomainEvent[] = [];
const jobsRun: string[] = [];
const ticks: Date[] = [];

/** A module as a real one would be: it subscribes to an event and registers a job. */
const listeningModule: Module = {
  name: 'listening',
  subscribe: (events) =>
    events.subscribe(ListingPublished, 'listening.record', async (event, ctx) => {
      received.push(event);
      await ctx.jobs.enqueue('listening.follow-up', { eventId: event.id });
    }),
  registerJobs: (jobs) =>
    jobs.register('listening.follow-up', async (data: { eventId: string }) => {
      jobsRun.push(data.eventId);
    }),
  schedules: [
    {
      name: 'listening.tick',
      cron: '* * * * * *',
      run: async (ctx, now) => {
        expect(ctx.actor).toBeNull();
        ticks.push(now);
      },
    },
  ],
};

const t = await createTestApp({ modules: [listeningModule] });
afterAll(() => t.close());

describe(`platform services on ${t.config.redisUrl ? 'Redis (BullMQ)' : 'the in-process backends'}`, () => {
  it('deliver a committed event to a module through the relay job, and run the job it enqueues', async () => {
    const ctx = t.ctx();
    const id = await publish(ctx, ListingPublished, {
      aggregateId: 'listing-1',
      payload: { title: 'Two-bedroom flat in Bole' },
    });
    await startWorker(t.services, ctx);
    await expect.poll(() => received.map((e) => e.id), { timeout: 10_000 }).toEqual([id]);
    expect(received[0]?.payload).toEqual({ title: 'Two-bedroom flat in Bole' });
    await expect.poll(() => jobsRun, { timeout: 10_000 }).toEqual([id]);
  });

  it("run a module's schedule on its timetable, with the tick's time", async () => {
    const started = Date.now();
    await expect.poll(() => ticks.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(ticks[0]?.getTime()).toBeGreaterThanOrEqual(started - 1000);
  });

  it('serve local files through the app: public ones openly, private ones by signed URL only', async () => {
    const ctx = t.ctx();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    await ctx.storage.put('listings/9/photo-320.webp', png, {
      contentType: 'image/webp',
      visibility: 'public',
    });
    await ctx.storage.put('kyc/9/id-card.pdf', png, {
      contentType: 'application/pdf',
      visibility: 'private',
    });

    const pub = await t.request(
      new URL(await ctx.storage.url('listings/9/photo-320.webp')).pathname,
    );
    expect(pub.status).toBe(200);
    expect(pub.headers.get('content-type')).toBe('image/webp');
    // Embeddable by web clients on other origins; the API itself stays same-origin.
    expect(pub.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect((await t.request('/healthz')).headers.get('cross-origin-resource-policy')).toBe(
      'same-origin',
    );
    expect(new Uint8Array(await pub.arrayBuffer())).toEqual(png);

    expect((await t.request('/files/kyc/9/id-card.pdf')).status).toBe(404);
    const signed = new URL(await ctx.storage.url('kyc/9/id-card.pdf', { expiresInSeconds: 60 }));
    const priv = await t.request(`${signed.pathname}${signed.search}`);
    expect(priv.status).toBe(200);
    expect(priv.headers.get('cache-control')).toContain('no-store');
  });

  it('give request contexts the same cache and pub/sub', async () => {
    const ctx = t.ctx();
    await ctx.cache.set('greeting', { hello: 'world' }, { ttlSeconds: 30 });
    expect(await t.services.cache.get('greeting')).toEqual({ hello: 'world' });
    const heard: unknown[] = [];
    const unsubscribe = await t.services.pubsub.subscribe('room', (m) => heard.push(m));
    await ctx.pubsub.publish('room', { text: 'hi' });
    await expect.poll(() => heard).toEqual([{ text: 'hi' }]);
    await unsubscribe();
  });
});
