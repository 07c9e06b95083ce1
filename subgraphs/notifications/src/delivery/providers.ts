// E-mail through @sendgrid/mail and SMS through twilio — the real SDKs, with their API base configurable
// (SENDGRID_API_URL, TWILIO_API_URL) so tests and the bench point them at local stubs. Without keys, messages
// land in the developer inbox (a table an admin reads through the API). Errors are classified: a 4xx other
// than 429 is permanent (bounce, invalid number) and is not retried.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { MailService } from '@sendgrid/mail';
import { Client as SendGridClient } from '@sendgrid/client';
import twilio from 'twilio';
import { DevMessageSchema } from '../entities/index.ts';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  /** The responsive HTML part (MJML layout); the plain-text part is `text`. */
  html?: string;
  headers: Record<string, string>;
  /** Comes back in SendGrid's event webhook, so events find their attempt. */
  attemptId: string;
}

export interface OutgoingSms {
  to: string;
  body: string;
  attemptId: string;
}

export interface Providers {
  emailMode: 'sendgrid' | 'dev-inbox';
  smsMode: 'twilio' | 'dev-inbox';
  email(em: EntityManager, message: OutgoingEmail): Promise<{ providerMessageId: string | null }>;
  sms(em: EntityManager, message: OutgoingSms): Promise<{ providerMessageId: string | null }>;
}

/** A failure retrying cannot fix (bounced address, invalid number, rejected content). */
export class PermanentDeliveryError extends Error {}

export interface ProviderConfig {
  sendgridApiKey?: string;
  sendgridApiUrl?: string;
  emailFrom: string;
  twilioAccountSid?: string;
  twilioAuthToken?: string;
  twilioApiUrl?: string;
  twilioFrom?: string;
  /** Public URL Twilio posts status callbacks to (the router's /webhooks/twilio). */
  twilioStatusCallback?: string;
}

export function providerConfig(env: Record<string, string | undefined>): ProviderConfig {
  const webhookBase = env.WEBHOOK_BASE_URL ?? 'http://localhost:4000';
  return {
    sendgridApiKey: env.SENDGRID_API_KEY || undefined,
    sendgridApiUrl: env.SENDGRID_API_URL || undefined,
    emailFrom: env.EMAIL_FROM ?? 'clinic@clinic.local',
    twilioAccountSid: env.TWILIO_ACCOUNT_SID || undefined,
    twilioAuthToken: env.TWILIO_AUTH_TOKEN || undefined,
    twilioApiUrl: env.TWILIO_API_URL || undefined,
    twilioFrom: env.TWILIO_FROM || undefined,
    twilioStatusCallback: `${webhookBase}/webhooks/twilio`,
  };
}

const permanentStatus = (status: number | undefined) => status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 408;

async function toDevInbox(em: EntityManager, channel: 'EMAIL' | 'SMS', to: string, subject: string | null, body: string, headers: Record<string, string> = {}) {
  const row = em.fork().create(DevMessageSchema, { id: randomUUID(), channel, recipient: to, subject, body, headers, createdAt: new Date() });
  await em.fork().persistAndFlush(row);
  return { providerMessageId: `dev-${row.id}` };
}

/** Twilio's HTTP client with its API origin swapped (a local stub, or a regional edge). */
function twilioHttpClient(apiUrl: string) {
  const base = new URL(apiUrl);
  class StubbedOriginClient extends twilio.RequestClient {
    override request<T>(opts: Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0]) {
      const target = new URL(opts.uri);
      target.protocol = base.protocol;
      target.host = base.host;
      opts.uri = target.toString();
      return super.request<T>(opts as Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0] & { data?: T });
    }
  }
  return new StubbedOriginClient();
}

export function createProviders(config: ProviderConfig): Providers {
  let mail: MailService | null = null;
  if (config.sendgridApiKey) {
    const client = new SendGridClient();
    client.setApiKey(config.sendgridApiKey);
    if (config.sendgridApiUrl) client.setDefaultRequest('baseUrl', config.sendgridApiUrl);
    mail = new MailService();
    mail.setClient(client);
  }
  const sms =
    config.twilioAccountSid && config.twilioAuthToken && config.twilioFrom
      ? twilio(config.twilioAccountSid, config.twilioAuthToken, config.twilioApiUrl ? { httpClient: twilioHttpClient(config.twilioApiUrl) } : {})
      : null;

  return {
    emailMode: mail ? 'sendgrid' : 'dev-inbox',
    smsMode: sms ? 'twilio' : 'dev-inbox',
    async email(em, message) {
      if (!mail) return toDevInbox(em, 'EMAIL', message.to, message.subject, message.text, message.headers);
      try {
        const [response] = await mail.send({
          to: message.to,
          from: config.emailFrom,
          subject: message.subject,
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
          headers: message.headers,
          customArgs: { attemptId: message.attemptId },
        });
        const id = response.headers['x-message-id'];
        return { providerMessageId: typeof id === 'string' ? id : null };
      } catch (error) {
        const status = (error as { code?: number }).code;
        if (permanentStatus(status)) throw new PermanentDeliveryError(`SendGrid refused the message (${status})`);
        throw new Error(`SendGrid did not take the message (${status ?? (error as Error).message})`);
      }
    },
    async sms(em, message) {
      if (!sms) return toDevInbox(em, 'SMS', message.to, null, message.body);
      try {
        const sent = await sms.messages.create({ to: message.to, from: config.twilioFrom!, body: message.body, statusCallback: config.twilioStatusCallback });
        return { providerMessageId: sent.sid };
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (permanentStatus(status)) throw new PermanentDeliveryError(`Twilio refused the message (${status} ${(error as { code?: number }).code ?? ''})`.trim());
        throw new Error(`Twilio did not take the message (${status ?? (error as Error).message})`);
      }
    },
  };
}
