import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FakeObject {
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
}

export interface FakeS3 {
  /** `http://127.0.0.1:<port>`, for the client's `endpoint` with `forcePathStyle`. */
  endpoint: string;
  /** Every request's method and path, to tell what reached the server. */
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

function noSuchKey(res: ServerResponse, key: string, method: string) {
  res.writeHead(404, { 'Content-Type': 'application/xml' });
  // A HEAD answer has no body: the SDK then names the error from the status alone.
  if (method === 'HEAD') return res.end();
  res.end(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>' +
      `<Key>${key}</Key></Error>`,
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Just enough of S3 for the storage contract, path-style: PUT, GET, HEAD and DELETE of
 * `/<bucket>/<key>`, keeping Content-Type and `x-amz-meta-*`. Signatures are not checked.
 */
export async function startFakeS3(): Promise<FakeS3> {
  const objects = new Map<string, FakeObject>();
  const requests: FakeS3['requests'] = [];

  const server = createServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const { pathname } = new URL(req.url ?? '/', 'http://fake-s3');
    requests.push({ method, path: pathname });
    const [, bucket = '', ...rest] = pathname.split('/').map(decodeURIComponent);
    const key = rest.join('/');
    if (!bucket || !key) {
      res.writeHead(400, { 'Content-Type': 'application/xml' });
      return res.end('<Error><Code>InvalidRequest</Code></Error>');
    }
    const id = `${bucket}/${key}`;

    if (method === 'PUT') {
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name] = value;
      }
      objects.set(id, {
        body: await readBody(req),
        contentType: req.headers['content-type'] ?? 'binary/octet-stream',
        metadata,
      });
      res.writeHead(200, { ETag: '"fake"' });
      return res.end();
    }
    if (method === 'DELETE') {
      objects.delete(id);
      res.writeHead(204);
      return res.end();
    }
    if (method === 'GET' || method === 'HEAD') {
      const object = objects.get(id);
      if (!object) return noSuchKey(res, key, method);
      res.writeHead(200, {
        'Content-Type': object.contentType,
        'Content-Length': String(object.body.length),
        'Last-Modified': new Date().toUTCString(),
        ETag: '"fake"',
        ...object.metadata,
      });
      return res.end(method === 'GET' ? object.body : undefined);
    }
    res.writeHead(405);
    res.end();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
