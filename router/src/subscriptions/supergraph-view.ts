// What the subscription path needs from the current supergraph: the API schema to validate against,
// the supergraph schema the access check and executeQueryPlan read, a query planner (which returns a
// `Subscription` node: `primary` fetch on the owning subgraph plus optional `rest`), and a data source
// per subgraph. Rebuilt whole on every supergraph load; plans are cached per document.
import { buildASTSchema, parse, print, type DocumentNode, type GraphQLSchema } from 'graphql';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import type { GraphQLDataSource } from '@apollo/gateway';

export interface SubscriptionPlan {
  /** The fetch to open on the owning subgraph over graphql-ws. */
  primary: FetchNode;
  /** What fills in fields of other subgraphs for each event (`_entities` fetches), if any. */
  rest?: PlanNode;
}

export interface SupergraphView {
  /** The API schema (what clients see) as graphql-js, for validation and operation contexts. */
  apiSchema: GraphQLSchema;
  /** The same API schema in federation-internals form, for executeQueryPlan. */
  fedApiSchema: Schema;
  /** The supergraph (with join directives) as graphql-js, for executeQueryPlan. */
  supergraphSchema: GraphQLSchema;
  /** The supergraph as its SDL says it, directives on AST nodes: for @authenticated/@requiresScopes. */
  accessSchema: GraphQLSchema;
  /** Subgraph name → its HTTP GraphQL URL as the supergraph names it (before overrides). */
  subgraphUrls: Map<string, string>;
  dataSources: Map<string, GraphQLDataSource>;
  plan(document: DocumentNode, operationName: string | undefined): SubscriptionPlan;
}

const PLAN_CACHE_SIZE = 500;

export function buildSupergraphView(
  coreSupergraphSdl: string,
  apiSchema: GraphQLSchema,
  dataSourceFor: (name: string, url: string) => GraphQLDataSource,
): SupergraphView {
  const supergraph = Supergraph.build(coreSupergraphSdl);
  const fedApiSchema = supergraph.apiSchema();
  const planner = new QueryPlanner(supergraph);
  const subgraphUrls = new Map<string, string>();
  const dataSources = new Map<string, GraphQLDataSource>();
  for (const { name, url } of supergraph.subgraphsMetadata()) {
    subgraphUrls.set(name, url);
    dataSources.set(name, dataSourceFor(name, url));
  }
  const cache = new Map<string, SubscriptionPlan>();

  return {
    apiSchema,
    fedApiSchema,
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    accessSchema: buildASTSchema(parse(coreSupergraphSdl), { assumeValid: true, assumeValidSDL: true }),
    subgraphUrls,
    dataSources,
    plan(document, operationName) {
      const key = `${operationName ?? ''}\u0000${print(document)}`;
      const cached = cache.get(key);
      if (cached) return cached;
      const operation = operationFromDocument(fedApiSchema, document, { operationName });
      const queryPlan = planner.buildQueryPlan(operation);
      const node = queryPlan.node;
      if (node?.kind !== 'Subscription') throw new Error('The operation is not a subscription');
      const plan: SubscriptionPlan = { primary: node.primary, rest: node.rest };
      if (cache.size >= PLAN_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(key, plan);
      return plan;
    },
  };
}
