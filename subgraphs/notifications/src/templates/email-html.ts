// The responsive HTML part of every e-mail: one MJML layout (clinic header, the message's paragraphs, a button
// to the app when the message has a link, the unsubscribe footer), compiled by `mjml` once per locale into
// HTML with Handlebars slots, then filled per message (MJML itself is far too slow to run per e-mail). The
// plain-text part is the template's rendered text, unchanged; the HTML carries the same words, escaped.
import Handlebars from 'handlebars';
import mjml2html from 'mjml';

const FOOTER = {
  en: { unsubscribe: 'Unsubscribe from these e-mails', open: 'Open in the clinic app' },
  ro: { unsubscribe: 'Dezabonare de la aceste e-mailuri', open: 'Deschideți în aplicația clinicii' },
};

const LAYOUT = (locale: 'en' | 'ro') => `<mjml lang="${locale}">
  <mj-head>
    <mj-title>{{subject}}</mj-title>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /><mj-text font-size="16px" line-height="1.5" color="#1f2933" /></mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f6f8">
    <mj-section background-color="#0b6e4f"><mj-column><mj-text color="#ffffff" font-size="20px" font-weight="bold">{{clinicName}}</mj-text></mj-column></mj-section>
    <mj-section background-color="#ffffff">
      <mj-column>
        <mj-text>{{#each paragraphs}}<p style="margin:0 0 12px">{{this}}</p>{{/each}}</mj-text>
        <mj-raw>{{#if appUrl}}</mj-raw>
        <mj-button href="{{appUrl}}" background-color="#0b6e4f">${FOOTER[locale].open}</mj-button>
        <mj-raw>{{/if}}</mj-raw>
      </mj-column>
    </mj-section>
    <mj-raw>{{#if unsubscribeUrl}}</mj-raw>
    <mj-section><mj-column><mj-text font-size="12px" color="#6b7280" align="center"><a href="{{unsubscribeUrl}}" style="color:#6b7280">${FOOTER[locale].unsubscribe}</a></mj-text></mj-column></mj-section>
    <mj-raw>{{/if}}</mj-raw>
  </mj-body>
</mjml>`;

const layouts = new Map<string, Handlebars.TemplateDelegate>();

function layout(locale: 'en' | 'ro'): Handlebars.TemplateDelegate {
  let fn = layouts.get(locale);
  if (!fn) {
    const { html, errors } = mjml2html(LAYOUT(locale), { validationLevel: 'strict', minify: false });
    if (errors.length) throw new Error(`e-mail layout does not compile: ${errors.map((e) => e.formattedMessage).join('; ')}`);
    // Handlebars escapes every value put into the slots (the message text is never HTML).
    fn = Handlebars.compile(html, { strict: false });
    layouts.set(locale, fn);
  }
  return fn;
}

export interface EmailHtmlInput {
  subject: string;
  text: string;
  locale: 'en' | 'ro';
  /** null: a transactional mail (account mails) that cannot be unsubscribed from. */
  unsubscribeUrl: string | null;
  /** An absolute link into the app (a button), when the message leads somewhere. */
  appUrl?: string | null;
  clinicName?: string;
}

export function emailHtml(input: EmailHtmlInput): string {
  const paragraphs = input.text.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean);
  return layout(input.locale)({ subject: input.subject, paragraphs, appUrl: input.appUrl ?? null, unsubscribeUrl: input.unsubscribeUrl, clinicName: input.clinicName ?? 'Clinic' });
}
