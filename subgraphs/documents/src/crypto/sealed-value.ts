// Small values kept in a table (a patient's intake answers) under the same envelope as files: a fresh
// 256-bit data key per value, AES-256-GCM, the data key stored wrapped by the key-encryption key (so key
// rotation re-wraps it like a file's). The row's id is bound as associated data: a ciphertext copied
// onto another row does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { newDataKey, type KeyEncryptionKeys } from './key-encryption.ts';

export interface SealedValue {
  /** iv (12) ‖ ciphertext ‖ tag (16). */
  ciphertext: Buffer;
  wrappedKey: Buffer;
  kekId: string;
}

export async function sealValue(keys: KeyEncryptionKeys, plaintext: Buffer, boundTo: string): Promise<SealedValue> {
  const dataKey = newDataKey();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(boundTo));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const wrapped = await keys.wrap(dataKey);
  return { ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]), wrappedKey: wrapped.wrapped, kekId: wrapped.kekId };
}

export async function openValue(keys: KeyEncryptionKeys, sealed: SealedValue, boundTo: string): Promise<Buffer> {
  const dataKey = await keys.unwrap({ kekId: sealed.kekId, wrapped: sealed.wrappedKey });
  const { ciphertext } = sealed;
  const decipher = createDecipheriv('aes-256-gcm', dataKey, ciphertext.subarray(0, 12));
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  return Buffer.concat([decipher.update(ciphertext.subarray(12, ciphertext.length - 16)), decipher.final()]);
}
