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

/** Turns a failed Zod validation into a 400 naming every bad field. */
const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  throw validationFailed(LOCATIONS[result.target] ?? result.target, result.error);
};

/** A module's router: routes declared with createRoute(), validated by the shared hook. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
