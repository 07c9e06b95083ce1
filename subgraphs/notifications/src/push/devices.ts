// A user's push devices: browsers (a Web Push subscription: endpoint + p256dh + auth keys) and, ready for the
// mobile apps, APNs / FCM device tokens by platform. A device is one row per endpoint or token (registering it
// again, also as another user after a sign-in on the same browser, updates that row); only its owner lists or
// removes it.
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, notFound } from '@clinic/service-kit';
import { z } from 'zod';
import { sql } from '../db.ts';

export const PUSH_PLATFORMS = ['WEB', 'IOS', 'ANDROID'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];

export interface PushDevice {
  id: string;
  userId: string;
  platform: PushPlatform;
  endpoint: string | null;
  p256dh: string | null;
  auth: string | null;
  token: string | null;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const base64url = /^[A-Za-z0-9_-]+=*$/;
const DeviceInput = z.discriminatedUnion('platform', [
  z.object({
    platform: z.literal('WEB'),
    endpoint: z.string().url().max(1000).refine((u) => u.startsWith('https://'), 'endpoint must be an https URL'),
    p256dh: z.string().regex(base64url).min(80).max(200),
    auth: z.string().regex(base64url).min(16).max(100),
    label: z.string().max(100).nullish(),
  }),
  z.object({ platform: z.enum(['IOS', 'ANDROID']), token: z.string().min(16).max(4096).regex(/^[A-Za-z0-9_:.-]+$/), label: z.string().max(100).nullish() }),
]);

const COLUMNS = `id, user_id as "userId", platform, endpoint, p256dh, auth, token, label, created_at as "createdAt", last_used_at as "lastUsedAt"`;

export async function registerDevice(em: EntityManager, userId: string, input: unknown, now: Date): Promise<PushDevice> {
  const parsed = DeviceInput.safeParse(input);
  if (!parsed.success) throw badUserInput(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const d = parsed.data;
  const address = d.platform === 'WEB' ? d.endpoint : `${d.platform}:${d.token}`;
  const deviceKey = createHash('sha256').update(address).digest('hex');
  const [row] = await sql<PushDevice>(
    em,
    `insert into push_devices (id, user_id, platform, endpoint, p256dh, auth, token, label, created_at, device_key)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (device_key) do update set user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, label = excluded.label
     returning ${COLUMNS}`,
    [
      randomUUID(), userId, d.platform,
      d.platform === 'WEB' ? d.endpoint : null, d.platform === 'WEB' ? d.p256dh : null, d.platform === 'WEB' ? d.auth : null,
      d.platform === 'WEB' ? null : d.token, d.label ?? null, now, deviceKey,
    ],
  );
  return row!;
}

export async function devicesOf(em: EntityManager, userId: string): Promise<PushDevice[]> {
  return sql<PushDevice>(em, `select ${COLUMNS} from push_devices where user_id = ? order by created_at desc limit 50`, [userId]);
}

/** Removes the caller's own device; someone else's is "not found" (its existence is not revealed). */
export async function unregisterDevice(em: EntityManager, userId: string, id: string): Promise<boolean> {
  const rows = await sql(em, `delete from push_devices where id = ? and user_id = ? returning id`, [id, userId]);
  if (!rows.length) throw notFound('PushDevice');
  return true;
}

export async function removeDevice(em: EntityManager, id: string): Promise<void> {
  await sql(em, `delete from push_devices where id = ?`, [id]);
}
