// Envelope encryption: every file version has its own random data key; only a wrapped copy is stored,
// sealed by a key-encryption key (KEK). `KeyEncryptionKeys` is the seam a cloud KMS implements; the
// built-in keyring holds KEKs from configuration. Rotation re-wraps data keys, never the files.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@clinic/service-kit';

export interface WrappedKey {
  kekId: string;
  wrapped: Buffer;
}

export interface KeyEncryptionKeys {
  /** The KEK new data keys are wrapped with. */
  readonly currentId: string;
  wrap(dataKey: Buffer): Promise<WrappedKey>;
  unwrap(key: WrappedKey): Promise<Buffer>;
}

export const newDataKey = () => randomBytes(32);

/** A version's thumbnail is sealed with its own key, derived from the version's data key (never the same key twice). */
export const previewKeyOf = (dataKey: Buffer) => Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'clinic-document-preview', 32));

/** KEKs held in memory: the first is current, the others only unwrap (until rotation moves keys off them). */
export function keyring(keys: { id: string; key: Buffer }[]): KeyEncryptionKeys {
  const first = keys[0];
  if (!first) throw new ConfigError('DOCUMENTS_KEYS must name at least one key');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    currentId: first.id,
    async wrap(dataKey) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', first.key, iv);
      cipher.setAAD(Buffer.from(first.id));
      const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
      return { kekId: first.id, wrapped: Buffer.concat([iv, body, cipher.getAuthTag()]) };
    },
    async unwrap({ kekId, wrapped }) {
      const kek = byId.get(kekId);
      if (!kek) throw new Error(`key-encryption key ${kekId} is not configured`);
      const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, 12));
      decipher.setAAD(Buffer.from(kekId));
      decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
      return Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()]);
    },
  };
}

/** `id:base64key,id2:base64key` (current first), each key 32 bytes. */
export function parseKeyList(raw: string): { id: string; key: Buffer }[] {
  return raw.split(',').map((part) => {
    const [id, encoded] = part.trim().split(':');
    const key = Buffer.from(encoded ?? '', 'base64');
    if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id) || key.length !== 32) {
      throw new ConfigError('DOCUMENTS_KEYS must be "id:<32 bytes base64>[,id:<key>...]"');
    }
    return { id, key };
  });
}

/**
 * KEKs from DOCUMENTS_KEYS; outside production, without it, one generated once into
 * `<DATA_DIR>/keys/documents-kek` (production refuses to start without configured keys).
 */
export function loadKeyEncryptionKeys(env: Record<string, string | undefined>, dataDir: string): KeyEncryptionKeys {
  if (env.DOCUMENTS_KEYS) return keyring(parseKeyList(env.DOCUMENTS_KEYS));
  if (env.NODE_ENV === 'production') throw new ConfigError('DOCUMENTS_KEYS is required in production');
  const file = path.join(dataDir, 'keys', 'documents-kek');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `dev:${randomBytes(32).toString('base64')}`, { mode: 0o600, flag: 'wx' });
  }
  return keyring(parseKeyList(readFileSync(file, 'utf8').trim()));
}
