// The kinds of document the clinic keeps, as data: which formats each accepts (checked against the
// content's magic bytes, never the file name) and how large a file may be.
export const FORMATS = {
  PDF: 'application/pdf',
  JPEG: 'image/jpeg',
  PNG: 'image/png',
  HEIC: 'image/heic',
  DOCX: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
} as const;

export type Format = keyof typeof FORMATS;

export interface DocumentTypeRule {
  type: string;
  formats: Format[];
  maxBytes: number;
}

const MB = 1024 * 1024;
const PAPER: Format[] = ['PDF', 'JPEG', 'PNG', 'HEIC'];

export const DOCUMENT_TYPES: readonly DocumentTypeRule[] = [
  { type: 'REFERRAL', formats: [...PAPER, 'DOCX'], maxBytes: 20 * MB },
  { type: 'LAB_RESULT', formats: PAPER, maxBytes: 50 * MB },
  { type: 'PRESCRIPTION', formats: PAPER, maxBytes: 20 * MB },
  { type: 'CONSENT', formats: ['PDF', 'JPEG', 'PNG'], maxBytes: 20 * MB },
  { type: 'INSURANCE', formats: PAPER, maxBytes: 20 * MB },
  { type: 'IMAGE', formats: ['JPEG', 'PNG', 'HEIC'], maxBytes: 200 * MB },
  { type: 'VISIT_SUMMARY', formats: ['PDF', 'DOCX'], maxBytes: 20 * MB },
  { type: 'OTHER', formats: [...PAPER, 'DOCX'], maxBytes: 200 * MB },
];

export function documentTypeRule(type: string): DocumentTypeRule | undefined {
  return DOCUMENT_TYPES.find((rule) => rule.type === type);
}

/** The format a detected MIME type is, if the rule accepts it. */
export function acceptedFormat(rule: DocumentTypeRule, mime: string | undefined): Format | null {
  if (!mime) return null;
  return rule.formats.find((format) => FORMATS[format] === mime) ?? null;
}
