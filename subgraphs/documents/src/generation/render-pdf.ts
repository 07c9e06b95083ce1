// Renders one clinic document to PDF (pdfkit) as a stream. The text is set in DejaVu Sans, embedded
// (subset) from the `dejavu-fonts-ttf` package: the standard PDF fonts have no ă â î ș ț.
import type { Readable } from 'node:stream';
import PDFDocument from 'pdfkit';

const FONT_REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export interface PdfContent {
  title: string;
  /** Label/value pairs set as a table at the top. */
  fields: { label: string; value: string }[];
  /** Headed blocks of running text. */
  sections: { heading: string; text: string }[];
  footer: string;
  language: string;
}

export function renderPdf(content: PdfContent): Readable {
  const doc = new PDFDocument({ size: 'A4', margin: 56, lang: content.language, info: { Title: content.title, Creator: 'Clinic' } });
  doc.registerFont('regular', FONT_REGULAR);
  doc.registerFont('bold', FONT_BOLD);
  doc.font('bold').fontSize(18).text(content.title);
  doc.moveDown();
  for (const field of content.fields) {
    doc.font('bold').fontSize(11).text(`${field.label}: `, { continued: true });
    doc.font('regular').text(field.value);
  }
  for (const section of content.sections) {
    doc.moveDown();
    doc.font('bold').fontSize(13).text(section.heading);
    doc.font('regular').fontSize(11).text(section.text || '—');
  }
  doc.moveDown(2);
  doc.font('regular').fontSize(9).fillColor('#555555').text(content.footer);
  doc.end();
  return doc;
}
