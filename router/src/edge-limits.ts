// What the router refuses before planning: depth, aliases, tokens, directives and cost (graphql-armor).
// In production the limits are not echoed back and field suggestions are off.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { EdgeLimits } from './config.ts';

export function edgeProtection(limits: EdgeLimits, production: boolean) {
  const exposeLimits = !production;
  return new ApolloArmor({
    maxDepth: { n: limits.maxDepth, exposeLimits, flattenFragments: true },
    maxAliases: { n: limits.maxAliases, exposeLimits },
    maxTokens: { n: limits.maxTokens, exposeLimits },
    maxDirectives: { n: limits.maxDirectives, exposeLimits },
    costLimit: { maxCost: limits.maxCost, exposeLimits },
    blockFieldSuggestion: { enabled: production },
  }).protect();
}
