// Versioned templates: each save is a new version (the newest wins); without one the built-in text is used.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput } from '@clinic/service-kit';
import { sql } from '../db.ts';
import { NotificationTemplateSchema, type Channel, type NotificationTemplate, type NotificationType } from '../entities/index.ts';
import { builtInTemplate, type TemplateText } from './defaults.ts';
import { checkedRender, SAMPLE_DATA } from './render.ts';
import { emailHtml } from './email-html.ts';

export const LOCALES = ['en', 'ro'];

// The newest version per (type, channel, locale), kept briefly: every message needs one, and they change
// rarely. A save here clears it at once; another replica picks a new version up within TEMPLATE_CACHE_MS.
const TEMPLATE_CACHE_MS = 30_000;
const newest = new Map<string, { text: TemplateText; until: number }>();

export async function templateFor(em: EntityManager, type: NotificationType, channel: Channel, locale: string): Promise<TemplateText> {
  const key = `${type}/${channel}/${locale}`;
  const hit = newest.get(key);
  if (hit && hit.until > Date.now()) return hit.text;
  const [row] = await sql<{ subject: string | null; body: string }>(
    em,
    `select subject, body from notification_templates where type = ? and channel = ? and locale = ? order by version desc limit 1`,
    [type, channel, locale],
  );
  const text = row ?? builtInTemplate(type, channel, locale);
  newest.set(key, { text, until: Date.now() + TEMPLATE_CACHE_MS });
  return text;
}

export interface TemplateInput {
  type: NotificationType;
  channel: Channel;
  locale: string;
  subject?: string | null;
  body: string;
}

function checkInput(input: TemplateInput): TemplateText {
  if (!LOCALES.includes(input.locale)) throw badUserInput('locale must be en or ro');
  if (input.body.length > 20_000 || (input.subject?.length ?? 0) > 300) throw badUserInput('template too long');
  const text = { subject: input.subject ?? null, body: input.body };
  const rendered = checkedRender(text);
  // An e-mail is also rendered into its HTML part (the MJML layout), so that too is proven at save time.
  if (input.channel === 'EMAIL') emailPreviewHtml(rendered, input.locale);
  return text;
}

function emailPreviewHtml(rendered: TemplateText, locale: string): string {
  try {
    return emailHtml({ subject: rendered.subject ?? '', text: rendered.body, locale: locale === 'en' ? 'en' : 'ro', unsubscribeUrl: SAMPLE_DATA.unsubscribeUrl, appUrl: null });
  } catch (error) {
    throw badUserInput(`e-mail does not render: ${(error as Error).message.split('\n')[0]}`);
  }
}

export function previewTemplate(input: TemplateInput): TemplateText & { html: string | null } {
  checkInput(input);
  const rendered = checkedRender({ subject: input.subject ?? null, body: input.body });
  return { ...rendered, html: input.channel === 'EMAIL' ? emailPreviewHtml(rendered, input.locale) : null };
}

export async function saveTemplate(em: EntityManager, adminId: string, input: TemplateInput): Promise<NotificationTemplate> {
  const text = checkInput(input);
  // Versions are numbered under a row lock on the (type, channel, locale) key's current newest version.
  return em.transactional(async (tx) => {
    await sql(tx, `select pg_advisory_xact_lock(hashtext(?))`, [`${input.type}/${input.channel}/${input.locale}`]);
    const [last] = await sql<{ v: number | null }>(tx, `select max(version) as v from notification_templates where type = ? and channel = ? and locale = ?`, [
      input.type,
      input.channel,
      input.locale,
    ]);
    const row = tx.create(NotificationTemplateSchema, {
      id: randomUUID(),
      type: input.type,
      channel: input.channel,
      locale: input.locale,
      version: (last?.v ?? 0) + 1,
      subject: text.subject,
      body: text.body,
      createdBy: adminId,
      createdAt: new Date(),
    });
    await tx.flush();
    newest.delete(`${input.type}/${input.channel}/${input.locale}`);
    return row;
  });
}

export async function listTemplates(em: EntityManager, filter: { type?: string | null; channel?: string | null; locale?: string | null }): Promise<NotificationTemplate[]> {
  const where: Record<string, unknown> = {};
  if (filter.type) where.type = filter.type;
  if (filter.channel) where.channel = filter.channel;
  if (filter.locale) where.locale = filter.locale;
  return em.find(NotificationTemplateSchema, where, { orderBy: { type: 'asc', channel: 'asc', locale: 'asc', version: 'desc' }, limit: 500 });
}
