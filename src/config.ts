import { z } from 'zod';

/**
 * The environment, parsed once into a typed, frozen Config. Every variable is listed in the
 * README's configuration table and in .env.example; keep the three in step.
 */

const DEV_JWT_SECRET = 'mercato-development-secret-do-not-use-in-production';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'expected an integer' })
    .int({ message: 'expected an integer' })
    .min(min, { message: `expected at least ${min}` })
    .max(max, { message: `expected at most ${max}` });

const databaseUrl = z.string().refine((v) => v === 'memory://' || /^postgres(ql)?:\/\/.+/.test(v), {
  message: 'expected memory:// or a postgres:// URL',
});

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).optional(),
    HOST: z.string().min(1).optional(),
    PORT: int(0, 65535).default(3000),
    PUBLIC_URL: z.url({ message: 'expected an absolute URL' }).optional(),
    DATA_DIR: z.string().min(1).default('./.data'),
    DATABASE_URL: databaseUrl.optional(),
    DATABASE_POOL_SIZE: int(1, 200).default(10),
    REDIS_PREFIX: z.string().min(1).default('mercato:'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/.+/, { message: 'expected a redis:// or rediss:// URL' })
      .optional(),
    REDIS_COMMAND_TIMEOUT_MS: int(50, 60_000).default(1000),
    MIGRATE_ON_START: bool.default(false),
    JOBS_IN_PROCESS: bool.default(true),
    SEED_DEMO: bool.default(true),
    JWT_SECRET: z.string().optional(),
    SESSION_MAX_DAYS: int(1, 3650).default(90),
    DEV_OUTBOX: bool.default(false),
    JWT_PREVIOUS_SECRETS: csv.optional(),
    CURSOR_SECRET: z.string().min(32, { message: 'expected at least 32 characters' }).optional(),
    ADMIN_EMAIL: z.email({ message: 'expected an email address' }).optional(),
    ADMIN_PASSWORD: z.string().min(10, { message: 'expected at least 10 characters' }).optional(),
    AUTH_PROVIDER: z.enum(['local', 'supabase']).default('local'),
    SUPABASE_URL: z.url({ message: 'expected an absolute URL' }).optional(),
    SUPABASE_JWT_SECRET: z
      .string()
      .min(32, { message: 'expected at least 32 characters' })
      .optional(),
    GOOGLE_CLIENT_ID: z.string().min(1).optional(),
    GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
    GITHUB_CLIENT_ID: z.string().min(1).optional(),
    GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
    OAUTH_PROVIDER_URL: z.url({ message: 'expected an absolute URL' }).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    LOG_PRETTY: bool.optional(),
    CORS_ORIGINS: csv.optional(),
    BODY_LIMIT_BYTES: int(1024, 1024 ** 3).default(1024 * 1024),
    S3_BUCKET: z.string().min(3).optional(),
    S3_REGION: z.string().min(1).optional(),
    S3_ENDPOINT: z.url({ message: 'expected an absolute URL' }).optional(),
    S3_FORCE_PATH_STYLE: bool.default(false),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_PUBLIC_URL: z.url({ message: 'expected an absolute URL' }).optional(),
    UPLOAD_MAX_BYTES: int(1024, 1024 ** 3).default(10 * 1024 * 1024),
    IMAGE_MAX_PIXELS: int(1, 0x3fff * 0x3fff).default(40_000_000),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/.+/, { message: 'expected an smtp:// or smtps:// URL' })
      .optional(),
    MAIL_FROM: z.string().min(3).default('Mercato <no-reply@localhost>'),
    AFRICASTALKING_USERNAME: z.string().min(1).optional(),
    AFRICASTALKING_API_KEY: z.string().min(1).optional(),
    AFRICASTALKING_FROM: z.string().min(1).optional(),
    AFRICASTALKING_BASE_URL: z.url({ message: 'expected an absolute URL' }).optional(),
    RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(600),
    AUTH_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(10),
    TRUST_PROXY_HOPS: int(0, 10).default(0),
    METRICS_TOKEN: z.string().min(16, { message: 'expected at least 16 characters' }).optional(),
    SENTRY_DSN: z
      .string()
      .regex(/^https?:\/\/\w+(:\w*)?@[\w.-]+(:\d+)?\/(.+\/)?\d+$/, {
        message: 'expected a Sentry DSN: https://<key>@<host>/<project id>',
      })
      .optional(),
    SENTRY_ENVIRONMENT: z.string().min(1).optional(),
    SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
    LISTING_EXPIRY_DAYS: int(1, 3650).default(90),
    LISTING_EXPIRY_WARNING_DAYS: int(0, 365).default(7),
    LISTING_REPORTS_THRESHOLD: int(1, 1000).default(3),
    INQUIRY_RATE_LIMIT_PER_HOUR: int(1, 1_000_000).default(20),
    MODERATION_NEW_ACCOUNT_HOURS: int(0, 24 * 365).default(24),
    MODERATION_REVIEW_UNVERIFIED: bool.default(true),
    MODERATION_MAX_LISTINGS_PER_HOUR: int(1, 100_000).default(10),
    MODERATION_PRICE_FACTOR: int(2, 1000).default(5),
    MODERATION_BANNED_WORDS: csv.optional(),
    ORDER_PAYMENT_HOLD_MINUTES: int(1, 7 * 24 * 60).default(30),
    ORDER_MAX_QUANTITY: int(1, 10_000).default(20),
    ORDER_CONFIRM_HOURS: int(1, 30 * 24).default(48),
    EVENT_RETENTION_DAYS: int(1, 3650).default(14),
    IDEMPOTENCY_RETENTION_HOURS: int(1, 24 * 365).default(24),
  })
  .superRefine((env, ctx) => {
    if (!env.JOBS_IN_PROCESS && !env.REDIS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['JOBS_IN_PROCESS'],
        message: 'false needs REDIS_URL: without Redis, jobs can only run inside the API',
      });
    }
    if (env.S3_BUCKET && !env.S3_REGION) {
      ctx.addIssue({ code: 'custom', path: ['S3_REGION'], message: 'required with S3_BUCKET' });
    }
    if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'],
        message: 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together',
      });
    }
    if (Boolean(env.AFRICASTALKING_USERNAME) !== Boolean(env.AFRICASTALKING_API_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.AFRICASTALKING_USERNAME ? 'AFRICASTALKING_API_KEY' : 'AFRICASTALKING_USERNAME'],
        message: 'AFRICASTALKING_USERNAME and AFRICASTALKING_API_KEY go together',
      });
    }
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'],
        message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together',
      });
    }
    if (env.AUTH_PROVIDER === 'supabase' && !env.SUPABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['SUPABASE_URL'],
        message: 'required with AUTH_PROVIDER=supabase',
      });
    }
    for (const provider of ['GOOGLE', 'GITHUB'] as const) {
      const id = env[`${provider}_CLIENT_ID`];
      const secret = env[`${provider}_CLIENT_SECRET`];
      if (Boolean(id) !== Boolean(secret)) {
        ctx.addIssue({
          code: 'custom',
          path: [id ? `${provider}_CLIENT_SECRET` : `${provider}_CLIENT_ID`],
          message: `${provider}_CLIENT_ID and ${provider}_CLIENT_SECRET go together`,
        });
      }
    }
    // Unset NODE_ENV means development, which is only safe on a developer's own machine.
    if (!env.NODE_ENV) {
      if (env.DATABASE_URL && env.DATABASE_URL !== 'memory://') {
        ctx.addIssue({
          code: 'custom',
          path: ['NODE_ENV'],
          message: 'required with a PostgreSQL DATABASE_URL: set production (or development)',
        });
      }
      if (env.HOST && !isLoopback(env.HOST)) {
        ctx.addIssue({
          code: 'custom',
          path: ['NODE_ENV'],
          message: `required with a HOST other than loopback (${env.HOST}): set production (or development)`,
        });
      }
    }
    const local = env.NODE_ENV !== 'production' && isLoopback(hostOf(env));
    if (env.NODE_ENV === 'production' && env.DEV_OUTBOX) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_OUTBOX'],
        message: 'never in production: it shows every code and reset link sent',
      });
    }
    if (env.JWT_SECRET === DEV_JWT_SECRET && env.NODE_ENV !== 'test' && !local) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'the public development secret is for local development only',
      });
    }
    if (env.JWT_PREVIOUS_SECRETS?.includes(DEV_JWT_SECRET) && env.NODE_ENV !== 'test' && !local) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_PREVIOUS_SECRETS'],
        message: 'the public development secret is for local development only',
      });
    }
    if (!env.JWT_SECRET && env.NODE_ENV !== 'test' && !local) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message:
          env.NODE_ENV === 'production'
            ? 'required in production'
            : 'required when HOST is not loopback: the default is public',
      });
    }
    if (env.NODE_ENV !== 'production') return;
    if (env.JWT_SECRET && new TextEncoder().encode(env.JWT_SECRET).length < 32) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'must be at least 32 bytes in production',
      });
    }
    if (!env.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'required in production' });
    }
  });

/** Production listens on every interface (a container's port); development on loopback. */
function hostOf(env: { NODE_ENV?: string | undefined; HOST?: string | undefined }): string {
  return env.HOST ?? (env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Every variable Mercato reads; the README's table and .env.example list the same. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

export interface Config {
  readonly env: 'development' | 'test' | 'production';
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly dataDir: string;
  /** undefined: embedded PGlite under dataDir; 'memory://': in-memory PGlite; else a server URL. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  readonly redisUrl: string | undefined;
  /** Prefixes every Redis key, so deployments can share one Redis. */
  readonly redisPrefix: string;
  /** A Redis command unanswered this long fails, and its user falls back (a hung Redis). */
  readonly redisCommandTimeoutMs: number;
  readonly migrateOnStart: boolean;
  /** Run jobs (and the event relay) in the API process; false when a worker process does. */
  readonly jobsInProcess: boolean;
  readonly seedDemo: boolean;
  /** Signs access tokens. */
  readonly jwtSecret: string;
  /** Earlier signing secrets, still accepted for tokens they signed, so keys rotate. */
  readonly jwtPreviousSecrets: readonly string[];
  /**
   * Signs list cursors: CURSOR_SECRET, or a key derived from JWT_SECRET. Set apart, either one
   * rotates without the other: clients' cursors survive a token key rotation.
   */
  readonly cursorSecret: string;
  /**
   * A session ends this many days after its sign-in however often it is refreshed: a stolen
   * refresh token is not a key for ever.
   */
  readonly sessionMaxDays: number;
  /** Serves GET /api/v1/dev/outbox (every code and link sent); never in production. */
  readonly devOutbox: boolean;
  /** The first admin, created on start when no user has this email. */
  readonly bootstrapAdmin: { email: string; password: string } | undefined;
  /**
   * Who issues the bearer tokens the API accepts: `local` (this API), or `supabase` (Supabase
   * Auth; verified by JWKS from `url`, or by the project's JWT secret when given).
   */
  readonly authProvider:
    | { kind: 'local' }
    | { kind: 'supabase'; url: string; jwtSecret: string | undefined };
  /** OAuth apps, by provider; a provider without one answers 404. */
  readonly oauth: {
    readonly google: { clientId: string; clientSecret: string } | undefined;
    readonly github: { clientId: string; clientSecret: string } | undefined;
    /** Replaces the providers' hosts (a staging identity provider, a test double). */
    readonly providerUrl: string | undefined;
  };
  readonly logLevel: string;
  readonly logPretty: boolean;
  /** Allowed CORS origins; ['*'] allows any. Empty disables CORS. */
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  /** Set: files in S3 (or a compatible store); unset: on disk under dataDir/files. */
  readonly s3:
    | {
        bucket: string;
        region: string;
        endpoint: string | undefined;
        forcePathStyle: boolean;
        credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
        publicBaseUrl: string | undefined;
      }
    | undefined;
  /** The largest upload accepted. */
  readonly uploadMaxBytes: number;
  /**
   * The most pixels an uploaded image may decode to, every frame of an animation counted: read
   * from its header, so a small file that would decode to gigabytes is refused before it is.
   */
  readonly imageMaxPixels: number;
  /** Unset: mail goes to the development outbox (readable at GET /api/v1/dev/outbox with devOutbox). */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** Unset: SMS goes to the development outbox. */
  readonly africasTalking:
    | { username: string; apiKey: string; from: string | undefined; baseUrl: string | undefined }
    | undefined;
  /** The default limit per client address on /api, per minute. */
  readonly rateLimitPerMinute: number;
  /** Sign-in, sign-up, OTP and reset attempts per minute per address (and per 15 min per account). */
  readonly authRateLimitPerMinute: number;
  /**
   * How many reverse proxies stand in front (each appends to X-Forwarded-For): the client's
   * address is that many entries from the right. 0: the socket's peer, the header ignored.
   */
  readonly trustProxyHops: number;
  readonly metricsToken: string | undefined;
  /** Set: unexpected errors (a 500, a job failed for good) are reported to Sentry. */
  readonly sentry: { dsn: string; environment: string } | undefined;
  readonly shutdownTimeoutMs: number;
  readonly listings: {
    /** An active listing leaves the market this many days after publishing, unless renewed. */
    readonly expiryDays: number;
    /** The owner is warned (listing.expiring) this many days before. */
    readonly expiryWarningDays: number;
    /** Open reports weighing this much (by reporter standing: listings/reports.ts) send an active listing back to review. */
    readonly reportsThreshold: number;
    /** Inquiries per hour per sender (a user, or a guest's address). */
    readonly inquiriesPerHour: number;
  };
  /** When publishing goes to review instead of the market. */
  readonly moderation: {
    /** Accounts younger than this are reviewed; 0 turns the rule off. */
    readonly newAccountHours: number;
    /** Accounts with no verified email or phone are reviewed. */
    readonly reviewUnverified: boolean;
    /** More listings than this created by one account within an hour are reviewed. */
    readonly maxListingsPerHour: number;
    /** A price this many times above or below the median of its kind and city is reviewed. */
    readonly priceFactor: number;
    /** Words (matched whole, any case) that send a listing to review. */
    readonly bannedWords: readonly string[];
  };
  /** How long done work is kept before the hourly prune deletes it. */
  readonly retention: {
    /** Delivered events: their outbox rows, deliveries and handlers' records of them. */
    readonly eventDays: number;
    /** Idempotency keys: a retry after this is a new write. */
    readonly idempotencyHours: number;
  };
  readonly orders: {
    /** An order waiting for an online payment holds its stock this long, then is cancelled. */
    readonly paymentHoldMinutes: number;
    /**
     * The most of one variant a cart line or an order may hold, and a buyer's open
     * cash-on-delivery orders together.
     */
    readonly maxQuantity: number;
    /** A placed order its shop has not confirmed this long after is cancelled. */
    readonly confirmHours: number;
  };
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses an environment (process.env, a .env file's entries, a Worker's bindings). */
export function parseConfig(source: Record<string, string | undefined>): Config {
  // An empty value means "not set", as in most .env tooling.
  const env = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        const value = env[name];
        const shown =
          value === undefined || /SECRET|TOKEN|PASSWORD/.test(name) ? '' : ` (got "${value}")`;
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  const nodeEnv = e.NODE_ENV ?? 'development';
  const dev = nodeEnv !== 'production';
  return Object.freeze({
    env: nodeEnv,
    host: hostOf(e),
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    migrateOnStart: e.MIGRATE_ON_START,
    jobsInProcess: e.JOBS_IN_PROCESS,
    seedDemo: e.SEED_DEMO,
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    jwtPreviousSecrets: Object.freeze(e.JWT_PREVIOUS_SECRETS ?? []),
    devOutbox: e.DEV_OUTBOX,
    sessionMaxDays: e.SESSION_MAX_DAYS,
    cursorSecret: e.CURSOR_SECRET ?? `cursors:${e.JWT_SECRET ?? DEV_JWT_SECRET}`,
    bootstrapAdmin:
      e.ADMIN_EMAIL && e.ADMIN_PASSWORD
        ? Object.freeze({ email: e.ADMIN_EMAIL.toLowerCase(), password: e.ADMIN_PASSWORD })
        : undefined,
    authProvider: Object.freeze(
      e.AUTH_PROVIDER === 'supabase' && e.SUPABASE_URL
        ? {
            kind: 'supabase' as const,
            url: e.SUPABASE_URL.replace(/\/$/, ''),
            jwtSecret: e.SUPABASE_JWT_SECRET,
          }
        : { kind: 'local' as const },
    ),
    oauth: Object.freeze({
      google:
        e.GOOGLE_CLIENT_ID && e.GOOGLE_CLIENT_SECRET
          ? Object.freeze({ clientId: e.GOOGLE_CLIENT_ID, clientSecret: e.GOOGLE_CLIENT_SECRET })
          : undefined,
      github:
        e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET
          ? Object.freeze({ clientId: e.GITHUB_CLIENT_ID, clientSecret: e.GITHUB_CLIENT_SECRET })
          : undefined,
      providerUrl: e.OAUTH_PROVIDER_URL?.replace(/\/$/, ''),
    }),
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    logPretty: e.LOG_PRETTY ?? nodeEnv === 'development',
    corsOrigins: Object.freeze(e.CORS_ORIGINS ?? (dev ? ['*'] : [])),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    s3:
      e.S3_BUCKET && e.S3_REGION
        ? Object.freeze({
            bucket: e.S3_BUCKET,
            region: e.S3_REGION,
            endpoint: e.S3_ENDPOINT,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            credentials:
              e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
                ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
                : undefined,
            publicBaseUrl: e.S3_PUBLIC_URL,
          })
        : undefined,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    imageMaxPixels: e.IMAGE_MAX_PIXELS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    africasTalking:
      e.AFRICASTALKING_USERNAME && e.AFRICASTALKING_API_KEY
        ? Object.freeze({
            username: e.AFRICASTALKING_USERNAME,
            apiKey: e.AFRICASTALKING_API_KEY,
            from: e.AFRICASTALKING_FROM,
            baseUrl: e.AFRICASTALKING_BASE_URL,
          })
        : undefined,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    metricsToken: e.METRICS_TOKEN,
    sentry: e.SENTRY_DSN
      ? Object.freeze({ dsn: e.SENTRY_DSN, environment: e.SENTRY_ENVIRONMENT ?? nodeEnv })
      : undefined,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    listings: Object.freeze({
      expiryDays: e.LISTING_EXPIRY_DAYS,
      expiryWarningDays: e.LISTING_EXPIRY_WARNING_DAYS,
      reportsThreshold: e.LISTING_REPORTS_THRESHOLD,
      inquiriesPerHour: e.INQUIRY_RATE_LIMIT_PER_HOUR,
    }),
    moderation: Object.freeze({
      newAccountHours: e.MODERATION_NEW_ACCOUNT_HOURS,
      reviewUnverified: e.MODERATION_REVIEW_UNVERIFIED,
      maxListingsPerHour: e.MODERATION_MAX_LISTINGS_PER_HOUR,
      priceFactor: e.MODERATION_PRICE_FACTOR,
      bannedWords: Object.freeze((e.MODERATION_BANNED_WORDS ?? []).map((w) => w.toLowerCase())),
    }),
    retention: Object.freeze({
      eventDays: e.EVENT_RETENTION_DAYS,
      idempotencyHours: e.IDEMPOTENCY_RETENTION_HOURS,
    }),
    orders: Object.freeze({
      paymentHoldMinutes: e.ORDER_PAYMENT_HOLD_MINUTES,
      maxQuantity: e.ORDER_MAX_QUANTITY,
      confirmHours: e.ORDER_CONFIRM_HOURS,
    }),
  });
}
