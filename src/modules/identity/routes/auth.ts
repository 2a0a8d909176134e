import { createRoute, z } from '@hono/zod-openapi';
import { requireActor } from '../../../platform/core/permissions.ts';
import { requireUser } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems } from '../../../platform/http/openapi.ts';
import { RequestInvalid } from '../../../platform/http/problem.ts';
import { policies, rateLimit } from '../../../platform/http/rate-limit.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { login, logout, logoutAll, register, resendVerification, verify } from '../account.ts';
import {
  Code,
  exactlyOneIdentifier,
  IdentifierBody,
  identifierFields,
  Password,
  TokenResponse,
  User,
} from '../schemas.ts';
import { refreshSession } from '../sessions.ts';
import { getUser, userView } from '../users.ts';
import { limitAccount } from './shared.ts';

/** Sign-up, verification, password sign-in, refresh, logout and the current user. */
export const authRoutes = createRouter();

const tags = ['Auth'];
const RegisterBody = z
  .object({
    ...identifierFields,
    password: Password,
    fullName: z.string().trim().min(1).max(120).openapi({ example: 'Ada Lovelace' }),
  })
  .superRefine(exactlyOneIdentifier)
  .openapi('RegisterRequest');

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/register',
    tags,
    summary: 'Create an account with an email or a phone; a verification code is sent to it',
    description:
      'Answers 202 alike when the address already has an account, so it cannot be used to find ' +
      'accounts: then nothing is created, and the address is told someone tried (sign in, or ' +
      'reset the password). Verify with the code, which signs in.',
    middleware: rateLimit(policies.auth),
    request: { body: jsonBody(RegisterBody) },
    responses: {
      202: {
        description: 'Verify with the code sent by `verification.channel`',
        content: {
          'application/json': {
            schema: z
              .object({ verification: z.object({ channel: z.enum(['email', 'sms']) }) })
              .openapi('Registration'),
          },
        },
      },
      ...problems(422),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    await limitAccount(c, body);
    return c.json(await register(c.get('ctx'), body), 202);
  },
);

const VerifyBody = z
  .object({ ...identifierFields, code: Code })
  .superRefine(exactlyOneIdentifier)
  .openapi('VerifyRequest');

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/verify',
    tags,
    summary: 'Verify the account with the code it was sent, and sign in',
    middleware: rateLimit(policies.auth),
    request: { body: jsonBody(VerifyBody) },
    responses: { 200: TokenResponse, ...problems(422) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    await limitAccount(c, body, 'recovery');
    return c.json(await verify(c.get('ctx'), body), 200);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/verify/resend',
    tags,
    summary: 'Send a new verification code to an unverified account',
    description: 'Answers 202 whether or not such an account exists.',
    middleware: rateLimit(policies.auth),
    request: { body: jsonBody(IdentifierBody) },
    responses: { 202: { description: 'Sent, if the account exists and is unverified' } },
  }),
  async (c) => {
    const body = c.req.valid('json');
    await limitAccount(c, body, 'recovery');
    await resendVerification(c.get('ctx'), body);
    return c.body(null, 202);
  },
);

const LoginBody = z
  .object({ ...identifierFields, password: Password })
  .superRefine(exactlyOneIdentifier)
  .openapi('LoginRequest');

/** RFC 6749's password grant, as the docs page's "Authorize" sends it. */
const PasswordGrant = z
  .object({
    grant_type: z.literal('password'),
    username: z.string().min(1).max(254),
    password: Password,
  })
  .openapi('PasswordGrant');

/** A password grant's username is an email or a phone; read it the way the JSON body is read. */
function fromPasswordGrant(form: z.output<typeof PasswordGrant>) {
  const parsed = LoginBody.safeParse(
    form.username.includes('@')
      ? { email: form.username, password: form.password }
      : { phone: form.username, password: form.password },
  );
  if (!parsed.success) {
    throw new RequestInvalid('validation-failed', 'The username is not an email or phone number.', {
      fields: [{ path: 'body.username', message: 'expected an email or an E.164 phone number' }],
    });
  }
  return parsed.data;
}

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/login',
    tags,
    summary: 'Sign in with an email or phone and a password',
    description:
      'JSON, or an OAuth2 password grant (`application/x-www-form-urlencoded`, the username ' +
      'being the email or phone), which also answers `access_token` and `token_type`. Five ' +
      `wrong passwords from one address cost nothing; each one after doubles the wait before ` +
      'the next try from there (429 `too-many-attempts` with `Retry-After`), for any email or ' +
      'phone, known or not. The account is never locked.',
    middleware: rateLimit(policies.auth),
    request: {
      body: {
        content: {
          'application/json': { schema: LoginBody },
          'application/x-www-form-urlencoded': { schema: PasswordGrant },
        },
      },
    },
    responses: { 200: TokenResponse, ...problems(401, 403) },
  }),
  async (c) => {
    const type = c.req.header('content-type') ?? '';
    const grant = type.startsWith('application/x-www-form-urlencoded');
    if (!grant && !type.startsWith('application/json')) {
      throw new RequestInvalid('validation-failed', 'Send the credentials as a JSON body.', {
        fields: [{ path: 'body', message: 'required' }],
      });
    }
    // Each body was validated against the schema of its own media type; the types do not know
    // which one ran.
    const body = grant
      ? fromPasswordGrant(c.req.valid('form') as z.output<typeof PasswordGrant>)
      : (c.req.valid('json') as z.output<typeof LoginBody>);
    await limitAccount(c, body);
    const tokens = await login(c.get('ctx'), body);
    if (!grant) return c.json(tokens, 200);
    return c.json(
      {
        ...tokens,
        access_token: tokens.accessToken,
        token_type: 'bearer',
        expires_in: tokens.expiresIn,
        refresh_token: tokens.refreshToken,
      },
      200,
    );
  },
);

const RefreshBody = z
  .object({ refreshToken: z.string().min(1).max(512) })
  .openapi('RefreshRequest');

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/refresh',
    tags,
    summary: 'Trade a refresh token for a new pair; the old one is spent',
    description:
      'Presenting a spent refresh token ends its whole session (theft detection) and ' +
      'answers 401 `refresh-token-reused`.',
    middleware: rateLimit(policies.auth),
    request: { body: jsonBody(RefreshBody) },
    responses: { 200: TokenResponse, ...problems(401) },
  }),
  async (c) => c.json(await refreshSession(c.get('ctx'), c.req.valid('json').refreshToken), 200),
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/logout',
    tags,
    summary: 'End this session: its access and refresh tokens stop working',
    security: AUTHENTICATED,
    middleware: requireUser(),
    responses: { 204: { description: 'Signed out' } },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    await logout(ctx, requireActor(ctx));
    return c.body(null, 204);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/logout-all',
    tags,
    summary: 'End every session of this account, on every device',
    security: AUTHENTICATED,
    middleware: requireUser(),
    responses: {
      200: {
        description: 'Signed out everywhere',
        content: {
          'application/json': { schema: z.object({ sessionsEnded: z.number().int() }) },
        },
      },
    },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    return c.json({ sessionsEnded: await logoutAll(ctx, requireActor(ctx)) }, 200);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/auth/me',
    tags,
    summary: 'The signed-in user',
    security: AUTHENTICATED,
    middleware: requireUser(),
    responses: {
      200: { description: 'The user', content: { 'application/json': { schema: User } } },
    },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    return c.json(await userView(ctx.db, await getUser(ctx.db, requireActor(ctx).userId)), 200);
  },
);
