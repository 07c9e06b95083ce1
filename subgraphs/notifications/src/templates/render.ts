// Handlebars rendering of templates. Strict mode: a variable the data does not have is an error, so a broken
// template is refused when an admin saves it (rendered against sample data), never discovered at send time.
import Handlebars from 'handlebars';
import { badUserInput } from '@clinic/service-kit';
import type { TemplateText } from './defaults.ts';

export interface TemplateData {
  name: string;
  doctorName: string;
  startsAtLocal: string;
  appointmentId: string;
  change: string;
  /** The app path the notification leads to (e.g. /messages/<conversationId>); empty when none. */
  link: string;
  /** How many messages a new-message digest stands for. */
  messageCount: number;
  unsubscribeUrl: string;
}

export const SAMPLE_DATA: TemplateData = {
  name: 'Ana Popescu',
  doctorName: 'Dr. Ion Ionescu',
  startsAtLocal: 'miercuri, 10 iunie 2026, 10:00 EEST',
  appointmentId: '00000000-0000-4000-8000-000000000000',
  change: 'approved',
  link: '/messages/00000000-0000-4000-8000-000000000000',
  messageCount: 3,
  unsubscribeUrl: 'https://clinic.example/webhooks/unsubscribe?t=sample',
};

const cache = new Map<string, Handlebars.TemplateDelegate>();

function compiled(source: string): Handlebars.TemplateDelegate {
  let fn = cache.get(source);
  if (!fn) {
    fn = Handlebars.compile(source, { strict: true, noEscape: true });
    if (cache.size > 500) cache.clear();
    cache.set(source, fn);
  }
  return fn;
}

export function render(template: TemplateText, data: TemplateData): TemplateText {
  return { subject: template.subject == null ? null : compiled(template.subject)(data), body: compiled(template.body)(data) };
}

/** Renders with sample data; a template that does not compile or names unknown variables is BAD_USER_INPUT. */
export function checkedRender(template: TemplateText): TemplateText {
  try {
    return render(template, SAMPLE_DATA);
  } catch (error) {
    throw badUserInput(`template does not render: ${(error as Error).message.split('\n')[0]}`);
  }
}
