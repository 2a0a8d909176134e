import { createRoute, z } from '@hono/zod-openapi';
import pkg from '../../../package.json' with { type: 'json' };
import type { Config } from '../../config.ts';
import { constantTimeEqual } from '../crypto.ts';
import type { Metrics } from '../metrics.ts';
import { notFoundProblem, ProblemSchema, problemResponse } from './problem.ts';
import { createRouter } from './router.ts';

/** What the operators' tools call: about, liveness, readiness, metrics. */

const CHECK_TIMEOUT_MS = 2000;

const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');
const ReadySchema = z
  .object({
    status: z.literal('ok'),
    checks: z.record(z.string(), z.string()).openapi({ example: { database: 'ok' } }),
  })
  .openapi('Readiness');
const IndexSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    links: z.record(z.string(), z.string()),
  })
  .openapi('Index');

const indexRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['System'],
  summary: 'Name, version and links',
  responses: {
    200: {
      description: 'About this API',
      content: { 'application/json': { schema: IndexSchema } },
    },
  },
});
const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['System'],
  summary: 'Liveness: the process answers',
  responses: {
    200: { description: 'Alive', content: { 'application/json': { schema: HealthSchema } } },
  },
});
const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['System'],
  summary: 'Readiness: the database and, when configured, Redis answer',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadySchema } } },
    503: {
      description: 'Not ready; `checks` names what is down',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    },
  },
});

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface SystemRoutesOptions {
  config: Config;
  metrics: Metrics;
  /** Readiness checks by name (database, redis...); each must answer within 2 s. */
  checks: Record<string, () => Promise<unknown>>;
}

export function systemRoutes({ config, metrics, checks }: SystemRoutesOptions) {
  const router = createRouter();
  router.openapi(indexRoute, (c) =>
    c.json(
      {
        name: 'Mercato',
        version: pkg.version,
        links: {
          docs: `${config.publicUrl}/docs`,
          openapi: `${config.publicUrl}/openapi.json`,
          health: `${config.publicUrl}/healthz`,
          ready: `${config.publicUrl}/readyz`,
          api: `${config.publicUrl}/api/v1`,
        },
      },
      200,
    ),
  );
  router.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  router.openapi(readyRoute, async (c) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (error) {
          // Why stays in the log: an error's message names hosts and ports.
          c.get('log').warn({ err: error, check: name }, 'readiness check failed');
          return [name, 'down'] as const;
        }
      }),
    );
    const down = results.filter(([, state]) => state !== 'ok').map(([name]) => name);
    if (down.length > 0) {
      return problemResponse(c, {
        status: 503,
        code: 'not-ready',
        detail: `Not ready: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down.`,
        extensions: { checks: Object.fromEntries(results) },
      }) as never;
    }
    return c.json({ status: 'ok' as const, checks: Object.fromEntries(results) }, 200);
  });

  // Production serves metrics only to the holder of METRICS_TOKEN: unset, there are none.
  const metricsOpen = config.env !== 'production';
  router.get('/metrics', async (c) => {
    const token = config.metricsToken;
    if (!token && !metricsOpen) return notFoundProblem(c);
    if (token && !constantTimeEqual(c.req.header('authorization') ?? '', `Bearer ${token}`)) {
      return problemResponse(c, {
        status: 401,
        code: 'unauthorized',
        detail: 'The metrics token is required.',
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    return c.body(await metrics.registry.metrics(), 200, {
      'Content-Type': metrics.registry.contentType,
    });
  });

  return router;
}
