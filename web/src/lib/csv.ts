// CSV export of what a table shows (RFC 4180: quoted where needed, CRLF), with a guard against
// spreadsheet formula injection: a cell starting with = + - @ is prefixed with ' so it stays text.
import { downloadFile } from './download.ts';

export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  const cell = (value: string | number | null | undefined) => {
    let text = value == null ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** Starts the download of a CSV file (UTF-8 with BOM, so spreadsheet apps read the diacritics). */
export function downloadCsv(name: string, csv: string): void {
  downloadFile(name, ['\ufeff', csv], 'text/csv;charset=utf-8');
}
