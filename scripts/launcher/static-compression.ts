// Compression for the web client's static files: brotli when the browser accepts it, else gzip, for
// text types only (images and fonts are compressed already). Hashed assets never change, so each is
// compressed once (off the event loop) and kept in memory; index.html is small and compressed per request.
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { IncomingMessage } from 'node:http';

const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.json', '.svg', '.txt', '.webmanifest']);
const cache = new Map<string, Promise<Buffer>>();
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

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
export function compressedFile(file: string, encoding: Encoding, keep: boolean): Promise<Buffer> {
  const key = `${encoding}:${file}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const work = readFile(file).then((raw) =>
    encoding === 'br'
      ? brotli(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: keep ? 9 : 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
      : gzip(raw, { level: 9 }),
  );
  if (keep) {
    cache.set(key, work);
    work.catch(() => cache.delete(key));
  }
  return work;
}
