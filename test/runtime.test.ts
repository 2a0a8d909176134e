import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode, type Server, startServer, tempDir } from './processes.ts';

/** The Node server as `make run` starts it: embedded database, migrations, demo data. */
// Real processes, each opening a database: seconds apiece, more on a busy CI machine.
describe('the Node server', { timeout: 90_000 }, () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop('SIGKILL');
  });

  it('starts on an empty data dir, prints the docs URLs, serves, and stops on SIGTERM', async () => {
    const dataDir = await tempDir();
    const env = { DATA_DIR: dataDir, MIGRATE_ON_START: 'true', NODE_ENV: 'development' };
    const server = await startServer(env);
    servers.push(server);

    const listening = server.lines.find((l) => String(l.msg).startsWith('Mercato is listening'));
    expect(listening).toMatchObject({
      docs: expect.stringMatching(/\/docs$/),
      openapi: expect.stringMatching(/\/openapi\.json$/),
    });
    expect(server.lines.some((l) => l.msg === 'demo data loaded')).toBe(true);

    for (const path of ['/healthz', '/readyz', '/docs', '/openapi.json']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    }
    expect(existsSync(join(dataDir, 'pglite.pid'))).toBe(true);

    // A second process on the same embedded database must refuse, not corrupt it.
    const second = await runNode('src/runtimes/node.ts', [], { ...env, PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.stdout).toContain('is in use by process');

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down: finishing the work in flight', 'stopped']),
    );
    expect(existsSync(join(dataDir, 'pglite.pid'))).toBe(false);

    // A restart keeps the data and does not load the demo data again.
    const again = await startServer(env);
    servers.push(again);
    expect(again.lines.some((l) => l.msg === 'demo data loaded')).toBe(false);
    expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
    expect(await again.stop('SIGINT')).toBe(0);
  });

  it('answers a request still arriving when SIGTERM comes, then stops', async () => {
    const server = await startServer({ DATABASE_URL: 'memory://', MIGRATE_ON_START: 'true' });
    servers.push(server);
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'a long password' });
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (d) => (answer += d));
    socket.write(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n' +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n` +
        body.slice(0, 10),
    );
    expect(server.lines.some((l) => l.msg === 'request')).toBe(false);
    const stopped = server.stop('SIGTERM');
    await expect
      .poll(() => server.lines.some((l) => String(l.msg).startsWith('shutting down')), {
        timeout: 5_000,
      })
      .toBe(true);
    const refused = await fetch(`${server.url}/healthz`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(refused).toBe('refused');
    // write, not end: a half-closed socket makes Node abort the request it carries.
    socket.write(body.slice(10));
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toContain('"code":"invalid-credentials"');
    expect(await stopped).toBe(0);
  });

  it('stops at start with one line per bad variable', async () => {
    const result = await runNode('src/runtimes/node.ts', [], {
      PORT: 'eighty',
      SEED_DEMO: 'perhaps',
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('PORT: expected an integer (got "eighty")');
    expect(result.stderr).toContain('SEED_DEMO: expected true or false (got "perhaps")');
  });

  it('refuses to start in production without a JWT secret or a database URL', async () => {
    const result = await runNode('src/runtimes/node.ts', [], { NODE_ENV: 'production' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('JWT_SECRET: required in production');
    expect(result.stderr).toContain('DATABASE_URL: required in production');
  });

  it('refuses to start a separate jobs worker without Redis', async () => {
    const result = await runNode('src/runtimes/jobs.ts', [], {
      DATABASE_URL: 'memory://',
      REDIS_URL: '',
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toContain('a separate jobs worker needs REDIS_URL');
  });

  it.runIf(process.env.REDIS_URL)('runs a jobs worker that stops cleanly on SIGTERM', async () => {
    const worker = spawn(process.execPath, [join(import.meta.dirname, '../src/runtimes/jobs.ts')], {
      env: {
        PATH: process.env.PATH,
        LOG_PRETTY: 'false',
        DATABASE_URL: 'memory://',
        REDIS_URL: process.env.REDIS_URL,
        REDIS_PREFIX: `mercato:test:${crypto.randomUUID()}:`,
      },
    });
    let output = '';
    worker.stdout.on('data', (d) => (output += d));
    await expect.poll(() => output, { timeout: 15_000 }).toContain('jobs worker started');
    const exited = once(worker, 'exit');
    worker.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  });
});
