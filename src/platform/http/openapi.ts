import type { OpenAPIHono, z } from '@hono/zod-openapi';
import { requireUser } from './auth.ts';
import { ProblemSchema } from './problem.ts';

const DESCRIPTIONS = {
  400: 'The request does not match the contract; `errors` names every bad field.',
  401: 'No valid access token.',
  403: 'Not allowed for this caller.',
  404: 'Not found (also for another user’s private object).',
  409: 'Conflicts with the current state (stock, capacity, a duplicate).',
  413: 'The body is larger than the server accepts.',
  415: 'The body’s content type is not one this route accepts.',
  422: 'Well-formed, but a business rule rejects it.',
  429: 'Rate limited; retry after `Retry-After` seconds.',
  500: 'An unexpected error; quote `requestId` when reporting it.',
  503: 'A dependency is down.',
} as const;

export type ProblemStatus = keyof typeof DESCRIPTIONS;

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** A required JSON request body validated by `schema`; a missing body fails on its fields. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { 'application/json': { schema } } };
}

/** Documents the problem responses a route can give beyond the shared ones. */
export function problems<S extends ProblemStatus>(...statuses: S[]) {
  const responses = {} as Record<S, { description: string; content: typeof problemContent }>;
  for (const status of statuses) {
    responses[status] = { description: DESCRIPTIONS[status], content: problemContent };
  }
  return responses;
}

export const BEARER_SCHEME = 'bearerAuth';
/** The OAuth2 password flow over POST /auth/login, so the docs page can sign in by itself. */
export const PASSWORD_SCHEME = 'passwordLogin';

/** `security` for a route that needs a signed-in caller: a bearer token, however obtained. */
export const AUTHENTICATED: Record<string, string[]>[] = [
  { [BEARER_SCHEME]: [] },
  { [PASSWORD_SCHEME]: [] },
];

/** For a route any signed-in user may call: `createRoute({ ...signedIn, ... })`. */
export const signedIn = { security: AUTHENTICATED, middleware: requireUser() } as const;

type Operation = {
  security?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
};

/** Registers the components every operation refers to. */
export function registerSharedComponents(app: OpenAPIHono<never>): void {
  app.openAPIRegistry.register('Problem', ProblemSchema);
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from `POST /api/v1/auth/login`.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', PASSWORD_SCHEME, {
    type: 'oauth2',
    description: 'Sign in with an email or phone (as username) and a password.',
    flows: { password: { tokenUrl: '/api/v1/auth/login', scopes: {} } },
  });
  for (const [status, description] of Object.entries(DESCRIPTIONS)) {
    app.openAPIRegistry.registerComponent('responses', `Problem${status}`, {
      description,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
  }
}

/**
 * Adds the error responses any operation can give, so each route declares only its own:
 * 400/429/500 everywhere, 401/403 where a token is required, 413/415 where there is a body.
 */
export function addSharedResponses(document: { paths?: Record<string, unknown> }): void {
  for (const item of Object.values(document.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const shared: number[] = [400, 429, 500];
      if (op.security?.length) shared.push(401, 403);
      if (op.requestBody) shared.push(413, 415);
      op.responses ??= {};
      for (const status of shared) {
        op.responses[status] ??= { $ref: `#/components/responses/Problem${status}` };
      }
    }
  }
}
