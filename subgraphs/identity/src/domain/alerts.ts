// An admin works a security alert: OPEN → ACKNOWLEDGED ("I am looking at it") → RESOLVED (with a note),
// or straight from OPEN to RESOLVED. Each step records who and when. Repeating a step that already
// happened answers the alert as it is (a double click, a retried request); going back is a CONFLICT.
import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict, notFound } from '@clinic/service-kit';
import { query, queryOne } from '../db.ts';
import { ALERT_COLUMNS, type AlertRecord } from './security.ts';

export interface AlertChange {
  alert: AlertRecord;
  /** False when the alert was already in that state: nothing changed, nothing to audit. */
  changed: boolean;
}

async function current(tx: EntityManager, id: string): Promise<AlertRecord> {
  const alert = await queryOne<AlertRecord>(tx, `select ${ALERT_COLUMNS} from security_alerts where id = ?`, [id]);
  if (!alert) throw notFound('Security alert');
  return alert;
}

export async function acknowledgeAlert(tx: EntityManager, id: string, adminId: string): Promise<AlertChange> {
  const [updated] = await query<AlertRecord>(
    tx,
    `update security_alerts set state = 'ACKNOWLEDGED', acknowledged_at = now(), acknowledged_by = ?
      where id = ? and state = 'OPEN' returning ${ALERT_COLUMNS}`,
    [adminId, id],
  );
  if (updated) return { alert: updated, changed: true };
  const alert = await current(tx, id);
  if (alert.state === 'ACKNOWLEDGED') return { alert, changed: false };
  throw conflict('This alert is already resolved', { reason: 'ALERT_RESOLVED', state: alert.state });
}

export async function resolveAlert(tx: EntityManager, id: string, adminId: string, note: string): Promise<AlertChange> {
  const [updated] = await query<AlertRecord>(
    tx,
    `update security_alerts set state = 'RESOLVED', resolved_at = now(), resolved_by = ?, resolution_note = ?
      where id = ? and state in ('OPEN', 'ACKNOWLEDGED') returning ${ALERT_COLUMNS}`,
    [adminId, note, id],
  );
  if (updated) return { alert: updated, changed: true };
  const alert = await current(tx, id);
  // The same resolution again is a retry; a different one would silently rewrite history.
  if (alert.resolutionNote === note) return { alert, changed: false };
  throw conflict('This alert was already resolved with another note', { reason: 'ALERT_RESOLVED', state: alert.state });
}
