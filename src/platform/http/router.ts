import type { Hook } from '@hono/zod-openapi';
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import { BadRequest } from './errors.ts';

const LOCATIONS: Record<string, string> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'params',
  header: 'headers',
  cookie: 'cookies',
};

/** A 400 naming every field `error` found wrong, under `location` (`body`, `query`...). */
export function validationFailed(location: string, error: z.ZodError): BadRequest {
  const at = (path: PropertyKey[]) => [location, ...path.map(String)].join('.');
  // An unknown key is named itself, so a misspelt parameter reads as clearly as a bad value.
  const errors = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: at([...issue.path, key]), message: 'not a known field' }))
      : [{ path: at(issue.path), message: issue.message }],
  );
  return new BadRequest(
    'validation-failed',
    `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}.`,
    { errors },
  );
}

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
 * Turns a failed Zod validation into a 400 naming every bad field. Valid input is refused too
 * when a string holds a NUL character, which PostgreSQL cannot store or compare in text.
 */
const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  const location = LOCATIONS[result.target] ?? result.target;
  if (!result.success) throw validationFailed(location, result.error);
  const paths = nulPaths(result.data, location);
  if (paths.length === 0) return;
  throw new BadRequest(
    'validation-failed',
    `The request has ${paths.length} invalid field${paths.length === 1 ? '' : 's'}.`,
    { errors: paths.map((path) => ({ path, message: 'must not contain a NUL character' })) },
  );
};

/** A module's router: routes declared with createRoute(), validated by the shared hook. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
