// What the domain functions of this subgraph share: policy, contact lookups, providers, the job queues,
// pub/sub for in-app live updates, the unsubscribe signer and the clock (tests move it).
import type { PubSubEngine } from 'graphql-subscriptions';
import type { ChatNotificationPayload, Logger } from '@clinic/service-kit';
import type { NotificationPolicy } from './policy.ts';
import type { ContactDirectory } from './delivery/contacts.ts';
import type { Providers } from './delivery/providers.ts';
import type { UnsubscribeLinks } from './delivery/unsubscribe.ts';
import type { PushSender } from './push/sender.ts';

export interface JobQueues {
  /** Runs the reminder at `at` (BullMQ delayed job; the id makes a repeat add a no-op). */
  reminder(reminderId: string, at: Date): Promise<void>;
  /** Many at once (one round trip to Redis). */
  reminders(list: { id: string; at: Date }[]): Promise<void>;
  /** Sends a queued e-mail/SMS attempt (not before `notBefore`); `urgent` ones jump the queue. */
  delivery(attemptId: string, urgent: boolean, notBefore?: Date | null): Promise<void>;
}

/** Hands a CHAT-channel message to chat (its queue; chat answers on the results queue). */
export interface ChatChannel {
  post(payload: ChatNotificationPayload): Promise<void>;
}

export interface NotifyDeps {
  chat: ChatChannel;
  policy: NotificationPolicy;
  contacts: ContactDirectory;
  providers: Providers;
  push: PushSender;
  queues: JobQueues;
  pubsub: PubSubEngine;
  unsubscribe: UnsubscribeLinks;
  logger: Logger;
  /** The web app's origin, for links in e-mails (APP_URL). */
  appUrl: string;
  now(): Date;
}
