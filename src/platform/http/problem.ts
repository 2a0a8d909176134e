import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldError } from './errors.ts';
import { DomainError } from './errors.ts';

/** RFC 9457 problem details, as every error leaves the API. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://mercato.dev/problems/validation-failed' }),
    title: z.string().openapi({ example: 'Bad Request' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: 'The request has 1 invalid field.' }),
    code: z.string().openapi({ example: 'validation-failed' }),
    requestId: z.string().openapi({ example: '0193b1c4-7d2a-7c8e-9f10-3a6b5c4d2e1f' }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ example: [{ path: 'body.email', message: 'Invalid email address' }] }),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof ProblemSchema>;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The code a client switches on, for errors raised by the HTTP layer rather than a service. */
const HTTP_CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'body-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  503: 'unavailable',
};

export interface ProblemInit {
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[] | undefined;
  headers?: Record<string, string>;
  /** Members beyond the standard ones (RFC 9457 extensions), such as readiness checks. */
  extensions?: Record<string, unknown>;
}

export function problemResponse(c: Context, init: ProblemInit): Response {
  const body = {
    type: `https://mercato.dev/problems/${init.code}`,
    title: TITLES[init.status] ?? 'Error',
    status: init.status,
    detail: init.detail,
    code: init.code,
    requestId: c.get('requestId') as string,
    ...(init.errors ? { errors: init.errors } : {}),
    ...init.extensions,
  };
  return c.body(JSON.stringify(body), init.status as ContentfulStatusCode, {
    ...init.headers,
    'Content-Type': 'application/problem+json',
  });
}

/** Maps anything thrown by a handler, a service or a middleware to problem+json. */
export function errorToProblem(c: Context, error: unknown): Response {
  if (error instanceof DomainError) {
    return problemResponse(c, {
      status: error.status,
      code: error.code,
      detail: error.message,
      errors: error.errors,
      headers: error.headers,
    });
  }
  if (error instanceof HTTPException && error.status < 500) {
    const res = error.getResponse();
    const headers: Record<string, string> = {};
    for (const name of ['Allow', 'Retry-After', 'WWW-Authenticate']) {
      const value = res.headers.get(name);
      if (value) headers[name] = value;
    }
    return problemResponse(c, {
      status: error.status,
      code: HTTP_CODES[error.status] ?? 'bad-request',
      detail: error.message || (TITLES[error.status] ?? 'Bad request'),
      headers,
    });
  }
  c.get('log')?.error({ err: error }, 'unhandled error');
  return problemResponse(c, {
    status: 500,
    code: 'internal',
    detail: 'An unexpected error occurred. Quote the request id when reporting it.',
  });
}

export function notFoundProblem(c: Context): Response {
  return problemResponse(c, {
    status: 404,
    code: 'route-not-found',
    detail: `No route matches ${c.req.method} ${c.req.path}.`,
  });
}
