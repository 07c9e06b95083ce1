// The one way bytes become a document version, for uploads and generated PDFs alike: streamed through
// the inspector (real type, size, SHA-256) and a fresh data key's framed AES-256-GCM into the blob
// store; only when every byte arrived as expected is the version recorded (with its audit event). On
// any refusal the partial object is removed: nothing is stored.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '@clinic/service-kit';
import { documentTypeRule } from '../catalog/document-types.ts';
import { encryptStream } from '../crypto/framed-gcm.ts';
import { newDataKey } from '../crypto/key-encryption.ts';
import { DocumentSchema, DocumentVersionSchema } from '../entities/document.ts';
import { inspectUpload, UploadRefused } from '../transfer/inspect-upload.ts';
import type { DocumentsSettings } from '../settings.ts';
import { auditActor, type Actor } from '../actor.ts';

export class DocumentGone extends Error {}

export interface VersionTarget {
  documentId: string;
  /** True: the document is created with this first version. */
  newDocument: boolean;
  ownerId: string;
  type: string;
  appointmentId: string | null;
  fileName: string;
  /** The exact size announced, or null (generated files): then only the type's maximum applies. */
  expectedSize: number | null;
  uploadedBy: string;
}

export interface StoredVersion {
  documentId: string;
  version: number;
}

export async function storeVersion(em: EntityManager, actor: Actor, settings: DocumentsSettings, target: VersionTarget, body: Readable): Promise<StoredVersion> {
  const rule = documentTypeRule(target.type)!;
  const dataKey = newDataKey();
  const wrapped = await settings.keys.wrap(dataKey);
  const versionId = randomUUID();
  const storageKey = `${target.documentId}/${versionId}`;
  const inspector = inspectUpload(rule, Math.min(target.expectedSize ?? rule.maxBytes, rule.maxBytes));
  const sealed = encryptStream(dataKey);
  // The body is piped, not part of the pipeline: a refusal must leave an HTTP request open for the answer.
  const flowing = pipeline(inspector, sealed);
  const onBodyError = (error: Error) => inspector.destroy(error);
  body.once('error', onBodyError);
  body.pipe(inspector);
  try {
    // Both settle before we go on, so a refusal never races the store's own clean-up.
    const settled = await Promise.allSettled([flowing, settings.store.put(storageKey, sealed)]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const outcome = inspector.outcome();
    if (target.expectedSize !== null && outcome.size !== target.expectedSize) {
      throw new UploadRefused('SIZE_MISMATCH', `Received ${outcome.size} bytes, ${target.expectedSize} were announced`);
    }
    const version = await em.transactional(async (tx) => {
      let doc = await tx.findOne(DocumentSchema, { id: target.documentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const now = settings.now();
      if (target.newDocument) {
        doc = tx.create(DocumentSchema, {
          id: target.documentId,
          ownerId: target.ownerId,
          type: target.type,
          appointmentId: target.appointmentId,
          currentVersion: 1,
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
          erasedAt: null,
        });
        await tx.flush(); // the version row references it (entities declare no relations to order inserts by)
      } else {
        if (!doc || doc.deletedAt || doc.erasedAt) throw new DocumentGone('the document is gone');
        doc.currentVersion += 1;
        doc.updatedAt = now;
      }
      tx.create(DocumentVersionSchema, {
        id: versionId,
        documentId: doc.id,
        version: doc.currentVersion,
        fileName: target.fileName,
        contentType: outcome.contentType,
        size: outcome.size,
        sha256: outcome.sha256,
        storageKey,
        wrappedKey: wrapped.wrapped,
        kekId: wrapped.kekId,
        previewKey: null,
        uploadedBy: target.uploadedBy,
        restoredFrom: null,
        createdAt: now,
      });
      recordAudit(tx, auditActor(actor), {
        action: 'document.upload',
        resourceType: 'Document',
        resourceId: doc.id,
        subjectUserId: doc.ownerId,
        outcome: 'SUCCESS',
        detail: { version: doc.currentVersion, type: doc.type },
      });
      return doc.currentVersion;
    });
    return { documentId: target.documentId, version };
  } catch (error) {
    body.unpipe(inspector);
    flowing.catch(() => undefined);
    await settings.store.delete(storageKey).catch(() => undefined);
    throw error;
  } finally {
    body.off('error', onBodyError);
  }
}
