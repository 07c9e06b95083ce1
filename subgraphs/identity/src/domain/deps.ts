// What the identity domain needs besides a unit of work: the token issuer, where its events go, and the
// developer inbox (non-production only) that shows links the notifications service would otherwise send.
import type { TokenIssuer } from './tokens.ts';

export interface IdentityQueues {
  /** Central audit queue (the kit's AUDIT_QUEUE; tests use their own name so parallel runs never mix). */
  audit: string;
  /** doctor.profile_updated → the appointments service's doctor directory. */
  doctors: string;
  /** user.* events for the notifications service (password reset links, invitations). */
  notifications: string;
}

export interface DevInboxMessage {
  to: string;
  subject: string;
  link: string;
  at: string;
}

export interface IdentityDeps {
  tokens: TokenIssuer;
  queues: IdentityQueues;
  /** Where links in messages point (the web app). */
  publicUrl: string;
  /** Non-production only: messages a real deployment delivers through notifications. */
  devInbox: DevInboxMessage[] | null;
  /** Provision unknown Microsoft accounts as patients, or only link to existing users by verified e-mail. */
  azureProvisioning: 'link-or-provision' | 'link-only';
  /** Sign in with Microsoft is configured (tenant, client id and secret). */
  microsoftSignIn?: boolean;
}
