// Blob store on S3-compatible object storage. Uploads go as multipart (bounded part buffers, never
// the whole file); an aborted upload is aborted on the server too, so nothing is left under the key.
import { DeleteObjectCommand, GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { BlobStore } from './blob-store.ts';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket. */
  prefix?: string;
  client: S3ClientConfig;
}

export function s3Store(options: S3StoreOptions): BlobStore {
  const client = new S3Client(options.client);
  const keyOf = (key: string) => `${options.prefix ?? ''}${key}`;
  return {
    async put(key, body) {
      const upload = new Upload({ client, params: { Bucket: options.bucket, Key: keyOf(key), Body: body }, queueSize: 2, partSize: 5 * 1024 * 1024 });
      body.once('error', () => void upload.abort().catch(() => undefined));
      await upload.done();
    },
    async get(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: keyOf(key) }));
      return out.Body as Readable;
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: keyOf(key) }));
    },
  };
}
