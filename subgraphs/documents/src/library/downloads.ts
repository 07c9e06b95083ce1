// Downloads: a signed URL for one version, issued to one user; when it is used, the caller must be
// that user and must still be allowed to read the document. The bytes are decrypted while streaming.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAuditNow, type Viewer } from '@clinic/service-kit';
import { decryptStream } from '../crypto/framed-gcm.ts';
import { previewKeyOf } from '../crypto/key-encryption.ts';
import { DocumentSchema, DocumentVersionSchema, type Document, type DocumentVersion } from '../entities/document.ts';
import { signTransfer } from '../transfer/signed-url.ts';
import type { DocumentsSettings } from '../settings.ts';
import { auditActor, type Actor } from '../actor.ts';
import { canRead } from './access.ts';

export const DOWNLOAD_PATH = '/files/download';
export const PREVIEW_PATH = '/files/preview';

export type Served = 'download' | 'preview';

/** A download (or thumbnail) URL for the viewer (only called after the viewer was allowed to see the document). */
export function downloadUrlFor(settings: DocumentsSettings, viewer: Viewer, version: DocumentVersion, what: Served = 'download'): string | null {
  if (viewer.kind !== 'user' || !(what === 'download' ? version.storageKey : version.previewKey)) return null;
  const expiresAt = settings.now().getTime() + settings.downloadTtlMs;
  const token = signTransfer(settings.urlSecret, { purpose: what, subject: version.id, userId: viewer.userId, expiresAt });
  return `${settings.publicUrl}${what === 'download' ? DOWNLOAD_PATH : PREVIEW_PATH}?t=${token}`;
}

export class DownloadRefused extends Error {
  constructor(readonly status: 403 | 404) {
    super(status === 404 ? 'not found' : 'not allowed');
  }
}

export interface OpenedDownload {
  document: Document;
  version: DocumentVersion;
  body: Readable;
}

/** Checks access again, audits the read (or the refusal), and opens the decrypting stream. */
export async function openDownload(em: EntityManager, actor: Actor, settings: DocumentsSettings, versionId: string, what: Served = 'download'): Promise<OpenedDownload> {
  const version = await em.findOne(DocumentVersionSchema, { id: versionId });
  const document = version ? await em.findOne(DocumentSchema, { id: version.documentId }) : null;
  const storageKey = what === 'download' ? version?.storageKey : version?.previewKey;
  if (!version || !document || !storageKey || !version.wrappedKey || !version.kekId) throw new DownloadRefused(404);
  const allowed = await canRead(em, actor.viewer, document);
  await recordAuditNow(em, auditActor(actor), {
    action: `document.${what}`,
    resourceType: 'Document',
    resourceId: document.id,
    subjectUserId: document.ownerId,
    outcome: allowed ? 'SUCCESS' : 'DENIED',
    detail: { version: version.version },
  });
  if (!allowed) throw new DownloadRefused(document.deletedAt || document.erasedAt ? 404 : 403);
  const dataKey = await settings.keys.unwrap({ kekId: version.kekId, wrapped: version.wrappedKey });
  const stored = await settings.store.get(storageKey);
  const body = new PassThrough();
  pipeline(stored, decryptStream(what === 'download' ? dataKey : previewKeyOf(dataKey)), body).catch((error: unknown) => body.destroy(error as Error));
  return { document, version, body };
}
