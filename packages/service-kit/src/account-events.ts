// The contracts between identity / the assistant (producers, through their outbox relays) and notifications
// (consumer): queue names and topics written once here. Ids and codes only — never addresses or text.

/** identity → notifications: `user.*` events (security notices among them). */
export const IDENTITY_NOTIFICATIONS_QUEUE = 'notifications-identity';

/** The account changes a user is told about at once (SECURITY, urgent, regardless of quiet hours). */
export const SECURITY_EVENT_TOPICS = {
  signedIn: 'user.signed_in',
  passwordChanged: 'user.password_changed',
  mfaChanged: 'user.mfa_changed',
} as const;
export type SecurityEventTopic = (typeof SECURITY_EVENT_TOPICS)[keyof typeof SECURITY_EVENT_TOPICS];

/** The payload of a security event: whose account, and for sign-ins how (PASSWORD, PASSWORD+TOTP, MICROSOFT…). */
export interface SecurityEventPayload {
  userId: string;
  method?: string;
  /** mfa_changed: whether two-step verification is now on. */
  enabled?: boolean;
}

/** assistant → notifications: hand-offs to a human (staff are notified). */
export const ASSISTANT_NOTIFICATIONS_QUEUE = 'notifications-assistant';
export const HANDOFF_REQUESTED_TOPIC = 'assistant.handoff_requested';
export const HANDOFF_ESCALATED_TOPIC = 'assistant.handoff_escalated';

export interface HandoffEventPayload {
  handoffId: string;
  /** The patient who asked. */
  userId: string;
  priority: 'NORMAL' | 'URGENT';
}
