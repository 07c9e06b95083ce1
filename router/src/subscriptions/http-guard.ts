// A subscription sent over plain HTTP would reach the gateway, which refuses to execute it (a 500).
// This plugin answers it first with a 400 that tells the client where subscriptions are served.
import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

export const SUBSCRIPTION_OVER_HTTP_MESSAGE =
  'Subscriptions are served over WebSocket (graphql-ws protocol, subprotocol "graphql-transport-ws") at this same URL; HTTP serves queries and mutations';

export function subscriptionsOverHttpRefused<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError(SUBSCRIPTION_OVER_HTTP_MESSAGE, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
        },
      };
    },
  };
}
