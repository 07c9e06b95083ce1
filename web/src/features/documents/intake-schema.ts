// The pre-appointment form arrives as a JSON Schema (question wording in `title`). These plain functions
// turn it into fields to render, check what the patient typed the way the server will (required,
// length, range, pattern), and build the answers object (typed values, empty ones left out).
import type { Language } from '../../gql/graphql.ts';
/** The API's language for the viewer's locale. */
export const languageOf = (locale: string): Language => (locale.startsWith('ro') ? 'RO' : 'EN');

export type FieldKind = 'text' | 'longText' | 'date' | 'boolean' | 'integer';

export interface IntakeField {
  key: string;
  title: string;
  kind: FieldKind;
  required: boolean;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
}

export type FieldProblem = 'required' | 'tooLong' | 'range' | 'pattern' | 'integer';
export type Values = Record<string, string | boolean>;

interface PropertySchema {
  type?: string;
  title?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
}

export function fieldsOf(schema: unknown): IntakeField[] {
  const s = (schema ?? {}) as { properties?: Record<string, PropertySchema>; required?: string[] };
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(([key, p]) => {
    const kind: FieldKind =
      p.type === 'boolean' ? 'boolean' : p.type === 'integer' || p.type === 'number' ? 'integer' : p.format === 'date' ? 'date' : (p.maxLength ?? 0) > 200 ? 'longText' : 'text';
    return { key, title: p.title ?? key, kind, required: required.has(key), minimum: p.minimum, maximum: p.maximum, maxLength: p.maxLength, pattern: p.pattern };
  });
}

export function problemOf(field: IntakeField, value: string | boolean | undefined): FieldProblem | null {
  if (field.kind === 'boolean') return field.required && value === undefined ? 'required' : null;
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) return field.required ? 'required' : null;
  if (field.maxLength !== undefined && text.length > field.maxLength) return 'tooLong';
  if (field.kind === 'integer') {
    if (!/^-?\d+$/.test(text)) return 'integer';
    const n = Number(text);
    if ((field.minimum !== undefined && n < field.minimum) || (field.maximum !== undefined && n > field.maximum)) return 'range';
  }
  if (field.pattern && !new RegExp(field.pattern).test(text)) return 'pattern';
  return null;
}

export function problemsOf(fields: IntakeField[], values: Values): Record<string, FieldProblem> {
  const problems: Record<string, FieldProblem> = {};
  for (const f of fields) {
    const p = problemOf(f, values[f.key]);
    if (p) problems[f.key] = p;
  }
  return problems;
}

export function answersOf(fields: IntakeField[], values: Values): Record<string, string | number | boolean> {
  const answers: Record<string, string | number | boolean> = {};
  for (const f of fields) {
    const v = values[f.key];
    if (typeof v === 'boolean') answers[f.key] = v;
    else if (typeof v === 'string' && v.trim()) answers[f.key] = f.kind === 'integer' ? Number(v.trim()) : v.trim();
  }
  return answers;
}
