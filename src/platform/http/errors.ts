/**
 * Domain errors: what services throw. They know nothing of HTTP beyond the status the one
 * error handler renders them with (problem.ts).
 */

export interface FieldError {
  /** Where the problem is: `body.items.0.quantity`, `query.cursor`, `params.id`. */
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** A stable, machine-readable name clients can switch on. */
  readonly code: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: string,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = new.target.name;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

/** The request does not match the API's contract (bad syntax, wrong shape, bad cursor). */
export class BadRequest extends DomainError {
  readonly status = 400;
}

export class Unauthorized extends DomainError {
  readonly status = 401;
  constructor(detail = 'Authentication is required.', code = 'unauthorized') {
    super(code, detail, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class Forbidden extends DomainError {
  readonly status = 403;
  constructor(detail = 'You are not allowed to do this.', code = 'forbidden') {
    super(code, detail);
  }
}

/** Also used for another user's private object, so its existence does not leak. */
export class NotFound extends DomainError {
  readonly status = 404;
  constructor(what = 'resource', code = 'not-found') {
    super(code, `The ${what} was not found.`);
  }
}

/** The request conflicts with the current state: stock, capacity, a taken email. */
export class Conflict extends DomainError {
  readonly status = 409;
}

/** Well-formed, but a business rule rejects it (a weak password, a date in the past). */
export class Invalid extends DomainError {
  readonly status = 422;
}

export class TooManyRequests extends DomainError {
  readonly status = 429;
  constructor(
    retryAfterSeconds: number,
    detail = 'Too many requests; slow down.',
    headers: Record<string, string> = {},
    code = 'too-many-requests',
  ) {
    super(code, detail, {
      headers: { ...headers, 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}

export class ServiceUnavailable extends DomainError {
  readonly status = 503;
}
