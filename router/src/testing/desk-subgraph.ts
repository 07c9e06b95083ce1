// A small test subgraph for the router's lanes (single-fetch, known operations): objects, lists, nulls, an
// enum, an interface, a field behind a scope, a failing field and a mutation.
import gqlTag from 'graphql-tag';
import { notFound, type SubgraphDefinition } from '@clinic/service-kit';

const notes: Record<string, { id: string; title: string; remark: string | null; tags: string[]; author: { name: string; nick: string | null } | null }> = {
  n1: { id: 'n1', title: 'Bring the referral', remark: null, tags: ['a', 'b'], author: { name: 'Desk', nick: null } },
  n2: { id: 'n2', title: 'Fasting from 8', remark: 'water is fine', tags: [], author: null },
};

export const deskSubgraph: SubgraphDefinition = {
  name: 'desk',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@requiresScopes"])
    enum Mood { CALM BUSY }
    interface Thing { id: ID! }
    type Person { name: String! nick: String }
    type Note implements Thing {
      id: ID!
      title: String!
      remark: String
      tags: [String!]!
      author: Person
      secret: String @requiresScopes(scopes: [["desk:secret"]])
    }
    type Query {
      note(id: ID!): Note
      notes(ids: [ID!]!): [Note!]!
      failing: Note
      mood: Mood!
      thing: Thing
    }
    type Mutation { scribble(text: String!): Note! }
  `,
  resolvers: {
    Thing: { __resolveType: () => 'Note' },
    Note: { secret: () => 'behind the desk' },
    Query: {
      note: (_: unknown, args: { id: string }) => notes[args.id] ?? null,
      notes: (_: unknown, args: { ids: string[] }) => args.ids.map((id) => notes[id] ?? null),
      failing: () => {
        throw notFound('The note');
      },
      mood: () => 'CALM',
      thing: () => notes.n1,
    },
    Mutation: { scribble: (_: unknown, args: { text: string }) => ({ ...notes.n1!, title: args.text }) },
  },
  entities: [],
  migrations: [],
};

