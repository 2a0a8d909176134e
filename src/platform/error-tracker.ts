import type { ErrorEvent } from '@sentry/node';

/**
 * Where unexpected errors are reported: Sentry when SENTRY_DSN is set, nowhere otherwise. The
 * app reports what it answers with a 500, the jobs what failed for good; refusals of a known
 * kind (domain errors, 4xx) are the API working, not errors.
 */

/** What is known of where an error happened: tags only, never anyone's data. */
export interface ErrorContext {
  /** The request's id, as in its log lines and its problem+json. */
  requestId?: string;
  /** The route pattern that answered (`/api/v1/orders/:id`), never the raw path. */
  route?: string;
  method?: string;
  job?: string;
  jobId?: string;
}

export interface ErrorTracker {
  captureException(error: unknown, context: ErrorContext): void;
  /** Sends what is still queued, waiting at most `timeoutMs`; nothing is reported after. */
  close(timeoutMs?: number): Promise<void>;
}

const noErrorTracker: ErrorTracker = {
  captureException: () => {},
  close: async () => {},
};

/** A failed query's message ends with its parameters (drizzle's "params: ..."): user data. */
function redactQueryParams(message: string): string {
  return message.replace(/\nparams: [\s\S]*$/, '\nparams: [redacted]');
}

/**
 * Keeps personal data out whatever an integration attaches: no request (headers, cookies, body,
 * query string, the client's address), no user, no query parameters in a message.
 */
function withoutPersonalData(event: ErrorEvent): ErrorEvent {
  delete event.request;
  delete event.user;
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) exception.value = redactQueryParams(exception.value);
  }
  return event;
}

/**
 * Sentry for `options` (config.sentry); a tracker that reports nothing when absent, without
 * loading the SDK. One per process: Sentry's client is global.
 */
export async function createErrorTracker(
  options: { dsn: string; environment: string } | undefined,
): Promise<ErrorTracker> {
  if (!options) return noErrorTracker;
  const Sentry = await import('@sentry/node');
  Sentry.init({
    dsn: options.dsn,
    environment: options.environment,
    // Since v11 the SDK collects all of these by default (sendDefaultPii is gone).
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
    },
    // The defaults patch http, fetch, console and module loading, and catch uncaught errors:
    // the app reports its own errors here, with the request id, so it needs none of them.
    defaultIntegrations: false,
    enableRuntimeChannelInjection: false,
    integrations: [Sentry.linkedErrorsIntegration()],
    beforeSend: withoutPersonalData,
  });
  return {
    captureException(error, context) {
      Sentry.captureException(error, { tags: { ...context } });
    },
    async close(timeoutMs = 2000) {
      await Sentry.close(timeoutMs);
    },
  };
}
