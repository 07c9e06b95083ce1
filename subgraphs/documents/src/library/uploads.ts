// Granting an upload: checks what is to be uploaded against the document type's rules and the
// caller's rights, and records a single-use ticket behind a short-lived signed URL. The bytes never
// travel through GraphQL; they go to the /files/upload route (see receive-upload.ts).
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { badUserInput, forbidden, hasPermission, notFound, requireUser } from '@clinic/service-kit';
import { documentTypeRule } from '../catalog/document-types.ts';
import { AppointmentPartySchema, DocumentSchema, UploadTicketSchema } from '../entities/document.ts';
import { signTransfer } from '../transfer/signed-url.ts';
import type { DocumentsSettings } from '../settings.ts';
import type { Actor } from '../actor.ts';
import { canManage } from './access.ts';

export const UPLOAD_PATH = '/files/upload';

export interface GrantedUpload {
  documentId: string;
  url: string;
  method: 'PUT';
  expiresAt: Date;
  maxBytes: number;
}

const fileName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((name) => ![...name].some((c) => c < ' ' || c === '\u007f' || c === '/' || c === '\\'), 'must not contain slashes or control characters');

const newUpload = z.object({
  type: z.string(),
  fileName,
  size: z.number().int().positive(),
  appointmentId: z.string().uuid().nullish(),
});

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw badUserInput(`${issue.path.join('.') || 'input'}: ${issue.message}`, { field: issue.path.join('.') });
  }
  return result.data;
}

function ruleFor(type: string, size: number) {
  const rule = documentTypeRule(type);
  if (!rule) throw badUserInput(`Unknown document type ${type}`, { field: 'type' });
  if (size > rule.maxBytes) throw badUserInput(`${type} documents may be at most ${rule.maxBytes} bytes`, { field: 'size', maxBytes: rule.maxBytes });
  return rule;
}

async function ticket(
  em: EntityManager,
  actor: Actor,
  settings: DocumentsSettings,
  fields: { ownerId: string; documentId: string; newDocument: boolean; type: string; fileName: string; size: number; appointmentId: string | null },
): Promise<GrantedUpload> {
  const user = requireUser(actor.viewer);
  const rule = ruleFor(fields.type, fields.size);
  const expiresAt = new Date(settings.now().getTime() + settings.uploadTtlMs);
  const id = randomUUID();
  em.create(UploadTicketSchema, { id, userId: user.userId, ...fields, expiresAt, usedAt: null });
  await em.flush();
  const token = signTransfer(settings.urlSecret, { purpose: 'upload', subject: id, userId: user.userId, expiresAt: expiresAt.getTime() });
  return { documentId: fields.documentId, url: `${settings.publicUrl}${UPLOAD_PATH}?t=${token}`, method: 'PUT', expiresAt, maxBytes: Math.min(rule.maxBytes, fields.size) };
}

/** A new document, owned by the caller, or (attached to an appointment) by that appointment's patient. */
export async function grantUpload(em: EntityManager, actor: Actor, settings: DocumentsSettings, input: unknown): Promise<GrantedUpload> {
  const user = requireUser(actor.viewer);
  const { type, fileName: name, size, appointmentId } = parse(newUpload, input);
  let ownerId = user.userId;
  if (appointmentId) {
    const party = await em.findOne(AppointmentPartySchema, { appointmentId });
    if (!party) throw notFound('Appointment');
    const mayAttach = party.patientId === user.userId || party.doctorId === user.userId || hasPermission(user, 'documents:write');
    if (!mayAttach) throw notFound('Appointment');
    ownerId = party.patientId;
  }
  return ticket(em, actor, settings, { ownerId, documentId: randomUUID(), newDocument: true, type, fileName: name, size, appointmentId: appointmentId ?? null });
}

/** A new version of an existing document (same type), by its owner or staff. */
export async function grantVersionUpload(em: EntityManager, actor: Actor, settings: DocumentsSettings, input: unknown): Promise<GrantedUpload> {
  const { documentId, fileName: name, size } = parse(z.object({ documentId: z.string().uuid(), fileName, size: z.number().int().positive() }), input);
  const doc = await em.findOne(DocumentSchema, { id: documentId });
  if (!doc || !canManage(actor.viewer, doc)) {
    if (doc && doc.ownerId === (actor.viewer.kind === 'user' ? actor.viewer.userId : null)) throw forbidden();
    throw notFound('Document');
  }
  return ticket(em, actor, settings, { ownerId: doc.ownerId, documentId, newDocument: false, type: doc.type, fileName: name, size, appointmentId: doc.appointmentId });
}
