// Per-request DataLoaders: entity references, histories and per-user lists are fetched in one query per
// batch, however many appointments or users a query touches.
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppointmentEventSchema, AppointmentSchema, type Appointment, type AppointmentEvent } from '../entities/appointment.ts';
import { DoctorSettingsSchema, type DoctorSettings } from '../entities/doctor.ts';
import { isUuid } from '../actor.ts';
import { listAppointmentPages, type AppointmentPage, type ListFilter, type PageRequest } from '../booking/appointment-lists.ts';

export type UserAppointmentsKey = ListFilter & PageRequest;

const filterOf = ({ status, from, to, order, involving }: UserAppointmentsKey): ListFilter => ({ status, from, to, order, involving });

export interface Loaders {
  appointment: DataLoader<string, Appointment | null>;
  history: DataLoader<string, AppointmentEvent[]>;
  userAppointments: DataLoader<UserAppointmentsKey, AppointmentPage, string>;
  /** A doctor's approval settings (auto-approval), for the policy fields of many appointments at once. */
  doctorSettings: DataLoader<string, DoctorSettings | null>;
}

/**
 * Each loader is made when a resolver first asks for it: most requests (a slot search above all, the
 * hottest read) use none, and four DataLoaders per request would be work for nothing.
 */
export function createLoaders(em: () => EntityManager, now: () => Date): Loaders {
  return new LazyLoaders(em, now);
}

class LazyLoaders implements Loaders {
  #appointment?: Loaders['appointment'];
  #history?: Loaders['history'];
  #userAppointments?: Loaders['userAppointments'];
  #doctorSettings?: Loaders['doctorSettings'];

  constructor(
    private readonly emOf: () => EntityManager,
    private readonly now: () => Date,
  ) {}

  /** The request's EntityManager, asked for only when a loader runs. */
  private get em(): EntityManager {
    return this.emOf();
  }

  get appointment(): Loaders['appointment'] {
    return (this.#appointment ??= new DataLoader(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await this.em.find(AppointmentSchema, { id: { $in: valid } }) : [];
      const byId = new Map(rows.map((a) => [a.id, a]));
      return ids.map((id) => byId.get(id) ?? null);
    }));
  }

  get history(): Loaders['history'] {
    return (this.#history ??= new DataLoader(async (ids) => {
      const rows = await this.em.find(AppointmentEventSchema, { appointmentId: { $in: [...ids] } }, { orderBy: { occurredAt: 'asc', id: 'asc' } });
      return ids.map((id) => rows.filter((r) => r.appointmentId === id));
    }));
  }

  get userAppointments(): Loaders['userAppointments'] {
    return (this.#userAppointments ??= new DataLoader(
      async (keys) => {
        // One query per distinct filter (normally one), covering every user in the batch, each with their own page.
        const groups = new Map<string, number[]>();
        keys.forEach((key, i) => {
          const filter = JSON.stringify(filterOf(key));
          groups.set(filter, [...(groups.get(filter) ?? []), i]);
        });
        const results: AppointmentPage[] = new Array(keys.length);
        for (const indexes of groups.values()) {
          const group = indexes.map((i) => keys[i]!);
          const pages = await listAppointmentPages(this.em, filterOf(group[0]!), group, this.now());
          indexes.forEach((i, n) => (results[i] = pages[n]!));
        }
        return results;
      },
      { cacheKeyFn: (key) => JSON.stringify(key) },
    ));
  }

  /** A doctor's approval settings (auto-approval), for the policy fields of many appointments at once. */
  get doctorSettings(): Loaders['doctorSettings'] {
    return (this.#doctorSettings ??= new DataLoader(async (ids) => {
      const rows = await this.em.find(DoctorSettingsSchema, { doctorId: { $in: [...ids] } });
      return ids.map((id) => rows.find((r) => r.doctorId === id) ?? null);
    }));
  }
}
