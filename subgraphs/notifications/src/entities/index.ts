// The rows resolvers return (mapped for the ORM). Settings, preferences, the appointment mirror and the
// idempotency tables are read and written with plain SQL (upserts with ON CONFLICT), see ../db.ts.
import { EntitySchema } from '@mikro-orm/postgresql';

export const NOTIFICATION_TYPES = ['APPOINTMENT_UPDATES', 'REMINDERS', 'WAITLIST_OFFERS', 'NEW_MESSAGES', 'DOCUMENTS', 'SECURITY', 'ASSISTANT_HANDOFFS'] as const;
export const CHANNELS = ['EMAIL', 'SMS', 'IN_APP', 'PUSH', 'CHAT'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export type Channel = (typeof CHANNELS)[number];

export interface Notification {
  id: string;
  userId: string;
  type: NotificationType;
  title: string;
  body: string;
  appointmentId: string | null;
  dedupeKey: string;
  createdAt: Date;
  readAt: Date | null;
}

export const NotificationSchema = new EntitySchema<Notification>({
  name: 'Notification',
  tableName: 'notifications',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid', fieldName: 'user_id' },
    type: { type: 'string' },
    title: { type: 'string' },
    body: { type: 'text' },
    appointmentId: { type: 'uuid', fieldName: 'appointment_id', nullable: true },
    dedupeKey: { type: 'string', fieldName: 'dedupe_key' },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
    readAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'read_at', nullable: true },
  },
});

export type ReminderStatus = 'PENDING' | 'SENT' | 'CANCELLED' | 'FAILED';

export interface Reminder {
  id: string;
  appointmentId: string;
  patientId: string;
  doctorId: string;
  offsetMinutes: number;
  channel: Channel;
  startsAt: Date;
  dueAt: Date;
  status: ReminderStatus;
  sentAt: Date | null;
}

export const ReminderSchema = new EntitySchema<Reminder>({
  name: 'Reminder',
  tableName: 'reminders',
  properties: {
    id: { type: 'uuid', primary: true },
    appointmentId: { type: 'uuid', fieldName: 'appointment_id' },
    patientId: { type: 'uuid', fieldName: 'patient_id' },
    doctorId: { type: 'uuid', fieldName: 'doctor_id' },
    offsetMinutes: { type: 'integer', fieldName: 'offset_minutes' },
    channel: { type: 'string' },
    startsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'starts_at' },
    dueAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'due_at' },
    status: { type: 'string' },
    sentAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'sent_at', nullable: true },
  },
});

export type DeliveryStatus = 'QUEUED' | 'SENT' | 'DELIVERED' | 'OPENED' | 'BOUNCED' | 'FAILED' | 'DEAD' | 'DISCARDED';

export interface DeliveryAttempt {
  id: string;
  dedupeKey: string;
  userId: string;
  type: NotificationType;
  channel: Channel;
  reminderId: string | null;
  subject: string | null;
  body: string;
  status: DeliveryStatus;
  providerMessageId: string | null;
  attempts: number;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const DeliveryAttemptSchema = new EntitySchema<DeliveryAttempt>({
  name: 'DeliveryAttempt',
  tableName: 'delivery_attempts',
  properties: {
    id: { type: 'uuid', primary: true },
    dedupeKey: { type: 'string', fieldName: 'dedupe_key' },
    userId: { type: 'uuid', fieldName: 'user_id' },
    type: { type: 'string' },
    channel: { type: 'string' },
    reminderId: { type: 'uuid', fieldName: 'reminder_id', nullable: true },
    subject: { type: 'string', nullable: true },
    body: { type: 'text' },
    status: { type: 'string' },
    providerMessageId: { type: 'string', fieldName: 'provider_message_id', nullable: true },
    attempts: { type: 'integer' },
    error: { type: 'string', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
    updatedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'updated_at' },
  },
});

export interface NotificationTemplate {
  id: string;
  type: NotificationType;
  channel: Channel;
  locale: string;
  version: number;
  subject: string | null;
  body: string;
  createdBy: string | null;
  createdAt: Date;
}

export const NotificationTemplateSchema = new EntitySchema<NotificationTemplate>({
  name: 'NotificationTemplate',
  tableName: 'notification_templates',
  properties: {
    id: { type: 'uuid', primary: true },
    type: { type: 'string' },
    channel: { type: 'string' },
    locale: { type: 'string' },
    version: { type: 'integer' },
    subject: { type: 'string', nullable: true },
    body: { type: 'text' },
    createdBy: { type: 'uuid', fieldName: 'created_by', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
  },
});

export interface DevMessage {
  id: string;
  channel: Channel;
  recipient: string;
  subject: string | null;
  body: string;
  headers: Record<string, string>;
  createdAt: Date;
}

export const DevMessageSchema = new EntitySchema<DevMessage>({
  name: 'DevMessage',
  tableName: 'dev_messages',
  properties: {
    id: { type: 'uuid', primary: true },
    channel: { type: 'string' },
    recipient: { type: 'string' },
    subject: { type: 'string', nullable: true },
    body: { type: 'text' },
    headers: { type: 'json' },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
  },
});

export const entities = [NotificationSchema, ReminderSchema, DeliveryAttemptSchema, NotificationTemplateSchema, DevMessageSchema];
