import { afterAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../../test/factories.ts';
import { probeModule } from '../../../test/fixtures/probe-module.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { identityModule } from '../../modules/identity/index.ts';

const t = await createTestApp({ modules: [identityModule, probeModule] });
afterAll(() => t.close());

describe('the authenticate middleware', () => {
  it('lets guests through public routes', async () => {
    expect((await t.request('/api/v1/probe/limited')).status).toBe(204);
  });

  it('accepts a valid token on a public route', async () => {
    const { headers } = await signedInUser(t);
    expect((await t.request('/api/v1/probe/limited', { headers })).status).toBe(204);
  });

  it.each([
    ['a malformed header', { Authorization: 'Bearer' }],
    ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['extra words', { Authorization: 'Bearer a b' }],
    ['a garbage token', { Authorization: 'Bearer abc.def.ghi' }],
  ])('answers 401 problem+json to %s', async (_, headers) => {
    const res = await t.request('/api/v1/probe/limited', { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await problemOf(res)).code).toBe('invalid-token');
  });
});
