// Thin resolvers: check who is asking, call the domain, map the result.
import { GraphQLScalarType, Kind } from 'graphql';
import { badUserInput, requireUser, hasRole } from '@clinic/service-kit';
import type { IdentityContext } from '../context.ts';
import { isUuid } from '../users.ts';
import type { User } from '../entities/user.ts';

const STAFF = ['ADMIN', 'OPERATOR', 'DOCTOR'];

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? parseDate(ast.value) : null),
});

function parseDate(value: unknown): Date {
  const date = new Date(String(value));
  if (typeof value !== 'string' || Number.isNaN(date.getTime())) throw badUserInput('DateTime must be an ISO-8601 string');
  return date;
}

export const resolvers = {
  DateTime,
  Query: {
    me: async (_: unknown, __: unknown, ctx: IdentityContext) => {
      const viewer = requireUser(ctx.viewer);
      return ctx.users.load(viewer.userId);
    },
    user: async (_: unknown, args: { id: string }, ctx: IdentityContext) => {
      const viewer = requireUser(ctx.viewer);
      if (!isUuid(args.id)) throw badUserInput('id must be a UUID');
      if (viewer.userId !== args.id && !hasRole(viewer, ...STAFF)) return null;
      return ctx.users.load(args.id);
    },
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: IdentityContext): Promise<User | null> => ctx.users.load(ref.id),
  },
};
