// The clinic's notification policy from the environment: reminder offsets (defaults, extras per consultation
// type, the choices a patient may pick from), the default zone and locale, retry counts, the unread-message
// digest window.
import { checkTimeZone, isIanaTimeZone } from '@clinic/service-kit';

export interface NotificationPolicy {
  /** Minutes before the start; 24 h and 1 h by default. */
  defaultOffsets: number[];
  /** Extra offsets for some consultation types, e.g. VIDEO → [15]. */
  extraOffsets: Record<string, number[]>;
  /** What a patient may choose among. */
  allowedOffsets: number[];
  defaultZone: string;
  defaultLocale: 'en' | 'ro';
  /** Tries per e-mail/SMS before it is dead-lettered. */
  deliveryAttempts: number;
  /** First retry delay (doubles each time). */
  retryDelayMs: number;
  /** At most one unread-message notification per (recipient, conversation) in this many minutes. */
  messageDigestMinutes: number;
  /** A reminder e-mail not confirmed delivered (webhook) within this many minutes fails over to SMS/in-app. */
  emailDeliveryDeadlineMinutes: number;
  /** A reminder is still useful up to this many minutes before the start (quiet hours, delivery deadline). */
  reminderRelevanceMinutes: number;
  /** At most this many non-urgent messages per recipient per channel per clock hour; more wait for the next hour. */
  hourlyCap: Partial<Record<'EMAIL' | 'SMS' | 'PUSH' | 'CHAT', number>>;
}

export const DEFAULT_NOTIFICATION_POLICY: NotificationPolicy = {
  defaultOffsets: [1440, 60],
  extraOffsets: { VIDEO: [15] },
  allowedOffsets: [2880, 1440, 180, 120, 60, 30, 15],
  defaultZone: 'Europe/Bucharest',
  defaultLocale: 'ro',
  deliveryAttempts: 5,
  retryDelayMs: 2_000,
  messageDigestMinutes: 10,
  emailDeliveryDeadlineMinutes: 10,
  reminderRelevanceMinutes: 15,
  hourlyCap: { EMAIL: 10, SMS: 5, PUSH: 20, CHAT: 20 },
};

const minutesList = (raw: string, name: string): number[] => {
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0 || v > 20_160)) throw new Error(`config error: ${name} must be minutes, e.g. 1440,60 (got ${raw})`);
  return values;
};

/** EMAIL:10,SMS:5 — channels not named keep no cap. */
function hourlyCaps(raw: string): NotificationPolicy['hourlyCap'] {
  const caps: NotificationPolicy['hourlyCap'] = {};
  for (const part of raw.split(',')) {
    const [channel, n] = part.split(':').map((s) => s.trim());
    const value = Number(n);
    if (!['EMAIL', 'SMS', 'PUSH', 'CHAT'].includes(channel ?? '') || !Number.isInteger(value) || value < 1) {
      throw new Error(`config error: NOTIFICATIONS_HOURLY_CAP must look like EMAIL:10,SMS:5,PUSH:20,CHAT:20 (got ${raw})`);
    }
    caps[channel as 'EMAIL'] = value;
  }
  return caps;
}

export function loadNotificationPolicy(env: Record<string, string | undefined> = process.env): NotificationPolicy {
  const p = { ...DEFAULT_NOTIFICATION_POLICY };
  if (env.REMINDER_OFFSETS) p.defaultOffsets = minutesList(env.REMINDER_OFFSETS, 'REMINDER_OFFSETS');
  if (env.REMINDER_ALLOWED_OFFSETS) p.allowedOffsets = minutesList(env.REMINDER_ALLOWED_OFFSETS, 'REMINDER_ALLOWED_OFFSETS');
  if (env.REMINDER_EXTRA_OFFSETS) {
    // VIDEO:15;PHONE:30,10
    p.extraOffsets = Object.fromEntries(
      env.REMINDER_EXTRA_OFFSETS.split(';').map((part) => {
        const [type, list] = part.split(':');
        if (!type || !list) throw new Error(`config error: REMINDER_EXTRA_OFFSETS must look like VIDEO:15;PHONE:30 (got ${env.REMINDER_EXTRA_OFFSETS})`);
        return [type.trim(), minutesList(list, 'REMINDER_EXTRA_OFFSETS')];
      }),
    );
  }
  if (env.NOTIFICATIONS_MESSAGE_DIGEST_MINUTES) p.messageDigestMinutes = minutesList(env.NOTIFICATIONS_MESSAGE_DIGEST_MINUTES, 'NOTIFICATIONS_MESSAGE_DIGEST_MINUTES')[0]!;
  if (env.NOTIFICATIONS_EMAIL_DELIVERY_DEADLINE_MINUTES) {
    p.emailDeliveryDeadlineMinutes = minutesList(env.NOTIFICATIONS_EMAIL_DELIVERY_DEADLINE_MINUTES, 'NOTIFICATIONS_EMAIL_DELIVERY_DEADLINE_MINUTES')[0]!;
  }
  if (env.NOTIFICATIONS_HOURLY_CAP) p.hourlyCap = hourlyCaps(env.NOTIFICATIONS_HOURLY_CAP);
  if (env.NOTIFICATIONS_DEFAULT_ZONE) {
    if (!isIanaTimeZone(env.NOTIFICATIONS_DEFAULT_ZONE)) throw new Error(`config error: NOTIFICATIONS_DEFAULT_ZONE must be an IANA zone (got ${env.NOTIFICATIONS_DEFAULT_ZONE})`);
    p.defaultZone = env.NOTIFICATIONS_DEFAULT_ZONE;
  }
  return p;
}

/** The kit's rule: IANA names in their exact spelling, not offsets. */
export const checkedZone = (zone: string): string => checkTimeZone(zone);

/** The offsets a reminder set uses: the patient's choice (or the clinic's defaults) plus the type's extras. */
export function offsetsFor(policy: NotificationPolicy, consultationType: string, patientChoice: number[] | null): number[] {
  const base = patientChoice?.length ? patientChoice : policy.defaultOffsets;
  return [...new Set([...base, ...(policy.extraOffsets[consultationType] ?? [])])].sort((a, b) => b - a);
}
