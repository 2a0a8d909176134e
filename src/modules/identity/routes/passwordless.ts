import { createRoute, z } from '@hono/zod-openapi';
import { requireActor } from '../../../platform/core/permissions.ts';
import { requireUser } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems } from '../../../platform/http/openapi.ts';
import { policies, rateLimit } from '../../../platform/http/rate-limit.ts';
import { createRouter } from '../../../platform/http/router.ts';
import {
  changePassword,
  forgotPassword,
  loginWithCode,
  requestLoginCode,
  requestMagicLink,
  resetPassword,
} from '../passwordless.ts';
import {
  Code,
  Email,
  exactlyOneIdentifier,
  IdentifierBody,
  identifierFields,
  Password,
  TokenResponse,
} from '../schemas.ts';
import { limitAccount } from './shared.ts';

/** Sign-in by a code or an emailed link, and forgotten, reset and changed passwords. */
export const passwordlessRoutes = createRouter();

const tags = ['Auth'];
const NOTHING_SAID =
  'Answers 202 whether or not such an account exists, so it cannot be used to find accounts.';

passwordlessRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/otp/request',
    tags,
    summary: 'Send a 6-digit sign-in code to an active account, by email or SMS',
    description: `${NOTHING_SAID} The code lives 10 minutes and allows 5 tries; one code a minute.`,
    middleware: rateLimit(policies.auth),
    request: { body: jsonBody(IdentifierBody) },
    responses: { 202: { description: 'Sent, if an active account has this email or phone' } },
  }),
  async (c) => {
    const body = c.req.valid('json');
    await limitAccount(c, body, 'recovery');
    await requestLoginCode(c.get('ctx'), body);
    return c.body(null, 202);
  },
);

const OtpVerifyBody = z
  .object({ ...identifierFields, code: Code })
  .superRefine(exactlyOneIdentifier)
  .openapi('OtpVerifyRequest');

passwordlessRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/otp/verify',
    tags,
    summary: 'Sign in with the code sent by POST /auth/otp/request',
    middleware: rateLimit(policies.auth),
    request: { body: jsonBody(OtpVerifyBody) },
    responses: { 200: TokenResponse, ...problems(403, 422) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    await limitAccount(c, body, 'recovery');
    return c.json(await loginWithCode(c.get('ctx'), body), 200);
  },
);

const MagicLinkBody = z.object({ email: Email }).openapi('MagicLinkRequest');

passwordlessRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/magic-link',
    tags,
    summary: 'Email a sign-in link to an active account',
    description: `${NOTHING_SAID} The link lives 15 minutes, works once and replaces any earlier one; one link a minute.`,
    middleware: rateLimit(policies.auth),
    request: { body: jsonBody(MagicLinkBody) },
    responses: { 202: { description: 'Sent, if an active account has this email' } },
  }),
  async (c) => {
    const { email } = c.req.valid('json');
    await limitAccount(c, { email }, 'recovery');
    await requestMagicLink(c.get('ctx'), email);
    return c.body(null, 202);
  },
);

passwordlessRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/password/forgot',
    tags,
    summary: 'Send a 6-digit password-reset code by email or SMS',
    description: `${NOTHING_SAID} The code lives 10 minutes and allows 5 tries.`,
    middleware: rateLimit(policies.auth),
    request: { body: jsonBody(IdentifierBody) },
    responses: { 202: { description: 'Sent, if the account exists and is not suspended' } },
  }),
  async (c) => {
    const body = c.req.valid('json');
    await limitAccount(c, body, 'recovery');
    await forgotPassword(c.get('ctx'), body);
    return c.body(null, 202);
  },
);

const ResetBody = z
  .object({ ...identifierFields, code: Code, password: Password })
  .superRefine(exactlyOneIdentifier)
  .openapi('PasswordResetRequest');

passwordlessRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/password/reset',
    tags,
    summary: 'Set a new password with a reset code; every session ends',
    description:
      'Signs out every device and lifts a lockout. The code also verifies the address it ' +
      'was sent to. Sign in again with the new password.',
    middleware: rateLimit(policies.auth),
    request: { body: jsonBody(ResetBody) },
    responses: { 204: { description: 'Password set' }, ...problems(403, 422) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    await limitAccount(c, body, 'recovery');
    await resetPassword(c.get('ctx'), body);
    return c.body(null, 204);
  },
);

const ChangeBody = z
  .object({ currentPassword: Password.min(1), newPassword: Password })
  .openapi('PasswordChangeRequest');

passwordlessRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/password/change',
    tags,
    summary: 'Change the password; every other session ends, this one stays',
    description:
      'An account without a password (signed up by OAuth) answers 422 `no-password`: set ' +
      'one through POST /auth/password/forgot and /auth/password/reset. Rate-limited per ' +
      'address and per user (429), so a stolen access token cannot guess the password.',
    security: AUTHENTICATED,
    middleware: [
      requireUser(),
      rateLimit(policies.auth),
      rateLimit(policies.passwordChange),
    ] as const,
    request: { body: jsonBody(ChangeBody) },
    responses: { 204: { description: 'Password changed' }, ...problems(409, 422, 429) },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    await changePassword(ctx, requireActor(ctx), c.req.valid('json'));
    return c.body(null, 204);
  },
);
