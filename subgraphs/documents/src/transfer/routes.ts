// The public /files routes (reached through the router): PUT /files/upload?t=… receives a granted
// upload, GET /files/download?t=… streams a version back decrypted. Both require the bearer token of
// the user the URL was issued to. Errors answer in the GraphQL error shape with a stable code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { DomainError, isDelegated, recordAuditNow, requestIdOf, sendGraphQLError, type SubgraphDeps, type Viewer } from '@clinic/service-kit';
import { receiveUpload, TicketUnusable } from '../library/receive-upload.ts';
import { DocumentGone } from '../library/store-version.ts';
import { DOWNLOAD_PATH, DownloadRefused, openDownload, PREVIEW_PATH, type Served } from '../library/downloads.ts';
import { makePreview } from '../library/previews.ts';
import { DocumentVersionSchema } from '../entities/document.ts';
import { UPLOAD_PATH } from '../library/uploads.ts';
import type { DocumentsSettings } from '../settings.ts';
import { auditActor, type Actor } from '../actor.ts';
import { UploadRefused } from './inspect-upload.ts';
import { TransferTokenError, verifyTransfer, type TransferClaims } from './signed-url.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const REFUSAL_STATUS: Record<UploadRefused['code'], [number, string]> = {
  UNSUPPORTED_FORMAT: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE'],
  SIZE_MISMATCH: [400, 'BAD_USER_INPUT'],
};

function clientIp(req: IncomingMessage): string | null {
  const forwarded = req.headers['x-forwarded-for'];
  return (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim() || null;
}

/** The caller, who must be the user the URL was issued to. */
async function callerOf(deps: SubgraphDeps, req: IncomingMessage, purpose: TransferClaims['purpose'], settings: DocumentsSettings): Promise<{ claims: TransferClaims; actor: Actor }> {
  const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('t') ?? '';
  const claims = verifyTransfer(settings.urlSecret, token, purpose, settings.now().getTime());
  const viewer: Viewer = await deps.verifier.verify(req.headers.authorization);
  if (viewer.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED', 'Send the bearer token of the user this URL was issued to');
  // The assistant acting for a patient handles appointments only, never their files.
  if (isDelegated(viewer)) throw new DomainError('FORBIDDEN', 'This token may not transfer documents');
  const actor: Actor = { viewer, requestId: requestIdOf(req), ip: clientIp(req) };
  if (viewer.kind !== 'user' || viewer.userId !== claims.userId) {
    // Someone holding another user's URL: refused, and written down for that user's access report.
    await recordAuditNow(deps.orm.em.fork(), auditActor(actor), {
      action: `document.${purpose}`,
      resourceType: purpose === 'upload' ? 'UploadTicket' : 'DocumentVersion',
      resourceId: claims.subject,
      subjectUserId: claims.userId,
      outcome: 'DENIED',
      detail: { reason: 'issued_to_another_user' },
    });
    throw new DomainError('FORBIDDEN', 'This URL was issued to someone else');
  }
  return { claims, actor };
}

function answerError(res: ServerResponse, req: IncomingMessage, error: unknown, deps: SubgraphDeps): void {
  const send = (status: number, code: string, message: string) => {
    if (res.headersSent) return void res.destroy();
    sendGraphQLError(res, status, code, message, { connection: 'close' });
    req.resume();
  };
  if (error instanceof TransferTokenError) return send(error.reason === 'expired' ? 410 : 403, 'FORBIDDEN', `This URL is ${error.reason === 'expired' ? 'expired' : 'not valid'}`);
  if (error instanceof TicketUnusable || error instanceof DocumentGone) return send(410, 'GONE', error.message);
  if (error instanceof UploadRefused) return send(REFUSAL_STATUS[error.code][0], REFUSAL_STATUS[error.code][1], error.message);
  if (error instanceof DownloadRefused) return send(error.status, error.status === 404 ? 'NOT_FOUND' : 'FORBIDDEN', `Document ${error.message}`);
  if (error instanceof DomainError) return send(error.code === 'UNAUTHENTICATED' ? 401 : 403, error.code, error.message);
  deps.logger.error({ err: error, requestId: requestIdOf(req) }, 'file transfer failed');
  send(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
}

function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export function fileRoutes(deps: SubgraphDeps, settings: DocumentsSettings): Record<string, Handler> {
  const upload: Handler = async (req, res) => {
    try {
      if (req.method !== 'PUT' && req.method !== 'POST') return sendGraphQLError(res, 405, 'METHOD_NOT_ALLOWED', 'Use PUT');
      const { claims, actor } = await callerOf(deps, req, 'upload', settings);
      const length = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
      const em = deps.orm.em.fork();
      const received = await receiveUpload(em, actor, settings, { ticketId: claims.subject, userId: claims.userId, body: req, declaredLength: length });
      // The thumbnail is made once, now; a failure leaves the version without one (the upload stands).
      const version = await em.findOneOrFail(DocumentVersionSchema, { documentId: received.documentId, version: received.version });
      await makePreview(em, settings, version).catch((error: unknown) => deps.logger.warn({ err: error, versionId: version.id }, 'preview failed'));
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(received));
    } catch (error) {
      answerError(res, req, error, deps);
    }
  };
  const serve = (what: Served): Handler => async (req, res) => {
    try {
      if (req.method !== 'GET') return sendGraphQLError(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET');
      const { claims, actor } = await callerOf(deps, req, what, settings);
      const opened = await openDownload(deps.orm.em.fork(), actor, settings, claims.subject, what);
      const file = what === 'download';
      res.writeHead(200, {
        'content-type': file ? opened.version.contentType : 'image/png',
        ...(file ? { 'content-length': String(opened.version.size) } : {}),
        'content-disposition': file ? contentDisposition(opened.version.fileName) : 'inline',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      await pipeline(opened.body, res);
    } catch (error) {
      answerError(res, req, error, deps);
    }
  };
  return { [UPLOAD_PATH]: upload, [DOWNLOAD_PATH]: serve('download'), [PREVIEW_PATH]: serve('preview') };
}
