// Thin resolvers: check who is asking, call the domain, map the result. Every document that leaves this
// subgraph went through `readable` (access) and was written to the audit log as read.
import { DateTimeScalar, JSONScalar, forbidden, outboxAdminResolvers, notFound, recordAudit, requireRole, requireUser } from '@clinic/service-kit';
import type { Resolvers } from '../generated/resolvers-types.ts';
import type { DocumentsContext } from '../context.ts';
import { auditActor, isUuid } from '../actor.ts';
import { DOCUMENT_TYPES, FORMATS } from '../catalog/document-types.ts';
import { DocumentSchema, type Document, type DocumentVersion } from '../entities/document.ts';
import { canManage, isStaffReader, readable } from '../library/access.ts';
import { grantUpload, grantVersionUpload } from '../library/uploads.ts';
import { downloadUrlFor } from '../library/downloads.ts';
import { deleteDocument, eraseDocument, restoreVersion } from '../library/versions.ts';
import { rotateDataKeys } from '../library/key-rotation.ts';
import { revokeShare, shareDocument } from '../sharing/shares.ts';
import { appointmentFor, createVisitSummary, generateConfirmation } from '../generation/generate.ts';
import { intakeFormFor, intakeSchema } from '../intake/forms.ts';
import { submitIntake } from '../intake/submit-intake.ts';

/** Filters to what the viewer may read and records one audit event per document read. */
async function reading(ctx: DocumentsContext, docs: Document[]): Promise<Document[]> {
  const visible = await readable(ctx.em, ctx.viewer, docs);
  if (visible.length) {
    const em = ctx.em.fork();
    for (const doc of visible) {
      recordAudit(em, auditActor(ctx.actor), { action: 'document.read', resourceType: 'Document', resourceId: doc.id, subjectUserId: doc.ownerId, outcome: 'SUCCESS' });
    }
    await em.flush();
  }
  return visible;
}

async function one(ctx: DocumentsContext, id: string): Promise<Document | null> {
  const doc = await ctx.loaders.document.load(id);
  return doc ? ((await reading(ctx, [doc]))[0] ?? null) : null;
}

async function current(ctx: DocumentsContext, doc: Document): Promise<DocumentVersion> {
  const versions = await ctx.loaders.versions.load(doc.id);
  return versions.find((v) => v.version === doc.currentVersion)!;
}

const live = { deletedAt: null, erasedAt: null };
const outboxAdmin = outboxAdminResolvers('documents');

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    ...outboxAdmin.Query,
    documentTypes: () => [...DOCUMENT_TYPES],
    document: (_, { id }, ctx) => {
      requireUser(ctx.viewer);
      return isUuid(id) ? one(ctx, id) : null;
    },
    myDocuments: async (_, { type }, ctx) => {
      const user = requireUser(ctx.viewer);
      const docs = await ctx.em.find(DocumentSchema, { ownerId: user.userId, ...live, ...(type ? { type } : {}) }, { orderBy: { createdAt: 'desc' } });
      return reading(ctx, docs);
    },
    intakeForm: async (_, { appointmentId, language }, ctx) => {
      if (!isUuid(appointmentId)) throw notFound('Appointment');
      const party = await appointmentFor(ctx.em, ctx.actor, appointmentId, 'participant');
      const form = intakeFormFor(party.consultationType);
      return { id: form.id, consultationType: party.consultationType, schema: intakeSchema(form, language) };
    },
  },
  Mutation: {
    ...outboxAdmin.Mutation,
    createUpload: (_, args, ctx) => grantUpload(ctx.em, ctx.actor, ctx.settings, args),
    createVersionUpload: (_, args, ctx) => grantVersionUpload(ctx.em, ctx.actor, ctx.settings, args),
    restoreDocumentVersion: (_, { documentId, version }, ctx) => {
      if (!isUuid(documentId)) throw notFound('Document');
      return restoreVersion(ctx.em, ctx.actor, ctx.settings, documentId, version);
    },
    deleteDocument: async (_, { id }, ctx) => {
      if (!isUuid(id)) throw notFound('Document');
      await deleteDocument(ctx.em, ctx.actor, ctx.settings, id);
      return true;
    },
    eraseDocument: async (_, { id }, ctx) => {
      if (!isUuid(id)) throw notFound('Document');
      await eraseDocument(ctx.em, ctx.actor, ctx.settings, id);
      return true;
    },
    shareDocument: (_, { documentId, doctorId }, ctx) => shareDocument(ctx.em, ctx.actor, ctx.settings, documentId, doctorId),
    revokeDocumentShare: (_, { documentId, doctorId }, ctx) => revokeShare(ctx.em, ctx.actor, documentId, doctorId),
    generateAppointmentConfirmation: (_, args, ctx) => {
      if (!isUuid(args.appointmentId)) throw notFound('Appointment');
      return generateConfirmation(ctx.em, ctx.actor, ctx.settings, args);
    },
    createVisitSummary: (_, args, ctx) => {
      if (!isUuid(args.appointmentId)) throw notFound('Appointment');
      return createVisitSummary(ctx.em, ctx.actor, ctx.settings, args);
    },
    submitIntakeForm: (_, args, ctx) => {
      if (!isUuid(args.appointmentId)) throw notFound('Appointment');
      return submitIntake(ctx.em, ctx.actor, ctx.settings, args);
    },
    rotateDocumentKeys: (_, __, ctx) => {
      requireRole(ctx.viewer, 'ADMIN');
      return rotateDataKeys(ctx.em, ctx.actor, ctx.settings.keys);
    },
  },
  DocumentTypeRule: {
    contentTypes: (rule) => rule.formats.map((format) => FORMATS[format]),
  },
  Document: {
    __resolveReference: (ref, ctx) => (isUuid(ref.id) ? one(ctx, ref.id) : null),
    owner: (doc) => ({ id: doc.ownerId }),
    appointment: (doc) => (doc.appointmentId ? { id: doc.appointmentId } : null),
    fileName: async (doc, _, ctx) => (await current(ctx, doc)).fileName,
    contentType: async (doc, _, ctx) => (await current(ctx, doc)).contentType,
    size: async (doc, _, ctx) => (await current(ctx, doc)).size,
    currentVersion: (doc, _, ctx) => current(ctx, doc),
    versions: (doc, _, ctx) => ctx.loaders.versions.load(doc.id),
    downloadUrl: async (doc, _, ctx) => downloadUrlFor(ctx.settings, ctx.viewer, await current(ctx, doc)) ?? '',
    previewUrl: async (doc, _, ctx) => downloadUrlFor(ctx.settings, ctx.viewer, await current(ctx, doc), 'preview'),
    sharedWith: async (doc, _, ctx) => (canManage(ctx.viewer, doc) || isStaffReader(ctx.viewer) ? (await ctx.loaders.shares.load(doc.id)).map((id) => ({ id })) : []),
  },
  DocumentVersion: {
    uploadedBy: (v) => ({ id: v.uploadedBy }),
    uploadedAt: (v) => v.createdAt,
    downloadUrl: (v, _, ctx) => downloadUrlFor(ctx.settings, ctx.viewer, v),
    previewUrl: (v, _, ctx) => downloadUrlFor(ctx.settings, ctx.viewer, v, 'preview'),
  },
  User: {
    documents: async (user, _, ctx) => {
      const viewer = requireUser(ctx.viewer);
      if (!isUuid(user.id)) return [];
      if (viewer.userId !== user.id && viewer.roles.includes('PATIENT') && !isStaffReader(viewer)) throw forbidden();
      const docs = await ctx.em.find(DocumentSchema, { ownerId: user.id, ...live }, { orderBy: { createdAt: 'desc' } });
      return reading(ctx, docs);
    },
  },
  Appointment: {
    documents: async (appointment, _, ctx) => {
      requireUser(ctx.viewer);
      if (!isUuid(appointment.id)) return [];
      const docs = await ctx.em.find(DocumentSchema, { appointmentId: appointment.id, ...live }, { orderBy: { createdAt: 'asc' } });
      return reading(ctx, docs);
    },
  },
};
