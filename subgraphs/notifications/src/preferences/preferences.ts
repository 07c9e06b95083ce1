// Preferences per user × type × channel over role defaults (built in, then the admin's), plus the user's
// settings: zone, locale, quiet hours, chosen reminder offsets and SMS consent.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput } from '@clinic/service-kit';
import { z } from 'zod';
import { sql } from '../db.ts';
import { CHANNELS, NOTIFICATION_TYPES, type Channel, type NotificationType } from '../entities/index.ts';
import { checkedZone, type NotificationPolicy } from '../policy.ts';
import { HHMM, type QuietHours } from '../reminders/timing.ts';
import { builtInDefault } from './defaults.ts';

export interface Settings {
  userId: string;
  role: string;
  timeZone: string;
  locale: 'en' | 'ro';
  quietHours: QuietHours | null;
  reminderOffsets: number[] | null;
  smsConsent: { granted: boolean; method: string; recordedAt: Date } | null;
}

export interface ChannelPreference {
  type: NotificationType;
  channel: Channel;
  enabled: boolean;
  custom: boolean;
}

interface SettingsRow {
  user_id: string;
  role: string;
  time_zone: string;
  locale: string;
  quiet_start: string | null;
  quiet_end: string | null;
  reminder_offsets: number[] | null;
  sms_consent_granted: boolean | null;
  sms_consent_method: string | null;
  sms_consent_at: Date | null;
}

/** The main role a user's defaults come from (their token's roles, most specific first). */
export function primaryRole(roles: string[]): string {
  return ['ADMIN', 'DOCTOR', 'OPERATOR', 'JURIST', 'PATIENT'].find((r) => roles.includes(r)) ?? roles[0] ?? 'PATIENT';
}

export async function settingsOf(em: EntityManager, policy: NotificationPolicy, userId: string): Promise<Settings> {
  const [row] = await sql<SettingsRow>(em, `select * from notification_settings where user_id = ?`, [userId]);
  return {
    userId,
    role: row?.role ?? 'PATIENT',
    timeZone: row?.time_zone ?? policy.defaultZone,
    locale: (row?.locale as 'en' | 'ro' | undefined) ?? policy.defaultLocale,
    quietHours: row?.quiet_start && row.quiet_end ? { start: row.quiet_start, end: row.quiet_end } : null,
    reminderOffsets: row?.reminder_offsets ?? null,
    smsConsent:
      row?.sms_consent_granted != null ? { granted: row.sms_consent_granted, method: row.sms_consent_method ?? '', recordedAt: new Date(row.sms_consent_at!) } : null,
  };
}

/** Creates the settings row if missing and remembers the role the user's defaults follow. */
export async function ensureSettings(em: EntityManager, userId: string, role?: string): Promise<void> {
  await sql(
    em,
    role
      ? `insert into notification_settings (user_id, role) values (?, ?) on conflict (user_id) do update set role = excluded.role`
      : `insert into notification_settings (user_id) values (?) on conflict (user_id) do nothing`,
    role ? [userId, role] : [userId],
  );
}

async function roleDefaults(em: EntityManager, role: string): Promise<Map<string, boolean>> {
  const rows = await sql<{ type: string; channel: string; enabled: boolean }>(em, `select type, channel, enabled from role_notification_defaults where role = ?`, [role]);
  return new Map(rows.map((r) => [`${r.type}/${r.channel}`, r.enabled]));
}

export async function channelPreferencesOf(em: EntityManager, userId: string, role: string): Promise<ChannelPreference[]> {
  const defaults = await roleDefaults(em, role);
  const own = await sql<{ type: string; channel: string; enabled: boolean }>(em, `select type, channel, enabled from notification_preferences where user_id = ?`, [userId]);
  const mine = new Map(own.map((r) => [`${r.type}/${r.channel}`, r.enabled]));
  return NOTIFICATION_TYPES.flatMap((type) =>
    CHANNELS.map((channel) => {
      const key = `${type}/${channel}`;
      const custom = mine.has(key);
      return { type, channel, custom, enabled: mine.get(key) ?? defaults.get(key) ?? builtInDefault(role, type, channel) };
    }),
  );
}

export async function roleDefaultsView(em: EntityManager, role: string): Promise<ChannelPreference[]> {
  const defaults = await roleDefaults(em, role);
  return NOTIFICATION_TYPES.flatMap((type) =>
    CHANNELS.map((channel) => {
      const key = `${type}/${channel}`;
      return { type, channel, custom: defaults.has(key), enabled: defaults.get(key) ?? builtInDefault(role, type, channel) };
    }),
  );
}

/** Whether this user wants this type on this channel now (SMS also needs their recorded consent). */
export async function wants(em: EntityManager, policy: NotificationPolicy, userId: string, type: NotificationType, channel: Channel, known?: Settings): Promise<boolean> {
  const settings = known ?? (await settingsOf(em, policy, userId));
  if (channel === 'SMS' && !settings.smsConsent?.granted) return false;
  // One query for the one (type, channel): the user's own choice, else the role's default (send-time path).
  const [row] = await sql<{ enabled: boolean | null }>(
    em,
    `select coalesce((select enabled from notification_preferences where user_id = ? and type = ? and channel = ?),
                     (select enabled from role_notification_defaults where role = ? and type = ? and channel = ?)) as enabled`,
    [userId, type, channel, settings.role, type, channel],
  );
  return row?.enabled ?? builtInDefault(settings.role, type, channel);
}

const preferenceInput = z.array(z.object({ type: z.enum(NOTIFICATION_TYPES), channel: z.enum(CHANNELS), enabled: z.boolean() })).max(60);

function parsed<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw badUserInput(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return result.data;
}

/** Upserts (type, channel) choices for one owner: a user's own choices, or a role's defaults. */
async function upsertChoices(em: EntityManager, table: 'notification_preferences' | 'role_notification_defaults', owner: 'user_id' | 'role', key: string, input: unknown) {
  for (const p of parsed(preferenceInput, input)) {
    await sql(
      em,
      `insert into ${table} (${owner}, type, channel, enabled) values (?, ?, ?, ?)
       on conflict (${owner}, type, channel) do update set enabled = excluded.enabled`,
      [key, p.type, p.channel, p.enabled],
    );
  }
}

export async function setPreferences(em: EntityManager, userId: string, input: unknown): Promise<void> {
  parsed(preferenceInput, input);
  await ensureSettings(em, userId);
  await upsertChoices(em, 'notification_preferences', 'user_id', userId, input);
}

export async function setRoleDefaults(em: EntityManager, role: string, input: unknown): Promise<void> {
  if (!/^[A-Z_]{2,40}$/.test(role)) throw badUserInput('role must be a role name such as PATIENT');
  await upsertChoices(em, 'role_notification_defaults', 'role', role, input);
}

export async function resetPreferences(em: EntityManager, userId: string): Promise<void> {
  await sql(em, `delete from notification_preferences where user_id = ?`, [userId]);
}

export interface SettingsInput {
  quietHours?: QuietHours | null;
  clearQuietHours?: boolean | null;
  timeZone?: string | null;
  locale?: string | null;
  reminderOffsets?: number[] | null;
}

export async function updateSettings(em: EntityManager, policy: NotificationPolicy, userId: string, input: SettingsInput): Promise<void> {
  if (input.timeZone != null) checkedZone(input.timeZone);
  if (input.locale != null && !['en', 'ro'].includes(input.locale)) throw badUserInput('locale must be en or ro');
  if (input.quietHours && (!HHMM.test(input.quietHours.start) || !HHMM.test(input.quietHours.end))) {
    throw badUserInput('quiet hours are HH:mm, e.g. 22:00 to 07:00');
  }
  if (input.reminderOffsets != null) {
    const bad = input.reminderOffsets.filter((o) => !policy.allowedOffsets.includes(o));
    if (bad.length || input.reminderOffsets.length > policy.allowedOffsets.length) {
      throw badUserInput(`reminder offsets must be among ${policy.allowedOffsets.join(', ')} minutes`, { invalid: bad });
    }
  }
  await ensureSettings(em, userId);
  await sql(
    em,
    `update notification_settings set
       time_zone = coalesce(?, time_zone),
       locale = coalesce(?, locale),
       quiet_start = case when ? then null when ?::text is not null then ? else quiet_start end,
       quiet_end = case when ? then null when ?::text is not null then ? else quiet_end end,
       reminder_offsets = coalesce(?::jsonb, reminder_offsets),
       updated_at = now()
     where user_id = ?`,
    [
      input.timeZone ?? null,
      input.locale ?? null,
      !!input.clearQuietHours, input.quietHours?.start ?? null, input.quietHours?.start ?? null,
      !!input.clearQuietHours, input.quietHours?.end ?? null, input.quietHours?.end ?? null,
      input.reminderOffsets ? JSON.stringify([...new Set(input.reminderOffsets)]) : null,
      userId,
    ],
  );
}

export async function recordSmsConsent(em: EntityManager, userId: string, granted: boolean, method: string): Promise<void> {
  const how = method.trim();
  if (!how || how.length > 80) throw badUserInput('method says how consent was given (1–80 characters), e.g. web-form');
  await ensureSettings(em, userId);
  await sql(em, `update notification_settings set sms_consent_granted = ?, sms_consent_method = ?, sms_consent_at = now(), updated_at = now() where user_id = ?`, [
    granted,
    how,
    userId,
  ]);
}
