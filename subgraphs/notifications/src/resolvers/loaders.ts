// Per-request DataLoaders: Appointment.reminders for a list of appointments is one query.
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Reminder } from '../entities/index.ts';
import { remindersOf } from '../reminders/reminders.ts';

export interface Loaders {
  reminders: DataLoader<string, Reminder[]>;
}

export function createLoaders(em: EntityManager): Loaders {
  return {
    reminders: new DataLoader(async (ids) => {
      const rows = await remindersOf(em, ids);
      return ids.map((id) => rows.filter((r) => r.appointmentId === id));
    }),
  };
}
