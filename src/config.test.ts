import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, parseConfig } from './config.ts';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('defaults sensibly in development', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      dataDir: './.data',
      databaseUrl: undefined,
      seedDemo: true,
      migrateOnStart: false,
      publicUrl: 'http://localhost:3000',
      corsOrigins: ['*'],
      logPretty: true,
      bodyLimitBytes: 1048576,
    });
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('is frozen', () => {
    const config = parseConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
  });

  it('reads and coerces values', () => {
    const config = parseConfig({
      NODE_ENV: 'development',
      PORT: '8080',
      SEED_DEMO: 'false',
      MIGRATE_ON_START: '1',
      DATABASE_URL: 'postgres://u@db:5432/mercato',
      DATABASE_POOL_SIZE: '25',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      PUBLIC_URL: 'https://api.example.com/',
      RATE_LIMIT_PER_MINUTE: '120',
      TRUST_PROXY_HOPS: '1',
      REDIS_PREFIX: 'shop-eu:',
    });
    expect(config).toMatchObject({
      port: 8080,
      seedDemo: false,
      migrateOnStart: true,
      databaseUrl: 'postgres://u@db:5432/mercato',
      databasePoolSize: 25,
      corsOrigins: ['https://a.example', 'https://b.example'],
      publicUrl: 'https://api.example.com',
      rateLimitPerMinute: 120,
      trustProxyHops: 1,
      redisPrefix: 'shop-eu:',
    });
  });

  it('treats an empty value as unset', () => {
    expect(parseConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
    });
  });

  it('names each malformed variable on a line of its own', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      SEED_DEMO: 'maybe',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'localhost:6379',
      LOG_LEVEL: 'loud',
    });
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT: expected an integer (got "eighty")',
        'SEED_DEMO: expected true or false (got "maybe")',
        'DATABASE_URL: expected memory:// or a postgres:// URL (got "mysql://x")',
        'REDIS_URL: expected a redis:// or rediss:// URL (got "localhost:6379")',
      ]),
    );
    expect(problems.find((p) => p.startsWith('LOG_LEVEL: '))).toBeDefined();
  });

  it('needs Redis to leave jobs to separate workers', () => {
    expect(problemsOf({ JOBS_IN_PROCESS: 'false' })).toEqual([
      'JOBS_IN_PROCESS: false needs REDIS_URL: without Redis, jobs can only run inside the API (got "false")',
    ]);
    expect(
      parseConfig({ JOBS_IN_PROCESS: 'false', REDIS_URL: 'redis://r:6379' }).jobsInProcess,
    ).toBe(false);
  });

  it('checks that provider settings come complete', () => {
    expect(problemsOf({ S3_BUCKET: 'photos', S3_ACCESS_KEY_ID: 'AKIA' })).toEqual([
      'S3_REGION: required with S3_BUCKET',
      'S3_SECRET_ACCESS_KEY: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together',
    ]);
    expect(problemsOf({ AFRICASTALKING_USERNAME: 'sandbox' })).toEqual([
      'AFRICASTALKING_API_KEY: AFRICASTALKING_USERNAME and AFRICASTALKING_API_KEY go together',
    ]);
    const config = parseConfig({
      S3_BUCKET: 'photos',
      S3_REGION: 'auto',
      S3_ENDPOINT: 'https://r2.example.com',
      S3_FORCE_PATH_STYLE: 'true',
      AFRICASTALKING_USERNAME: 'sandbox',
      AFRICASTALKING_API_KEY: 'key',
    });
    expect(config.s3).toMatchObject({
      bucket: 'photos',
      region: 'auto',
      forcePathStyle: true,
      credentials: undefined,
    });
    expect(config.africasTalking).toMatchObject({ username: 'sandbox', apiKey: 'key' });
    expect(parseConfig({}).s3).toBeUndefined();
  });

  it('reports to Sentry only with a SENTRY_DSN, filed under NODE_ENV unless told otherwise', () => {
    expect(parseConfig({}).sentry).toBeUndefined();
    const dsn = 'https://abc123@o1.ingest.sentry.io/42';
    expect(parseConfig({ NODE_ENV: 'test', SENTRY_DSN: dsn }).sentry).toEqual({
      dsn,
      environment: 'test',
    });
    expect(parseConfig({ SENTRY_DSN: dsn, SENTRY_ENVIRONMENT: 'staging' }).sentry).toEqual({
      dsn,
      environment: 'staging',
    });
    expect(problemsOf({ SENTRY_DSN: 'https://o1.ingest.sentry.io/42' })).toEqual([
      'SENTRY_DSN: expected a Sentry DSN: https://<key>@<host>/<project id> (got "https://o1.ingest.sentry.io/42")',
    ]);
  });

  it('rejects an out-of-range port', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual(['PORT: expected at most 65535 (got "70000")']);
  });

  it('requires a long JWT_SECRET and a DATABASE_URL in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'JWT_SECRET: required in production',
      'DATABASE_URL: required in production',
    ]);
    const short = problemsOf({
      NODE_ENV: 'production',
      JWT_SECRET: 'too-short',
      DATABASE_URL: 'postgres://db/x',
    });
    expect(short).toEqual(['JWT_SECRET: must be at least 32 bytes in production']);
    expect(short.join()).not.toContain('too-short');
  });

  it('signs cursors with CURSOR_SECRET, at least 32 characters, or a key of their own', () => {
    const jwt = 'j'.repeat(32);
    expect(parseConfig({ JWT_SECRET: jwt, CURSOR_SECRET: 'c'.repeat(32) }).cursorSecret).toBe(
      'c'.repeat(32),
    );
    expect(parseConfig({ JWT_SECRET: jwt }).cursorSecret).not.toBe(jwt);
    expect(problemsOf({ CURSOR_SECRET: 'short' })).toEqual([
      'CURSOR_SECRET: expected at least 32 characters',
    ]);
  });

  it('keeps done work for EVENT_RETENTION_DAYS and IDEMPOTENCY_RETENTION_HOURS', () => {
    expect(parseConfig({}).retention).toEqual({ eventDays: 14, idempotencyHours: 24 });
    expect(
      parseConfig({ EVENT_RETENTION_DAYS: '30', IDEMPOTENCY_RETENTION_HOURS: '72' }).retention,
    ).toEqual({ eventDays: 30, idempotencyHours: 72 });
    expect(problemsOf({ EVENT_RETENTION_DAYS: '0' })).toEqual([
      'EVENT_RETENTION_DAYS: expected at least 1 (got "0")',
    ]);
  });

  it('accepts a complete production config with strict defaults', () => {
    const config = parseConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      DATABASE_URL: 'postgresql://db/mercato',
    });
    expect(config).toMatchObject({ env: 'production', corsOrigins: [], logPretty: false });
  });

  it('puts every problem in the error message', () => {
    expect(() => parseConfig({ PORT: 'x', SEED_DEMO: 'y' })).toThrow(
      /invalid configuration:\n {2}(PORT|SEED_DEMO): .*\n {2}(PORT|SEED_DEMO): /,
    );
  });
});

describe('the documentation of the configuration', () => {
  const root = new URL('../', import.meta.url);

  it('lists every variable, and only those, in .env.example', () => {
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    const listed = [...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(() => parseConfig(Object.fromEntries(listed.map((name) => [name, ''])))).not.toThrow();
  });

  it("lists every variable, and only those, in the README's table", () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const listed = [...readme.matchAll(/^\| `([A-Z0-9_]+)` +\|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
