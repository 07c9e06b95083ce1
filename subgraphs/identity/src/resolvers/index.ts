// Thin resolvers: check who is asking, call the domain, map the result.
import { GraphQLScalarType, Kind } from 'graphql';
import { badUserInput, requireUser, hasRole } from '@clinic/service-kit';
import { isUuid } from '../users.ts';
import type { Resolvers } from '../generated/resolvers-types.ts';

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

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    me: async (_parent, _args, ctx) => {
      const viewer = requireUser(ctx.viewer);
      return ctx.users.load(viewer.userId);
    },
    user: async (_parent, args, ctx) => {
      const viewer = requireUser(ctx.viewer);
      if (!isUuid(args.id)) throw badUserInput('id must be a UUID');
      if (viewer.userId !== args.id && !hasRole(viewer, ...STAFF)) return null;
      return ctx.users.load(args.id);
    },
  },
  User: {
    __resolveReference: (ref, ctx) => ctx.users.load(ref.id),
  },
};
