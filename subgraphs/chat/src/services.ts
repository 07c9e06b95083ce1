// What the chat domain needs besides the database: keys and blind index, settings, presence, the pub/sub
// and a clock. Built once per subgraph and shared by requests, subscriptions and the event consumer.
import type { PubSubEngine } from 'graphql-subscriptions';
import type { ActiveUsers } from '@clinic/service-kit';
import type { ChatKeys } from './privacy/keys.ts';
import type { BlindIndex } from './privacy/blind-index.ts';
import type { ChatSettings } from './settings.ts';
import type { Presence } from './realtime/presence.ts';
import type { DocumentsClient } from './attachments/documents-client.ts';
import type { MessageEvents } from './realtime/message-events.ts';

export interface ChatServices {
  keys: ChatKeys;
  index: BlindIndex;
  settings: ChatSettings;
  presence: Presence;
  /** Asks identity which ids are active accounts before anyone is made a participant. */
  accounts: ActiveUsers;
  /** Checks and shares attachments with the documents service. */
  documents: DocumentsClient;
  pubsub: PubSubEngine;
  /** New messages' live events, read once per event for all of this replica's subscribers. */
  messageEvents: MessageEvents;
  /** Typing events seen per user and conversation (ephemeral, in memory only). */
  typingSeen: Map<string, number>;
  now(): Date;
  /**
   * ASSISTANT_DELEGATION_SECRET (shared with identity, never with the assistant): chat signs each patient message
   * to the assistant with it, the proof the assistant trades for that patient's short token (kit's delegation.ts).
   */
  delegationSecret?: string | null;
}
