// Pre-appointment forms as data: one JSON Schema per consultation type (a general one otherwise), with
// every question's wording in English and Romanian. The patient's answers are validated against the
// schema (ajv) before they are stored and turned into a PDF.
import Ajv, { type ValidateFunction } from 'ajv';
import type { Language } from '../generation/templates.ts';

interface Question {
  key: string;
  /** JSON Schema of the answer. */
  schema: Record<string, unknown>;
  label: Record<Language, string>;
  required?: boolean;
}

interface IntakeFormDefinition {
  id: string;
  questions: Question[];
}

const GENERAL: Question[] = [
  { key: 'reason', schema: { type: 'string', minLength: 1, maxLength: 2000 }, label: { EN: 'What brings you in?', RO: 'Care este motivul consultației?' }, required: true },
  { key: 'symptomsSince', schema: { type: 'string', format: 'date' }, label: { EN: 'Since when?', RO: 'De când aveți simptomele?' } },
  { key: 'medications', schema: { type: 'string', maxLength: 2000 }, label: { EN: 'Current medication', RO: 'Medicație curentă' } },
  { key: 'allergies', schema: { type: 'string', maxLength: 1000 }, label: { EN: 'Allergies', RO: 'Alergii' } },
  { key: 'smoker', schema: { type: 'boolean' }, label: { EN: 'Do you smoke?', RO: 'Sunteți fumător?' } },
];

const FORMS: Record<string, IntakeFormDefinition> = {
  GENERAL: { id: 'general-v1', questions: GENERAL },
  VIDEO: {
    id: 'video-v1',
    questions: [...GENERAL, { key: 'camera', schema: { type: 'boolean' }, label: { EN: 'Can you show the affected area on camera?', RO: 'Puteți arăta zona afectată la cameră?' } }],
  },
  CARDIOLOGY: {
    id: 'cardiology-v1',
    questions: [
      ...GENERAL,
      { key: 'chestPain', schema: { type: 'integer', minimum: 0, maximum: 10 }, label: { EN: 'Chest pain (0–10)', RO: 'Durere în piept (0–10)' } },
      { key: 'bloodPressure', schema: { type: 'string', pattern: '^\\d{2,3}/\\d{2,3}$' }, label: { EN: 'Last blood pressure (e.g. 120/80)', RO: 'Ultima tensiune arterială (ex. 120/80)' } },
    ],
  },
};

export function intakeFormFor(consultationType: string): IntakeFormDefinition {
  return FORMS[consultationType] ?? FORMS.GENERAL!;
}

/** The form as a JSON Schema in one language (question wording as `title`). */
export function intakeSchema(form: IntakeFormDefinition, language: Language): Record<string, unknown> {
  return {
    $id: form.id,
    type: 'object',
    additionalProperties: false,
    required: form.questions.filter((q) => q.required).map((q) => q.key),
    properties: Object.fromEntries(form.questions.map((q) => [q.key, { ...q.schema, title: q.label[language] }])),
  };
}

const ajv = new Ajv({ allErrors: false, strict: false });
ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
const validators = new Map<string, ValidateFunction>();

/** Null when valid; else the first problem, e.g. `/smoker must be boolean`. */
export function intakeProblem(form: IntakeFormDefinition, answers: unknown): string | null {
  let validate = validators.get(form.id);
  if (!validate) {
    validate = ajv.compile(intakeSchema(form, 'EN'));
    validators.set(form.id, validate);
  }
  if (validate(answers)) return null;
  const error = validate.errors?.[0];
  return `${error?.instancePath || '/'} ${error?.message ?? 'is invalid'}`.trim();
}

/** Question wording and answer text, in order, for the PDF. */
export function answeredQuestions(form: IntakeFormDefinition, answers: Record<string, unknown>, language: Language, yesNo: { yes: string; no: string }) {
  return form.questions
    .filter((q) => answers[q.key] !== undefined)
    .map((q) => {
      const value = answers[q.key];
      return { heading: q.label[language], text: typeof value === 'boolean' ? (value ? yesNo.yes : yesNo.no) : String(value) };
    });
}
