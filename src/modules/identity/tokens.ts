import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../../config.ts';
import { Unauthenticated } from '../../platform/core/errors.ts';
import {
  constantTimeEqual,
  hmacSha256,
  randomBytes,
  randomInt,
  sha256,
  toBase64Url,
} from '../../platform/crypto.ts';

/**
 * Access tokens: HS256 JWTs naming the user (`sub`), their roles and their session (`sid`),
 * with the signing key's id in the header (`kid`), so JWT_SECRET can rotate: a new secret
 * signs, and the old one, moved to JWT_PREVIOUS_SECRETS, still verifies what it signed.
 */

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

const ISSUER = 'mercato';
const AUDIENCE = 'mercato-api';
const encoder = new TextEncoder();

export interface AccessClaims {
  userId: string;
  roles: readonly string[];
  sessionId: string;
}

const keyIds = new Map<string, Promise<string>>();

/** A key's public name: a digest of the secret, never the secret (one per secret and process). */
export function keyId(secret: string): Promise<string> {
  let id = keyIds.get(secret);
  if (!id) {
    id = sha256(`mercato-kid:${secret}`).then((digest) => toBase64Url(digest).slice(0, 16));
    keyIds.set(secret, id);
  }
  return id;
}

export async function signAccessToken(
  config: Pick<Config, 'jwtSecret'>,
  claims: AccessClaims,
  ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
): Promise<string> {
  return new SignJWT({ roles: [...claims.roles], sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: await keyId(config.jwtSecret) })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(encoder.encode(config.jwtSecret));
}

const invalid = () => new Unauthenticated('The access token is not valid.', 'invalid-token');

/** The claims of a token this API signed; Unauthenticated if expired, forged or malformed. */
export async function verifyAccessToken(
  config: Pick<Config, 'jwtSecret' | 'jwtPreviousSecrets'>,
  token: string,
): Promise<AccessClaims> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw invalid();
  }
  const secrets = [config.jwtSecret, ...config.jwtPreviousSecrets];
  const ids = await Promise.all(secrets.map(keyId));
  const secret = secrets[ids.indexOf(kid as string)];
  if (!secret) throw invalid();
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp', 'sid'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw invalid();
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((r): r is string => typeof r === 'string')
      : [];
    return { userId: payload.sub, roles, sessionId: payload.sid };
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new Unauthenticated('The access token has expired; refresh it.', 'token-expired');
    }
    throw invalid();
  }
}

/** An unguessable token for refresh tokens, magic links and OAuth state: 256 bits. */
export function randomToken(): string {
  return toBase64Url(randomBytes(32));
}

/** How high-entropy tokens are stored: a plain SHA-256 is enough for 256 random bits. */
export async function tokenHash(token: string): Promise<string> {
  return toBase64Url(await sha256(token));
}

/**
 * How short codes are stored: keyed with the server secret and bound to their purpose and
 * destination, so a leaked table cannot be brute-forced without the key.
 */
export async function codeHash(
  secret: string,
  parts: readonly string[],
  code: string,
): Promise<string> {
  return toBase64Url(await hmacSha256(`mercato-code:${secret}`, [...parts, code].join('\u0000')));
}

export const sameHash = constantTimeEqual;

/** A six-digit code, uniformly drawn. */
export function sixDigitCode(): string {
  return String(randomInt(1_000_000)).padStart(6, '0');
}
