// Key rotation: every data key wrapped by an older key-encryption key is unwrapped and wrapped again
// with the current one: files' and intake answers' alike. The encrypted bytes are not touched. Batched
// and resumable.
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '@clinic/service-kit';
import { DocumentVersionSchema, IntakeSubmissionSchema } from '../entities/document.ts';
import type { KeyEncryptionKeys } from '../crypto/key-encryption.ts';
import { auditActor, type Actor } from '../actor.ts';

type Wrapped = { kekId: string | null; wrappedKey: Buffer | null };

export async function rotateDataKeys(em: EntityManager, actor: Actor, keys: KeyEncryptionKeys, batch = 200): Promise<number> {
  let total = 0;
  const stale = { kekId: { $nin: [keys.currentId] } };
  total += await rewrapAll(em, keys, batch, (tx) => tx.find(DocumentVersionSchema, stale, { limit: batch }));
  total += await rewrapAll(em, keys, batch, (tx) => tx.find(IntakeSubmissionSchema, stale, { limit: batch }));
  const fork = em.fork();
  recordAudit(fork, auditActor(actor), { action: 'document.keys_rotated', resourceType: 'DocumentKey', resourceId: keys.currentId, subjectUserId: null, outcome: 'SUCCESS', detail: { rewrapped: total } });
  await fork.flush();
  return total;
}

async function rewrapAll(em: EntityManager, keys: KeyEncryptionKeys, batch: number, findStale: (tx: EntityManager) => Promise<Wrapped[]>): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await em.fork().transactional(async (tx) => {
      const stale = await findStale(tx);
      for (const row of stale) {
        const dataKey = await keys.unwrap({ kekId: row.kekId!, wrapped: row.wrappedKey! });
        const rewrapped = await keys.wrap(dataKey);
        row.wrappedKey = rewrapped.wrapped;
        row.kekId = rewrapped.kekId;
      }
      return stale.length;
    });
    total += done;
    if (done < batch) break;
  }
  return total;
}
