// Documents the clinic writes itself: the appointment confirmation (for anyone taking part) and the
// visit summary (by the appointment's doctor), rendered to PDF in the chosen language and stored like
// an upload (encrypted, versioned, audited), owned by the patient and attached to the appointment.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, hasPermission, notFound, requireUser } from '@clinic/service-kit';
import { AppointmentPartySchema, DocumentSchema, DocumentVersionSchema, type AppointmentParty, type Document } from '../entities/document.ts';
import { storeVersion } from '../library/store-version.ts';
import { makePreview } from '../library/previews.ts';
import type { DocumentsSettings } from '../settings.ts';
import type { Actor } from '../actor.ts';
import { renderPdf, type PdfContent } from './render-pdf.ts';
import { formatWhen, TEXT, type Language } from './templates.ts';

export type Role = 'participant' | 'doctor' | 'patient';

/** The appointment, if the viewer takes part in it in that role (or is staff); NOT_FOUND otherwise. */
export async function appointmentFor(em: EntityManager, actor: Actor, appointmentId: string, role: Role): Promise<AppointmentParty> {
  const user = requireUser(actor.viewer);
  const party = await em.findOne(AppointmentPartySchema, { appointmentId });
  if (!party) throw notFound('Appointment');
  const staff = hasPermission(user, 'documents:write');
  const isPatient = party.patientId === user.userId;
  const isDoctor = party.doctorId === user.userId;
  const allowed = staff || (role === 'participant' ? isPatient || isDoctor : role === 'doctor' ? isDoctor : isPatient);
  if (!allowed) throw notFound('Appointment');
  return party;
}

export function checkedTimeZone(timeZone: string | null | undefined): string {
  const zone = timeZone ?? 'Europe/Bucharest';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    throw badUserInput(`Unknown time zone ${zone}`, { field: 'timeZone' });
  }
}

export function appointmentFields(party: AppointmentParty, language: Language, timeZone: string) {
  const t = TEXT[language];
  return [
    { label: t.appointment, value: party.appointmentId },
    { label: t.when, value: formatWhen(party.startsAt, language, timeZone) },
    { label: t.duration, value: `${Math.round((party.endsAt.getTime() - party.startsAt.getTime()) / 60_000)} ${t.minutes}` },
    { label: t.consultationType, value: party.consultationType },
  ];
}

/** How long a generating mutation waits for the new PDF's thumbnail before answering without it. */
const PREVIEW_WAIT_MS = 3_000;

/** Renders and stores a new document (or a new version of `existingId`) for the appointment's patient. */
export async function storeGenerated(
  em: EntityManager,
  actor: Actor,
  settings: DocumentsSettings,
  party: AppointmentParty,
  type: string,
  fileName: string,
  content: Omit<PdfContent, 'footer' | 'language'> & { language: Language; timeZone: string },
  existingId: string | null = null,
): Promise<Document> {
  const user = requireUser(actor.viewer);
  const footer = TEXT[content.language].footer(formatWhen(settings.now(), content.language, content.timeZone));
  const pdf = renderPdf({ ...content, footer, language: content.language.toLowerCase() });
  const stored = await storeVersion(
    em,
    actor,
    settings,
    {
      documentId: existingId ?? randomUUID(),
      newDocument: existingId === null,
      ownerId: party.patientId,
      type,
      appointmentId: party.appointmentId,
      fileName,
      expectedSize: null,
      uploadedBy: user.userId,
    },
    pdf,
  );
  // Its first-page thumbnail, made once now. The answer waits for it a little (usually enough), not for
  // long: a busy renderer must not make the mutation time out; the thumbnail then appears when done. A
  // failure leaves the document without one.
  const version = await em.fork().findOneOrFail(DocumentVersionSchema, { documentId: stored.documentId, version: stored.version });
  const preview = makePreview(em.fork(), settings, version).catch(() => false);
  await Promise.race([preview, new Promise((resolve) => setTimeout(resolve, PREVIEW_WAIT_MS).unref())]);
  return em.fork().findOneOrFail(DocumentSchema, { id: stored.documentId });
}

export async function generateConfirmation(em: EntityManager, actor: Actor, settings: DocumentsSettings, input: { appointmentId: string; language: Language; timeZone?: string | null }): Promise<Document> {
  const party = await appointmentFor(em, actor, input.appointmentId, 'participant');
  const timeZone = checkedTimeZone(input.timeZone);
  const t = TEXT[input.language];
  return storeGenerated(em, actor, settings, party, 'OTHER', `${t.confirmationTitle}.pdf`, {
    title: t.confirmationTitle,
    fields: [...appointmentFields(party, input.language, timeZone), { label: t.status, value: party.status }],
    sections: [{ heading: '', text: t.confirmationNote }],
    language: input.language,
    timeZone,
  });
}

export async function createVisitSummary(
  em: EntityManager,
  actor: Actor,
  settings: DocumentsSettings,
  input: { appointmentId: string; language: Language; summary: string; recommendations?: string | null; timeZone?: string | null },
): Promise<Document> {
  const party = await appointmentFor(em, actor, input.appointmentId, 'doctor');
  if (!input.summary.trim() || input.summary.length > 20_000) throw badUserInput('summary must have 1 to 20000 characters', { field: 'summary' });
  if ((input.recommendations?.length ?? 0) > 20_000) throw badUserInput('recommendations has at most 20000 characters', { field: 'recommendations' });
  const timeZone = checkedTimeZone(input.timeZone);
  const t = TEXT[input.language];
  return storeGenerated(em, actor, settings, party, 'VISIT_SUMMARY', `${t.visitSummaryTitle}.pdf`, {
    title: t.visitSummaryTitle,
    fields: appointmentFields(party, input.language, timeZone),
    sections: [
      { heading: t.summary, text: input.summary },
      { heading: t.recommendations, text: input.recommendations ?? '' },
    ],
    language: input.language,
    timeZone,
  });
}
