// Per-request DataLoaders: entity references, histories and per-user lists are fetched in one query per
// batch, however many appointments or users a query touches.
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppointmentEventSchema, AppointmentSchema, type Appointment, type AppointmentEvent } from '../entities/appointment.ts';
import { DoctorSettingsSchema, type DoctorSettings } from '../entities/doctor.ts';
import { isUuid } from '../actor.ts';

export interface UserAppointmentsKey {
  userId: string;
  status: string[] | null;
  from: Date | null;
  to: Date | null;
}

export interface Loaders {
  appointment: DataLoader<string, Appointment | null>;
  history: DataLoader<string, AppointmentEvent[]>;
  userAppointments: DataLoader<UserAppointmentsKey, Appointment[], string>;
  /** A doctor's approval settings (auto-approval), for the policy fields of many appointments at once. */
  doctorSettings: DataLoader<string, DoctorSettings | null>;
}

export function createLoaders(em: EntityManager): Loaders {
  return {
    appointment: new DataLoader(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await em.find(AppointmentSchema, { id: { $in: valid } }) : [];
      const byId = new Map(rows.map((a) => [a.id, a]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    history: new DataLoader(async (ids) => {
      const rows = await em.find(AppointmentEventSchema, { appointmentId: { $in: [...ids] } }, { orderBy: { occurredAt: 'asc', id: 'asc' } });
      return ids.map((id) => rows.filter((r) => r.appointmentId === id));
    }),
    userAppointments: new DataLoader(
      async (keys) => {
        // One query per distinct filter (normally one), covering every user in the batch.
        const groups = new Map<string, UserAppointmentsKey[]>();
        for (const key of keys) {
          const filter = JSON.stringify([key.status, key.from, key.to]);
          groups.set(filter, [...(groups.get(filter) ?? []), key]);
        }
        const results = new Map<string, Appointment[]>();
        for (const group of groups.values()) {
          const { status, from, to } = group[0]!;
          const users = group.map((k) => k.userId);
          const where: Record<string, unknown> = { $or: [{ patientId: { $in: users } }, { doctorId: { $in: users } }] };
          if (status?.length) where.status = { $in: status };
          if (from || to) where.startsAt = { ...(from ? { $gte: from } : {}), ...(to ? { $lt: to } : {}) };
          const rows = await em.find(AppointmentSchema, where, { orderBy: { startsAt: 'asc' }, limit: 1000 });
          for (const key of group) {
            results.set(cacheKey(key), rows.filter((r) => r.patientId === key.userId || r.doctorId === key.userId));
          }
        }
        return keys.map((k) => results.get(cacheKey(k)) ?? []);
      },
      { cacheKeyFn: (key) => cacheKey(key) },
    ),
    doctorSettings: new DataLoader(async (ids) => {
      const rows = await em.find(DoctorSettingsSchema, { doctorId: { $in: [...ids] } });
      return ids.map((id) => rows.find((r) => r.doctorId === id) ?? null);
    }),
  };
}

const cacheKey = (k: UserAppointmentsKey) => JSON.stringify([k.userId, k.status, k.from, k.to]);
