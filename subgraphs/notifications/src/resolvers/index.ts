// Thin resolvers: check who is asking, call the domain, map the result. Access is declared in the SDL
// (the router enforces it) and checked again here.
import { badUserInput, DateTimeScalar, forbidden, hasRole, notFound, pageSize, requireRole, requireUser } from '@clinic/service-kit';
import type { Resolvers } from '../generated/resolvers-types.ts';
import type { NotificationsContext } from '../context.ts';
import { DeliveryAttemptSchema, DevMessageSchema, NotificationSchema } from '../entities/index.ts';
import {
  channelPreferencesOf,
  ensureSettings,
  primaryRole,
  recordSmsConsent,
  resetPreferences,
  roleDefaultsView,
  setPreferences,
  setRoleDefaults,
  settingsOf,
  updateSettings,
} from '../preferences/preferences.ts';
import { builtInTemplateFor, listTemplates, previewTemplate, saveTemplate } from '../templates/templates.ts';
import { queueStats } from '../monitoring/queue-stats.ts';
import { devicesOf, registerDevice, unregisterDevice } from '../push/devices.ts';
import { checkedId, notificationOwner, preferenceOwner } from './access.ts';
import { subscriptionResolvers } from './subscriptions.ts';

const limitOf = (n: number | null | undefined, max = 200) => pageSize(n, 50, max, 'limit');

async function preferencesView(ctx: NotificationsContext, userId: string) {
  const settings = await settingsOf(ctx.em, ctx.notify.policy, userId);
  return {
    userId,
    channels: await channelPreferencesOf(ctx.em, userId, settings.role),
    quietHours: settings.quietHours,
    timeZone: settings.timeZone,
    locale: settings.locale,
    reminderOffsets: settings.reminderOffsets ?? ctx.notify.policy.defaultOffsets,
    allowedReminderOffsets: ctx.notify.policy.allowedOffsets,
    smsConsent: settings.smsConsent,
  };
}

/** A dead delivery an admin acts on. */
async function deadLetter(ctx: NotificationsContext, id: string, what: string) {
  requireRole(ctx.viewer, 'ADMIN');
  const row = await ctx.em.findOne(DeliveryAttemptSchema, { id: checkedId(id) });
  if (!row) throw notFound('Delivery');
  if (row.status !== 'DEAD') throw badUserInput(`Only a dead delivery can be ${what}`);
  return row;
}

/** Remembers the role the caller's defaults follow (from their own token) before acting on their row. */
async function touch(ctx: NotificationsContext, userId: string) {
  const me = requireUser(ctx.viewer);
  if (me.userId === userId) await ensureSettings(ctx.em, userId, primaryRole(me.roles));
  else await ensureSettings(ctx.em, userId);
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    unreadNotificationCount: async (_p, _a, ctx) => {
      const me = requireUser(ctx.viewer);
      return ctx.em.count(NotificationSchema, { userId: me.userId, readAt: null });
    },
    notificationRoleDefaults: async (_p, { role }, ctx) => {
      requireRole(ctx.viewer, 'ADMIN');
      return roleDefaultsView(ctx.em, role);
    },
    devInbox: async (_p, { limit }, ctx) => {
      requireRole(ctx.viewer, 'ADMIN');
      const rows = await ctx.em.find(DevMessageSchema, {}, { orderBy: { createdAt: 'desc' }, limit: limitOf(limit) });
      return rows.map((r) => ({ ...r, to: r.recipient }));
    },
    deadLetters: async (_p, { limit }, ctx) => {
      requireRole(ctx.viewer, 'ADMIN');
      return ctx.em.find(DeliveryAttemptSchema, { status: 'DEAD' }, { orderBy: { updatedAt: 'desc' }, limit: limitOf(limit) });
    },
    notificationQueues: async (_p, _a, ctx) => {
      requireRole(ctx.viewer, 'ADMIN');
      return queueStats(ctx.queues.queues);
    },
    notificationTemplates: async (_p, args, ctx) => {
      requireRole(ctx.viewer, 'ADMIN');
      return listTemplates(ctx.em, args);
    },
    previewNotificationTemplate: (_p, { input }, ctx) => {
      requireRole(ctx.viewer, 'ADMIN');
      return previewTemplate(input);
    },
    pushPublicKey: async (_p, _a, ctx) => {
      requireUser(ctx.viewer);
      return ctx.notify.push.publicKey();
    },
    myPushDevices: async (_p, _a, ctx) => devicesOf(ctx.em, requireUser(ctx.viewer).userId),
    builtInNotificationTemplate: (_p, { type, channel, locale }, ctx) => {
      requireRole(ctx.viewer, 'ADMIN');
      return builtInTemplateFor(type, channel, locale);
    },
  },
  Mutation: {
    setNotificationPreferences: async (_p, { userId, input }, ctx) => {
      const owner = preferenceOwner(ctx.viewer, userId);
      await touch(ctx, owner);
      await setPreferences(ctx.em, owner, input);
      return preferencesView(ctx, owner);
    },
    updateNotificationSettings: async (_p, { userId, input }, ctx) => {
      const owner = preferenceOwner(ctx.viewer, userId);
      await touch(ctx, owner);
      await updateSettings(ctx.em, ctx.notify.policy, owner, input);
      return preferencesView(ctx, owner);
    },
    resetNotificationPreferences: async (_p, { userId }, ctx) => {
      const owner = preferenceOwner(ctx.viewer, userId);
      await touch(ctx, owner);
      await resetPreferences(ctx.em, owner);
      return preferencesView(ctx, owner);
    },
    recordSmsConsent: async (_p, { granted, method }, ctx) => {
      const me = requireUser(ctx.viewer);
      await touch(ctx, me.userId);
      await recordSmsConsent(ctx.em, me.userId, granted, method);
      return preferencesView(ctx, me.userId);
    },
    setRoleNotificationDefaults: async (_p, { role, input }, ctx) => {
      requireRole(ctx.viewer, 'ADMIN');
      await setRoleDefaults(ctx.em, role, input);
      return roleDefaultsView(ctx.em, role);
    },
    markNotificationRead: async (_p, { id }, ctx) => {
      const me = requireUser(ctx.viewer);
      const row = await ctx.em.findOne(NotificationSchema, { id: checkedId(id) });
      // Someone else's notification is "not found": its existence is not revealed.
      if (!row || row.userId !== me.userId) throw notFound('Notification');
      row.readAt ??= new Date();
      await ctx.em.flush();
      return row;
    },
    markAllNotificationsRead: async (_p, _a, ctx) => {
      const me = requireUser(ctx.viewer);
      return ctx.em.nativeUpdate(NotificationSchema, { userId: me.userId, readAt: null }, { readAt: new Date() });
    },
    saveNotificationTemplate: async (_p, { input }, ctx) => {
      const admin = requireRole(ctx.viewer, 'ADMIN');
      return saveTemplate(ctx.em, admin.userId, input);
    },
    retryDeadLetter: async (_p, { id }, ctx) => {
      const row = await deadLetter(ctx, id, 'retried');
      row.status = 'QUEUED';
      row.error = null;
      row.updatedAt = new Date();
      await ctx.em.flush();
      await ctx.notify.queues.delivery(row.id, true);
      return row;
    },
    registerPushDevice: async (_p, { input }, ctx) => registerDevice(ctx.em, requireUser(ctx.viewer).userId, input, ctx.notify.now()),
    unregisterPushDevice: async (_p, { id }, ctx) => unregisterDevice(ctx.em, requireUser(ctx.viewer).userId, checkedId(id)),
    discardDeadLetter: async (_p, { id }, ctx) => {
      const row = await deadLetter(ctx, id, 'discarded');
      row.status = 'DISCARDED';
      row.updatedAt = new Date();
      await ctx.em.flush();
      return row;
    },
  },
  Subscription: subscriptionResolvers,
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    notificationPreferences: async (user, _a, ctx) => preferencesView(ctx, preferenceOwner(ctx.viewer, user.id)),
    notifications: async (user, { unreadOnly, after, limit }, ctx) => {
      const owner = notificationOwner(ctx.viewer, user.id);
      const where: Record<string, unknown> = { userId: owner };
      if (unreadOnly) where.readAt = null;
      if (after) where.createdAt = { $gt: after };
      return ctx.em.find(NotificationSchema, where, { orderBy: { createdAt: 'desc' }, limit: limitOf(limit) });
    },
  },
  Appointment: {
    __resolveReference: (ref) => ({ id: ref.id }),
    reminders: async (appointment, _a, ctx) => {
      const me = requireUser(ctx.viewer);
      const rows = await ctx.loaders.reminders.load(appointment.id);
      const staff = hasRole(me, 'ADMIN', 'OPERATOR');
      if (!staff && rows.some((r) => r.patientId !== me.userId && r.doctorId !== me.userId)) throw forbidden('You may only see reminders of your own appointments');
      return rows;
    },
  },
};
