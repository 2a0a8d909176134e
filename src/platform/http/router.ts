import type { Hook } from '@hono/zod-openapi';
import { OpenAPIHono } from '@hono/zod-openapi';
import { zodFields } from '../core/errors.ts';
import type { AppEnv } from './context.ts';
import { contractLocator, RequestInvalid } from './problem.ts';

const LOCATIONS: Record<string, string> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'params',
  header: 'headers',
  cookie: 'cookies',
};

const invalid = (errors: { path: string; message: string }[]) =>
  new RequestInvalid(
    'validation-failed',
    `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}.`,
    { fields: errors },
  );

/** The paths of every string in `value` that holds a NUL character. */
function nulPaths(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\0') ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => nulPaths(item, `${path}.${i}`));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).flatMap(([key, item]) => nulPaths(item, `${path}.${key}`));
  }
  return [];
}

/**
 * Turns a failed Zod validation into a 400 naming every bad field under its part of the
 * request (`body.email`, `query.limit`). Valid input is refused too when a string holds a NUL
 * character, which PostgreSQL cannot store or compare in text.
 */
const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  const location = LOCATIONS[result.target] ?? result.target;
  if (!result.success) throw invalid(zodFields(result.error, [location]));
  const paths = nulPaths(result.data, location);
  if (paths.length === 0) return;
  throw invalid(paths.map((path) => ({ path, message: 'must not contain a NUL character' })));
};

/**
 * A module's router: routes declared with createRoute(), validated by the shared hook. Each
 * route also hands the error handler its contract, so a field a service names (`quantity`)
 * is answered where the client sent it (`body.quantity`).
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const register = router.openapi;
  router.openapi = ((route, handler, hook) => {
    const locate = contractLocator(route.request);
    const own = route.middleware ?? [];
    return register(
      {
        ...route,
        middleware: [
          async (c, next) => {
            c.set('locate', locate);
            await next();
          },
          ...(Array.isArray(own) ? own : [own]),
        ],
      },
      handler,
      hook,
    );
  }) as typeof register;
  return router;
}

/** One router serving `parts` in order: the first part whose route matches a request answers. */
export function joinRoutes(...parts: OpenAPIHono<AppEnv>[]): OpenAPIHono<AppEnv> {
  const routes = createRouter();
  for (const part of parts) routes.route('/', part);
  return routes;
}
