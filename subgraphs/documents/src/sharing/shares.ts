// Sharing a document with one doctor, and taking it back. Only the owner (or staff with documents:write)
// decides; the doctor then reads it through every path until the share is revoked.
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, notFound, recordAudit } from '@clinic/service-kit';
import { DocumentSchema, DocumentShareSchema, type Document } from '../entities/document.ts';
import type { DocumentsSettings } from '../settings.ts';
import { auditActor, isUuid, type Actor } from '../actor.ts';
import { canManage } from '../library/access.ts';

async function change(em: EntityManager, actor: Actor, documentId: string, doctorId: string, action: string, apply: (tx: EntityManager, doc: Document) => Promise<void>) {
  if (!isUuid(documentId)) throw notFound('Document');
  if (!isUuid(doctorId)) throw badUserInput('doctorId is not a valid id', { field: 'doctorId' });
  return em.transactional(async (tx) => {
    const doc = await tx.findOne(DocumentSchema, { id: documentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!doc || !canManage(actor.viewer, doc)) throw notFound('Document');
    await apply(tx, doc);
    recordAudit(tx, auditActor(actor), { action, resourceType: 'Document', resourceId: doc.id, subjectUserId: doc.ownerId, outcome: 'SUCCESS', detail: { doctorId } });
    return doc;
  });
}

export function shareDocument(em: EntityManager, actor: Actor, settings: DocumentsSettings, documentId: string, doctorId: string): Promise<Document> {
  return change(em, actor, documentId, doctorId, 'document.share', async (tx) => {
    const sharedBy = actor.viewer.kind === 'user' ? actor.viewer.userId : doctorId;
    await tx.execute(`insert into document_shares (document_id, doctor_id, shared_by, created_at) values (?, ?, ?, ?) on conflict do nothing`, [
      documentId,
      doctorId,
      sharedBy,
      settings.now(),
    ]);
  });
}

export function revokeShare(em: EntityManager, actor: Actor, documentId: string, doctorId: string): Promise<Document> {
  return change(em, actor, documentId, doctorId, 'document.unshare', async (tx) => {
    await tx.nativeDelete(DocumentShareSchema, { documentId, doctorId });
  });
}
