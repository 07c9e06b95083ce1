// Events of a subscription the owning subgraph serves whole are shaped without executeQueryPlan, and the client
// sees exactly what the full path gives (aliases, __typename, fragments, @include, nulls, value-completion
// errors); a selection with fields of another subgraph, or an event with errors, keeps the full path. Events are
// what the subgraph itself answers for the plan's fetch (executed here on a subgraph schema), so the plan and the
// event agree as they do in production.
import { execute, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import gqlTag from 'graphql-tag';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLDataSource } from '@apollo/gateway';
import { composeSupergraph } from '@clinic/schema';
import { createLogger } from '@clinic/service-kit';
import { buildSupergraphView, type SupergraphView } from './supergraph-view.ts';
import { createShaper, type SubscriptionRequest } from './federated-subscription.ts';
import { ownEventShaper } from './event-shaping.ts';
import { BatchedFill } from './batched-fill.ts';
import type { RouterContext } from '../context.ts';

const chatSdl = gqlTag`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@inaccessible"])
  type Query { chatName: String }
  type Subscription { messageAdded(conversationId: ID!): Message! }
  enum MessageStatus { SENT DELIVERED READ }
  enum Urgency { NORMAL HIGH INTERNAL @inaccessible }
  type Message { id: ID! body: String! status: MessageStatus! urgency: Urgency! sender: User attachments: [Attachment!]! }
  type Attachment { documentId: ID! name: String }
  type User @key(fields: "id") { id: ID! }
`;
const identitySdl = gqlTag`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Query { me: User }
  type User @key(fields: "id") { id: ID! displayName: String! }
`;

const message = (over: Record<string, unknown> = {}) => ({
  id: 'm1',
  body: 'See you at 9',
  status: 'SENT',
  urgency: 'NORMAL',
  sender: { id: 'u1' },
  attachments: [{ documentId: 'd1', name: 'scan.pdf' }, { documentId: 'd2', name: null }],
  ...over,
});

let view: SupergraphView;
const chatSchema = buildSubgraphSchema({ typeDefs: chatSdl, resolvers: { User: { __resolveReference: (ref: { id: string }) => ref } } as never });
const context: RouterContext = { viewer: { kind: 'anonymous' }, authorization: undefined, requestId: 'test', clientIp: null } as unknown as RouterContext;
const logger = createLogger('router', 'silent');
const fill = new BatchedFill('secret', 1_000);

beforeAll(() => {
  const composed = composeSupergraph([
    { name: 'chat', url: 'http://chat.invalid/graphql', sdl: chatSdl.loc!.source.body },
    { name: 'identity', url: 'http://identity.invalid/graphql', sdl: identitySdl.loc!.source.body },
  ]);
  if (!composed.ok) throw new Error(composed.errors.join('\n'));
  const apiSchema = Supergraph.build(composed.supergraphSdl).apiSchema().toGraphQLJSSchema();
  const unused = { process: () => Promise.reject(new Error('no fetch expected')) } as unknown as GraphQLDataSource;
  view = buildSupergraphView(composed.supergraphSdl, apiSchema, () => unused);
});

function request(query: string, variables: Record<string, unknown>, operationName?: string): SubscriptionRequest {
  const document: DocumentNode = parse(query);
  const plan = view.plan(document, operationName);
  return { view, plan, document, query, operationName, variables, context, subgraphUrl: 'http://chat.invalid/graphql' };
}

/** What the chat subgraph sends for the plan's fetch when `data` is the new message. */
function eventFor(req: SubscriptionRequest, data: Record<string, unknown>): ExecutionResult {
  const variables: Record<string, unknown> = {};
  for (const name of req.plan.primary.variableUsages ?? []) variables[name] = req.variables[name];
  return execute({ schema: chatSchema, document: parse(req.plan.primary.operation), rootValue: { messageAdded: data }, variableValues: variables }) as ExecutionResult;
}

const json = (result: ExecutionResult | undefined) => JSON.stringify(result);

const ownCases: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
  ['the bench selection', 'subscription($c: ID!) { messageAdded(conversationId: $c) { body sender { id } } }', { c: 'c1' }, message()],
  [
    'aliases and __typename',
    'subscription Live($c: ID!) { m: messageAdded(conversationId: $c) { __typename text: body status sender { __typename uid: id } } }',
    { c: 'c1' },
    message(),
  ],
  [
    'named and inline fragments',
    'subscription($c: ID!) { messageAdded(conversationId: $c) { ...Head ... on Message { attachments { name documentId } } } } fragment Head on Message { id body sender { ...Who } } fragment Who on User { id }',
    { c: 'c1' },
    message(),
  ],
  ['@include with a variable', 'subscription($c: ID!, $full: Boolean!) { messageAdded(conversationId: $c) { id body @include(if: $full) } }', { c: 'c1', full: false }, message()],
  ['a null sender', 'subscription($c: ID!) { messageAdded(conversationId: $c) { id sender { id } } }', { c: 'c1' }, message({ sender: null })],
  ['an enum value hidden from the API', 'subscription($c: ID!) { messageAdded(conversationId: $c) { id urgency } }', { c: 'c1' }, message({ urgency: 'INTERNAL' })],
];

test.each(ownCases)('%s: shaped without the gateway, exactly as the full path shapes it', async (_name, query, variables, data) => {
  const req = request(query, variables);
  expect(req.plan.rest).toBeUndefined();
  const event = eventFor(req, data);
  expect(event.errors).toBeUndefined();
  const own = ownEventShaper({ ...req, apiSchema: view.apiSchema, fedApiSchema: view.fedApiSchema, supergraphSchema: view.supergraphSchema }, variables);
  const fast = own!(structuredClone(event));
  expect(fast).toBeDefined();
  const full = await createShaper(req, fill, logger, false)(structuredClone(event));
  expect(json(fast)).toBe(json(full));
  expect(json(await createShaper(req, fill, logger)(structuredClone(event)))).toBe(json(full));
});

test('a selection with fields of another subgraph keeps the full path (its fill)', () => {
  const req = request('subscription($c: ID!) { messageAdded(conversationId: $c) { body sender { id displayName } } }', { c: 'c1' });
  expect(req.plan.rest).toBeDefined();
  expect(ownEventShaper({ ...req, apiSchema: view.apiSchema, fedApiSchema: view.fedApiSchema, supergraphSchema: view.supergraphSchema }, req.variables)).toBeNull();
});

test('an event with errors, or without data, is left to the full path', async () => {
  const req = request('subscription($c: ID!) { messageAdded(conversationId: $c) { id body } }', { c: 'c1' });
  const own = ownEventShaper({ ...req, apiSchema: view.apiSchema, fedApiSchema: view.fedApiSchema, supergraphSchema: view.supergraphSchema }, req.variables)!;
  const failed: ExecutionResult = { data: null, errors: [{ message: 'Forbidden', extensions: { code: 'FORBIDDEN' } }] as never };
  expect(own(failed)).toBeUndefined();
  expect(own({})).toBeUndefined();
  const full = await createShaper(req, fill, logger, false)(failed);
  expect(json(await createShaper(req, fill, logger)(failed))).toBe(json(full));
});

test('when the fetch asks for exactly the client selection, the event data is passed on as it came', () => {
  const asIs = (query: string) => {
    const req = request(query, { c: 'c1' });
    const event = eventFor(req, message());
    const shaped = ownEventShaper({ ...req, apiSchema: view.apiSchema, fedApiSchema: view.fedApiSchema, supergraphSchema: view.supergraphSchema }, req.variables)!(event);
    return shaped?.data === event.data;
  };
  expect(asIs('subscription($c: ID!) { messageAdded(conversationId: $c) { body sender { id } } }')).toBe(true);
  expect(asIs('subscription($c: ID!) { m: messageAdded(conversationId: $c) { __typename text: body status } }')).toBe(true);
  // Shaped by the gateway's computeResponse instead: fragments, directives, an enum with hidden values.
  expect(asIs('subscription($c: ID!) { messageAdded(conversationId: $c) { ... on Message { body } } }')).toBe(false);
  expect(asIs('subscription($c: ID!) { messageAdded(conversationId: $c) { body @include(if: true) } }')).toBe(false);
  expect(asIs('subscription($c: ID!) { messageAdded(conversationId: $c) { urgency } }')).toBe(false);
});
