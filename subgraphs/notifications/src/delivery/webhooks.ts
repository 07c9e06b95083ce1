// Provider callbacks, reached through the router's public routes: SendGrid's signed event webhook (ECDSA P-256
// over timestamp + body, SENDGRID_WEBHOOK_PUBLIC_KEY) and Twilio's status callback (X-Twilio-Signature checked
// with twilio's validateRequest against WEBHOOK_BASE_URL). A forged callback is refused (401), an old or
// replayed one too (409); accepted ones move the attempt along QUEUED → SENT → DELIVERED / OPENED / BOUNCED /
// FAILED. The signed one-click unsubscribe (RFC 8058) lives here too.
import { createPublicKey, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import twilio from 'twilio';
import { readBody, sendJson, type Logger } from '@clinic/service-kit';
import { sql } from '../db.ts';
import type { NotifyDeps } from '../deps.ts';
import { setPreferences } from '../preferences/preferences.ts';
import { failover } from './deliver.ts';
import type { DeliveryAttempt } from '../entities/index.ts';

export const SENDGRID_WEBHOOK_PATH = '/webhooks/sendgrid';
export const TWILIO_WEBHOOK_PATH = '/webhooks/twilio';
export const UNSUBSCRIBE_PATH = '/webhooks/unsubscribe';
const MAX_AGE_SECONDS = 300;

export interface WebhookConfig {
  sendgridPublicKey?: string;
  twilioAuthToken?: string;
  /** The public origin the providers call (the router), e.g. https://api.clinic.example */
  baseUrl: string;
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const SENDGRID_STATUS: Record<string, string> = { delivered: 'DELIVERED', open: 'OPENED', bounce: 'BOUNCED', dropped: 'BOUNCED', deferred: 'SENT' };
const TWILIO_STATUS: Record<string, string> = { sent: 'SENT', delivered: 'DELIVERED', undelivered: 'FAILED', failed: 'FAILED' };

/** First time this receipt id is seen? (replay protection) */
async function firstReceipt(orm: MikroORM, id: string): Promise<boolean> {
  return (await sql(orm.em.fork(), `insert into webhook_receipts (id) values (?) on conflict do nothing returning id`, [id.slice(0, 200)])).length === 1;
}

async function applyStatus(orm: MikroORM, deps: NotifyDeps, where: { attemptId?: string; providerMessageId?: string }, status: string): Promise<void> {
  const em = orm.em.fork();
  const [attempt] = await sql<DeliveryAttempt>(
    em,
    `update delivery_attempts set status = ?, updated_at = now()
     where ${where.attemptId ? 'id = ?::uuid' : 'provider_message_id = ?'} and status not in ('BOUNCED', 'FAILED', 'DEAD', 'DISCARDED')
     returning id, dedupe_key as "dedupeKey", user_id as "userId", type, channel, reminder_id as "reminderId"`,
    [status, where.attemptId ?? where.providerMessageId],
  );
  if (attempt && (status === 'BOUNCED' || status === 'FAILED')) {
    const column = attempt.channel === 'EMAIL' ? 'email_failing' : 'sms_failing';
    await sql(em, `update notification_settings set ${column} = true where user_id = ?`, [attempt.userId]);
    await failover(em, deps, attempt);
  }
}

export function webhookRoutes(orm: MikroORM, deps: NotifyDeps, config: WebhookConfig, logger: Logger): Record<string, Route> {
  const sendgridKey = config.sendgridPublicKey
    ? createPublicKey({ key: Buffer.from(config.sendgridPublicKey, 'base64'), format: 'der', type: 'spki' })
    : null;
  return {
    [SENDGRID_WEBHOOK_PATH]: async (req, res) => {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
      if (!sendgridKey) return sendJson(res, 503, { error: 'webhook verification is not configured' });
      const body = await readBody(req, 1_000_000);
      const signature = String(req.headers['x-twilio-email-event-webhook-signature'] ?? '');
      const timestamp = String(req.headers['x-twilio-email-event-webhook-timestamp'] ?? '');
      const signed = !!signature && /^\d{1,12}$/.test(timestamp) && verify('sha256', Buffer.from(timestamp + body), sendgridKey, Buffer.from(signature, 'base64'));
      if (!signed) return sendJson(res, 401, { error: 'bad signature' });
      if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_AGE_SECONDS) return sendJson(res, 409, { error: 'stale callback' });
      if (!(await firstReceipt(orm, `sendgrid:${signature}`))) return sendJson(res, 409, { error: 'replayed callback' });
      let events: { event?: string; attemptId?: string; sg_message_id?: string; sg_event_id?: string }[];
      try {
        events = JSON.parse(body);
        if (!Array.isArray(events)) throw new Error('not an array');
      } catch {
        return sendJson(res, 400, { error: 'body must be a JSON array of events' });
      }
      for (const e of events) {
        const status = SENDGRID_STATUS[e.event ?? ''];
        if (!status || (e.sg_event_id && !(await firstReceipt(orm, `sendgrid-event:${e.sg_event_id}`)))) continue;
        const providerMessageId = e.sg_message_id?.split('.')[0];
        if (e.attemptId && /^[0-9a-f-]{36}$/i.test(e.attemptId)) await applyStatus(orm, deps, { attemptId: e.attemptId }, status);
        else if (providerMessageId) await applyStatus(orm, deps, { providerMessageId }, status);
      }
      sendJson(res, 200, { ok: true });
    },
    [TWILIO_WEBHOOK_PATH]: async (req, res) => {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
      if (!config.twilioAuthToken) return sendJson(res, 503, { error: 'webhook verification is not configured' });
      const params = Object.fromEntries(new URLSearchParams(await readBody(req, 100_000)));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      if (!signature || !twilio.validateRequest(config.twilioAuthToken, signature, config.baseUrl + TWILIO_WEBHOOK_PATH, params)) {
        return sendJson(res, 401, { error: 'bad signature' });
      }
      const sid = params.MessageSid ?? '';
      const status = TWILIO_STATUS[params.MessageStatus ?? ''];
      if (!(await firstReceipt(orm, `twilio:${sid}:${params.MessageStatus}`))) return sendJson(res, 409, { error: 'replayed callback' });
      if (sid && status) await applyStatus(orm, deps, { providerMessageId: sid }, status);
      sendJson(res, 200, { ok: true });
    },
    [UNSUBSCRIBE_PATH]: async (req, res) => {
      const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
      const claim = deps.unsubscribe.verify(token);
      if (!claim) return sendJson(res, 400, { error: 'invalid unsubscribe link' });
      if (req.method === 'GET') {
        // RFC 8058: a GET (mail scanners prefetch links) only asks; the POST unsubscribes.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(`<!doctype html><form method="post"><button>Unsubscribe</button></form>`);
        return;
      }
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'GET or POST' });
      await setPreferences(orm.em.fork(), claim.userId, [{ type: claim.type, channel: claim.channel, enabled: false }]);
      logger.info({ userId: claim.userId, type: claim.type, channel: claim.channel }, 'one-click unsubscribe');
      sendJson(res, 200, { unsubscribed: true });
    },
  };
}
