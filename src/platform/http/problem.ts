import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, type ErrorKind, type FieldError, RateLimited } from '../core/errors.ts';

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
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
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

/** The status each kind of domain error is answered with: the one map from kinds to HTTP. */
const STATUS: Record<ErrorKind, number> = {
  'bad-input': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  rule: 422,
  'rate-limited': 429,
  unavailable: 503,
};

/** The headers a kind of error carries: how to authenticate, when to retry. */
function headersOf(error: DomainError): Record<string, string> {
  if (error.kind === 'unauthenticated') return { 'WWW-Authenticate': 'Bearer' };
  if (!(error instanceof RateLimited)) return {};
  const { quota } = error;
  return {
    'Retry-After': String(error.retryAfterSeconds),
    ...(quota ? quotaHeaders(quota) : {}),
  };
}

/** The IETF RateLimit headers of a counter's decision. */
export function quotaHeaders(quota: NonNullable<RateLimited['quota']>): Record<string, string> {
  return {
    'RateLimit-Limit': String(quota.limit),
    'RateLimit-Remaining': String(quota.remaining),
    'RateLimit-Reset': String(quota.resetSeconds),
    'RateLimit-Policy': `${quota.limit};w=${quota.windowSeconds}`,
  };
}

/** Places a service's field path (`items.0.quantity`) in the request (`body.items.0.quantity`). */
export type Locate = (path: string) => string;

/** The request parts a route's contract declares, in the order a field is looked up in them. */
const PARTS = ['params', 'query', 'headers', 'cookies'] as const;

interface RequestContract {
  params?: unknown;
  query?: unknown;
  headers?: unknown;
  cookies?: unknown;
  body?: { content?: object } | undefined;
}

/** The top-level field names of an object schema, through wrappers, pipes and unions. */
function fieldsOf(schema: unknown): string[] {
  if (!(schema instanceof z.ZodType)) return [];
  const def = schema._zod.def as { type: string } & Record<string, unknown>;
  switch (def.type) {
    case 'object':
      return Object.keys(def.shape as object);
    case 'pipe':
      return fieldsOf(def.in);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return fieldsOf(def.innerType);
    case 'union':
      return (def.options as unknown[]).flatMap(fieldsOf);
    case 'intersection':
      return [...fieldsOf(def.left), ...fieldsOf(def.right)];
    case 'lazy':
      return fieldsOf((def.getter as () => unknown)());
    default:
      return [];
  }
}

/**
 * How a route places the fields its services name: each field found in the route's contract
 * goes under the part that declares it (params, query, headers, cookies, then the body). A
 * path the contract does not declare (`cart.<variantId>`, a line of the saved cart) stays as
 * the service named it.
 */
export function contractLocator(request: RequestContract | undefined): Locate {
  const owner = new Map<string, string>();
  const declare = (part: string, schema: unknown) => {
    for (const field of fieldsOf(schema)) if (!owner.has(field)) owner.set(field, part);
  };
  for (const part of PARTS) declare(part, request?.[part]);
  for (const media of Object.values(request?.body?.content ?? {})) {
    declare('body', (media as { schema?: unknown } | undefined)?.schema);
  }
  if (owner.size === 0) return (path) => path;
  return (path) => {
    const part = owner.get(path.split('.', 1)[0] ?? '');
    return part ? `${part}.${path}` : path;
  };
}

/**
 * The request itself fails its contract: raised by the HTTP layer (the validation hook), whose
 * field paths already name the request's parts.
 */
export class RequestInvalid extends DomainError {
  readonly kind = 'bad-input';
}

export interface ProblemInit {
  status: number;
  code: string;
  detail: string;
  errors?: readonly FieldError[] | undefined;
  headers?: Record<string, string>;
  /** Members beyond the standard ones (RFC 9457 extensions), such as readiness checks. */
  extensions?: Record<string, unknown>;
}

/** The problem document; for a runtime that answers on a socket, before any app sees it. */
export function problemDocument(init: ProblemInit, requestId: string): Problem {
  // Extensions first: a member of theirs never hides a standard one.
  return {
    ...init.extensions,
    type: `https://mercato.dev/problems/${init.code}`,
    title: TITLES[init.status] ?? 'Error',
    status: init.status,
    detail: init.detail,
    code: init.code,
    requestId,
    ...(init.errors ? { errors: [...init.errors] } : {}),
  };
}

export function problemResponse(c: Context, init: ProblemInit): Response {
  const body = problemDocument(init, c.get('requestId') as string);
  return c.body(JSON.stringify(body), init.status as ContentfulStatusCode, {
    ...init.headers,
    'Content-Type': 'application/problem+json',
  });
}

/**
 * Maps anything thrown by a handler, a service or a middleware to problem+json. `unexpected`
 * hears of the errors no known kind explains, those answered 500.
 */
export function errorToProblem(
  c: Context,
  error: unknown,
  unexpected?: (error: unknown) => void,
): Response {
  if (error instanceof DomainError) {
    const locate: Locate =
      error instanceof RequestInvalid ? (path) => path : (c.get('locate') ?? ((path) => path));
    return problemResponse(c, {
      status: STATUS[error.kind],
      code: error.code,
      detail: error.message,
      errors: error.fields?.map((field) => ({ path: locate(field.path), message: field.message })),
      headers: headersOf(error),
      ...(error.details ? { extensions: error.details } : {}),
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
  unexpected?.(error);
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
