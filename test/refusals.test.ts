import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './harness.ts';
import { type Server, startServer } from './processes.ts';

const MB = 1024 * 1024;
const LOGIN = '/api/v1/auth/login';

/** Over BODY_LIMIT_BYTES (1 MiB by default): the body limit answers on the Content-Length. */
const oversized = (size: number) =>
  JSON.stringify({ email: 'nobody@example.com', password: 'x'.repeat(size) });

/** A raw HTTP/1.1 answer as a Response, so it is checked as any other. */
function responseOf(raw: string): Response {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Headers(
    lines.map((line) => line.split(/:\s*/, 2) as [string, string]).filter(([name]) => name),
  );
  return new Response(rest.join('\r\n\r\n'), {
    status: Number(statusLine.split(' ')[1]),
    headers,
  });
}

/**
 * A client that writes its whole request before it reads (as many simple HTTP clients do), at a
 * pace a real network has: the answer is lost if the server closes while it still sends.
 */
async function sendThenRead(
  url: string,
  { head, body }: { head: string; body: Buffer },
): Promise<{ response: Response | undefined; error: string | undefined }> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  await once(socket, 'connect');
  socket.pause();
  let error: string | undefined;
  socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
  socket.write(head);
  // 4 MiB take about a second: longer than @hono/node-server alone drains after an answer.
  for (let sent = 0; sent < body.length && !error; sent += 256 * 1024) {
    socket.write(body.subarray(sent, sent + 256 * 1024), () => {});
    await sleep(50);
  }
  let raw = '';
  socket.on('data', (d) => (raw += d));
  socket.resume();
  await Promise.race([
    once(socket, 'close'),
    until(() => complete(raw) || socket.destroyed),
    sleep(2_000),
  ]);
  socket.destroy();
  return { response: raw ? responseOf(raw) : undefined, error };
}

/** Whether a raw answer has all the bytes its Content-Length announces. */
function complete(raw: string): boolean {
  const end = raw.indexOf('\r\n\r\n');
  const length = /content-length: (\d+)/i.exec(raw.slice(0, end))?.[1];
  return end >= 0 && length !== undefined && Buffer.byteLength(raw) - end - 4 >= Number(length);
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await sleep(10);
}

const post = (body: string, extra = '') => ({
  head:
    `POST ${LOGIN} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
  body: Buffer.from(body),
});

// A real process on an in-memory database: a few seconds to start.
describe('refusals from the Node server', { timeout: 60_000 }, () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({
      DATABASE_URL: 'memory://',
      MIGRATE_ON_START: 'true',
      SEED_DEMO: 'false',
    });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
  });

  it('answers an oversized JSON body with 413 problem+json, every time, over fetch', async () => {
    const body = oversized(6 * MB);
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await fetch(`${server.url}${LOGIN}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      const problem = await expectProblem(res, 413, 'body-too-large');
      expect(problem.detail).toBe('The body is larger than the 1048576 bytes allowed.');
    }
    // The connection the refusals used is still good for the next request.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('lets a client still sending its body read the 413, not a reset', async () => {
    for (const extra of ['', '', 'Connection: close\r\n']) {
      const { response, error } = await sendThenRead(server.url, post(oversized(4 * MB), extra));
      expect(error, `the body was cut off (${extra || 'keep-alive'})`).toBeUndefined();
      expect(response, 'no answer').toBeDefined();
      await expectProblem(response as Response, 413, 'body-too-large');
    }
  });

  it('answers a request line or headers over the limit with 431 problem+json', async () => {
    const longQuery = await fetch(`${server.url}/api/v1/listings?q=${'a'.repeat(20_000)}`);
    const problem = await expectProblem(longQuery, 431, 'headers-too-large');
    expect(problem.detail).toContain('16384 bytes');
    expect(longQuery.headers.get('x-request-id')).toBe(problem.requestId);

    const bigHeader = await fetch(`${server.url}${LOGIN}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Padding': 'a'.repeat(20_000) },
      body: oversized(2 * MB),
    });
    await expectProblem(bigHeader, 431, 'headers-too-large');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers bytes that are not HTTP with 400 problem+json', async () => {
    const { response } = await sendThenRead(server.url, {
      head: 'HELLO / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      body: Buffer.alloc(0),
    });
    await expectProblem(response as Response, 400, 'bad-request');
  });
});
