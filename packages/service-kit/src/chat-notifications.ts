// The contract between notifications (producer) and chat (consumer) for the CHAT channel: a reminder or an
// appointment update for a patient who chose chat becomes a system message in that appointment's
// conversation. Codes and ids only (the message text is the client's, by code, as for `appointment.approved`).
// Chat answers on the results queue through its outbox: POSTED, or NO_CONVERSATION (notifications then fails
// the message over to another channel).
export const CHAT_NOTIFICATIONS_QUEUE = 'chat-notifications';
export const CHAT_NOTIFICATION_TOPIC = 'notification.chat_message';

/** The system message codes chat posts (the web app shows them in the reader's language). */
export const CHAT_NOTIFICATION_CODES = { REMINDERS: 'notification.reminder', APPOINTMENT_UPDATES: 'notification.appointment_update' } as const;
export type ChatNotificationCode = (typeof CHAT_NOTIFICATION_CODES)[keyof typeof CHAT_NOTIFICATION_CODES];

export interface ChatNotificationPayload {
  /** The notification's delivery attempt id: chat posts each at most once. */
  notificationId: string;
  appointmentId: string;
  recipientId: string;
  code: ChatNotificationCode;
}

export const NOTIFICATIONS_CHAT_RESULTS_QUEUE = 'notifications-chat-results';
export const CHAT_NOTIFICATION_RESULT_TOPIC = 'chat.notification_result';

export interface ChatNotificationResultPayload {
  notificationId: string;
  outcome: 'POSTED' | 'NO_CONVERSATION';
}
