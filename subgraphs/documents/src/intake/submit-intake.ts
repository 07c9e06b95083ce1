// The patient's answers to the pre-appointment form: validated against the form of the appointment's
// consultation type, stored, and turned into a PDF attached to the appointment (a new version of the
// same document when the patient submits again). The answers are stored sealed under their own data key.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, requireUser } from '@clinic/service-kit';
import { IntakeSubmissionSchema, type Document } from '../entities/document.ts';
import { appointmentFields, appointmentFor, checkedTimeZone, storeGenerated } from '../generation/generate.ts';
import { TEXT, type Language } from '../generation/templates.ts';
import type { DocumentsSettings } from '../settings.ts';
import type { Actor } from '../actor.ts';
import { openValue, sealValue } from '../crypto/sealed-value.ts';
import { answeredQuestions, intakeFormFor, intakeProblem } from './forms.ts';

export async function submitIntake(
  em: EntityManager,
  actor: Actor,
  settings: DocumentsSettings,
  input: { appointmentId: string; language: Language; answers: unknown; timeZone?: string | null },
): Promise<Document> {
  const user = requireUser(actor.viewer);
  const party = await appointmentFor(em, actor, input.appointmentId, 'patient');
  const form = intakeFormFor(party.consultationType);
  const problem = intakeProblem(form, input.answers);
  if (problem) throw badUserInput(`Form answers: ${problem}`, { field: 'answers' });
  const answers = input.answers as Record<string, unknown>;
  const timeZone = checkedTimeZone(input.timeZone);
  const t = TEXT[input.language];
  const previous = await em.findOne(IntakeSubmissionSchema, { appointmentId: party.appointmentId });
  const doc = await storeGenerated(
    em,
    actor,
    settings,
    party,
    'OTHER',
    `${t.intakeTitle}.pdf`,
    { title: t.intakeTitle, fields: appointmentFields(party, input.language, timeZone), sections: answeredQuestions(form, answers, input.language, t), language: input.language, timeZone },
    previous?.documentId ?? null,
  );
  const sealed = await sealValue(settings.keys, Buffer.from(JSON.stringify(answers)), party.appointmentId);
  await em.upsert(IntakeSubmissionSchema, {
    appointmentId: party.appointmentId,
    documentId: doc.id,
    formId: form.id,
    answersEnc: sealed.ciphertext,
    wrappedKey: sealed.wrappedKey,
    kekId: sealed.kekId,
    submittedBy: user.userId,
    submittedAt: settings.now(),
  });
  return doc;
}

/** The stored answers of an appointment's intake form, decrypted (null when none were submitted). */
export async function storedIntakeAnswers(em: EntityManager, settings: DocumentsSettings, appointmentId: string): Promise<Record<string, unknown> | null> {
  const row = await em.findOne(IntakeSubmissionSchema, { appointmentId });
  if (!row) return null;
  const plain = await openValue(settings.keys, { ciphertext: row.answersEnc, wrappedKey: row.wrappedKey, kekId: row.kekId }, row.appointmentId);
  return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
}
