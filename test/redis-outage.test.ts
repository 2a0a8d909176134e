import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../src/platform/services.ts';
import { createUser, signIn, TEST_PASSWORD } from './factories.ts';
import { createTestApp, type TestApp } from './harness.ts';
import { outbox } from './outbox.ts';
import { freePort } from './processes.ts';

/**
 * Redis speeds the API up and spreads work over instances; it must never be what stops it. With
 * a Redis of its own that it pauses (a hung server) and stops, the test checks that requests
 * still answer within a bound, from the database, that work requested meanwhile is not lost,
 * and that the app still shuts down.
 */
const REDIS_SERVER = '/usr/bin/redis-server';
/** What a request may take while Redis hangs: a command timeout or two, never a stall. */
const BOUND_MS = 3000;

let server: ChildProcess | undefined;
let port = 0;

async function startRedis(): Promise<void> {
  server = spawn(REDIS_SERVER, ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let tries = 0; tries < 100; tries++) {
    if (await listening()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('redis-server did not start');
}

function listening(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function stopRedis(): Promise<void> {
  const running = server;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  running.kill('SIGCONT');
  const exited = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGKILL');
  await exited;
}

/** Answers within BOUND_MS, or fails the test. */
async function timed(request: Promise<Response>): Promise<Response> {
  const started = performance.now();
  const res = await request;
  expect(performance.now() - started).toBeLessThan(BOUND_MS);
  return res;
}

describe.runIf(existsSync(REDIS_SERVER))('with Redis hung or gone', { timeout: 60_000 }, () => {
  let t: TestApp;

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    t = await createTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    await startWorker(t.services, t.ctx());
  });
  afterAll(async () => {
    await stopRedis();
  });

  async function servesFromTheDatabase() {
    const user = await createUser(t);
    const session = await signIn(t, user);
    const me = await timed(t.request('/api/v1/auth/me', { headers: session.headers }));
    expect(me.status).toBe(200);
    const products = await timed(t.request('/api/v1/products'));
    expect(products.status).toBe(200);
    const login = await timed(
      t.json('POST', '/api/v1/auth/login', { email: user.email, password: TEST_PASSWORD }),
    );
    expect(login.status).toBe(200);
    return user;
  }

  it('answers while Redis hangs, and sends the mail asked for meanwhile once it is back', async () => {
    await servesFromTheDatabase();
    server?.kill('SIGSTOP');
    try {
      const user = await servesFromTheDatabase();
      const forgot = await timed(
        t.json('POST', '/api/v1/auth/password/forgot', { email: user.email }),
      );
      expect(forgot.status).toBe(202);
      server?.kill('SIGCONT');
      await expect
        .poll(async () => (await outbox(t, user.email as string)).length, { timeout: 20_000 })
        .toBe(1);
    } finally {
      server?.kill('SIGCONT');
    }
  });

  it('answers while Redis is stopped, and still shuts down', async () => {
    await stopRedis();
    await servesFromTheDatabase();
    const started = performance.now();
    await t.close();
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
