// Encryption at rest: every conversation has its own data key (AES-256-GCM), stored wrapped (encrypted) by
// the key-encryption key (KEK) from configuration, so a database dump alone reveals no message text. The
// blind-index key is derived from the KEK (HKDF), so one secret protects both. Unwrapped data keys are
// cached in memory per process.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@clinic/service-kit';

const VERSION = 'v1';

export interface ChatKeys {
  /** A fresh data key for a new conversation, wrapped for storage. */
  newWrappedKey(): string;
  encrypt(wrappedKey: string, plaintext: string): string;
  decrypt(wrappedKey: string, ciphertext: string): string;
  /** The key of the blind index (keyed HMAC of words). */
  indexKey: Buffer;
}

function seal(key: Buffer, plaintext: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

function open(key: Buffer, sealed: string): Buffer {
  const [version, data] = sealed.split('.', 2);
  if (version !== VERSION || !data) throw new Error('unknown ciphertext format');
  const raw = Buffer.from(data, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

export function createChatKeys(kek: Buffer): ChatKeys {
  if (kek.length !== 32) throw new ConfigError('CHAT_KEK must be 32 bytes, base64-encoded');
  const dataKeys = new Map<string, Buffer>();
  const unwrap = (wrapped: string) => {
    let key = dataKeys.get(wrapped);
    if (!key) {
      key = open(kek, wrapped);
      if (dataKeys.size > 10_000) dataKeys.clear();
      dataKeys.set(wrapped, key);
    }
    return key;
  };
  return {
    newWrappedKey: () => seal(kek, randomBytes(32)),
    encrypt: (wrapped, plaintext) => seal(unwrap(wrapped), Buffer.from(plaintext, 'utf8')),
    decrypt: (wrapped, ciphertext) => open(unwrap(wrapped), ciphertext).toString('utf8'),
    indexKey: Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), 'clinic-chat-blind-index', 32)),
  };
}

/**
 * The KEK: CHAT_KEK (base64, 32 bytes) when set; required in production; otherwise generated once into
 * <DATA_DIR>/keys/chat-kek so development data stays readable across restarts.
 */
export function loadKek(env: Record<string, string | undefined>): Buffer {
  const configured = env.CHAT_KEK;
  if (configured) {
    const kek = Buffer.from(configured, 'base64');
    if (kek.length !== 32) throw new ConfigError('CHAT_KEK must be 32 bytes, base64-encoded (openssl rand -base64 32)');
    return kek;
  }
  if (env.NODE_ENV === 'production') throw new ConfigError('CHAT_KEK is required in production (openssl rand -base64 32)');
  const file = path.join(path.resolve(env.DATA_DIR ?? '.data'), 'keys', 'chat-kek');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  const kek = randomBytes(32);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, kek.toString('base64'), { mode: 0o600 });
  return kek;
}
