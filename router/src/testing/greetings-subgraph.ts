// A test-only subgraph that references identity's User, so tests can prove the router's federated
// entity fetches (and count them) without depending on a later domain subgraph.
import gqlTag from 'graphql-tag';
import { DateTimeScalar, JSONScalar, type SubgraphDefinition } from '@clinic/service-kit';

export const greetingsSubgraph: SubgraphDefinition = {
  name: 'greetings',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes"])
    scalar DateTime
    scalar JSON
    type Query {
      "Echo the given values back: for input-handling tests of the custom scalars."
      echo(value: JSON, at: DateTime): String!
      greetings(userIds: [ID!]!): [Greeting!]!
      "Answers after the given delay: for upstream-timeout tests."
      slowGreeting(ms: Int!): String!
    }
    type Greeting {
      text: String!
      user: User!
      "A reply to this greeting: a recursive field so depth limits can be tested."
      reply: Greeting
      "Readable with the greetings:secret scope only: for the router's field filtering."
      secret: String @requiresScopes(scopes: [["greetings:secret"]])
      "Signed-in callers only, and never null: a filtered non-null field nulls its parent."
      mood: String! @authenticated
    }
    type User @key(fields: "id", resolvable: false) {
      id: ID!
    }
  `,
  resolvers: {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Greeting: {
      secret: () => 'the secret',
      mood: () => 'cheerful',
      reply: (greeting: { text: string; user: unknown }) => ({ text: `Re: ${greeting.text}`, user: greeting.user }),
    },
    Query: {
      echo: (_: unknown, args: { value?: unknown; at?: Date }) => `${typeof args.value} ${args.at?.toISOString() ?? '-'}`,
      slowGreeting: (_: unknown, args: { ms: number }) => new Promise((resolve) => setTimeout(() => resolve('late hello'), args.ms)),
      greetings: (_: unknown, args: { userIds: string[] }) =>
        args.userIds.map((id) => ({ text: `Hello ${id.slice(0, 8)}`, user: { __typename: 'User', id } })),
    },
  },
  entities: [],
  migrations: [],
};
