// Where encrypted document bytes live, behind one interface: the filesystem under DATA_DIR (embedded
// default) or S3-compatible object storage. Stores only ever see ciphertext.
import type { Readable } from 'node:stream';

export interface BlobStore {
  /** Streams `body` to `key`; on failure nothing is left under `key`. */
  put(key: string, body: Readable): Promise<void>;
  get(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
}
