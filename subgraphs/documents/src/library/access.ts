// Who may read a document: its owner, the doctor of the appointment it is attached to, a doctor it is
// shared with, the current members of a chat conversation it was attached in, and staff holding
// `documents:read` (admins hold every permission). Nobody else, on any
// path: single reads, lists, entity references and the download route all ask here. Batched per list.
import type { EntityManager } from '@mikro-orm/postgresql';
import { hasPermission, type Viewer } from '@clinic/service-kit';
import { AppointmentPartySchema, DocumentShareSchema, type Document } from '../entities/document.ts';

export const READ_PERMISSION = 'documents:read';
export const ERASE_PERMISSION = 'documents:erase';

export const isStaffReader = (viewer: Viewer) => hasPermission(viewer, READ_PERMISSION);

/** The documents of `docs` the viewer may read (deleted and erased ones never), in the given order. */
export async function readable(em: EntityManager, viewer: Viewer, docs: Document[]): Promise<Document[]> {
  if (viewer.kind !== 'user') return [];
  const live = docs.filter((d) => !d.deletedAt && !d.erasedAt);
  if (isStaffReader(viewer)) return live;
  const others = live.filter((d) => d.ownerId !== viewer.userId);
  if (others.length === 0) return live;
  const shares = await em.find(DocumentShareSchema, { doctorId: viewer.userId, documentId: { $in: others.map((d) => d.id) } });
  const appointmentIds = [...new Set(others.map((d) => d.appointmentId).filter((id): id is string => id !== null))];
  const parties = appointmentIds.length
    ? await em.find(AppointmentPartySchema, { doctorId: viewer.userId, appointmentId: { $in: appointmentIds } })
    : [];
  const inConversation = await sharedInConversationsOf(em, viewer.userId, others.map((d) => d.id));
  const shared = new Set(shares.map((s) => s.documentId));
  const treating = new Set(parties.map((p) => p.appointmentId));
  return live.filter(
    (d) => d.ownerId === viewer.userId || shared.has(d.id) || inConversation.has(d.id) || (d.appointmentId !== null && treating.has(d.appointmentId)),
  );
}

/** Of these documents, those attached in a chat conversation the user is a member of now. */
async function sharedInConversationsOf(em: EntityManager, userId: string, documentIds: string[]): Promise<Set<string>> {
  const rows = await em.execute<{ document_id: string }[]>(
    `select distinct s.document_id from conversation_shares s join conversation_members m on m.conversation_id = s.conversation_id
     where s.document_id = any(?::uuid[]) and ?::uuid = any(m.member_ids)`,
    [`{${documentIds.join(',')}}`, userId],
  );
  return new Set(rows.map((r) => r.document_id));
}

export async function canRead(em: EntityManager, viewer: Viewer, doc: Document): Promise<boolean> {
  return (await readable(em, viewer, [doc])).length === 1;
}

/** Changing a document (new version, restore, delete, share) is for its owner, or staff. */
export function canManage(viewer: Viewer, doc: Document): boolean {
  if (viewer.kind !== 'user' || doc.deletedAt || doc.erasedAt) return false;
  return doc.ownerId === viewer.userId || hasPermission(viewer, 'documents:write');
}
