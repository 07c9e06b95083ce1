// The identity subgraph as a definition the kit can run (in its own process, in the launcher, or in tests).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { SubgraphDefinition } from '@clinic/service-kit';
import { UserSchema } from './entities/user.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { createUserLoader } from './users.ts';
import type { IdentityContext } from './context.ts';

export const IDENTITY_DEFAULT_PORT = 4001;
export const identitySdlPath = path.join(__dirname, '..', 'schema.graphql');

export const identitySubgraph: SubgraphDefinition<IdentityContext> = {
  name: 'identity',
  typeDefs: parse(readFileSync(identitySdlPath, 'utf8')),
  resolvers,
  entities: [UserSchema],
  migrations,
  context: (base) => ({ ...base, users: createUserLoader(base.em) }),
};
