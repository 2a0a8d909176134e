import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../../platform/http/context.ts';
import { problems } from '../../../platform/http/openapi.ts';
import { RequestInvalid } from '../../../platform/http/problem.ts';
import { policies, rateLimit } from '../../../platform/http/rate-limit.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { REVERT_DAYS, revertContactChange } from '../contact-change.ts';
import { loginWithMagicLink } from '../passwordless.ts';
import { TokenResponse } from '../schemas.ts';

/**
 * The links mailed to people: a sign-in link and the undo of a contact change. Opening one
 * (GET) spends nothing, since mail scanners open links too: it shows a page whose button POSTs
 * the token. An app posts the token itself, as JSON.
 */
export const linkRoutes = createRouter();

const tags = ['Auth'];

const Token = z.string().min(1).max(512).openapi({ description: 'The token from the link.' });
const TokenQuery = z.object({ token: Token });
const TokenBody = z.object({ token: Token }).openapi('LinkToken');

/** JSON or the page's form; one of the two validators runs, by the content type. */
const tokenBody = {
  content: {
    'application/json': { schema: TokenBody },
    'application/x-www-form-urlencoded': { schema: TokenBody },
  },
};

const pageResponse = { 200: { description: 'A page with one button that confirms' } } as const;

/** A page asking the person who opened a link to confirm it with one button. */
function confirmPage(c: Context<AppEnv>, words: { title: string; text: string; button: string }) {
  const token = c.req.query('token') ?? '';
  return c.html(
    html`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><meta name="viewport" content="width=device-width" />
    <meta name="robots" content="noindex" /><title>${words.title}</title></head>
  <body>
    <h1>${words.title}</h1>
    <p>${words.text}</p>
    <form method="post"><input type="hidden" name="token" value="${token}" />
      <button type="submit">${words.button}</button></form>
  </body>
</html>`,
  );
}

/** The token a confirmation posted, as a form (the page) or as JSON (an app). */
function postedToken(c: Context<AppEnv>): { token: string; fromPage: boolean } {
  const fromPage = c.req.header('content-type')?.startsWith('application/x-www-form-urlencoded');
  const body = (fromPage ? c.req.valid('form' as never) : c.req.valid('json' as never)) as {
    token?: string;
  };
  if (!body.token) {
    throw new RequestInvalid('validation-failed', 'Send the link’s token.', {
      fields: [{ path: 'body.token', message: 'required' }],
    });
  }
  return { token: body.token, fromPage: fromPage === true };
}

linkRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/auth/magic-link/verify',
    tags,
    summary: 'The page an emailed sign-in link opens: it spends nothing',
    middleware: rateLimit(policies.auth),
    request: { query: TokenQuery },
    responses: pageResponse,
  }),
  (c) =>
    confirmPage(c, {
      title: 'Sign in to Mercato',
      text: 'Press the button to sign in on this device.',
      button: 'Sign in',
    }),
);

linkRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/magic-link/verify',
    tags,
    summary: 'Sign in with an emailed link’s token',
    description: 'Spends the link; it also confirms the email address it was sent to.',
    middleware: rateLimit(policies.auth),
    request: { body: tokenBody },
    responses: { 200: TokenResponse, ...problems(401, 403) },
  }),
  async (c) => c.json(await loginWithMagicLink(c.get('ctx'), postedToken(c).token), 200),
);

linkRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/auth/contact/revert',
    tags,
    summary: 'The page the undo link of a contact change opens: it spends nothing',
    middleware: rateLimit(policies.auth),
    request: { query: TokenQuery },
    responses: pageResponse,
  }),
  (c) =>
    confirmPage(c, {
      title: 'Undo the change of your Mercato account',
      text:
        'Press the button to give this address back to your account. Every device will be ' +
        'signed out and the password cleared: sign in again with a code sent here.',
      button: 'Undo the change',
    }),
);

linkRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/auth/contact/revert',
    tags,
    summary: 'Undo a change of email or phone with the token sent to the old address',
    description:
      `Within ${REVERT_DAYS} days of the change: the old address is the account's again, every session ` +
      'ends and the password is cleared (whoever changed the address knew it); sign in with a ' +
      'code to the address. 401 `invalid-link` for a wrong, expired or spent token; 409 ' +
      '`contact-taken` when another account uses the old address now.',
    middleware: rateLimit(policies.auth),
    request: { body: tokenBody },
    responses: {
      204: { description: 'Undone' },
      200: { description: 'Undone (a page, for the confirmation form)' },
      ...problems(401, 409),
    },
  }),
  async (c) => {
    const { token, fromPage } = postedToken(c);
    await revertContactChange(c.get('ctx'), token);
    if (!fromPage) return c.body(null, 204);
    return c.html(
      html`<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>Done</title></head>
  <body><p>The change is undone. Sign in again with a code sent to this address.</p></body>
</html>`,
      200,
    );
  },
);
