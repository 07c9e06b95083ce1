// What every resolver of the assistant subgraph receives: the kit's request context plus the assistant's
// settings (where the router is, the clock, the change deadline it explains) and a transcript loader.
import type { RequestContext } from '@clinic/service-kit';
import type DataLoader from 'dataloader';
import type { AssistantTurn } from './entities/conversation.ts';
import type { AssistantClock } from './conversation/ask.ts';
import type { WithDirectory } from './clinic-api/directory-cache.ts';

export interface AssistantSettings extends AssistantClock {
  /** The router's GraphQL URL; read per call (in tests and under the launcher the router starts last). */
  routerUrl: () => string;
  /** The assistant's read-only availability token (partner client), for chat; null when none is configured. */
  availability: () => Promise<string | null>;
  /** In chat: chat's proof of the patient's message → that patient's short delegated token (null: refused or not set up). */
  delegated: (proof: string) => Promise<string | null>;
  /** The doctor list shared by every turn for a minute (see clinic-api/directory-cache.ts). */
  directory: WithDirectory;
}

export interface AssistantContext extends RequestContext {
  assistant: AssistantSettings;
  transcripts: DataLoader<string, AssistantTurn[]>;
}
export type Context = AssistantContext;
