// Browser push through the real `web-push` SDK: the message is encrypted for each of the user's browser
// subscriptions (RFC 8291, aes128gcm) and signed with the VAPID key (RFC 8292). The push service answering 404
// or 410 means the subscription is gone: that device is removed. Mobile tokens (APNs / FCM) are registered but
// not sent to yet (no provider is configured), so a user with only those gets the message on other channels.
import type { Agent } from 'node:https';
import type { EntityManager } from '@mikro-orm/postgresql';
import webpush from 'web-push';
import type { Logger } from '@clinic/service-kit';
import { sql } from '../db.ts';
import { PermanentDeliveryError } from '../delivery/providers.ts';
import { devicesOf, removeDevice } from './devices.ts';
import type { VapidKeys } from './vapid.ts';

export interface PushMessage {
  title: string;
  body: string;
  /** The app path the notification opens. */
  link: string;
  attemptId: string;
  urgent: boolean;
}

export interface PushSender {
  /** The public key browsers subscribe with; null when push is off (production without VAPID keys). */
  publicKey(): Promise<string | null>;
  send(em: EntityManager, userId: string, message: PushMessage): Promise<{ providerMessageId: string | null }>;
}

export function createPushSender(keys: () => Promise<VapidKeys | null>, logger: Logger, agent?: Agent): PushSender {
  return {
    publicKey: async () => (await keys())?.publicKey ?? null,
    async send(em, userId, message) {
      const vapid = await keys();
      if (!vapid) throw new PermanentDeliveryError('push is not configured (VAPID keys)');
      const browsers = (await devicesOf(em, userId)).filter((d) => d.platform === 'WEB');
      if (!browsers.length) throw new PermanentDeliveryError('no browser is registered for push');
      const payload = JSON.stringify({ title: message.title, body: message.body, link: message.link, id: message.attemptId });
      let delivered = 0;
      let transient: Error | null = null;
      for (const device of browsers) {
        try {
          await webpush.sendNotification({ endpoint: device.endpoint!, keys: { p256dh: device.p256dh!, auth: device.auth! } }, payload, {
            vapidDetails: vapid,
            TTL: 24 * 3600,
            urgency: message.urgent ? 'high' : 'normal',
            timeout: 10_000,
            ...(agent ? { agent } : {}),
          } as webpush.RequestOptions);
          delivered += 1;
          await sql(em, `update push_devices set last_used_at = now() where id = ?`, [device.id]);
        } catch (error) {
          const status = (error as { statusCode?: number }).statusCode;
          if (status === 404 || status === 410) {
            logger.info({ deviceId: device.id }, 'push subscription expired; device removed');
            await removeDevice(em, device.id);
          } else if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
            logger.warn({ deviceId: device.id, status }, 'push service refused the message');
          } else {
            transient = error as Error;
          }
        }
      }
      if (delivered) return { providerMessageId: `push-${delivered}/${browsers.length}` };
      if (transient) throw new Error(`push service did not take the message (${transient.message})`);
      throw new PermanentDeliveryError('no registered browser accepted the message');
    },
  };
}
