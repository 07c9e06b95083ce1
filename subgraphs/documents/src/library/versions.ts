// Changing what a document is: restore an older version as the newest (a new row pointing at the same
// ciphertext, nothing overwritten), soft delete by the owner, and erasure by an admin (every stored
// byte and wrapped key removed; the rows and the audit trail stay).
import { randomUUID } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, notFound, recordAudit, requirePermission } from '@clinic/service-kit';
import { DocumentSchema, DocumentShareSchema, DocumentVersionSchema, type Document } from '../entities/document.ts';
import type { DocumentsSettings } from '../settings.ts';
import { auditActor, type Actor } from '../actor.ts';
import { canManage, ERASE_PERMISSION } from './access.ts';

async function managed(tx: EntityManager, actor: Actor, id: string): Promise<Document> {
  const doc = await tx.findOne(DocumentSchema, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!doc || !canManage(actor.viewer, doc)) throw notFound('Document');
  return doc;
}

function audit(tx: EntityManager, actor: Actor, doc: Document, action: string, detail?: Record<string, number | string>) {
  recordAudit(tx, auditActor(actor), { action, resourceType: 'Document', resourceId: doc.id, subjectUserId: doc.ownerId, outcome: 'SUCCESS', detail });
}

export async function restoreVersion(em: EntityManager, actor: Actor, settings: DocumentsSettings, documentId: string, version: number): Promise<Document> {
  return em.transactional(async (tx) => {
    const doc = await managed(tx, actor, documentId);
    const old = await tx.findOne(DocumentVersionSchema, { documentId, version });
    if (!old) throw badUserInput(`Version ${version} does not exist`, { field: 'version' });
    if (version === doc.currentVersion) return doc;
    doc.currentVersion += 1;
    doc.updatedAt = settings.now();
    tx.create(DocumentVersionSchema, {
      ...old,
      id: randomUUID(),
      version: doc.currentVersion,
      uploadedBy: actor.viewer.kind === 'user' ? actor.viewer.userId : old.uploadedBy,
      restoredFrom: version,
      createdAt: settings.now(),
    });
    audit(tx, actor, doc, 'document.restore', { version: doc.currentVersion, restoredFrom: version });
    return doc;
  });
}

export async function deleteDocument(em: EntityManager, actor: Actor, settings: DocumentsSettings, id: string): Promise<void> {
  await em.transactional(async (tx) => {
    const doc = await managed(tx, actor, id);
    doc.deletedAt = settings.now();
    audit(tx, actor, doc, 'document.delete');
  });
}

/** Right to be forgotten: the bytes go first, then the keys; a retry finishes a half-done erasure. */
export async function eraseDocument(em: EntityManager, actor: Actor, settings: DocumentsSettings, id: string): Promise<void> {
  requirePermission(actor.viewer, ERASE_PERMISSION);
  const versions = await em.find(DocumentVersionSchema, { documentId: id });
  const doc = await em.findOne(DocumentSchema, { id });
  if (!doc) throw notFound('Document');
  const keys = versions.flatMap((v) => [v.storageKey, v.previewKey]).filter((k): k is string => k !== null);
  for (const key of new Set(keys)) await settings.store.delete(key);
  await em.transactional(async (tx) => {
    await tx.nativeUpdate(DocumentVersionSchema, { documentId: id }, { storageKey: null, previewKey: null, wrappedKey: null, kekId: null });
    await tx.nativeDelete(DocumentShareSchema, { documentId: id });
    await tx.nativeUpdate(DocumentSchema, { id }, { erasedAt: settings.now() });
    audit(tx, actor, doc, 'document.erase', { versions: versions.length });
  });
}
