import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorToProblem } from '../http/problem.ts';
import { type FakeS3, startFakeS3 } from './fake-s3.test-support.ts';
import {
  createLocalStorage,
  createS3Storage,
  createStorage,
  DEFAULT_URL_EXPIRES_SECONDS,
  InvalidStorageKey,
  type LocalStorage,
  localFileRoutes,
  type Storage,
} from './index.ts';
import { bucketUrl } from './s3.ts';

const SECRET = 'a-signing-secret-of-at-least-32-characters';
const API_URL = 'https://api.example.test';
const CDN_URL = 'https://cdn.example.test';
const BUCKET = 'mercato-test';

const text = (s: string) => new TextEncoder().encode(s);
const read = async (body: ReadableStream<Uint8Array>) => new Response(body).text();

interface Backend {
  storage: Storage;
  /** The URL a public object at `key` must have. */
  publicUrl(key: string): string;
  /** When a signed URL stops working, in Unix seconds. */
  signedUntil(url: string): number;
  /** Follows a URL the storage made, as a client would. */
  follow(url: string): Promise<Response>;
  /** What the backend holds or was asked: unchanged by an operation refused before any I/O. */
  footprint(): Promise<string>;
  close(): Promise<void>;
}

const backends: { name: string; open: () => Promise<Backend> }[] = [
  {
    name: 'local',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'mercato-storage-'));
      const storage = createLocalStorage({
        root: join(dir, 'files'),
        publicBaseUrl: `${API_URL}/`,
        signingSecret: SECRET,
      });
      const routes = localFileRoutes(storage);
      return {
        storage,
        publicUrl: (key) => `${API_URL}/files/${key}`,
        signedUntil: (url) => Number(new URL(url).searchParams.get('expires')),
        follow: async (url) => {
          const { pathname, search } = new URL(url);
          return routes.request(`${pathname}${search}`);
        },
        // The whole temporary directory: the root and what lies beside it.
        footprint: async () => (await readdir(dir, { recursive: true })).sort().join('\n'),
        close: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 's3',
    async open() {
      const s3: FakeS3 = await startFakeS3();
      const storage = createS3Storage({
        bucket: BUCKET,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' },
        publicBaseUrl: CDN_URL,
      });
      return {
        storage,
        publicUrl: (key) => `${CDN_URL}/${key}`,
        signedUntil(url) {
          const params = new URL(url).searchParams;
          const date = (params.get('X-Amz-Date') ?? '').replace(
            /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
            '$1-$2-$3T$4:$5:$6Z',
          );
          return Date.parse(date) / 1000 + Number(params.get('X-Amz-Expires'));
        },
        follow: (url) => fetch(url),
        footprint: async () => JSON.stringify(s3.requests),
        close: () => s3.close(),
      };
    },
  },
];

describe.each(backends)('$name storage', ({ open }) => {
  let backend: Backend;
  let storage: Storage;
  beforeAll(async () => {
    backend = await open();
    storage = backend.storage;
  });
  afterAll(() => backend.close());

  it('gives back what was put, with its content type, size and visibility', async () => {
    await storage.put('listings/1/notes.txt', text('héllo'), {
      contentType: 'text/plain; charset=utf-8',
      visibility: 'private',
    });
    const object = await storage.get('listings/1/notes.txt');
    expect(object).toMatchObject({
      contentType: 'text/plain; charset=utf-8',
      size: 6,
      visibility: 'private',
    });
    expect(await read(object?.body ?? new ReadableStream())).toBe('héllo');
    expect(await storage.head('listings/1/notes.txt')).toEqual({
      contentType: 'text/plain; charset=utf-8',
      size: 6,
      visibility: 'private',
    });
  });

  it('replaces an object put again under the same key', async () => {
    await storage.put('doc.bin', text('first'), {
      contentType: 'text/plain',
      visibility: 'private',
    });
    await storage.put('doc.bin', text('second!'), {
      contentType: 'application/octet-stream',
      visibility: 'public',
    });
    const object = await storage.get('doc.bin');
    expect(object).toMatchObject({ contentType: 'application/octet-stream', size: 7 });
    expect(object?.visibility).toBe('public');
    expect(await read(object?.body ?? new ReadableStream())).toBe('second!');
  });

  it('answers undefined for a missing key, and deletes', async () => {
    expect(await storage.get('nothing/here.txt')).toBeUndefined();
    expect(await storage.head('nothing/here.txt')).toBeUndefined();
    await storage.put('gone.txt', text('x'), { contentType: 'text/plain', visibility: 'public' });
    await storage.delete('gone.txt');
    expect(await storage.get('gone.txt')).toBeUndefined();
    expect(await storage.head('gone.txt')).toBeUndefined();
    await expect(storage.delete('gone.txt')).resolves.toBeUndefined();
  });

  it('gives a public object its permanent public URL', async () => {
    await storage.put('img/a-1.webp', text('w'), {
      contentType: 'image/webp',
      visibility: 'public',
    });
    expect(await storage.url('img/a-1.webp')).toBe(backend.publicUrl('img/a-1.webp'));
  });

  it('gives a private object a signed URL that expires', async () => {
    await storage.put('ids/scan.pdf', text('%PDF'), {
      contentType: 'application/pdf',
      visibility: 'private',
    });
    await storage.put('ids/other.pdf', text('%PDF'), {
      contentType: 'application/pdf',
      visibility: 'private',
    });
    const now = Date.now() / 1000;
    const url = await storage.url('ids/scan.pdf', { expiresInSeconds: 60 });
    expect(url).not.toBe(backend.publicUrl('ids/scan.pdf'));
    expect(new URL(url).pathname.endsWith('/ids/scan.pdf')).toBe(true);
    expect(url).not.toBe(await storage.url('ids/other.pdf', { expiresInSeconds: 60 }));
    expect(backend.signedUntil(url)).toBeGreaterThanOrEqual(Math.floor(now) + 59);
    expect(backend.signedUntil(url)).toBeLessThanOrEqual(Math.ceil(now) + 61);
    const byDefault = backend.signedUntil(await storage.url('ids/scan.pdf'));
    expect(byDefault - now).toBeGreaterThan(DEFAULT_URL_EXPIRES_SECONDS - 2);
    expect(byDefault - now).toBeLessThan(DEFAULT_URL_EXPIRES_SECONDS + 2);
    const res = await backend.follow(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('%PDF');
    // A key that does not exist gets a signed URL too, never a public one.
    expect(await storage.url('ids/missing.pdf')).not.toBe(backend.publicUrl('ids/missing.pdf'));
  });

  it('refuses an expiry a signed URL cannot have', async () => {
    await expect(storage.url('ids/scan.pdf', { expiresInSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(storage.url('ids/scan.pdf', { expiresInSeconds: 8 * 86400 })).rejects.toThrow(
      RangeError,
    );
  });

  const badKeys = [
    '../etc/passwd',
    '../escape.txt',
    'a/../../escape.txt',
    '/abs',
    'a//b',
    'a/./b',
    'trailing/',
    '',
    'a\\..\\b',
    'with space',
    'photo.jpg@meta.json',
    'x'.repeat(513),
    `${'x'.repeat(201)}/a`,
  ];
  it.each(
    badKeys.map((key) => ({
      key,
      shown: key.length > 40 ? `of ${key.length} characters` : JSON.stringify(key),
    })),
  )('refuses the key $shown on every operation', async ({ key }) => {
    const before = await backend.footprint();
    await expect(
      storage.put(key, text('x'), { contentType: 'text/plain', visibility: 'public' }),
    ).rejects.toBeInstanceOf(InvalidStorageKey);
    await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidStorageKey);
    await expect(storage.head(key)).rejects.toBeInstanceOf(InvalidStorageKey);
    await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidStorageKey);
    await expect(storage.url(key)).rejects.toBeInstanceOf(InvalidStorageKey);
    expect(await backend.footprint()).toBe(before);
  });

  it('accepts a key of 512 characters', async () => {
    const key = `${'d'.repeat(200)}/${'e'.repeat(200)}/${'f'.repeat(110)}`;
    expect(key).toHaveLength(512);
    await storage.put(key, text('long'), { contentType: 'text/plain', visibility: 'private' });
    expect(await storage.head(key)).toMatchObject({ size: 4 });
  });
});

describe('createStorage', () => {
  it('uses S3 when a bucket is given, local files otherwise', () => {
    const local = createStorage({ root: tmpdir(), publicBaseUrl: API_URL, signingSecret: SECRET });
    const s3 = createStorage({ bucket: BUCKET, region: 'eu-west-1' });
    expect([local.kind, s3.kind]).toEqual(['local', 's3']);
  });

  it("defaults S3's public URLs to the bucket's own", () => {
    const options = { bucket: BUCKET, region: 'eu-west-1' };
    expect(bucketUrl(options)).toBe(`https://${BUCKET}.s3.eu-west-1.amazonaws.com`);
    expect(bucketUrl({ ...options, forcePathStyle: true })).toBe(
      `https://s3.eu-west-1.amazonaws.com/${BUCKET}`,
    );
    const endpoint = 'http://127.0.0.1:9000/';
    expect(bucketUrl({ ...options, endpoint, forcePathStyle: true })).toBe(
      `http://127.0.0.1:9000/${BUCKET}`,
    );
    expect(bucketUrl({ ...options, endpoint: 'https://minio.example.test' })).toBe(
      `https://${BUCKET}.minio.example.test`,
    );
  });
});

describe('local file route', () => {
  let dir: string;
  let storage: LocalStorage;
  const app = new Hono();
  app.onError((error, c) => errorToProblem(c, error));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mercato-files-'));
    storage = createLocalStorage({
      root: join(dir, 'files'),
      publicBaseUrl: API_URL,
      signingSecret: SECRET,
    });
    app.route('/', localFileRoutes(storage));
    // Beside the root, a file that would be served, sidecar and all, if a key could reach it.
    await writeFile(join(dir, 'secret.txt'), 'outside the root');
    await writeFile(
      join(dir, 'secret.txt@meta.json'),
      JSON.stringify({ contentType: 'text/plain', visibility: 'public' }),
    );
    await storage.put('photos/cat.png', text('png bytes'), {
      contentType: 'image/png',
      visibility: 'public',
    });
    await storage.put('ids/passport.pdf', text('pdf bytes'), {
      contentType: 'application/pdf',
      visibility: 'private',
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A request for a URL storage.url() made: only its path and query reach the app. */
  const fetchUrl = (url: string, init?: RequestInit) => {
    const { pathname, search } = new URL(url);
    return app.request(`${pathname}${search}`, init);
  };

  async function expectNotFound(res: Response) {
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.text()).not.toContain('bytes');
  }

  it('serves a public file with its type and long-lived caching', async () => {
    const res = await fetchUrl(await storage.url('photos/cat.png'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('png bytes');
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-type': 'image/png',
      'content-length': '9',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'content-disposition': 'inline',
    });
  });

  it('answers HEAD with the headers alone', async () => {
    const res = await app.request('/files/photos/cat.png', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('9');
    expect(await res.text()).toBe('');
  });

  it('serves a private file through its signed URL only, as an attachment', async () => {
    const url = await storage.url('ids/passport.pdf', { expiresInSeconds: 60 });
    const res = await fetchUrl(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('pdf bytes');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="passport.pdf"');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');

    await expectNotFound(await app.request('/files/ids/passport.pdf'));
    const tampered = new URL(url);
    const signature = tampered.searchParams.get('signature') ?? '';
    tampered.searchParams.set(
      'signature',
      `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
    );
    await expectNotFound(await fetchUrl(tampered.href));
    const extended = new URL(url);
    extended.searchParams.set(
      'expires',
      String(Number(extended.searchParams.get('expires')) + 3600),
    );
    await expectNotFound(await fetchUrl(extended.href));
    // The same signature for another key.
    await storage.put('ids/other.pdf', text('other bytes'), {
      contentType: 'application/pdf',
      visibility: 'private',
    });
    await expectNotFound(await fetchUrl(url.replace('passport.pdf', 'other.pdf')));
  });

  it('refuses a signed URL once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 3600_000);
    const url = await storage.url('ids/passport.pdf', { expiresInSeconds: 60 });
    const params = new URL(url).searchParams;
    const verify = () =>
      storage.verifySignedUrl(
        'ids/passport.pdf',
        params.get('expires') ?? undefined,
        params.get('signature') ?? undefined,
      );
    expect(verify()).toBe(true);
    vi.useRealTimers();
    expect(verify()).toBe(false);
    await expectNotFound(await fetchUrl(url));
  });

  it('answers a missing file exactly as it answers a private one', async () => {
    const missing = await (await app.request('/files/ids/nobody.pdf')).json();
    const unsigned = await app.request('/files/ids/passport.pdf');
    expect(unsigned.status).toBe(404);
    expect(missing).toMatchObject({ status: 404, code: 'not-found' });
    expect(await unsigned.json()).toEqual(missing);
  });

  it.each([
    '/files/..%2Fsecret.txt',
    '/files/..%2F..%2Fetc%2Fpasswd',
    '/files/%2e%2e%2fsecret.txt',
    '/files/photos%2F..%2F..%2Fsecret.txt',
    '/files/../secret.txt',
    '/files/photos/../../secret.txt',
    '/files/%2Fetc%2Fpasswd',
    '/files/photos/cat.png@meta.json',
    '/files/photos//cat.png',
  ])('never serves %s', async (path) => {
    const res = await app.request(path);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain('outside the root');
    expect(body).not.toContain('root:');
    expect(body).not.toContain('visibility');
  });

  it('leaves no temporary file behind a put', async () => {
    expect((await readdir(join(dir, 'files', 'photos'))).sort()).toEqual([
      'cat.png',
      'cat.png@meta.json',
    ]);
  });
});
