/**
 * Object storage: files kept by key, on the local disk or in an S3 bucket (index.ts picks).
 * Keys are made by the server (`listings/<id>/photo.jpg`), never taken verbatim from a client.
 */

export type Visibility = 'public' | 'private';

export interface PutOptions {
  contentType: string;
  /** Public objects are readable by anyone with their URL; private ones only by a signed URL. */
  visibility: Visibility;
}

export interface ObjectInfo {
  contentType: string;
  size: number;
  visibility: Visibility;
}

export interface StoredObject extends ObjectInfo {
  /** Read it to the end or cancel it: an open body holds a file or a connection. */
  body: ReadableStream<Uint8Array>;
}

export interface UrlOptions {
  /** How long a private object's signed URL works; DEFAULT_URL_EXPIRES_SECONDS when absent. */
  expiresInSeconds?: number;
}

export interface Storage {
  /** Creates or replaces the object. */
  put(key: string, body: Uint8Array, options: PutOptions): Promise<void>;
  /** Undefined when there is no such object. */
  get(key: string): Promise<StoredObject | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A public object's permanent URL, or a signed URL that expires for any other key, a missing
   * one included: a caller holding a key of a deleted file gets a link that fails closed.
   */
  url(key: string, options?: UrlOptions): Promise<string>;
}

/** The presigner's default, kept for local files so both backends hand out the same links. */
export const DEFAULT_URL_EXPIRES_SECONDS = 900;
/** SigV4 presigned URLs cannot last longer than a week. */
export const MAX_URL_EXPIRES_SECONDS = 7 * 24 * 3600;

export const MAX_KEY_LENGTH = 512;
/**
 * Below a file system's 255-byte name limit with room for the local backend's suffixes, so a
 * key that works on S3 also works on disk.
 */
export const MAX_KEY_SEGMENT_LENGTH = 200;
const SEGMENT = /^[A-Za-z0-9._-]+$/;
/** `.` and `..` would move up or stay in place in a path; `...` is refused as their kin. */
const DOTS_ONLY = /^\.+$/;

export class InvalidStorageKey extends Error {
  constructor(key: string, reason: string) {
    super(
      `Invalid storage key ${JSON.stringify(key.slice(0, 100))}: ${reason}. A key is ` +
        'relative, made of "/"-separated segments of A-Z a-z 0-9 . _ -, at most ' +
        `${MAX_KEY_LENGTH} characters.`,
    );
    this.name = 'InvalidStorageKey';
  }
}

/** The one gate every backend passes keys through: none can leave the storage root. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new InvalidStorageKey(String(key), 'empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidStorageKey(key, 'too long');
  if (key.startsWith('/')) throw new InvalidStorageKey(key, 'it starts with "/"');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidStorageKey(key, 'it has an empty segment');
    if (!SEGMENT.test(segment)) throw new InvalidStorageKey(key, 'it has a forbidden character');
    if (DOTS_ONLY.test(segment)) throw new InvalidStorageKey(key, 'it has a "." or ".." segment');
    if (segment.length > MAX_KEY_SEGMENT_LENGTH) {
      throw new InvalidStorageKey(key, `a segment is longer than ${MAX_KEY_SEGMENT_LENGTH}`);
    }
  }
}

export function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

export function expiresInSeconds(options: UrlOptions | undefined): number {
  const seconds = options?.expiresInSeconds ?? DEFAULT_URL_EXPIRES_SECONDS;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_URL_EXPIRES_SECONDS) {
    throw new RangeError(
      `expiresInSeconds must be an integer from 1 to ${MAX_URL_EXPIRES_SECONDS}, got ${seconds}`,
    );
  }
  return seconds;
}

/** The base of public URLs, so `${base}/${key}` never doubles a slash. */
export function trimTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
