import type { z } from 'zod';

/**
 * Domain errors: what services throw, whoever called them (a route, a job, a script, a
 * WebSocket). Each carries a kind, a stable code and, where input was wrong, the fields it
 * names; it knows no transport. `platform/http/problem.ts` is the one map from kinds to HTTP
 * statuses and headers.
 */

export type ErrorKind =
  /** The input does not match the contract: a bad shape, a bad cursor, an empty search. */
  | 'bad-input'
  /** No caller, or credentials that prove nothing. */
  | 'unauthenticated'
  | 'forbidden'
  /** Also for another user's private object, so its existence does not leak. */
  | 'not-found'
  /** The current state refuses it: stock, capacity, a taken email, an illegal move. */
  | 'conflict'
  /** More bytes than allowed. */
  | 'too-large'
  /** Well-formed, but a business rule rejects it: a weak password, a date in the past. */
  | 'rule'
  | 'rate-limited'
  /** A dependency is down. */
  | 'unavailable';

export interface FieldError {
  /**
   * Where in the service's input the problem is, dot-separated: `quantity`, `items.0.variantId`,
   * `vouchers.<shopId>`. A transport places it in its request (`body.items.0.variantId`).
   */
  path: string;
  message: string;
}

export interface ErrorOptions {
  fields?: readonly FieldError[] | undefined;
  /** What the caller needs to act on the refusal besides its fields, such as the stock now. */
  details?: Readonly<Record<string, unknown>> | undefined;
}

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** A stable, machine-readable name clients can switch on. */
  readonly code: string;
  readonly fields: readonly FieldError[] | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, detail: string, options: ErrorOptions = {}) {
    super(detail);
    this.name = new.target.name;
    this.code = code;
    this.fields = options.fields;
    this.details = options.details;
  }
}

export class BadInput extends DomainError {
  readonly kind = 'bad-input';
}

export class Unauthenticated extends DomainError {
  readonly kind = 'unauthenticated';
  constructor(detail = 'Authentication is required.', code = 'unauthorized') {
    super(code, detail);
  }
}

export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
  constructor(detail = 'You are not allowed to do this.', code = 'forbidden') {
    super(code, detail);
  }
}

export class NotFound extends DomainError {
  readonly kind = 'not-found';
  constructor(what = 'resource', code = 'not-found') {
    super(code, `The ${what} was not found.`);
  }
}

export class Conflict extends DomainError {
  readonly kind = 'conflict';
}

export class TooLarge extends DomainError {
  readonly kind = 'too-large';
}

export class Invalid extends DomainError {
  readonly kind = 'rule';
}

/** What a counter allowed, for a client pacing itself. */
export interface Quota {
  limit: number;
  remaining: number;
  resetSeconds: number;
  windowSeconds: number;
}

export class RateLimited extends DomainError {
  readonly kind = 'rate-limited';
  /** Whole seconds, at least 1. */
  readonly retryAfterSeconds: number;
  readonly quota: Quota | undefined;

  constructor(
    retryAfterSeconds: number,
    detail = 'Too many requests; slow down.',
    options: { code?: string; quota?: Quota } = {},
  ) {
    super(options.code ?? 'too-many-requests', detail);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
    this.quota = options.quota;
  }
}

export class Unavailable extends DomainError {
  readonly kind = 'unavailable';
}

const plural = (n: number) => `${n} invalid field${n === 1 ? '' : 's'}`;

/** A `bad-input` error naming every field; `detail` says how many. */
export function invalidFields(fields: readonly FieldError[]): BadInput {
  return new BadInput('validation-failed', `The request has ${plural(fields.length)}.`, {
    fields,
  });
}

/**
 * Every issue Zod found, as fields under `at` (the path of the validated value in the input).
 * An unknown key is named itself, so a misspelt field reads as clearly as a bad value.
 */
export function zodFields(error: z.ZodError, at: readonly PropertyKey[] = []): FieldError[] {
  const path = (rest: readonly PropertyKey[]) => [...at, ...rest].map(String).join('.');
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: path([...issue.path, key]),
          message: 'not a known field',
        }))
      : [{ path: path(issue.path), message: issue.message }],
  );
}
