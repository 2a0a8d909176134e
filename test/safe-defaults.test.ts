import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.ts';
import { createTestApp, problemOf, type TestApp } from './harness.ts';
import { runNode } from './processes.ts';

const SECRET = 'a-production-secret-of-at-least-32-bytes';
const DEV_SECRET = parseConfig({}).jwtSecret;

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** Unset NODE_ENV means development: it is only let run where nobody else can reach it. */
describe('development defaults stay on a developer machine', () => {
  it('listens on loopback unless told otherwise, and on every interface in production', () => {
    expect(parseConfig({}).host).toBe('127.0.0.1');
    expect(parseConfig({ NODE_ENV: 'development' }).host).toBe('127.0.0.1');
    expect(
      parseConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, DATABASE_URL: 'postgres://db/m' })
        .host,
    ).toBe('0.0.0.0');
  });

  it('refuses a PostgreSQL URL or a reachable HOST without an explicit NODE_ENV', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://db/mercato' })).toEqual([
      'NODE_ENV: required with a PostgreSQL DATABASE_URL: set production (or development)',
    ]);
    expect(problemsOf({ HOST: '0.0.0.0', JWT_SECRET: SECRET })).toEqual([
      'NODE_ENV: required with a HOST other than loopback (0.0.0.0): set production (or development)',
    ]);
    for (const loopback of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
      expect(problemsOf({ HOST: loopback })).toEqual([]);
    }
    expect(problemsOf({ DATABASE_URL: 'memory://' })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'development', DATABASE_URL: 'postgres://db/m' })).toEqual([]);
  });

  it('accepts the public development secret only on loopback', () => {
    expect(problemsOf({ NODE_ENV: 'development', HOST: '0.0.0.0' })).toEqual([
      'JWT_SECRET: required when HOST is not loopback: the default is public',
    ]);
    expect(
      problemsOf({ NODE_ENV: 'development', HOST: '0.0.0.0', JWT_SECRET: DEV_SECRET }),
    ).toEqual(['JWT_SECRET: the public development secret is for local development only']);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/m',
        JWT_SECRET: SECRET,
        JWT_PREVIOUS_SECRETS: DEV_SECRET,
      }),
    ).toEqual([
      'JWT_PREVIOUS_SECRETS: the public development secret is for local development only',
    ]);
    expect(problemsOf({ NODE_ENV: 'development', HOST: '0.0.0.0', JWT_SECRET: SECRET })).toEqual(
      [],
    );
  });

  it('never serves the dev outbox in production', () => {
    expect(
      problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/m',
        JWT_SECRET: SECRET,
        DEV_OUTBOX: 'true',
      }),
    ).toEqual([
      'DEV_OUTBOX: never in production: it shows every code and reset link sent (got "true")',
    ]);
  });

  it('refuses to start the server on a PostgreSQL URL without NODE_ENV', async () => {
    const result = await runNode('src/runtimes/node.ts', [], {
      DATABASE_URL: 'postgres://127.0.0.1:1/none',
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('NODE_ENV: required with a PostgreSQL DATABASE_URL');
  });

  describe('the dev outbox', () => {
    const apps: TestApp[] = [];
    afterAll(async () => {
      for (const app of apps) await app.close();
    });

    it('is not served in development unless DEV_OUTBOX is set', async () => {
      const quiet = await createTestApp({ env: { NODE_ENV: 'development', DEV_OUTBOX: 'false' } });
      apps.push(quiet);
      const res = await quiet.request('/api/v1/dev/outbox');
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe('route-not-found');

      const open = await createTestApp({ env: { NODE_ENV: 'development', DEV_OUTBOX: 'true' } });
      apps.push(open);
      expect((await open.request('/api/v1/dev/outbox')).status).toBe(200);
    });
  });
});
