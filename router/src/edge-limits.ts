// What the router refuses before planning: depth, aliases, tokens, directives and cost (graphql-armor).
// In production the limits are not echoed back and field suggestions are off.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLFormattedError } from 'graphql';
import type { EdgeLimits } from './config.ts';

export function edgeProtection(limits: EdgeLimits, production: boolean) {
  const exposeLimits = !production;
  return new ApolloArmor({
    maxDepth: { n: limits.maxDepth, exposeLimits, flattenFragments: true },
    maxAliases: { n: limits.maxAliases, exposeLimits },
    // Token counting is done by graphql-js itself (`parseOptions.maxTokens` below): armor's version throws
    // from a plugin hook, which Apollo reports as a 500 instead of the client error it is.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives, exposeLimits },
    // Flattened as for depth: a named fragment costs what its fields cost written inline (unflattened, armor
    // weighs every spread one level deeper, and the web app's thread query cost 7 793 instead of ~3 000).
    costLimit: { maxCost: limits.maxCost, exposeLimits, flattenFragments: true },
    blockFieldSuggestion: { enabled: production },
  }).protect();
}

export function parseOptions(limits: EdgeLimits) {
  return { maxTokens: limits.maxTokens };
}

/** In production, a refused document does not learn the limit it hit. */
export function hideLimits(formatted: GraphQLFormattedError, production: boolean): GraphQLFormattedError {
  if (production && /Document contains more tha[nt] \d+ tokens/.test(formatted.message)) {
    return { ...formatted, message: 'Syntax Error: the document is too large.' };
  }
  return formatted;
}
