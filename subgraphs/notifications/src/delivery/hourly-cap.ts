// The per-recipient, per-channel hourly cap: at most N non-urgent messages per clock hour on a channel. A
// message over the cap is not dropped: it takes the first later hour with room and waits for it. Each hour is a
// counter row claimed with one atomic upsert (`sent < cap`), so two workers never both take the last place.
// Security notices, urgent messages and reminders (whose moment is the point) are exempt.
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db.ts';
import type { Channel } from '../entities/index.ts';
import type { NotificationPolicy } from '../policy.ts';

const HOUR = 3_600_000;
/** How many hours ahead a message may be pushed before it is sent anyway (a runaway producer, not a user). */
const MAX_HOURS_AHEAD = 48;

/** The instant the message may go out: `earliest`, or the start of the first later hour with room. */
export async function slotUnderCap(em: EntityManager, policy: NotificationPolicy, userId: string, channel: Channel, earliest: Date): Promise<Date> {
  const cap = policy.hourlyCap[channel as keyof NotificationPolicy['hourlyCap']];
  if (!cap) return earliest;
  const firstHour = Math.floor(earliest.getTime() / HOUR) * HOUR;
  for (let i = 0; i < MAX_HOURS_AHEAD; i++) {
    const windowStart = new Date(firstHour + i * HOUR);
    const [claimed] = await sql(
      em,
      `insert into send_windows (user_id, channel, window_start, sent) values (?, ?, ?, 1)
       on conflict (user_id, channel, window_start) do update set sent = send_windows.sent + 1 where send_windows.sent < ?
       returning sent`,
      [userId, channel, windowStart, cap],
    );
    if (claimed) return i === 0 ? earliest : windowStart;
  }
  return earliest;
}

/** Whether a message of this kind counts against the cap. */
export const capped = (type: string, urgent: boolean) => !urgent && type !== 'SECURITY' && type !== 'REMINDERS';
