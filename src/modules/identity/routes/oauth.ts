import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { problems } from '../../../platform/http/openapi.ts';
import { policies, rateLimit } from '../../../platform/http/rate-limit.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { finishOAuth, OAUTH_PROVIDERS, startOAuth } from '../oauth.ts';
import { TokenResponse } from '../schemas.ts';

/** Sign-in with Google or GitHub (authorization code with PKCE). */
export const oauthRoutes = createRouter();

const tags = ['Auth'];

const ProviderParams = z.object({
  provider: z
    .enum(OAUTH_PROVIDERS)
    .openapi({ param: { name: 'provider', in: 'path' }, example: 'google' }),
});

/**
 * The secret binding an attempt to the browser that started it: a `__Host-` cookie (Secure,
 * HttpOnly, SameSite=Lax, so the provider's redirect back carries it). An app that opens the
 * consent page itself and catches the redirect presents it in a header instead.
 */
const BINDING_COOKIE = 'mercato-oauth';
const BINDING_HEADER = 'X-OAuth-Binding';
const BINDING_TTL_SECONDS = 10 * 60;

const bindingOf = (c: Context) =>
  getCookie(c, BINDING_COOKIE, 'host') ?? c.req.header(BINDING_HEADER);

const StartQuery = z.object({
  format: z.enum(['redirect', 'json']).default('redirect').openapi({
    description:
      '`json` answers the URL instead of redirecting, for apps that open the browser themselves.',
  }),
});

oauthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/auth/oauth/{provider}/start',
    tags,
    summary: 'Begin signing in with a provider: redirects to its consent page',
    description:
      'Redirects (302) to the provider with a single-use state and a PKCE challenge; the ' +
      'provider then sends the browser to `/auth/oauth/{provider}/callback`. The attempt ' +
      'must finish within 10 minutes, in the browser that started it: the state is bound ' +
      `to the \`__Host-${BINDING_COOKIE}\` cookie set here. With \`format=json\` the binding ` +
      `is also answered, for an app that catches the redirect and calls the callback itself ` +
      `with it in \`${BINDING_HEADER}\`. 404 \`provider-not-configured\` when this deployment ` +
      'has no app registered with the provider.',
    middleware: rateLimit(policies.auth),
    request: { params: ProviderParams, query: StartQuery },
    responses: {
      200: {
        description: 'With `format=json`: the URL to open',
        content: {
          'application/json': {
            schema: z
              .object({
                authorizationUrl: z.url(),
                binding: z.string().openapi({
                  description: `Send it as \`${BINDING_HEADER}\` to the callback.`,
                }),
              })
              .openapi('OAuthAuthorization'),
          },
        },
      },
      302: {
        description: 'To the provider’s consent page (`Location`)',
        headers: { Location: { schema: { type: 'string', format: 'uri' } } },
      },
      ...problems(404),
    },
  }),
  async (c) => {
    const { provider } = c.req.valid('param');
    const { authorizationUrl, binding } = await startOAuth(c.get('ctx'), provider, bindingOf(c));
    setCookie(c, BINDING_COOKIE, binding, {
      prefix: 'host',
      httpOnly: true,
      sameSite: 'Lax',
      maxAge: BINDING_TTL_SECONDS,
    });
    if (c.req.valid('query').format === 'json') return c.json({ authorizationUrl, binding }, 200);
    return c.redirect(authorizationUrl, 302);
  },
);

const CallbackQuery = z
  .object({
    code: z.string().min(1).max(2048).optional(),
    state: z.string().min(1).max(512).optional(),
    error: z.string().min(1).max(256).optional().openapi({ example: 'access_denied' }),
    error_description: z.string().max(2048).optional(),
  })
  .superRefine((query, ctx) => {
    if (query.error) return;
    for (const field of ['code', 'state'] as const) {
      if (!query[field]) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'required unless error is given' });
      }
    }
  });

oauthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/auth/oauth/{provider}/callback',
    tags,
    summary: 'Finish signing in with a provider, and answer a token pair',
    description:
      'Where the provider returns the browser. Signs in the user linked to the provider ' +
      'account; else links the account whose email the provider says is verified (an ' +
      'unverified account with that email is taken over: verified, its password cleared); ' +
      'else creates a user. 401 `invalid-oauth-state` (unknown, expired, used, another ' +
      'provider’s state, or another browser’s: no matching binding), `oauth-denied` (cancelled at the provider), `oauth-failed` (the ' +
      'provider refused the code); 403 `account-suspended`; 503 when the provider is down.',
    middleware: rateLimit(policies.auth),
    request: {
      params: ProviderParams,
      query: CallbackQuery,
      headers: z.object({
        [BINDING_HEADER.toLowerCase()]: z.string().max(64).optional().openapi({
          description: 'The binding `format=json` answered, when no cookie carries it.',
        }),
      }),
    },
    responses: { 200: TokenResponse, ...problems(401, 403, 404, 503) },
  }),
  async (c) => {
    const { provider } = c.req.valid('param');
    const callback = { ...c.req.valid('query'), binding: bindingOf(c) };
    return c.json(await finishOAuth(c.get('ctx'), provider, callback), 200);
  },
);
