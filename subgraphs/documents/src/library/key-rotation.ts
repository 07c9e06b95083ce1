// Key rotation: every data key wrapped by an older key-encryption key is unwrapped and wrapped again
// with the current one. The encrypted files are not touched. Batched and resumable.
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '@clinic/service-kit';
import { DocumentVersionSchema } from '../entities/document.ts';
import type { KeyEncryptionKeys } from '../crypto/key-encryption.ts';
import { auditActor, type Actor } from '../actor.ts';

export async function rotateDataKeys(em: EntityManager, actor: Actor, keys: KeyEncryptionKeys, batch = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await em.fork().transactional(async (tx) => {
      const stale = await tx.find(DocumentVersionSchema, { kekId: { $nin: [keys.currentId] } }, { limit: batch });
      for (const version of stale) {
        const dataKey = await keys.unwrap({ kekId: version.kekId!, wrapped: version.wrappedKey! });
        const rewrapped = await keys.wrap(dataKey);
        version.wrappedKey = rewrapped.wrapped;
        version.kekId = rewrapped.kekId;
      }
      return stale.length;
    });
    total += done;
    if (done < batch) break;
  }
  const fork = em.fork();
  recordAudit(fork, auditActor(actor), { action: 'document.keys_rotated', resourceType: 'DocumentKey', resourceId: keys.currentId, subjectUserId: null, outcome: 'SUCCESS', detail: { rewrapped: total } });
  await fork.flush();
  return total;
}
