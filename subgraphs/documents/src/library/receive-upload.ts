// Receiving the bytes of a granted upload: claims the single-use ticket (atomically, so a second request
// with the same URL finds nothing to claim), then stores the body as a version (store-version.ts).
import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UploadTicketSchema, type UploadTicket } from '../entities/document.ts';
import { UploadRefused } from '../transfer/inspect-upload.ts';
import type { DocumentsSettings } from '../settings.ts';
import type { Actor } from '../actor.ts';
import { storeVersion, type StoredVersion } from './store-version.ts';

export class TicketUnusable extends Error {}

async function claimTicket(em: EntityManager, ticketId: string, userId: string, now: Date): Promise<UploadTicket> {
  const rows = await em.execute<{ id: string }[]>(
    `update upload_tickets set used_at = ? where id = ? and user_id = ? and used_at is null and expires_at > ? returning id`,
    [now, ticketId, userId, now],
  );
  if (rows.length !== 1) throw new TicketUnusable('upload URL already used or expired');
  return em.findOneOrFail(UploadTicketSchema, { id: ticketId });
}

export async function receiveUpload(
  em: EntityManager,
  actor: Actor,
  settings: DocumentsSettings,
  input: { ticketId: string; userId: string; body: Readable; declaredLength: number | null },
): Promise<StoredVersion> {
  const claimedAt = settings.now();
  const ticket = await claimTicket(em, input.ticketId, input.userId, claimedAt);
  try {
    if (input.declaredLength !== null && input.declaredLength > ticket.size) {
      throw new UploadRefused('TOO_LARGE', `The file is larger than the ${ticket.size} bytes announced`);
    }
    const { documentId, newDocument, ownerId, type, appointmentId, fileName, size } = ticket;
    return await storeVersion(em, actor, settings, { documentId, newDocument, ownerId, type, appointmentId, fileName, expectedSize: size, uploadedBy: input.userId }, input.body);
  } catch (error) {
    // Nothing was stored (a refused file, a connection cut off on a phone): the URL stays usable for the
    // right file until it expires; single use means one stored upload.
    await em.execute(`update upload_tickets set used_at = null where id = ? and used_at = ?`, [ticket.id, claimedAt]).catch(() => undefined);
    throw error;
  }
}
