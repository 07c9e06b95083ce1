// Thin resolvers: check who is asking, call the domain, map the result. Access is declared in the SDL
// (the router enforces it) and checked again here with the kit's helpers.
import {
  badUserInput,
  DateTimeScalar,
  forbidden,
  outboxAdminResolvers,
  pageSize,
  recordAudit,
  requireUser,
  requireUserOrScope,
} from '@clinic/service-kit';
import type { Resolvers } from '../generated/resolvers-types.ts';
import type { AppointmentsContext } from '../context.ts';
import { auditActor, isStaff } from '../actor.ts';
import { auditDenied, canSee } from '../booking/access.ts';
import { requestAppointment } from '../booking/request-appointment.ts';
import { cancelAppointment, closeAppointment, rescheduleAppointment } from '../booking/change-appointment.ts';
import { decideRequest, decideRequests, decisionHistory, pendingRequests } from '../approval/approve-requests.ts';
import {
  addScheduleException,
  addScheduleRule,
  affectedAppointments,
  authorizeDoctor,
  removeScheduleRule,
  setAutoApproval,
} from '../schedules/manage-schedule.ts';
import { searchAvailability } from '../availability/cached-search.ts';
import { removeScheduleException } from '../schedules/remove-exception.ts';
import { searchSuggestions } from '../directory/search-words.ts';
import { ScheduleExceptionSchema, ScheduleRuleSchema } from '../entities/schedule.ts';
import { WaitlistEntrySchema } from '../entities/waitlist.ts';
import { AppointmentSchema, type Appointment } from '../entities/appointment.ts';
import { acceptWaitlistOffer, joinWaitlist, leaveWaitlist } from '../waitlist/waitlist.ts';
import type { AppointmentOrder, AppointmentPage } from '../booking/appointment-lists.ts';
import { checkedZone, localIso, slotCursor, slotView } from './views.ts';
import { slotSearchRequest } from './slot-search-args.ts';
import { subscriptionResolvers } from './subscriptions.ts';

const short = (value: string | null | undefined, name: string, max = 80) => {
  if (value != null && value.length > max) throw badUserInput(`${name} has at most ${max} characters`);
  return value ?? null;
};

/**
 * Reads of appointments are audited: one event per patient whose data was read (with the appointment id
 * when it was one), so a doctor listing many patients' appointments shows in each patient's compliance report.
 */
async function auditRead(ctx: AppointmentsContext, appointments: Appointment[]): Promise<void> {
  if (!appointments.length) return;
  const byPatient = new Map<string, Appointment[]>();
  for (const a of appointments) byPatient.set(a.patientId, [...(byPatient.get(a.patientId) ?? []), a]);
  const em = ctx.em.fork();
  for (const [patientId, rows] of byPatient) {
    recordAudit(em, auditActor(ctx.actor), {
      action: 'appointment.read',
      resourceType: 'Appointment',
      resourceId: rows.length === 1 ? rows[0]!.id : null,
      subjectUserId: patientId,
      outcome: 'SUCCESS',
      detail: { count: rows.length },
    });
  }
  await em.flush();
}

interface ListArgs {
  status?: string[] | null;
  from?: Date | null;
  to?: Date | null;
  order?: AppointmentOrder | null;
  first: number;
  after?: string | null;
}

/**
 * A page of a user's appointments (batched with every other user of the request) and its audit. Yourself
 * and staff see all of them; anyone else only those they take part in (a doctor, their patient's).
 */
async function appointmentsOf(ctx: AppointmentsContext, userId: string, args: ListArgs): Promise<AppointmentPage> {
  const viewer = requireUser(ctx.viewer);
  const page = await ctx.loaders.userAppointments.load({
    userId,
    status: args.status?.length ? args.status : null,
    from: args.from ?? null,
    to: args.to ?? null,
    order: args.order ?? 'NEWEST_FIRST',
    involving: viewer.userId === userId || isStaff(viewer) ? null : viewer.userId,
    first: args.first,
    after: args.after ?? null,
  });
  await auditRead(ctx, page.appointments);
  return page;
}

// Admin: appointments' outbox events that gave up (the kit's surface, under this service's field names).
const outboxAdmin = outboxAdminResolvers('appointments');

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    ...outboxAdmin.Query,
    availableSlots: async (_p, { search }, ctx) => {
      const { search: s, page, first, zone } = slotSearchRequest(search, ctx.viewer);
      // When the answer cache has read this search's doctors and versions, the search uses them and tells it how long its answer holds.
      const pending = ctx.pendingAnswer;
      const { slots, stableUntil } = await searchAvailability(ctx.em, ctx.clinic, ctx.availability, s, page, pending?.doctors);
      if (pending) pending.stableUntil = stableUntil;
      const shown = slots.slice(0, first);
      const last = shown[shown.length - 1];
      return { slots: shown.map((s) => slotView(s, zone)), endCursor: last ? slotCursor(last) : null, hasNextPage: slots.length > first };
    },
    searchSuggestions: async (_p, { text }, ctx) => {
      requireUserOrScope(ctx.viewer, 'availability:read');
      return searchSuggestions(ctx.em, short(text, 'text') ?? '');
    },
    appointment: async (_p, { id }, ctx) => {
      requireUser(ctx.viewer);
      const appointment = await ctx.loaders.appointment.load(id);
      if (!appointment) return null;
      if (!canSee(ctx.viewer, appointment)) {
        await auditDenied(ctx.em, ctx.actor, 'appointment.read', appointment);
        return null;
      }
      await auditRead(ctx, [appointment]);
      return appointment;
    },
    myAppointments: async (_p, args, ctx) => (await appointmentsOf(ctx, requireUser(ctx.viewer).userId, { ...args, first: pageSize(args.first, 100, 500) })).appointments,
    myAppointmentPage: (_p, { page }, ctx) => appointmentsOf(ctx, requireUser(ctx.viewer).userId, { ...page, first: pageSize(page?.first, 50, 200) }),
    pendingRequests: async (_p, args, ctx) => {
      const rows = await pendingRequests(ctx.em, ctx.viewer, args);
      await auditRead(ctx, rows);
      return rows;
    },
    decisionHistory: (_p, args, ctx) => decisionHistory(ctx.em, ctx.viewer, args),
    scheduleRules: async (_p, { doctorId }, ctx) => {
      await authorizeDoctor(ctx.em, ctx.viewer, doctorId);
      return ctx.em.find(ScheduleRuleSchema, { doctorId }, { orderBy: { createdAt: 'asc' } });
    },
    scheduleExceptions: async (_p, { doctorId, from, to }, ctx) => {
      await authorizeDoctor(ctx.em, ctx.viewer, doctorId);
      return ctx.em.find(
        ScheduleExceptionSchema,
        { $or: [{ doctorId }, { doctorId: null }], startsAt: { $lt: to }, endsAt: { $gt: from } },
        { orderBy: { startsAt: 'asc' }, limit: 500 },
      );
    },
    previewScheduleException: (_p, { input }, ctx) => affectedAppointments(ctx.em, ctx.actor, { ...input, doctorId: input.doctorId ?? null }),
    myWaitlistEntries: (_p, _a, ctx) => {
      const user = requireUser(ctx.viewer);
      return ctx.em.find(WaitlistEntrySchema, { patientId: user.userId }, { orderBy: { createdAt: 'desc' }, limit: 100 });
    },
  },
  Mutation: {
    ...outboxAdmin.Mutation,
    requestAppointment: (_p, { input }, ctx) =>
      requestAppointment(ctx.em, ctx.actor, ctx.clinic, { ...input, category: input.category ?? 'ROUTINE' }, ctx.accounts),
    approveAppointment: (_p, { id, reason }, ctx) => decideRequest(ctx.em, ctx.actor, ctx.clinic, { id, decision: 'APPROVED', reason }),
    declineAppointment: (_p, { id, reason }, ctx) => decideRequest(ctx.em, ctx.actor, ctx.clinic, { id, decision: 'DECLINED', reason }),
    decideAppointments: (_p, { decisions }, ctx) =>
      decideRequests(
        ctx.em,
        ctx.actor,
        ctx.clinic,
        decisions.map((d) => ({ id: d.id, decision: d.decision === 'APPROVE' ? 'APPROVED' : 'DECLINED', reason: d.reason })),
      ),
    cancelAppointment: (_p, args, ctx) => cancelAppointment(ctx.em, ctx.actor, ctx.clinic, args),
    rescheduleAppointment: (_p, args, ctx) => rescheduleAppointment(ctx.em, ctx.actor, ctx.clinic, args),
    completeAppointment: (_p, { id }, ctx) => closeAppointment(ctx.em, ctx.actor, ctx.clinic, { id, outcome: 'COMPLETED' }),
    markNoShow: (_p, { id, reason }, ctx) => closeAppointment(ctx.em, ctx.actor, ctx.clinic, { id, outcome: 'NO_SHOW', reason }),
    addScheduleRule: (_p, { input }, ctx) =>
      addScheduleRule(ctx.em, ctx.actor, ctx.clinic, {
        ...input,
        weekdays: input.weekdays ?? [],
        rrule: input.rrule ?? null,
        validUntil: input.validUntil ?? null,
        bufferMinutes: input.bufferMinutes ?? 0,
      }),
    removeScheduleRule: (_p, { id }, ctx) => removeScheduleRule(ctx.em, ctx.actor, id),
    removeScheduleException: (_p, { id }, ctx) => removeScheduleException(ctx.em, ctx.actor, ctx.clinic, id),
    addScheduleException: (_p, { input, affected }, ctx) =>
      addScheduleException(ctx.em, ctx.actor, ctx.clinic, { ...input, doctorId: input.doctorId ?? null, label: short(input.label, 'label', 200) }, affected ?? 'REFUSE'),
    setAutoApproval: (_p, args, ctx) => setAutoApproval(ctx.em, ctx.actor, ctx.clinic, { doctorId: args.doctorId, all: args.all, consultationTypes: args.consultationTypes }),
    joinWaitlist: (_p, { input }, ctx) => joinWaitlist(ctx.em, ctx.actor, ctx.clinic, input, ctx.accounts),
    leaveWaitlist: (_p, { id }, ctx) => leaveWaitlist(ctx.em, ctx.actor, ctx.clinic, id),
    acceptWaitlistOffer: (_p, { id, category, reason }, ctx) =>
      acceptWaitlistOffer(ctx.em, ctx.actor, ctx.clinic, { entryId: id, category: category ?? 'ROUTINE', reason }),
  },
  Subscription: subscriptionResolvers,
  Appointment: {
    __resolveReference: async (ref, ctx) => {
      const appointment = await ctx.loaders.appointment.load(ref.id);
      return appointment && canSee(ctx.viewer, appointment) ? appointment : null;
    },
    patient: (a) => ({ id: a.patientId }),
    doctor: (a) => ({ id: a.doctorId }),
    localStartsAt: (a, { timeZone }) => localIso(a.startsAt.getTime(), checkedZone(timeZone)),
    history: (a, _args, ctx) => ctx.loaders.history.load(a.id),
    changeDeadline: (a, _args, ctx) => new Date(a.startsAt.getTime() - ctx.clinic.policy.changeDeadlineHours * 3_600_000),
    rescheduleKeepsApproval: async (a, _args, ctx) => {
      const settings = await ctx.loaders.doctorSettings.load(a.doctorId);
      return Boolean(settings && (settings.autoApproveAll || settings.autoApproveTypes.includes(a.consultationType)));
    },
  },
  AppointmentEvent: {
    actor: (e) => (e.actorId ? { id: e.actorId } : null),
  },
  AppointmentStatusChange: {
    // A subscription's context lives as long as its connection: read fresh, not from its loaders.
    appointment: async (change, _args, ctx) => {
      const appointment = await ctx.em.fork().findOne(AppointmentSchema, { id: change.appointmentId });
      return appointment && canSee(ctx.viewer, appointment) ? appointment : null;
    },
  },
  WaitlistEntry: {
    doctor: (e) => ({ id: e.doctorId }),
    from: (e) => e.windowStart,
    to: (e) => e.windowEnd,
  },
  AutoApproval: {
    all: (s) => s.autoApproveAll,
    consultationTypes: (s) => s.autoApproveTypes,
  },
  ScheduleExceptionResult: {
    cancelledAppointments: (r) => r.cancelled,
  },
  DecisionResult: {
    errorCode: (r) => r.error?.code ?? null,
    errorMessage: (r) => r.error?.message ?? null,
  },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    appointments: async (user, args, ctx) => (await appointmentsOf(ctx, user.id, { ...args, first: pageSize(args.first, 100, 500) })).appointments,
    appointmentPage: (user, { page }, ctx) => appointmentsOf(ctx, user.id, { ...page, first: pageSize(page?.first, 50, 200) }),
    scheduleRules: async (user, _args, ctx) => {
      const viewer = requireUser(ctx.viewer);
      if (viewer.userId !== user.id && !isStaff(viewer)) throw forbidden('Only the doctor or staff see this schedule');
      return ctx.em.find(ScheduleRuleSchema, { doctorId: user.id }, { orderBy: { createdAt: 'asc' } });
    },
  },
};

