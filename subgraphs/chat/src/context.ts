// What every chat resolver receives: the kit's request context plus the chat services (keys, index,
// presence, settings) and per-request DataLoaders.
import type { RequestContext } from '@clinic/service-kit';
import type { ChatServices } from './services.ts';
import type { Loaders } from './resolvers/loaders.ts';

export interface ChatContext extends RequestContext {
  chat: ChatServices;
  loaders: Loaders;
}
export type Context = ChatContext;
