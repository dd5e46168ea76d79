/**
 * The object store over S3 (import files and their per-chunk results), and presigned PUT
 * URLs for uploads. GetObject streams the body; nothing is read whole.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore, UploadUrls } from '../ports.js';

/** Imported by the first call, not with this module (see `sdk` in dynamodb/requests.ts). */
const sdk = () => import('@aws-sdk/client-s3');

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | null)?.name;
}

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: string | Uint8Array | AsyncIterable<Uint8Array>, contentType = 'application/octet-stream'): Promise<void> {
    const { PutObjectCommand } = await sdk();
    // Our own writes are small (a chunk's results): a stream is gathered first, PutObject needs a length.
    const bytes = typeof body === 'string' || body instanceof Uint8Array ? body : await gather(body);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType }));
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const { GetObjectCommand } = await sdk();
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as unknown as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound') return undefined;
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    const { HeadObjectCommand } = await sdk();
    try {
      return (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ContentLength;
    } catch (error) {
      if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}

/** Presigned PUT URLs: the client uploads straight to S3 (no API Gateway 10 MB / 30 s limit). */
export class S3UploadUrls implements UploadUrls {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async uploadUrl(key: string, expiresInSeconds: number): Promise<string> {
    const [{ PutObjectCommand }, { getSignedUrl }] = await Promise.all([sdk(), import('@aws-sdk/s3-request-presigner')]);
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}

async function gather(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of body) pieces.push(piece);
  return Buffer.concat(pieces);
}
