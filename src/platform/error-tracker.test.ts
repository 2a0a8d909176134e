import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createRoute, z } from '@hono/zod-openapi';
import * as Sentry from '@sentry/node';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signedInUser } from '../../test/factories.ts';
import { createTestApp, expectInvalid, type TestApp } from '../../test/harness.ts';
import { Conflict } from './core/errors.ts';
import { createRouter } from './http/router.ts';
import type { Module } from './module.ts';

/** What a client sends, or the app knows of it, that must never reach the tracker. */
const SECRETS = {
  session: 'cookie-1a2b3c4d',
  email: 'abebe.kebede@example.com',
  password: 'hunter2-passphrase',
  fullName: 'Abebe Kebede',
  ip: '203.0.113.77',
};

/** Sentry's ingest, as the SDK speaks to it: envelopes POSTed to /api/<project>/envelope/. */
async function startFakeSentry() {
  const envelopes: string[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
    if (req.method === 'POST' && req.url?.startsWith('/api/1/envelope/')) {
      envelopes.push(text.toString('utf8'));
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://publickey@127.0.0.1:${port}/1`,
    envelopes,
    /** The event items of every envelope received (an envelope is newline-delimited JSON). */
    events() {
      return envelopes.flatMap((envelope) => {
        const [, ...lines] = envelope.split('\n').filter(Boolean);
        const events: Record<string, unknown>[] = [];
        for (let i = 0; i + 1 < lines.length; i += 2) {
          const header = JSON.parse(lines[i] as string) as { type: string };
          if (header.type === 'event') events.push(JSON.parse(lines[i + 1] as string));
        }
        return events;
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const Body = z.object({ email: z.email(), password: z.string() });

const router = createRouter();
router.openapi(
  createRoute({
    method: 'post',
    path: '/tracked/{id}/crash',
    request: {
      params: z.object({ id: z.uuid() }),
      body: { required: true, content: { 'application/json': { schema: Body } } },
    },
    responses: { 204: { description: 'Never' } },
  }),
  () => {
    throw new Error('the ledger is out of balance');
  },
);
router.openapi(
  createRoute({
    method: 'post',
    path: '/tracked/query',
    request: { body: { required: true, content: { 'application/json': { schema: Body } } } },
    responses: { 204: { description: 'Never' } },
  }),
  async (c) => {
    const { email } = c.req.valid('json');
    await c.get('ctx').db.execute(sql`select * from tracked_nowhere where email = ${email}`);
    return c.body(null, 204);
  },
);
router.openapi(
  createRoute({
    method: 'post',
    path: '/tracked/refuse',
    responses: { 204: { description: 'Never' } },
  }),
  () => {
    throw new Conflict('out-of-stock', 'Only 2 left.');
  },
);

const trackedModule: Module = {
  name: 'tracked',
  routes: router,
  registerJobs: (jobs) =>
    jobs.register('tracked.fail', async () => {
      throw new Error('the courier API refused the parcel');
    }),
};

/** A signed-in user's request to a route that throws; resolves to its response and token. */
async function crash(t: TestApp, id = uuidv7()) {
  const { user, tokens, headers } = await signedInUser(t, {
    email: SECRETS.email,
    fullName: SECRETS.fullName,
  });
  const res = await t.json(
    'POST',
    `/api/v1/tracked/${id}/crash`,
    { email: SECRETS.email, password: SECRETS.password },
    { ...headers, Cookie: `session=${SECRETS.session}`, 'X-Forwarded-For': SECRETS.ip },
  );
  return { res, secrets: [tokens.accessToken, user.id] };
}

function expectNoSecrets(text: string, more: string[] = []) {
  for (const secret of [...Object.values(SECRETS), ...more]) expect(text).not.toContain(secret);
}

describe('without SENTRY_DSN', () => {
  let sentry: Awaited<ReturnType<typeof startFakeSentry>>;
  let t: TestApp;
  beforeAll(async () => {
    sentry = await startFakeSentry();
    // Only the config decides: the SDK would read this variable itself if it were initialised.
    vi.stubEnv('SENTRY_DSN', sentry.dsn);
    t = await createTestApp({ modules: [trackedModule] });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await t.close();
    await sentry.close();
  });

  it('sends nothing and starts no SDK', async () => {
    expect((await crash(t)).res.status).toBe(500);
    await Sentry.flush(1000);
    expect(Sentry.isInitialized()).toBe(false);
    expect(sentry.envelopes).toEqual([]);
  });
});

describe('with SENTRY_DSN', () => {
  let sentry: Awaited<ReturnType<typeof startFakeSentry>>;
  let t: TestApp;
  beforeAll(async () => {
    sentry = await startFakeSentry();
    t = await createTestApp({
      modules: [trackedModule],
      env: { SENTRY_DSN: sentry.dsn, SENTRY_ENVIRONMENT: 'staging', TRUST_PROXY_HOPS: '1' },
    });
  });
  beforeEach(() => {
    sentry.envelopes.length = 0;
  });
  afterAll(async () => {
    await t.close();
    await sentry.close();
  });

  it('reports a 500 once, tagged with its request id and route, without personal data', async () => {
    // What an integration or a later Sentry.setUser would attach: the event drops it all.
    Sentry.setUser({ email: SECRETS.email, ip_address: SECRETS.ip });
    Sentry.addEventProcessor((event) => ({
      ...event,
      request: {
        headers: { cookie: `session=${SECRETS.session}` },
        cookies: { session: SECRETS.session },
        data: { password: SECRETS.password },
      },
    }));
    const id = uuidv7();
    const { res, secrets } = await crash(t, id);
    expect(res.status).toBe(500);
    await Sentry.flush(2000);

    const events = sentry.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      environment: 'staging',
      tags: {
        requestId: res.headers.get('x-request-id'),
        route: '/api/v1/tracked/:id/crash',
        method: 'POST',
      },
      exception: { values: [{ type: 'Error', value: 'the ledger is out of balance' }] },
    });
    expect(events[0]).not.toHaveProperty('request');
    expect(events[0]).not.toHaveProperty('user');
    const raw = sentry.envelopes.join('\n');
    expectNoSecrets(raw, [...secrets, id]);
  });

  it("keeps a failed query's parameters out", async () => {
    const res = await t.json('POST', '/api/v1/tracked/query', {
      email: SECRETS.email,
      password: SECRETS.password,
    });
    expect(res.status).toBe(500);
    await Sentry.flush(2000);

    const [event] = sentry.events() as [{ exception: { values: { value: string }[] } }];
    const messages = event.exception.values.map((e) => e.value).join('\n');
    expect(messages).toContain('Failed query: select * from tracked_nowhere where email = $1');
    expect(messages).toContain('params: [redacted]');
    // The database's own error, linked as the cause.
    expect(messages).toContain('tracked_nowhere');
    expectNoSecrets(sentry.envelopes.join('\n'));
  });

  it('reports no refusal of a known kind', async () => {
    await expectInvalid(
      await t.json('POST', `/api/v1/tracked/${uuidv7()}/crash`, { email: 'no', password: 'x' }),
      ['body.email'],
    );
    expect((await t.request('/api/v1/tracked/refuse', { method: 'POST' })).status).toBe(409);
    await Sentry.flush(2000);
    expect(sentry.events()).toEqual([]);
  });

  it('reports a job that failed for good, not the attempts it retried', async () => {
    await t.services.jobs.start();
    const jobId = await t.services.jobs.enqueue(
      'tracked.fail',
      { email: SECRETS.email },
      { attempts: 2 },
    );
    await vi.waitFor(() => expect(t.logs.some((l) => l.msg === 'job failed')).toBe(true), {
      timeout: 10_000,
    });
    await Sentry.flush(2000);

    const events = sentry.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tags: { job: 'tracked.fail', jobId },
      exception: { values: [{ value: 'the courier API refused the parcel' }] },
    });
    expectNoSecrets(sentry.envelopes.join('\n'));
  });
});
