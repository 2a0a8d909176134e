import { afterAll, describe, expect, it } from 'vitest';
import { probeModule } from '../test/fixtures/probe-module.ts';
import { createTestApp, problemOf } from '../test/harness.ts';

const t = await createTestApp({
  modules: [probeModule],
  env: { CORS_ORIGINS: 'https://app.example.com', PUBLIC_URL: 'https://api.example.com' },
});
afterAll(() => t.close());

describe('system routes', () => {
  it('GET / names the API and links to its docs', async () => {
    const res = await t.request('/');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      name: 'Mercato',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      links: {
        docs: 'https://api.example.com/docs',
        openapi: 'https://api.example.com/openapi.json',
        health: 'https://api.example.com/healthz',
      },
    });
  });

  it('GET /healthz answers without touching dependencies', async () => {
    const res = await t.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz checks the database, and Redis when configured', async () => {
    const res = await t.request('/readyz');
    expect(res.status).toBe(200);
    const checks = t.config.redisUrl ? { database: 'ok', redis: 'ok' } : { database: 'ok' };
    expect(await res.json()).toEqual({ status: 'ok', checks });
  });

  it('GET /readyz reports an unreachable Redis', async () => {
    const unreachable = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const res = await unreachable.request('/readyz');
      expect(res.status).toBe(503);
      const problem = await problemOf(res);
      expect(problem.detail).toBe('Not ready: redis is down.');
      expect(problem.checks).toMatchObject({
        database: 'ok',
        redis: 'down',
      });
    } finally {
      await unreachable.close();
    }
  });
});

describe('readiness with a dependency down', () => {
  it('answers 503 naming what is down', async () => {
    const down = await createTestApp({
      checks: { redis: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) },
    });
    try {
      const res = await down.request('/readyz');
      expect(res.status).toBe(503);
      const problem = await problemOf(res);
      expect(problem.code).toBe('not-ready');
      expect(problem.detail).toBe('Not ready: redis is down.');
      expect(problem.checks).toEqual({ database: 'ok', redis: 'down' });
      expect(JSON.stringify(problem)).not.toContain('127.0.0.1');
      const logged = down.logs.find((l) => l.msg === 'readiness check failed');
      expect(logged?.err).toMatchObject({ message: 'connect ECONNREFUSED 127.0.0.1:1' });
    } finally {
      await down.close();
    }
  });

  it('gives up on a check that hangs', async () => {
    const hung = await createTestApp({ checks: { redis: () => new Promise(() => {}) } });
    try {
      const res = await hung.request('/readyz');
      expect(res.status).toBe(503);
      expect((await problemOf(res)).checks).toMatchObject({ redis: 'down' });
      const logged = hung.logs.find((l) => l.msg === 'readiness check failed');
      expect(logged?.err).toMatchObject({ message: 'no answer within 2000 ms' });
    } finally {
      await hung.close();
    }
  });

  it('reports the database down once it is closed', async () => {
    const closing = await createTestApp();
    await closing.database.close();
    const res = await closing.request('/readyz');
    expect(res.status).toBe(503);
    expect((await problemOf(res)).detail).toBe('Not ready: database is down.');
  });
});

describe('request ids', () => {
  it('echoes a well-formed X-Request-Id', async () => {
    const res = await t.request('/healthz', { headers: { 'X-Request-Id': 'client-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('client-abc-123');
  });

  it('makes a UUIDv7 when there is none or it is malformed', async () => {
    const cases: Record<string, string>[] = [
      {},
      { 'X-Request-Id': 'bad id with spaces; drop table' },
    ];
    for (const headers of cases) {
      const res = await t.request('/healthz', { headers });
      expect(res.headers.get('x-request-id')).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });
});

describe('logs', () => {
  it('writes one line per request with the route pattern, status and duration', async () => {
    const id = crypto.randomUUID();
    await t.request(`/api/v1/probe/things/${id}`, { headers: { 'X-Request-Id': 'log-line-1' } });
    const lines = t.logs.filter((l) => l.requestId === 'log-line-1' && l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      method: 'GET',
      path: `/api/v1/probe/things/${id}`,
      route: '/api/v1/probe/things/:id',
      status: 404,
      durationMs: expect.any(Number),
    });
  });

  it('redacts credentials', () => {
    const { log } = t.ctx();
    log.info(
      {
        headers: { authorization: 'Bearer eyJsecret', cookie: 'sid=secret' },
        password: 'hunter2hunter2',
        user: { refreshToken: 'rt-secret', name: 'Abebe' },
      },
      'redaction probe',
    );
    const line = t.logs.find((l) => l.msg === 'redaction probe');
    expect(JSON.stringify(line)).not.toMatch(/eyJsecret|sid=secret|hunter2|rt-secret/);
    expect(line).toMatchObject({ password: '[redacted]', user: { name: 'Abebe' } });
  });
});

describe('headers', () => {
  it('sets secure headers', async () => {
    const res = await t.request('/healthz');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('allows the configured CORS origins only', async () => {
    const preflight = await t.request('/api/v1/probe/echo', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,idempotency-key',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');

    const foreign = await t.request('/healthz', { headers: { Origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('metrics', () => {
  it('labels durations by route pattern, never the raw path', async () => {
    await t.request(`/api/v1/probe/things/${crypto.randomUUID()}`);
    await t.request('/no/such/path/123');
    const res = await t.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/api/v1/probe/things/:id",status="404"}',
    );
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toMatch(/route="\/api\/v1\/probe\/things\/[0-9a-f]{8}-/);
    expect(text).not.toContain('/no/such/path');
  });

  it('serves none in production without METRICS_TOKEN', async () => {
    const production = await createTestApp({
      env: { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://db/x' },
    });
    try {
      expect((await production.request('/metrics')).status).toBe(404);
    } finally {
      await production.close();
    }
  });

  it('asks for the token when one is configured', async () => {
    const guarded = await createTestApp({ env: { METRICS_TOKEN: 'metrics-token-0123456789' } });
    try {
      expect((await guarded.request('/metrics')).status).toBe(401);
      const wrong = { headers: { Authorization: 'Bearer metrics-token-0123456788' } };
      expect((await guarded.request('/metrics', wrong)).status).toBe(401);
      const ok = await guarded.request('/metrics', {
        headers: { Authorization: 'Bearer metrics-token-0123456789' },
      });
      expect(ok.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('OpenAPI and docs', () => {
  it('serves an OpenAPI 3.1 document generated from the routes', async () => {
    const res = await t.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'https://api.example.com' }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(doc.components.schemas.Problem.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'requestId']),
    );
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/readyz',
        '/api/v1/probe/echo',
        '/api/v1/probe/things/{id}',
      ]),
    );
  });

  it('gives every operation the shared error responses', async () => {
    const doc = await (await t.request('/openapi.json')).json();
    const echo = doc.paths['/api/v1/probe/echo'].post.responses;
    expect(Object.keys(echo).sort()).toEqual(['201', '400', '413', '415', '429', '500']);
    const thing = doc.paths['/api/v1/probe/things/{id}'].get.responses;
    expect(Object.keys(thing).sort()).toEqual(['200', '400', '401', '403', '404', '429', '500']);
    expect(thing['401']).toEqual({ $ref: '#/components/responses/Problem401' });
    expect(doc.components.responses.Problem401.content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
  });

  it('serves the reference page and its script from the app, not a CDN', async () => {
    const page = await t.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/docs/scalar.js');
    expect(html).toContain('/openapi.json');
    expect(html).not.toMatch(/https?:\/\/cdn\./);
    const script = await t.request('/docs/scalar.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });
});
