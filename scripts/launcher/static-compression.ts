// Compression for the web client's static files: brotli when the browser accepts it, else gzip, for
// text types only (images and fonts are compressed already). Hashed assets never change, so each is
// compressed once and kept in memory; index.html is small and compressed per request.
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import type { IncomingMessage } from 'node:http';

const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.json', '.svg', '.txt', '.webmanifest']);
const cache = new Map<string, Buffer>();

export type Encoding = 'br' | 'gzip';

/** The best encoding the request accepts for this file, or null (send it as it is). */
export function chooseEncoding(req: IncomingMessage, extension: string): Encoding | null {
  if (!COMPRESSIBLE.has(extension)) return null;
  const accepted = String(req.headers['accept-encoding'] ?? '')
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([, q]) => !q || Number(q.trim().replace(/^q=/, '')) > 0)
    .map(([name]) => name!.trim().toLowerCase());
  if (accepted.includes('br')) return 'br';
  if (accepted.includes('gzip')) return 'gzip';
  return null;
}

/** The file's bytes in the encoding; `keep` for files whose content never changes (hashed assets). */
export function compressedFile(file: string, encoding: Encoding, keep: boolean): Buffer {
  const key = `${encoding}:${file}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const raw = readFileSync(file);
  const out =
    encoding === 'br'
      ? zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: keep ? 11 : 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
      : zlib.gzipSync(raw, { level: 9 });
  if (keep) cache.set(key, out);
  return out;
}
