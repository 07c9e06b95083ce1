// What every resolver of the notifications subgraph receives: the kit's request context plus the shared
// notification machinery (policy, providers, queues) and per-request DataLoaders.
import type { RequestContext } from '@clinic/service-kit';
import type { NotifyDeps } from './deps.ts';
import type { RunningQueues } from './queues.ts';
import type { Loaders } from './resolvers/loaders.ts';

export interface NotificationsContext extends RequestContext {
  notify: NotifyDeps;
  queues: RunningQueues;
  loaders: Loaders;
}
export type Context = NotificationsContext;
