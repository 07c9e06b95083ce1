// Custom profile fields per role, validated against a schema that is data on the role (so a new
// professional role brings its own fields without code): { fields: { name: { type, required, ... } } }.
import { badUserInput } from '@clinic/service-kit';
import { text } from './validation.ts';

export interface FieldSpec {
  type: 'string' | 'integer' | 'boolean' | 'date' | 'enum';
  required?: boolean;
  maxLength?: number;
  min?: number;
  max?: number;
  values?: string[];
}

export type RoleFieldSchema = { fields?: Record<string, FieldSpec> };

/** Checks that a schema itself is well formed before an admin stores it on a role. */
export function checkSchema(schema: unknown): RoleFieldSchema {
  const s = schema as RoleFieldSchema;
  if (!s || typeof s !== 'object' || Array.isArray(s) || (s.fields !== undefined && (typeof s.fields !== 'object' || Array.isArray(s.fields)))) {
    throw badUserInput('A field schema looks like { fields: { name: { type, required } } }', { field: 'schema' });
  }
  for (const [name, spec] of Object.entries(s.fields ?? {})) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(name)) throw badUserInput(`Field name ${name} is not valid`, { field: 'schema' });
    if (!['string', 'integer', 'boolean', 'date', 'enum'].includes(spec?.type)) throw badUserInput(`Field ${name} has an unknown type`, { field: 'schema' });
    if (spec.type === 'enum' && (!Array.isArray(spec.values) || !spec.values.length)) throw badUserInput(`Field ${name} needs values`, { field: 'schema' });
  }
  return s;
}

export function validateCustomFields(values: unknown, schemas: RoleFieldSchema[]): Record<string, string | number | boolean> {
  if (!values || typeof values !== 'object' || Array.isArray(values)) throw badUserInput('customFields must be an object', { field: 'customFields' });
  const specs = new Map<string, FieldSpec>();
  for (const s of schemas) for (const [name, spec] of Object.entries(s.fields ?? {})) specs.set(name, spec);
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
    const spec = specs.get(name);
    const field = `customFields.${name}`;
    if (!spec) throw badUserInput(`${field} is not a field of your roles`, { field });
    if (value === null) continue;
    switch (spec.type) {
      case 'string':
        if (typeof value !== 'string') throw badUserInput(`${field} must be text`, { field });
        out[name] = text(value, field, spec.maxLength ?? 200);
        break;
      case 'integer':
        if (!Number.isInteger(value) || (spec.min !== undefined && (value as number) < spec.min) || (spec.max !== undefined && (value as number) > spec.max)) {
          throw badUserInput(`${field} must be a whole number in range`, { field });
        }
        out[name] = value as number;
        break;
      case 'boolean':
        if (typeof value !== 'boolean') throw badUserInput(`${field} must be true or false`, { field });
        out[name] = value;
        break;
      case 'date':
        if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw badUserInput(`${field} must be a date YYYY-MM-DD`, { field });
        out[name] = value;
        break;
      case 'enum':
        if (typeof value !== 'string' || !spec.values!.includes(value)) throw badUserInput(`${field} must be one of ${spec.values!.join(', ')}`, { field });
        out[name] = value;
        break;
    }
  }
  for (const [name, spec] of specs) if (spec.required && out[name] === undefined) throw badUserInput(`customFields.${name} is required`, { field: `customFields.${name}` });
  return out;
}
