// The S3 driver through the real AWS SDK against a local S3-compatible server (s3rver) the test starts:
// streamed multipart put, get, delete, and an aborted upload leaving nothing under the key.
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import S3rver from 's3rver';
import { s3Store } from './s3-store.ts';
import type { BlobStore } from './blob-store.ts';

let server: S3rver;
let dir: string;
let store: BlobStore;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'docs', configs: [] }] });
  const { port } = await server.run();
  store = s3Store({
    bucket: 'docs',
    prefix: 'test/',
    client: { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('S3 blob store', () => {
  it('streams an object larger than one part in and out, and deletes it', async () => {
    const bytes = randomBytes(12 * 1024 * 1024 + 123);
    async function* slices() {
      for (let i = 0; i < bytes.length; i += 1024 * 1024) yield bytes.subarray(i, i + 1024 * 1024);
    }
    await store.put('a/b', Readable.from(slices()));
    expect((await buffer(await store.get('a/b'))).equals(bytes)).toBe(true);
    await store.delete('a/b');
    await expect(store.get('a/b')).rejects.toThrow();
  });

  it('leaves nothing when the source fails midway', async () => {
    const source = new PassThrough();
    const putting = store.put('c/d', source);
    source.write(randomBytes(1024));
    source.destroy(new Error('client went away'));
    await expect(putting).rejects.toThrow();
    await expect(store.get('c/d')).rejects.toThrow();
  });
});
