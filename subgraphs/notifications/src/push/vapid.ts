// The VAPID key pair push messages are signed with (RFC 8292). From VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY when
// set (required in production: a key pair generated here would change the day the database is rebuilt and
// every browser would have to subscribe again); otherwise generated once and kept in the database, so every
// replica and restart signs with the same pair and existing subscriptions keep working.
import type { EntityManager } from '@mikro-orm/postgresql';
import webpush from 'web-push';
import { sql } from '../db.ts';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export async function loadVapidKeys(em: EntityManager, env: Record<string, string | undefined>, production: boolean): Promise<VapidKeys | null> {
  const subject = env.VAPID_SUBJECT || `mailto:${env.EMAIL_FROM ?? 'clinic@clinic.local'}`;
  if (env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY) return { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject };
  if (production) return null;
  const fresh = webpush.generateVAPIDKeys();
  await sql(em, `insert into vapid_keys (id, public_key, private_key) values (1, ?, ?) on conflict (id) do nothing`, [fresh.publicKey, fresh.privateKey]);
  const [row] = await sql<{ public_key: string; private_key: string }>(em, `select public_key, private_key from vapid_keys where id = 1`);
  return { publicKey: row!.public_key, privateKey: row!.private_key, subject };
}
