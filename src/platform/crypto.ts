/**
 * Digests, MACs and randomness for services, on the Web Crypto API that Node and Workers both
 * have, so no request path imports `node:crypto`. Keys are imported once per secret.
 */

const encoder = new TextEncoder();
const bytesOf = (data: string | Uint8Array) =>
  typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data);

export const toBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytesOf(data)));
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return toHex(await sha256(data));
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

/** The HMAC-SHA-256 key of `secret`, imported once per process. */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    hmacKeys.set(secret, key);
  }
  return key;
}

export async function hmacSha256(secret: string, data: string | Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), bytesOf(data)));
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** An integer in [0, `bound`), uniformly: draws past the largest multiple of `bound` are redrawn. */
export function randomInt(bound: number): number {
  if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) {
    throw new RangeError(`randomInt: bound must be an integer from 1 to 2^32, not ${bound}`);
  }
  const limit = 2 ** 32 - (2 ** 32 % bound);
  const draw = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(draw);
    const value = draw[0] as number;
    if (value < limit) return value % bound;
  }
}

/** Whether two strings are equal, in a time that depends on their length alone. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.length !== right.length) return false;
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff |= (left[i] as number) ^ (right[i] as number);
  return diff === 0;
}
