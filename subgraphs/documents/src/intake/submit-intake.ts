// The patient's answers to the pre-appointment form: validated against the form of the appointment's
// consultation type, stored, and turned into a PDF attached to the appointment (a new version of the
// same document when the patient submits again).
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, requireUser } from '@clinic/service-kit';
import { IntakeSubmissionSchema, type Document } from '../entities/document.ts';
import { appointmentFields, appointmentFor, checkedTimeZone, storeGenerated } from '../generation/generate.ts';
import { TEXT, type Language } from '../generation/templates.ts';
import type { DocumentsSettings } from '../settings.ts';
import type { Actor } from '../actor.ts';
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
  await em.upsert(IntakeSubmissionSchema, {
    appointmentId: party.appointmentId,
    documentId: doc.id,
    formId: form.id,
    answers,
    submittedBy: user.userId,
    submittedAt: settings.now(),
  });
  return doc;
}
