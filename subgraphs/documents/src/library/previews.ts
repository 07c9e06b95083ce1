// Thumbnails: a PNG of at most 256×256, made once, right after the version is stored, and stored
// encrypted beside it. JPEG and PNG: resized from the decrypted stream (sharp). PDF: the first page,
// rendered in a worker (`pdf-first-page.ts`) from the decrypted file held in memory, so only PDFs up to
// PDF_PREVIEW_MAX_BYTES get one.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FORMATS } from '../catalog/document-types.ts';
import { PDF_PREVIEW_MAX_BYTES, renderPdfFirstPage } from './pdf-first-page.ts';
import { decryptStream, encryptStream } from '../crypto/framed-gcm.ts';
import { previewKeyOf } from '../crypto/key-encryption.ts';
import { DocumentVersionSchema, type DocumentVersion } from '../entities/document.ts';
import type { DocumentsSettings } from '../settings.ts';

const IMAGES = new Set<string>([FORMATS.JPEG, FORMATS.PNG]);
export const PREVIEW_SIZE = 256;

/** Whether a version of this format and size gets a thumbnail. */
export const hasPreview = (contentType: string, size: number) => IMAGES.has(contentType) || (contentType === FORMATS.PDF && size <= PDF_PREVIEW_MAX_BYTES);

async function pdfThumbnail(plain: Readable): Promise<Readable> {
  const chunks: Buffer[] = [];
  for await (const chunk of plain) chunks.push(chunk as Buffer);
  const png = await renderPdfFirstPage(Buffer.concat(chunks), PREVIEW_SIZE);
  if (!png) throw new Error('the PDF has no page');
  return Readable.from([png]);
}

export async function makePreview(em: EntityManager, settings: DocumentsSettings, version: DocumentVersion): Promise<boolean> {
  if (!hasPreview(version.contentType, version.size) || version.previewKey || !version.storageKey || !version.wrappedKey || !version.kekId) return false;
  const dataKey = await settings.keys.unwrap({ kekId: version.kekId, wrapped: version.wrappedKey });
  const previewKey = `${version.storageKey}-preview`;
  const sealed = encryptStream(previewKeyOf(dataKey));
  const source = await settings.store.get(version.storageKey);
  const plain = source.pipe(decryptStream(dataKey));
  source.once('error', (error) => plain.destroy(error));
  const making = IMAGES.has(version.contentType)
    ? pipeline(plain, sharp({ limitInputPixels: 100_000_000 }).resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true }).png(), sealed)
    : pdfThumbnail(plain).then((png) => pipeline(png, sealed));
  try {
    await Promise.all([making.catch((error: unknown) => { sealed.destroy(error as Error); throw error; }), settings.store.put(previewKey, sealed)]);
  } catch (error) {
    await settings.store.delete(previewKey).catch(() => undefined);
    throw error;
  }
  await em.nativeUpdate(DocumentVersionSchema, { id: version.id }, { previewKey });
  return true;
}
