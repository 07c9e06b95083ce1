// A test-only subgraph whose fields fail the way a bug does (a plain Error, not a domain error), with
// personal data in the message, so error tracking can be proven to capture once and send no PII.
import gqlTag from 'graphql-tag';
import type { SubgraphDefinition } from '@clinic/service-kit';

export const FAULT_EMAIL = 'jane.doe@example.test';
export const FAULT_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLXBhcnQ';

export const faultySubgraph: SubgraphDefinition = {
  name: 'faulty',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query {
      "Throws an unexpected error mentioning an e-mail address and a bearer token."
      brokenLookup: String
      "Answers normally."
      fine: String!
    }
  `,
  resolvers: {
    Query: {
      brokenLookup: () => {
        throw new Error(`lookup failed for ${FAULT_EMAIL} with Bearer ${FAULT_TOKEN}`);
      },
      fine: () => 'fine',
    },
  },
  entities: [],
  migrations: [],
};
