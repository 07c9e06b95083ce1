// The appointment status lifecycle in one table, so every transition in the code asks the same question
// and a refused one gets the same clear error.
import { conflict } from '@clinic/service-kit';

export type AppointmentStatus = 'REQUESTED' | 'APPROVED' | 'DECLINED' | 'CANCELLED' | 'COMPLETED' | 'NO_SHOW' | 'EXPIRED';

export const LIVE_STATUSES: AppointmentStatus[] = ['REQUESTED', 'APPROVED'];

const NEXT: Record<AppointmentStatus, AppointmentStatus[]> = {
  REQUESTED: ['APPROVED', 'DECLINED', 'CANCELLED', 'EXPIRED'],
  APPROVED: ['COMPLETED', 'CANCELLED', 'NO_SHOW'],
  DECLINED: [],
  CANCELLED: [],
  COMPLETED: [],
  NO_SHOW: [],
  EXPIRED: [],
};

export function canTransition(from: AppointmentStatus, to: AppointmentStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertTransition(from: AppointmentStatus, to: AppointmentStatus): void {
  if (!canTransition(from, to)) {
    throw conflict(`An appointment that is ${from} cannot become ${to}`, { reason: 'INVALID_TRANSITION', from, to });
  }
}
