// The subgraphs that make up the supergraph: name, SDL file and the URL written into the supergraph
// (the URL a default local run uses; the router can override each with SUBGRAPH_<NAME>_URL).
import path from 'node:path';

export interface SubgraphEntry {
  name: string;
  sdlPath: string;
  url: string;
}

const root = path.join(__dirname, '..', '..');

export const SUBGRAPHS: SubgraphEntry[] = [
  { name: 'identity', sdlPath: path.join(root, 'subgraphs/identity/schema.graphql'), url: 'http://localhost:4001/graphql' },
  { name: 'appointments', sdlPath: path.join(root, 'subgraphs/appointments/schema.graphql'), url: 'http://localhost:4002/graphql' },
  { name: 'chat', sdlPath: path.join(root, 'subgraphs/chat/schema.graphql'), url: 'http://localhost:4004/graphql' },
  { name: 'assistant', sdlPath: path.join(root, 'subgraphs/assistant/schema.graphql'), url: 'http://localhost:4005/graphql' },
  { name: 'notifications', sdlPath: path.join(root, 'subgraphs/notifications/schema.graphql'), url: 'http://localhost:4006/graphql' },
  { name: 'documents', sdlPath: path.join(root, 'subgraphs/documents/schema.graphql'), url: 'http://localhost:4003/graphql' },
];

export const SUPERGRAPH_PATH = path.join(root, 'schema/supergraph.graphql');
export const ACKNOWLEDGED_PATH = path.join(root, 'schema/acknowledged-breaking-changes.json');
