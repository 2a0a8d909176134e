import { Scalar } from '@scalar/hono-api-reference';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import { matchedRoutes } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import type { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import pkg from '../package.json' with { type: 'json' };
import type { Config } from './config.ts';
import { authenticatorFor } from './modules/identity/index.ts';
import { modules as defaultModules } from './modules/index.ts';
import { auditRoutes } from './platform/audit/routes.ts';
import type { Database } from './platform/db/client.ts';
import type { ErrorTracker } from './platform/error-tracker.ts';
import { eventAdminRoutes } from './platform/events/routes.ts';
import { authenticate } from './platform/http/auth.ts';
import { addSharedResponses, registerSharedComponents } from './platform/http/openapi.ts';
import { errorToProblem, notFoundProblem, problemResponse } from './platform/http/problem.ts';
import { clientIp, rateLimit } from './platform/http/rate-limit.ts';
import { createRouter } from './platform/http/router.ts';
import { systemRoutes } from './platform/http/system.ts';
import type { Logger } from './platform/logger.ts';
import { devOutboxRoutes } from './platform/messaging/routes.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import type { Module } from './platform/module.ts';
import type { Services } from './platform/services.ts';
import { localFileRoutes } from './platform/storage/index.ts';

export interface AppDeps {
  config: Config;
  database: Database;
  log: Logger;
  /** Present when REDIS_URL is set; readiness then checks it too. */
  redis?: Redis;
  /** Cache, jobs, pub/sub, rate limits and events, from createServices(). */
  services: Services;
  /** Reads the socket peer's address (runtime-specific); see clientIp(). */
  remoteAddress?: (c: Context) => string | undefined;
  /** More readiness checks, by name. */
  checks?: Record<string, () => Promise<unknown>>;
  metrics?: Metrics;
  /** Hears of every 500; none when absent. */
  errorTracker?: ErrorTracker;
  /** Loads the API reference page's script, served from /docs/scalar.js (no CDN). */
  docsScript: () => Promise<string>;
  /** The modules to mount; all of src/modules by default. Tests add their own. */
  modules?: readonly Module[];
}

/** The database's, Redis's when configured, and any the caller adds. */
function readinessChecks(deps: AppDeps): Record<string, () => Promise<unknown>> {
  const { database, redis } = deps;
  return {
    database: () => database.ping(),
    ...(redis ? { redis: () => redis.ping() } : {}),
    ...deps.checks,
  };
}

/** The route pattern that answered, or 'unmatched'; never the raw path (label cardinality). */
function routeLabel(c: Context): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return handlers.at(-1)?.path ?? 'unmatched';
}

/** Builds the whole HTTP app from its dependencies; nothing here does I/O until a request. */
export function createApp(deps: AppDeps) {
  const { config, database } = deps;
  const metrics = deps.metrics ?? createMetrics({ processMetrics: false });
  const app = createRouter();

  app.use(requestId({ generator: () => uuidv7() }));
  app.use(async (c, next) => {
    const started = performance.now();
    const log = deps.log.child({ requestId: c.get('requestId') });
    c.set('log', log);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routeLabel(c);
    const status = c.res.status;
    metrics.httpDuration.observe({ method: c.req.method, route, status: String(status) }, seconds);
    const line = {
      method: c.req.method,
      path: c.req.path,
      route,
      status,
      durationMs: Math.round(seconds * 10000) / 10,
    };
    if (status >= 500) log.error(line, 'request failed');
    else log.info(line, 'request');
  });
  // Web clients on other origins show our photos in <img>; the outer middleware's header wins.
  app.use('/files/*', secureHeaders({ crossOriginResourcePolicy: 'cross-origin' }));
  app.use(secureHeaders());
  if (config.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
        allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        exposeHeaders: [
          'X-Request-Id',
          'Retry-After',
          'RateLimit-Limit',
          'RateLimit-Remaining',
          'RateLimit-Reset',
        ],
        maxAge: 600,
      }),
    );
  }
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problemResponse(c, {
          status: 405,
          code: 'method-not-allowed',
          detail: `${c.req.method} is not allowed here; use ${methods.join(', ')}.`,
          headers: { Allow: methods.join(', ') },
        }),
    }),
  );
  const { cache, grants, jobs, pubsub, rateLimits, storage } = deps.services;
  // Uploads (multipart) may be as large as UPLOAD_MAX_BYTES; everything else stays small.
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) =>
        problemResponse(c, {
          status: 413,
          code: 'body-too-large',
          detail: `The body is larger than the ${maxSize} bytes allowed.`,
        }),
    });
  const jsonLimit = limit(config.bodyLimitBytes);
  const uploadLimit = limit(config.uploadMaxBytes);
  app.use('/api/*', (c, next) =>
    c.req.header('content-type')?.startsWith('multipart/form-data')
      ? uploadLimit(c, next)
      : jsonLimit(c, next),
  );
  app.use('/api/*', async (c, next) => {
    c.set('rateLimits', rateLimits);
    c.set('remoteAddress', deps.remoteAddress?.(c));
    c.set('ctx', {
      db: database.db,
      actor: null,
      requestId: c.get('requestId'),
      log: c.get('log'),
      config,
      grants,
      cache,
      jobs,
      pubsub,
      storage,
      client: { ip: clientIp(c, config), userAgent: c.req.header('user-agent') },
    });
    await next();
  });

  app.use(
    '/api/*',
    rateLimit({ name: 'global', points: config.rateLimitPerMinute, duration: 60, key: 'ip' }),
  );
  // After the limit, so guessing tokens is limited too.
  app.use('/api/*', authenticate(authenticatorFor(config)));

  app.onError((error, c) =>
    errorToProblem(c, error, (unexpected) =>
      deps.errorTracker?.captureException(unexpected, {
        requestId: c.get('requestId'),
        route: routeLabel(c),
        method: c.req.method,
      }),
    ),
  );
  app.notFound((c) => notFoundProblem(c));

  app.route('/', systemRoutes({ config, metrics, checks: readinessChecks(deps) }));

  const api = createRouter();
  api.route('/', eventAdminRoutes);
  api.route('/', auditRoutes);
  if (config.devOutbox) api.route('/', devOutboxRoutes);
  for (const module of deps.modules ?? defaultModules) {
    if (module.routes) api.route('/', module.routes);
  }
  app.route('/api/v1', api);
  if (storage.kind === 'local') app.route('/', localFileRoutes(storage));

  registerSharedComponents(app as never);
  let document: unknown;
  app.get('/openapi.json', (c) => {
    if (!document) {
      const doc = app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Mercato API',
          version: pkg.version,
          description:
            'One API for a multi-vertical marketplace: property and vehicle listings, shops, ' +
            'event tickets. Errors are RFC 9457 problem details; lists are cursor-paginated; ' +
            'money is an integer amount in minor units with an ISO-4217 currency.',
        },
        servers: [{ url: config.publicUrl }],
      });
      addSharedResponses(doc);
      document = doc;
    }
    return c.json(document);
  });
  app.get(
    '/docs',
    // Everything comes from this app (script from /docs/scalar.js, system fonts), and the
    // features that call Scalar's cloud (AI agent, MCP) are off.
    Scalar({
      url: '/openapi.json',
      cdn: '/docs/scalar.js',
      pageTitle: 'Mercato API',
      withDefaultFonts: false,
      showDeveloperTools: 'never',
      agent: { disabled: true },
      mcp: { disabled: true },
    }),
  );
  let docsScript: Promise<string> | undefined;
  app.get('/docs/scalar.js', async (c) => {
    docsScript ??= deps.docsScript();
    return c.body(await docsScript, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=86400',
    });
  });

  return app;
}
