// What every resolver of the documents subgraph receives: the kit's request context plus the acting
// viewer for audit, the service's settings (storage, keys, URL signing) and per-request DataLoaders.
import type { RequestContext } from '@clinic/service-kit';
import type { Actor } from './actor.ts';
import type { DocumentsSettings } from './settings.ts';
import type { Loaders } from './resolvers/loaders.ts';

export interface DocumentsContext extends RequestContext {
  actor: Actor;
  settings: DocumentsSettings;
  loaders: Loaders;
}
export type Context = DocumentsContext;
