import { afterAll, describe, expect, it } from 'vitest';
import { probeModule } from '../../../test/fixtures/probe-module.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';

const t = await createTestApp({
  modules: [probeModule],
  env: { BODY_LIMIT_BYTES: '2048', UPLOAD_MAX_BYTES: '8192' },
});
afterAll(() => t.close());

const valid = { name: 'Abebe', age: 30, email: 'abebe@example.com', tags: ['a'] };

describe('problem+json for every error', () => {
  it('passes a valid body through', async () => {
    const res = await t.json('POST', '/api/v1/probe/echo', valid);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual(valid);
  });

  it('names every bad field of a body with its path', async () => {
    const res = await t.json('POST', '/api/v1/probe/echo', {
      name: 'A',
      age: -1.5,
      email: 'not-an-email',
      tags: ['1', '2', '3', '4'],
    });
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.code).toBe('validation-failed');
    expect(problem.type).toBe('https://mercato.dev/problems/validation-failed');
    expect(problem.title).toBe('Bad Request');
    expect(problem.requestId).toBe(res.headers.get('x-request-id'));
    expect(problem.errors?.map((e) => e.path).sort()).toEqual([
      'body.age',
      'body.email',
      'body.name',
      'body.tags',
    ]);
    expect(problem.detail).toBe('The request has 4 invalid fields.');
  });

  it('names a missing field and a bad path parameter', async () => {
    const { email: _, ...noEmail } = valid;
    const missing = await problemOf(await t.json('POST', '/api/v1/probe/echo', noEmail));
    expect(missing.errors).toEqual([{ path: 'body.email', message: expect.any(String) }]);

    const res = await t.request('/api/v1/probe/things/not-a-uuid');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.path).toBe('params.id');
  });

  it('names every string holding a NUL character, which PostgreSQL cannot store', async () => {
    const res = await t.json('POST', '/api/v1/probe/echo', {
      ...valid,
      name: 'Abe\u0000be',
      tags: ['a', 'b\u0000'],
    });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors).toEqual([
      { path: 'body.name', message: 'must not contain a NUL character' },
      { path: 'body.tags.1', message: 'must not contain a NUL character' },
    ]);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await t.request('/api/v1/probe/echo', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name": "Abebe",',
    });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe('bad-request');
  });

  it('answers a body of the wrong content type with 415', async () => {
    const res = await t.request('/api/v1/probe/echo', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(valid),
    });
    expect(res.status).toBe(415);
    expect((await problemOf(res)).code).toBe('unsupported-media-type');

    const untyped = await t.request('/api/v1/probe/echo', { method: 'POST', body: 'name=x' });
    expect(untyped.status).toBe(415);
  });

  it('answers a body over the limit with 413', async () => {
    const res = await t.json('POST', '/api/v1/probe/echo', { ...valid, name: 'x'.repeat(4096) });
    expect(res.status).toBe(413);
    expect((await problemOf(res)).code).toBe('body-too-large');
  });

  it('lets an upload (multipart) be as large as UPLOAD_MAX_BYTES, and no larger', async () => {
    const upload = (size: number) => {
      const form = new FormData();
      form.append('photo', new Blob([new Uint8Array(size)], { type: 'image/jpeg' }), 'a.jpg');
      return t.request('/api/v1/probe/upload-target', { method: 'POST', body: form });
    };
    // Over the JSON limit (2 KiB here) but within the upload limit: it reaches routing.
    expect((await upload(3000)).status).toBe(404);
    const tooLarge = await upload(9000);
    expect(tooLarge.status).toBe(413);
    expect((await problemOf(tooLarge)).code).toBe('body-too-large');
  });

  it('answers an unknown route with 404', async () => {
    const res = await t.request('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    const problem = await problemOf(res);
    expect(problem.code).toBe('route-not-found');
    expect(problem.detail).toContain('GET /api/v1/nothing-here');
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await t.request('/api/v1/probe/echo', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await problemOf(res)).code).toBe('method-not-allowed');

    const withParam = await t.request(`/api/v1/probe/things/${crypto.randomUUID()}`, {
      method: 'PUT',
    });
    expect(withParam.status).toBe(405);
    expect(withParam.headers.get('allow')).toBe('GET, HEAD');
  });

  it.each([
    ['not-found', 404, 'not-found', 'The listing was not found.'],
    ['unauthorized', 401, 'unauthorized', 'Authentication is required.'],
    ['forbidden', 403, 'forbidden', 'You are not allowed to do this.'],
    ['conflict', 409, 'out-of-stock', 'Only 2 left.'],
    ['invalid', 422, 'weak-password', 'The password is too common.'],
    ['too-many', 429, 'too-many-requests', 'Too many requests; slow down.'],
  ])('renders a thrown %s as %i', async (kind, status, code, detail) => {
    const res = await t.request(`/api/v1/probe/fail/${kind}`);
    expect(res.status).toBe(status);
    const problem = await problemOf(res);
    expect(problem).toMatchObject({
      status,
      code,
      detail,
      type: `https://mercato.dev/problems/${code}`,
    });
  });

  it('sends the headers an error carries', async () => {
    expect((await t.request('/api/v1/probe/fail/too-many')).headers.get('retry-after')).toBe('30');
    expect(
      (await t.request('/api/v1/probe/fail/unauthorized')).headers.get('www-authenticate'),
    ).toBe('Bearer');
    const invalid = await problemOf(await t.request('/api/v1/probe/fail/invalid'));
    expect(invalid.errors).toEqual([{ path: 'body.password', message: 'too common' }]);
  });

  it('places each field a service names in the part of the request the route declares it in', async () => {
    const res = await t.json('POST', '/api/v1/probe/located/abc?q=word', {
      items: [{ quantity: 1 }],
    });
    expect(res.status).toBe(422);
    expect((await problemOf(res)).errors).toEqual([
      { path: 'params.id', message: 'a path parameter' },
      { path: 'query.q', message: 'a query parameter' },
      { path: 'body.items.0.quantity', message: 'in the body' },
      { path: 'headers.idempotency-key', message: 'a header' },
      { path: 'cart.line-1', message: 'in no part of the request' },
    ]);
  });

  it('hides an unexpected error behind a fixed 500 and logs the stack', async () => {
    const res = await t.request('/api/v1/probe/fail/crash', {
      headers: { 'X-Request-Id': 'crash-1' },
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('db-primary');
    const problem = JSON.parse(text);
    expect(problem).toEqual({
      type: 'https://mercato.dev/problems/internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred. Quote the request id when reporting it.',
      code: 'internal',
      requestId: 'crash-1',
    });
    const logged = t.logs.find((l) => l.msg === 'unhandled error' && l.requestId === 'crash-1');
    expect(logged?.err).toMatchObject({ stack: expect.stringContaining('db-primary.internal') });
  });
});
