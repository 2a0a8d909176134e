import { createRoute, z } from '@hono/zod-openapi';
import { requireActor } from '../../../platform/core/permissions.ts';
import { requireUser } from '../../../platform/http/auth.ts';
import { imageFile } from '../../../platform/http/fields.ts';
import { AUTHENTICATED, jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { consumeLimit, policies, rateLimit } from '../../../platform/http/rate-limit.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { IMAGE_VARIANT_WIDTHS } from '../../../platform/storage/index.ts';
import { removeAvatar, setAvatar } from '../avatar.ts';
import { RESET_HOLD_HOURS, REVERT_DAYS, STEP_UP_MINUTES } from '../contact-change.ts';
import {
  getProfile,
  REQUESTABLE_ROLES,
  requestRole,
  updateProfile,
  verifyContactChange,
} from '../profile.ts';
import {
  Code,
  Email,
  exactlyOneIdentifier,
  identifierFields,
  Phone,
  RoleName,
  User,
} from '../schemas.ts';
import { endSession, listSessions } from '../sessions.ts';
import { atLeastOneField, IdParams, limitAccount, nothingToChange } from './shared.ts';

/** The signed-in user's own account: profile, contact details, avatar, addresses, roles, devices. */
export const profileRoutes = createRouter();

const tags = ['Profile'];

const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

const Locale = z
  .string()
  .max(35)
  .refine(isLocale, { message: 'expected a BCP 47 language tag such as en or am-ET' })
  .transform((tag) => Intl.getCanonicalLocales(tag)[0] ?? tag)
  .openapi({ example: 'am-ET' });

const TimeZone = z
  .string()
  .max(64)
  .refine((zone) => zone === 'UTC' || TIME_ZONES.has(zone), {
    message: 'expected an IANA time zone such as Africa/Addis_Ababa',
  })
  .openapi({ example: 'Africa/Addis_Ababa' });

const Avatar = z
  .object({
    url: z.url().openapi({ description: 'The uploaded image, metadata stripped.' }),
    variants: z
      .object(Object.fromEntries(IMAGE_VARIANT_WIDTHS.map((w) => [String(w), z.url().optional()])))
      .openapi({
        description:
          'WebP variants by width, made in the background a moment after the upload; a width ' +
          'the image does not reach is absent.',
      }),
  })
  .openapi('Avatar');

const Profile = User.extend({
  locale: z.string().openapi({ example: 'en' }),
  timezone: z.string().openapi({ example: 'UTC' }),
  avatar: Avatar.nullable(),
  emailVerified: z.boolean(),
  phoneVerified: z.boolean(),
  pendingRoles: z
    .array(RoleName)
    .openapi({ description: 'Requested roles waiting for verification or a KYC check.' }),
  pendingContact: z
    .object({ email: z.string().optional(), phone: z.string().optional() })
    .nullable()
    .openapi({
      description:
        'A new email or phone sent a code and not yet verified; the current one stays until then.',
    }),
  hasPassword: z.boolean(),
}).openapi('Profile');

const profileResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Profile } },
});

profileRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/profile',
    tags,
    summary: 'The signed-in user’s profile',
    ...signedIn,
    responses: { 200: profileResponse('The profile') },
  }),
  async (c) => c.json(await getProfile(c.get('ctx')), 200),
);

const ProfileUpdate = z
  .object({
    fullName: z.string().trim().min(1).max(120).optional(),
    locale: Locale.optional(),
    timezone: TimeZone.optional(),
    email: Email.optional(),
    phone: Phone.optional(),
    currentPassword: z
      .string()
      .max(1024)
      .optional()
      .openapi({
        description:
          'Required with a new `email` or `phone` when the account has a password: a stolen ' +
          'access token alone cannot move the account to another address.',
      }),
  })
  .refine(atLeastOneField, nothingToChange)
  .openapi('ProfileUpdate');

profileRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/profile',
    tags,
    summary: 'Change the name, locale or time zone; start changing the email or phone',
    description:
      'A new `email` or `phone` is not applied at once: a code is sent to it and ' +
      '`pendingContact` shows it until `POST /profile/contact/verify` confirms it. It needs a ' +
      'step-up: `currentPassword` for an account with a password (422 `invalid-password` when ' +
      `wrong), a sign-in within ${STEP_UP_MINUTES} minutes for one without (403 ` +
      '`step-up-required` otherwise). 409 `contact-taken` when another account uses it.',
    ...signedIn,
    request: { body: jsonBody(ProfileUpdate) },
    responses: { 200: profileResponse('The updated profile'), ...problems(403, 409, 422) },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    const body = c.req.valid('json');
    if (body.email !== undefined || body.phone !== undefined) {
      // Each request sends a message to an address the caller chose: bound it per account.
      const policy = { ...policies.authAccount(ctx.config), name: 'contact-change' };
      await consumeLimit(c, policy, `user:${requireActor(ctx).userId}`);
    }
    return c.json(await updateProfile(ctx, body), 200);
  },
);

const ContactVerifyBody = z
  .object({ ...identifierFields, code: Code })
  .superRefine(exactlyOneIdentifier)
  .openapi('ContactVerifyRequest');

profileRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/profile/contact/verify',
    tags,
    summary: 'Confirm a new email or phone with the code sent to it; it replaces the old one',
    description:
      'The other devices are signed out, and the old address is told, with a link that undoes ' +
      `the change for ${REVERT_DAYS} days (\`POST /auth/contact/revert\`). A password reset ` +
      `to the new address waits ${RESET_HOLD_HOURS} hours.`,
    security: AUTHENTICATED,
    middleware: [requireUser(), rateLimit(policies.auth)] as const,
    request: { body: jsonBody(ContactVerifyBody) },
    responses: { 200: profileResponse('The profile, with the new address'), ...problems(409, 422) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    await limitAccount(c, body);
    return c.json(await verifyContactChange(c.get('ctx'), body), 200);
  },
);

const AvatarUpload = z
  .object({
    file: imageFile(),
  })
  .openapi('AvatarUpload');

profileRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/profile/avatar',
    tags,
    summary: 'Upload a new avatar; the previous one is deleted',
    description:
      'The image is checked by its bytes and stored without its metadata (EXIF, GPS); its ' +
      'resized WebP variants appear in `avatar.variants` shortly after.',
    ...signedIn,
    request: {
      body: { required: true, content: { 'multipart/form-data': { schema: AvatarUpload } } },
    },
    responses: { 200: profileResponse('The profile, with the new avatar'), ...problems(422) },
  }),
  async (c) => {
    const { file } = c.req.valid('form');
    const bytes = new Uint8Array(await file.arrayBuffer());
    const ctx = c.get('ctx');
    await setAvatar(ctx, bytes);
    return c.json(await getProfile(ctx), 200);
  },
);

profileRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/profile/avatar',
    tags,
    summary: 'Remove the avatar',
    ...signedIn,
    responses: { 204: { description: 'Removed (or there was none)' } },
  }),
  async (c) => {
    await removeAvatar(c.get('ctx'));
    return c.body(null, 204);
  },
);

const RoleParams = z.object({
  role: z.enum(REQUESTABLE_ROLES).openapi({ param: { name: 'role', in: 'path' } }),
});

profileRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/profile/roles/{role}',
    tags,
    summary: 'Ask for a role',
    description:
      'seller, owner and organizer are granted at once to a verified account, and on ' +
      'verification to an unverified one; agent and broker stay pending until a KYC check. ' +
      'Asking again is harmless.',
    ...signedIn,
    request: { params: RoleParams },
    responses: {
      200: {
        description: 'The role and whether it counts yet',
        content: {
          'application/json': {
            schema: z
              .object({
                role: z.enum(REQUESTABLE_ROLES),
                status: z.enum(['granted', 'pending']),
              })
              .openapi('RoleRequest'),
          },
        },
      },
    },
  }),
  async (c) => c.json(await requestRole(c.get('ctx'), c.req.valid('param').role), 200),
);

const Session = z
  .object({
    id: z.uuid(),
    method: z.string().openapi({ example: 'password' }),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
    current: z.boolean().openapi({ description: 'The session making this request.' }),
  })
  .openapi('Session');

profileRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/profile/sessions',
    tags,
    summary: 'The devices signed in to my account, most recently used first',
    ...signedIn,
    responses: {
      200: {
        description: 'Live sessions',
        content: { 'application/json': { schema: z.object({ items: z.array(Session) }) } },
      },
    },
  }),
  async (c) => c.json({ items: await listSessions(c.get('ctx')) }, 200),
);

profileRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/profile/sessions/{id}',
    tags,
    summary: 'Sign one of my devices out; its tokens stop working at once',
    ...signedIn,
    request: { params: IdParams },
    responses: { 204: { description: 'Signed out' }, ...problems(404) },
  }),
  async (c) => {
    await endSession(c.get('ctx'), c.req.valid('param').id);
    return c.body(null, 204);
  },
);
