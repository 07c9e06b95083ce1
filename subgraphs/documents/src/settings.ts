// The documents service's own settings, read from the environment once and validated (zod): where
// bytes are stored, the key-encryption keys, how long transfer URLs live and the secret that signs them.
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '@clinic/service-kit';
import { loadKeyEncryptionKeys, type KeyEncryptionKeys } from './crypto/key-encryption.ts';
import type { BlobStore } from './storage/blob-store.ts';
import { filesystemStore } from './storage/filesystem-store.ts';
import { s3Store } from './storage/s3-store.ts';

export interface DocumentsSettings {
  store: BlobStore;
  keys: KeyEncryptionKeys;
  urlSecret: Buffer;
  /** Prepended to /files/... in the URLs handed out (empty: relative to the API origin). */
  publicUrl: string;
  uploadTtlMs: number;
  downloadTtlMs: number;
  now: () => Date;
}

type Env = Record<string, string | undefined>;

const schema = z.object({
  NODE_ENV: z.string().optional(),
  DATA_DIR: z.string().default('.data'),
  ROUTER_SECRET: z.string().optional(),
  DOCUMENTS_URL_SECRET: z.string().min(32, 'DOCUMENTS_URL_SECRET must be at least 32 characters').optional(),
  DOCUMENTS_PUBLIC_URL: z.string().default(''),
  DOCUMENTS_UPLOAD_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  DOCUMENTS_DOWNLOAD_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  DOCUMENTS_STORAGE: z.enum(['filesystem', 's3']).default('filesystem'),
  DOCUMENTS_S3_BUCKET: z.string().optional(),
  DOCUMENTS_S3_PREFIX: z.string().default(''),
  DOCUMENTS_S3_ENDPOINT: z.string().url().optional(),
  DOCUMENTS_S3_REGION: z.string().default('us-east-1'),
  DOCUMENTS_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
});

export function loadDocumentsSettings(env: Env): DocumentsSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const s = parsed.data;
  const production = s.NODE_ENV === 'production';
  if (production && !s.DOCUMENTS_URL_SECRET) throw new ConfigError('DOCUMENTS_URL_SECRET is required in production');
  const dataDir = path.resolve(s.DATA_DIR);
  let store: BlobStore;
  if (s.DOCUMENTS_STORAGE === 's3') {
    if (!s.DOCUMENTS_S3_BUCKET) throw new ConfigError('DOCUMENTS_S3_BUCKET is required when DOCUMENTS_STORAGE=s3');
    store = s3Store({
      bucket: s.DOCUMENTS_S3_BUCKET,
      prefix: s.DOCUMENTS_S3_PREFIX,
      client: { region: s.DOCUMENTS_S3_REGION, endpoint: s.DOCUMENTS_S3_ENDPOINT, forcePathStyle: s.DOCUMENTS_S3_FORCE_PATH_STYLE === 'true' },
    });
  } else {
    store = filesystemStore(path.join(dataDir, 'documents'));
  }
  // Outside production the signing secret derives from the router secret every service already shares.
  const urlSecret = s.DOCUMENTS_URL_SECRET
    ? Buffer.from(s.DOCUMENTS_URL_SECRET)
    : createHmac('sha256', s.ROUTER_SECRET ?? 'dev-router-secret').update('documents-transfer-urls').digest();
  return {
    store,
    keys: loadKeyEncryptionKeys(env, dataDir),
    urlSecret,
    publicUrl: s.DOCUMENTS_PUBLIC_URL.replace(/\/$/, ''),
    uploadTtlMs: s.DOCUMENTS_UPLOAD_TTL_SECONDS * 1000,
    downloadTtlMs: s.DOCUMENTS_DOWNLOAD_TTL_SECONDS * 1000,
    now: () => new Date(),
  };
}
