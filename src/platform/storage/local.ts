import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { NotFound } from '../core/errors.ts';
import {
  assertValidKey,
  expiresInSeconds,
  isValidKey,
  type ObjectInfo,
  type Storage,
  trimTrailingSlash,
  type Visibility,
} from './storage.ts';

export interface LocalStorageOptions {
  /** The directory objects live in, such as `$DATA_DIR/files`; created when missing. */
  root: string;
  /** The API's public URL: files are served from `${publicBaseUrl}/files/<key>`. */
  publicBaseUrl: string;
  /** Signs private objects' URLs; at least 32 characters. */
  signingSecret: string;
}

export interface LocalStorage extends Storage {
  readonly kind: 'local';
  /** Whether `signature` is ours for `key` and `expires` (Unix seconds) is still ahead. */
  verifySignedUrl(key: string, expires: string | undefined, signature: string | undefined): boolean;
}

interface Sidecar {
  contentType: string;
  visibility: Visibility;
}

/**
 * Beside each file, its content type and visibility. `@` cannot occur in a key, so no key
 * names a sidecar or a temporary file, and the file route can never serve one.
 */
const SIDECAR_SUFFIX = '@meta.json';
/** Keeps a private URL's MAC from meaning anything elsewhere the same secret signs. */
const SIGNING_CONTEXT = 'mercato:storage:url';

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  // ENOTDIR: a key below one that is a file, such as `a.jpg/b`.
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Writes to a unique temporary name, then renames: a reader sees the old bytes or the new. */
async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}@${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export function createLocalStorage(options: LocalStorageOptions): LocalStorage {
  const { root, signingSecret } = options;
  if (signingSecret.length < 32) {
    throw new Error('The local storage signing secret must be at least 32 characters');
  }
  const publicBaseUrl = trimTrailingSlash(options.publicBaseUrl);

  function pathOf(key: string): string {
    assertValidKey(key);
    return join(root, key);
  }

  async function readSidecar(path: string): Promise<Sidecar | undefined> {
    try {
      return JSON.parse(await readFile(`${path}${SIDECAR_SUFFIX}`, 'utf8')) as Sidecar;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  function sign(key: string, expires: string): string {
    return createHmac('sha256', signingSecret)
      .update(`${SIGNING_CONTEXT}\n${key}\n${expires}`)
      .digest('base64url');
  }

  return {
    kind: 'local',

    /**
     * The sidecar goes last, so an object exists once it does; a crash before leaves a file
     * nothing reads. Replacing both the bytes and the visibility of one key is not atomic:
     * use a new key for new content.
     */
    async put(key, body, { contentType, visibility }) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      await writeAtomically(path, body);
      const sidecar: Sidecar = { contentType, visibility };
      await writeAtomically(`${path}${SIDECAR_SUFFIX}`, JSON.stringify(sidecar));
    },

    async get(key) {
      const path = pathOf(key);
      const sidecar = await readSidecar(path);
      if (!sidecar) return undefined;
      let handle: FileHandle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      let size: number;
      try {
        // The size of the file the stream reads, even if the key is replaced meanwhile.
        size = (await handle.stat()).size;
      } catch (error) {
        await handle.close();
        throw error;
      }
      const body = Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>;
      return { ...sidecar, size, body };
    },

    async head(key): Promise<ObjectInfo | undefined> {
      const path = pathOf(key);
      const sidecar = await readSidecar(path);
      if (!sidecar) return undefined;
      try {
        return { ...sidecar, size: (await stat(path)).size };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async delete(key) {
      const path = pathOf(key);
      await rm(`${path}${SIDECAR_SUFFIX}`, { force: true });
      await rm(path, { force: true });
    },

    async url(key, urlOptions) {
      const path = pathOf(key);
      const lifetime = expiresInSeconds(urlOptions);
      const base = `${publicBaseUrl}/files/${key}`;
      if ((await readSidecar(path))?.visibility === 'public') return base;
      const expires = String(Math.floor(Date.now() / 1000) + lifetime);
      return `${base}?expires=${expires}&signature=${sign(key, expires)}`;
    },

    verifySignedUrl(key, expires, signature) {
      if (!expires || !signature || !/^\d{1,12}$/.test(expires)) return false;
      if (Number(expires) * 1000 <= Date.now()) return false;
      const expected = Buffer.from(sign(key, expires));
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/**
 * Serves `GET /files/<key>` for local storage, as S3 or a CDN would: public files to anyone,
 * private ones only through a valid, unexpired signed URL. Whatever is refused (a bad key, a
 * missing file, a private one without a good signature) is the same 404, so nothing tells
 * whether a private file exists.
 */
export function localFileRoutes(storage: LocalStorage): Hono {
  const routes = new Hono();
  routes.get('/files/:key{.+}', async (c) => {
    const key = c.req.param('key');
    if (!isValidKey(key)) throw new NotFound('file');
    const object = await storage.get(key);
    if (!object) throw new NotFound('file');
    const isPublic = object.visibility === 'public';
    if (
      !isPublic &&
      !storage.verifySignedUrl(key, c.req.query('expires'), c.req.query('signature'))
    ) {
      await object.body.cancel();
      throw new NotFound('file');
    }
    // SVG is an image that can run scripts: it is downloaded, never rendered on our origin.
    const rendered =
      object.contentType.startsWith('image/') && object.contentType !== 'image/svg+xml';
    const headers = {
      'Content-Type': object.contentType,
      'Content-Length': String(object.size),
      'Cache-Control': isPublic ? 'public, max-age=31536000, immutable' : 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Disposition': rendered
        ? 'inline'
        : `attachment; filename="${key.slice(key.lastIndexOf('/') + 1)}"`,
    };
    if (c.req.method === 'HEAD') {
      // Hono drops a HEAD answer's body without reading it: the open file would linger.
      await object.body.cancel();
      return c.body(null, 200, headers);
    }
    return c.body(object.body, 200, headers);
  });
  return routes;
}
