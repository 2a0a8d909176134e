import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { Invalid } from '../../platform/core/errors.ts';

/**
 * argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). The native binding
 * hashes off the event loop; @node-rs/argon2 also ships a WASM build for Workers.
 */
const ARGON2ID = {
  // Algorithm.Argon2id: a const enum, which Node's type stripping cannot inline.
  algorithm: 2 as Algorithm,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

/**
 * The passwords found most often in breaches: zxcvbn-ts's list of 49,233
 * (@zxcvbn-ts/language-common), compared case-insensitively.
 */
const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

/** A hash of nothing anyone knows, made on first need: unknown accounts cost the same time. */
let decoy: Promise<string> | undefined;

/** Whether `password` matches `stored`; with no stored hash it still spends the same time. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) {
    if (!decoy) decoy = hashPassword(crypto.randomUUID());
    await verify(await decoy, password);
    return false;
  }
  return verify(stored, password);
}

/**
 * NIST SP 800-63B's rules: long enough, not a known-common password, not the account's own
 * email or phone. Throws Invalid naming `field`.
 */
export function checkPasswordPolicy(
  password: string,
  account: { email?: string | null; phone?: string | null },
  field = 'password',
): void {
  const problem = passwordProblem(password, account);
  if (problem) {
    throw new Invalid('weak-password', problem, { fields: [{ path: field, message: problem }] });
  }
}

function passwordProblem(
  password: string,
  account: { email?: string | null; phone?: string | null },
): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  }
  const lowered = password.toLowerCase();
  if (COMMON.has(lowered)) return 'The password is one of the most common passwords.';
  const email = account.email?.toLowerCase();
  if (email && (lowered === email || lowered === email.split('@')[0])) {
    return 'The password must not be your email address.';
  }
  const phone = account.phone;
  if (phone && (password === phone || password === phone.slice(1))) {
    return 'The password must not be your phone number.';
  }
  return undefined;
}
