// A test-only subgraph with real subscriptions: notices published through the kit's Redis pub/sub,
// each referencing identity's User, so a subscription selecting `user { email }` proves the router's
// per-event `_entities` fill-in. Access is declared with @authenticated/@requiresScopes (the router
// enforces them) and checked again here at subscribe time and per event (a user only receives
// notices addressed to them, unless ADMIN). The topic is per instance so test files do not collide.
import { randomUUID } from 'node:crypto';
import gqlTag from 'graphql-tag';
import { hasRole, requireRole, requireUser, subscribeTopic, type RequestContext, type SubgraphDefinition } from '@clinic/service-kit';

export interface Notice {
  id: string;
  text: string;
  /** When the poster sent it (ms since epoch): benchmarks measure delivery latency from it. */
  sentAt: number;
  userId: string;
}

const typeDefs = gqlTag`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes"])
  type Query {
    noticeBoardName: String!
  }
  type Mutation {
    "Posts a notice to one user (default: the poster)."
    postNotice(text: String!, forUserId: ID, sentAt: Float): Notice! @authenticated
  }
  type Subscription {
    "Notices addressed to the subscriber (ADMIN receives all)."
    noticePosted: Notice! @authenticated
    "Staff-only stream."
    staffNoticePosted: Notice! @requiresScopes(scopes: [["role:ADMIN"]])
    "Open to anyone, signed in or not (benchmarks)."
    publicNoticePosted: Notice!
  }
  type Notice {
    id: ID!
    text: String!
    sentAt: Float!
    user: User!
  }
  type User @key(fields: "id", resolvable: false) {
    id: ID!
  }
`;

export function createNoticesSubgraph(topic = `test-notices:${randomUUID()}`): SubgraphDefinition {
  return {
    name: 'notices',
    typeDefs,
    entities: [],
    migrations: [],
    resolvers: {
      Query: { noticeBoardName: () => 'Test notices' },
      Notice: { user: (n: Notice) => ({ __typename: 'User', id: n.userId }) },
      Mutation: {
        postNotice: async (_: unknown, args: { text: string; forUserId?: string | null; sentAt?: number | null }, ctx: RequestContext) => {
          const poster = requireUser(ctx.viewer);
          if (args.text.length > 500) throw new Error('text too long');
          const notice: Notice = { id: randomUUID(), text: args.text, sentAt: args.sentAt ?? Date.now(), userId: args.forUserId ?? poster.userId };
          await ctx.pubsub.publish(topic, notice);
          return notice;
        },
      },
      Subscription: {
        noticePosted: {
          subscribe: (_: unknown, __: unknown, ctx: RequestContext) => {
            const viewer = requireUser(ctx.viewer);
            const admin = hasRole(viewer, 'ADMIN');
            return subscribeTopic<Notice, Notice>(ctx.pubsub, topic, (n) => (admin || n.userId === viewer.userId ? n : undefined));
          },
          resolve: (n: Notice) => n,
        },
        staffNoticePosted: {
          subscribe: (_: unknown, __: unknown, ctx: RequestContext) => {
            requireRole(ctx.viewer, 'ADMIN');
            return subscribeTopic<Notice, Notice>(ctx.pubsub, topic, (n) => n);
          },
          resolve: (n: Notice) => n,
        },
        publicNoticePosted: {
          subscribe: (_: unknown, __: unknown, ctx: RequestContext) => subscribeTopic<Notice, Notice>(ctx.pubsub, topic, (n) => n),
          resolve: (n: Notice) => n,
        },
      },
    },
  };
}
