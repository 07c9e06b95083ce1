// Removing a schedule exception (a break, a day off, extra hours): the doctor or staff for them; a
// clinic-wide holiday only by an administrator. Removing a break gives its time back to patients, so
// the waiting list is offered what opened up.
import type { EntityManager } from '@mikro-orm/postgresql';
import { enqueueEvent, forbidden, hasRole, notFound, requireUser } from '@clinic/service-kit';
import { ScheduleExceptionSchema } from '../entities/schedule.ts';
import { isUuid, type Actor } from '../actor.ts';
import type { Clinic } from '../policy.ts';
import { offerOpenSlots } from '../waitlist/waitlist.ts';
import { authorizeDoctor } from './manage-schedule.ts';

export async function removeScheduleException(em: EntityManager, actor: Actor, clinic: Clinic, id: string): Promise<boolean> {
  const viewer = requireUser(actor.viewer);
  const exception = isUuid(id) ? await em.findOne(ScheduleExceptionSchema, { id }) : null;
  if (!exception) throw notFound('Schedule exception');
  if (exception.doctorId) await authorizeDoctor(em, actor.viewer, exception.doctorId);
  else if (!hasRole(viewer, 'ADMIN')) throw forbidden('Only an administrator removes clinic-wide holidays');
  const doctorId = exception.doctorId;
  await em.transactional(async (tx) => {
    tx.remove(tx.getReference(ScheduleExceptionSchema, exception.id));
    enqueueEvent(tx, 'schedule.changed', { doctorId, exceptionId: exception.id });
    await tx.flush();
    if (doctorId && exception.kind !== 'EXTRA_HOURS' && exception.kind !== 'EMERGENCY') await offerOpenSlots(tx, clinic, doctorId);
  });
  return true;
}
