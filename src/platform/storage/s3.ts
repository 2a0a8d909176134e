import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  assertValidKey,
  expiresInSeconds,
  type ObjectInfo,
  type Storage,
  trimTrailingSlash,
  type Visibility,
} from './storage.ts';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** An S3-compatible service (MinIO, R2, Spaces...); AWS when absent. */
  endpoint?: string | undefined;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`: most S3-compatible services. */
  forcePathStyle?: boolean | undefined;
  /** The SDK's default chain (environment, profile, instance role) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Where public objects are read from, such as a CDN; the bucket's own URL when absent. */
  publicBaseUrl?: string | undefined;
}

export interface S3Storage extends Storage {
  readonly kind: 's3';
}

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404;
}

/** Objects written by other tools carry no visibility: they stay private. */
function visibilityOf(metadata: Record<string, string> | undefined): Visibility {
  return metadata?.visibility === 'public' ? 'public' : 'private';
}

/** Where the bucket answers anonymous reads, when no public base URL is configured. */
export function bucketUrl({ bucket, region, endpoint, forcePathStyle }: S3StorageOptions): string {
  const base = new URL(endpoint ?? `https://s3.${region}.amazonaws.com`);
  if (forcePathStyle) return `${trimTrailingSlash(base.href)}/${bucket}`;
  base.hostname = `${bucket}.${base.hostname}`;
  return trimTrailingSlash(base.href);
}

/**
 * Visibility is the object's `x-amz-meta-visibility`, not an ACL (new buckets refuse ACLs):
 * making public objects readable at `publicBaseUrl` is the bucket's or the CDN's job.
 */
export function createS3Storage(options: S3StorageOptions): S3Storage {
  const { bucket, region, endpoint, forcePathStyle, credentials } = options;
  const config: S3ClientConfig = {
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(forcePathStyle ? { forcePathStyle } : {}),
    ...(credentials ? { credentials } : {}),
  };
  if (endpoint) {
    // Many S3-compatible services reject the CRC checksums the SDK adds to every request by
    // default; S3 itself requires them only on a few operations, none used here.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  const client = new S3Client(config);
  const publicBaseUrl = trimTrailingSlash(options.publicBaseUrl ?? bucketUrl(options));

  /** What HeadObject and GetObject both tell about an object. */
  const infoOf = (output: {
    ContentType?: string | undefined;
    ContentLength?: number | undefined;
    Metadata?: Record<string, string> | undefined;
  }): ObjectInfo => ({
    contentType: output.ContentType ?? 'application/octet-stream',
    size: output.ContentLength ?? 0,
    visibility: visibilityOf(output.Metadata),
  });

  async function head(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    try {
      return infoOf(await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  return {
    kind: 's3',

    async put(key, body, { contentType, visibility }) {
      assertValidKey(key);
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          Metadata: { visibility },
        }),
      );
    },

    async get(key) {
      assertValidKey(key);
      try {
        const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!output.Body) throw new Error(`S3 answered GetObject for "${key}" without a body`);
        return {
          ...infoOf(output),
          body: output.Body.transformToWebStream() as ReadableStream<Uint8Array>,
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    head,

    async delete(key) {
      assertValidKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },

    async url(key, urlOptions) {
      const expiresIn = expiresInSeconds(urlOptions);
      if ((await head(key))?.visibility === 'public') return `${publicBaseUrl}/${key}`;
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn,
      });
    },
  };
}
