// Doctor and patient profiles, custom fields and preferences, profile export, and the doctor-directory
// event (`doctor.profile_updated`) the appointments service consumes to keep its searchable directory.
import type { EntityManager } from '@mikro-orm/postgresql';
import { enqueueEvent, badUserInput, notFound } from '@clinic/service-kit';
import DataLoader from 'dataloader';
import { query, queryOne, json } from '../db.ts';
import { validateCustomFields, type RoleFieldSchema } from './custom-fields.ts';
import * as v from './validation.ts';

export const CONSULTATION_TYPES = ['IN_PERSON', 'VIDEO', 'PHONE', 'CHAT'];

export interface DoctorProfileRecord {
  userId: string;
  specialisations: string[];
  qualifications: string[];
  languages: string[];
  bio: string;
  clinic: string;
  timeZone: string;
  consultationTypes: string[];
  updatedAt: Date;
}

export interface PatientProfileRecord {
  userId: string;
  dateOfBirth: string | null;
  phone: string | null;
  address: string | null;
  emergencyContact: Record<string, unknown> | null;
  insurance: Record<string, unknown> | null;
  updatedAt: Date;
}

const DOCTOR_COLUMNS = `user_id as "userId", specialisations, qualifications, languages, bio, clinic, time_zone as "timeZone", consultation_types as "consultationTypes", updated_at as "updatedAt"`;
const PATIENT_COLUMNS = `user_id as "userId", to_char(date_of_birth, 'YYYY-MM-DD') as "dateOfBirth", phone, address, emergency_contact as "emergencyContact", insurance, updated_at as "updatedAt"`;

export function createDoctorProfileLoader(em: EntityManager): DataLoader<string, DoctorProfileRecord | null> {
  return new DataLoader(async (ids) => {
    const rows = await query<DoctorProfileRecord>(em, `select ${DOCTOR_COLUMNS} from doctor_profiles where user_id in (?)`, [ids]);
    return ids.map((id) => rows.find((r) => r.userId === id) ?? null);
  });
}

export function patientProfileOf(em: EntityManager, userId: string): Promise<PatientProfileRecord | null> {
  return queryOne<PatientProfileRecord>(em, `select ${PATIENT_COLUMNS} from patient_profiles where user_id = ?`, [userId]);
}

export interface DoctorProfileInput {
  specialisations?: string[] | null;
  qualifications?: string[] | null;
  languages?: string[] | null;
  bio?: string | null;
  clinic?: string | null;
  timeZone?: string | null;
  consultationTypes?: string[] | null;
}

/** Upserts the doctor's profile and, in the same transaction, the directory event. */
export async function updateDoctorProfile(tx: EntityManager, userId: string, input: DoctorProfileInput): Promise<DoctorProfileRecord> {
  const doctor = await queryOne<{ status: string }>(tx, `select u.status from users u join user_roles r on r.user_id = u.id and r.role = 'DOCTOR' where u.id = ?`, [userId]);
  if (!doctor) throw notFound('Doctor');
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown, cast = '') => {
    sets.push(`${column} = ?${cast}`);
    params.push(value);
  };
  if (input.specialisations) set('specialisations', json(v.list(input.specialisations, 'specialisations', 20, 100)), '::jsonb');
  if (input.qualifications) set('qualifications', json(v.list(input.qualifications, 'qualifications', 30, 200)), '::jsonb');
  if (input.languages) set('languages', json(v.list(input.languages, 'languages', 20, 40)), '::jsonb');
  if (input.bio != null) set('bio', v.longText(input.bio, 'bio', 4000));
  if (input.clinic != null) set('clinic', v.text(input.clinic, 'clinic', 200, { allowEmpty: true }));
  if (input.timeZone != null) set('time_zone', v.timeZone(input.timeZone));
  if (input.consultationTypes) {
    const bad = input.consultationTypes.filter((c) => !CONSULTATION_TYPES.includes(c));
    if (bad.length) throw badUserInput(`consultationTypes must be among ${CONSULTATION_TYPES.join(', ')}`, { field: 'consultationTypes' });
    set('consultation_types', json([...new Set(input.consultationTypes)]), '::jsonb');
  }
  await query(tx, `insert into doctor_profiles (user_id) values (?) on conflict do nothing`, [userId]);
  const profile = await queryOne<DoctorProfileRecord>(
    tx,
    `update doctor_profiles set ${[...sets, 'updated_at = now()'].join(', ')} where user_id = ? returning ${DOCTOR_COLUMNS}`,
    [...params, userId],
  );
  await publishDoctor(tx, profile!, doctor.status === 'ACTIVE');
  return profile!;
}

export async function publishDoctor(tx: EntityManager, p: Pick<DoctorProfileRecord, 'userId' | 'specialisations' | 'languages' | 'timeZone' | 'consultationTypes'>, active: boolean): Promise<void> {
  enqueueEvent(tx, 'doctor.profile_updated', {
    doctorId: p.userId,
    specialisations: p.specialisations,
    languages: p.languages,
    timeZone: p.timeZone,
    consultationTypes: p.consultationTypes,
    active,
  });
}

/** Re-announces a doctor (after deactivation or a role change) so the directory follows. */
export async function republishDoctor(tx: EntityManager, userId: string): Promise<void> {
  const row = await queryOne<DoctorProfileRecord & { active: boolean }>(
    tx,
    `select d.user_id as "userId", d.specialisations, d.languages, d.time_zone as "timeZone", d.consultation_types as "consultationTypes", (u.status = 'ACTIVE' and exists (select 1 from user_roles r where r.user_id = u.id and r.role = 'DOCTOR')) as active
       from doctor_profiles d join users u on u.id = d.user_id where d.user_id = ?`,
    [userId],
  );
  if (row) await publishDoctor(tx, row, row.active);
}

export interface PatientProfileInput {
  dateOfBirth?: string | null;
  phone?: string | null;
  address?: string | null;
  emergencyContact?: unknown;
  insurance?: unknown;
}

export async function updatePatientProfile(tx: EntityManager, userId: string, input: PatientProfileInput): Promise<PatientProfileRecord> {
  const sets: string[] = [];
  const params: unknown[] = [];
  if (input.dateOfBirth != null) {
    const d = input.dateOfBirth;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(d)) || new Date(d) > new Date() || new Date(d) < new Date('1900-01-01')) {
      throw badUserInput('dateOfBirth must be a past date YYYY-MM-DD', { field: 'dateOfBirth' });
    }
    sets.push('date_of_birth = ?::date');
    params.push(d);
  }
  if (input.phone != null) {
    if (!/^\+?[0-9 ()-]{6,30}$/.test(input.phone)) throw badUserInput('phone is malformed', { field: 'phone' });
    sets.push('phone = ?');
    params.push(input.phone);
  }
  if (input.address != null) {
    sets.push('address = ?');
    params.push(v.text(input.address, 'address', 500, { allowEmpty: true }));
  }
  if (input.emergencyContact != null) {
    sets.push('emergency_contact = ?::jsonb');
    params.push(json(v.flatObject(input.emergencyContact, 'emergencyContact', 10)));
  }
  if (input.insurance != null) {
    sets.push('insurance = ?::jsonb');
    params.push(json(v.flatObject(input.insurance, 'insurance', 10)));
  }
  await query(tx, `insert into patient_profiles (user_id) values (?) on conflict do nothing`, [userId]);
  const row = await queryOne<PatientProfileRecord>(tx, `update patient_profiles set ${[...sets, 'updated_at = now()'].join(', ')} where user_id = ? returning ${PATIENT_COLUMNS}`, [
    ...params,
    userId,
  ]);
  return row!;
}

export async function updateAccountProfile(
  tx: EntityManager,
  userId: string,
  input: { displayName?: string | null; preferences?: unknown; customFields?: unknown },
): Promise<void> {
  if (input.displayName != null) await query(tx, `update users set display_name = ?, updated_at = now() where id = ?`, [v.text(input.displayName, 'displayName', 200), userId]);
  if (input.preferences != null) await query(tx, `update users set preferences = ?::jsonb, updated_at = now() where id = ?`, [json(v.flatObject(input.preferences, 'preferences')), userId]);
  if (input.customFields != null) {
    const schemas = await query<{ schema: RoleFieldSchema }>(tx, `select r.custom_field_schema as schema from roles r join user_roles ur on ur.role = r.name where ur.user_id = ?`, [userId]);
    const values = validateCustomFields(input.customFields, schemas.map((s) => s.schema));
    await query(tx, `update users set custom_fields = ?::jsonb, updated_at = now() where id = ?`, [json(values), userId]);
  }
}

/** Everything we hold about the user, as one JSON document (data portability). Secrets are never included. */
export async function exportProfile(em: EntityManager, userId: string): Promise<Record<string, unknown>> {
  const user = await queryOne(em, `select id, email, display_name as "displayName", created_at as "createdAt", status, mfa_enabled as "mfaEnabled", preferences, custom_fields as "customFields" from users where id = ?`, [userId]);
  if (!user) throw notFound('User');
  const roles = (await query<{ role: string }>(em, `select role from user_roles where user_id = ?`, [userId])).map((r) => r.role);
  const doctorProfile = await queryOne(em, `select ${DOCTOR_COLUMNS} from doctor_profiles where user_id = ?`, [userId]);
  const patientProfile = await patientProfileOf(em, userId);
  const sessions = await query(em, `select id, created_at as "createdAt", last_used_at as "lastUsedAt", revoked_at as "revokedAt", ip, method from sessions where user_id = ? order by created_at desc limit 100`, [userId]);
  return { exportedAt: new Date().toISOString(), user, roles, doctorProfile, patientProfile, sessions };
}
