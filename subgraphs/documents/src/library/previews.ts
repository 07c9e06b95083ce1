// Thumbnails: a PNG of at most 256×256 for JPEG and PNG versions, made once, right after the version is
// stored, from the decrypted stream (sharp), and stored encrypted beside it. PDFs get none: rendering a
// page needs a PDF rasteriser (pdftoppm or a canvas), which this service does not ship.
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FORMATS } from '../catalog/document-types.ts';
import { decryptStream, encryptStream } from '../crypto/framed-gcm.ts';
import { previewKeyOf } from '../crypto/key-encryption.ts';
import { DocumentVersionSchema, type DocumentVersion } from '../entities/document.ts';
import type { DocumentsSettings } from '../settings.ts';

const PREVIEWABLE = new Set<string>([FORMATS.JPEG, FORMATS.PNG]);
export const PREVIEW_SIZE = 256;

export async function makePreview(em: EntityManager, settings: DocumentsSettings, version: DocumentVersion): Promise<boolean> {
  if (!PREVIEWABLE.has(version.contentType) || version.previewKey || !version.storageKey || !version.wrappedKey || !version.kekId) return false;
  const dataKey = await settings.keys.unwrap({ kekId: version.kekId, wrapped: version.wrappedKey });
  const previewKey = `${version.storageKey}-preview`;
  const thumbnail = sharp({ limitInputPixels: 100_000_000 }).resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true }).png();
  const sealed = encryptStream(previewKeyOf(dataKey));
  const source = await settings.store.get(version.storageKey);
  try {
    await Promise.all([pipeline(source, decryptStream(dataKey), thumbnail, sealed), settings.store.put(previewKey, sealed)]);
  } catch (error) {
    await settings.store.delete(previewKey).catch(() => undefined);
    throw error;
  }
  await em.nativeUpdate(DocumentVersionSchema, { id: version.id }, { previewKey });
  return true;
}
