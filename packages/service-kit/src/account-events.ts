// The contracts between identity / the assistant (producers, through their outbox relays) and notifications
// (consumer): queue names, topics and payloads written once here. Ids and codes only, except the account mails.
import { z } from 'zod';

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

/**
 * identity → notifications: the mails a person needs to get into their account (verify the address, reset the
 * password, "you already have an account"). Transactional: always sent, whatever the preferences. Unlike the
 * events above they carry the address and the single-use link: notifications cannot rebuild the link (identity
 * keeps only a hash of its token), and the address is the one the link was issued for.
 */
export const ACCOUNT_MAIL_TOPICS = {
  emailVerificationRequested: 'user.email_verification_requested',
  passwordResetRequested: 'user.password_reset_requested',
  registrationAttempted: 'user.registration_attempted',
} as const;
export type AccountMailTopic = (typeof ACCOUNT_MAIL_TOPICS)[keyof typeof ACCOUNT_MAIL_TOPICS];

export const AccountMailPayloadSchema = z.object({
  userId: z.string().uuid(),
  email: z.string().email().max(320),
  /** en | ro when identity knows it; otherwise the recipient's notification settings decide. */
  locale: z.enum(['en', 'ro']).optional(),
  /** Absolute single-use link (verification/reset) or the sign-in page (already registered). */
  link: z.string().url().max(2_000),
  expiresInMinutes: z.number().int().positive().optional(),
});
export type AccountMailPayload = z.infer<typeof AccountMailPayloadSchema>;
