// Receiving the bytes of a granted upload: claims the single-use ticket, streams the body through the
// inspector (real type, size, SHA-256) and a fresh data key's framed AES-256-GCM into the blob store,
// and only when every byte arrived as promised records the document version. On any refusal the
// partial object is removed: nothing is stored.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '@clinic/service-kit';
import { documentTypeRule } from '../catalog/document-types.ts';
import { encryptStream } from '../crypto/framed-gcm.ts';
import { newDataKey } from '../crypto/key-encryption.ts';
import { DocumentSchema, DocumentVersionSchema, UploadTicketSchema, type UploadTicket } from '../entities/document.ts';
import { inspectUpload, UploadRefused } from '../transfer/inspect-upload.ts';
import type { DocumentsSettings } from '../settings.ts';
import { auditActor, type Actor } from '../actor.ts';

export class TicketUnusable extends Error {}

/** Marks the ticket used, atomically: a second request with the same URL finds nothing to claim. */
async function claimTicket(em: EntityManager, ticketId: string, userId: string, now: Date): Promise<UploadTicket> {
  const rows = await em.execute<{ id: string }[]>(
    `update upload_tickets set used_at = ? where id = ? and user_id = ? and used_at is null and expires_at > ? returning id`,
    [now, ticketId, userId, now],
  );
  if (rows.length !== 1) throw new TicketUnusable('upload URL already used or expired');
  return em.findOneOrFail(UploadTicketSchema, { id: ticketId });
}

export interface ReceivedUpload {
  documentId: string;
  version: number;
}

export async function receiveUpload(
  em: EntityManager,
  actor: Actor,
  settings: DocumentsSettings,
  input: { ticketId: string; userId: string; body: Readable; declaredLength: number | null },
): Promise<ReceivedUpload> {
  const ticket = await claimTicket(em, input.ticketId, input.userId, settings.now());
  const rule = documentTypeRule(ticket.type)!;
  if (input.declaredLength !== null && input.declaredLength > ticket.size) {
    throw new UploadRefused('TOO_LARGE', `The file is larger than the ${ticket.size} bytes announced`);
  }
  const dataKey = newDataKey();
  const wrapped = await settings.keys.wrap(dataKey);
  const versionId = randomUUID();
  const storageKey = `${ticket.documentId}/${versionId}`;
  const inspector = inspectUpload(rule, Math.min(ticket.size, rule.maxBytes));
  const sealed = encryptStream(dataKey);
  // The request body is piped, not part of the pipeline: a refusal must leave it open for the answer.
  const flowing = pipeline(inspector, sealed);
  const onBodyError = (error: Error) => inspector.destroy(error);
  input.body.once('error', onBodyError);
  input.body.pipe(inspector);
  try {
    // Both settle before we go on, so a refusal never races the store's own clean-up.
    const settled = await Promise.allSettled([flowing, settings.store.put(storageKey, sealed)]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const outcome = inspector.outcome();
    if (outcome.size !== ticket.size) throw new UploadRefused('SIZE_MISMATCH', `Received ${outcome.size} bytes, ${ticket.size} were announced`);
    const version = await em.transactional(async (tx) => {
      let doc = await tx.findOne(DocumentSchema, { id: ticket.documentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const now = settings.now();
      if (ticket.newDocument) {
        doc = tx.create(DocumentSchema, {
          id: ticket.documentId,
          ownerId: ticket.ownerId,
          type: ticket.type,
          appointmentId: ticket.appointmentId,
          currentVersion: 1,
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
          erasedAt: null,
        });
        await tx.flush(); // the version row references it (entities declare no relations to order inserts by)
      } else {
        if (!doc || doc.deletedAt || doc.erasedAt) throw new TicketUnusable('the document is gone');
        doc.currentVersion += 1;
        doc.updatedAt = now;
      }
      tx.create(DocumentVersionSchema, {
        id: versionId,
        documentId: doc.id,
        version: doc.currentVersion,
        fileName: ticket.fileName,
        contentType: outcome.contentType,
        size: outcome.size,
        sha256: outcome.sha256,
        storageKey,
        wrappedKey: wrapped.wrapped,
        kekId: wrapped.kekId,
        uploadedBy: input.userId,
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
    return { documentId: ticket.documentId, version };
  } catch (error) {
    input.body.unpipe(inspector);
    flowing.catch(() => undefined);
    await settings.store.delete(storageKey).catch(() => undefined);
    throw error;
  } finally {
    input.body.off('error', onBodyError);
  }
}
