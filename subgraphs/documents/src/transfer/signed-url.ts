// Short-lived signed tokens for the public /files routes: `base64url(json).base64url(hmac)`. The token
// names the user it was issued to; the routes also require that user's bearer token, so a leaked URL
// is useless to anyone else, and access is decided again when it is used.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TransferClaims {
  /** `upload` (the ticket id), `download` or `preview` (the version id). */
  purpose: 'upload' | 'download' | 'preview';
  subject: string;
  userId: string;
  expiresAt: number;
}

export class TransferTokenError extends Error {
  constructor(readonly reason: 'malformed' | 'bad-signature' | 'expired') {
    super(`transfer token ${reason}`);
  }
}

const mac = (secret: Buffer, body: string) => createHmac('sha256', secret).update(body).digest();

export function signTransfer(secret: Buffer, claims: TransferClaims): string {
  const body = Buffer.from(JSON.stringify([claims.purpose, claims.subject, claims.userId, claims.expiresAt])).toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

export function verifyTransfer(secret: Buffer, token: string, purpose: TransferClaims['purpose'], now = Date.now()): TransferClaims {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw new TransferTokenError('malformed');
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new TransferTokenError('bad-signature');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new TransferTokenError('malformed');
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw new TransferTokenError('malformed');
  const [p, subject, userId, expiresAt] = parsed as unknown[];
  if (p !== purpose || typeof subject !== 'string' || typeof userId !== 'string' || typeof expiresAt !== 'number') {
    throw new TransferTokenError('malformed');
  }
  if (expiresAt <= now) throw new TransferTokenError('expired');
  return { purpose, subject, userId, expiresAt };
}
