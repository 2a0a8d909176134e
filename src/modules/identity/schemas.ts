import { z } from '@hono/zod-openapi';
import { ROLES } from '../../platform/core/permissions.ts';
import { MAX_PASSWORD_LENGTH } from './passwords.ts';
import { ACCESS_TOKEN_TTL_SECONDS } from './tokens.ts';

export const Email = z
  .email({ message: 'expected an email address' })
  .max(254)
  .transform((v) => v.toLowerCase())
  .openapi({ example: 'ada@example.com' });

/** E.164: a plus, a country code and the number, digits only. */
export const Phone = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, { message: 'expected an E.164 phone number such as +251911234567' })
  .openapi({ example: '+251911234567' });

export const Password = z
  .string()
  .max(MAX_PASSWORD_LENGTH)
  .openapi({ format: 'password', example: 'correct horse battery staple' });

/** Exactly one of email and phone: the account a request is about. */
export const identifierFields = { email: Email.optional(), phone: Phone.optional() };

export function exactlyOneIdentifier(
  value: { email?: string | undefined; phone?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((value.email === undefined) === (value.phone === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [value.email === undefined ? 'email' : 'phone'],
      message: 'give either email or phone, not both or neither',
    });
  }
}

export const IdentifierBody = z
  .object(identifierFields)
  .superRefine(exactlyOneIdentifier)
  .openapi('AccountIdentifier');

export const Code = z
  .string()
  .regex(/^\d{6}$/, { message: 'expected the 6-digit code' })
  .openapi({ example: '123456' });

export const RoleName = z.enum(ROLES);

export const User = z
  .object({
    id: z.uuid(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    fullName: z.string(),
    roles: z.array(RoleName).openapi({ description: 'Granted roles; pending ones are not here.' }),
    status: z.enum(['unverified', 'active', 'suspended']),
    verifiedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('User');

export const TokenPair = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().openapi({ example: ACCESS_TOKEN_TTL_SECONDS }),
    tokenType: z.literal('Bearer'),
    user: User,
  })
  .openapi('TokenPair');

export const TokenResponse = {
  description: 'Signed in: an access token, a refresh token and the user',
  content: { 'application/json': { schema: TokenPair } },
};
