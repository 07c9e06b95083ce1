// Composition and the schema check CI relies on: composition errors, a stale committed supergraph,
// and breaking changes to the client-facing API that nobody acknowledged.
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { parse, type GraphQLSchema } from 'graphql';
import type { SubgraphEntry } from './subgraphs.ts';

export interface SubgraphSdl {
  name: string;
  url: string;
  sdl: string;
}

export type CompositionOutcome = { ok: true; supergraphSdl: string } | { ok: false; errors: string[] };

export function readSubgraphs(entries: SubgraphEntry[]): SubgraphSdl[] {
  return entries.map((e) => ({ name: e.name, url: e.url, sdl: readFileSync(e.sdlPath, 'utf8') }));
}

export function composeSupergraph(subgraphs: SubgraphSdl[]): CompositionOutcome {
  const services = [];
  for (const s of subgraphs) {
    try {
      services.push({ name: s.name, url: s.url, typeDefs: parse(s.sdl) });
    } catch (error) {
      return { ok: false, errors: [`${s.name}: ${(error as Error).message}`] };
    }
  }
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map((e) => e.message) };
  return { ok: true, supergraphSdl: `${result.supergraphSdl.trim()}\n` };
}

/** The schema clients see: the supergraph without federation's join machinery. */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  // The check reads the schema; it does not execute it, so any feature the router enforces is fine here.
  return Supergraph.build(supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
}

export interface Acknowledgement {
  /** Inspector's change type, e.g. FIELD_REMOVED. */
  type: string;
  /** Inspector's path of the change, e.g. Query.user. */
  path: string;
  reason: string;
}

export async function breakingChanges(baseSupergraph: string, nextSupergraph: string): Promise<Change[]> {
  const changes = await diff(apiSchemaOf(baseSupergraph), apiSchemaOf(nextSupergraph));
  return changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
}

export function unacknowledged(changes: Change[], acknowledged: Acknowledgement[]): Change[] {
  return changes.filter((c) => !acknowledged.some((a) => a.type === c.type && a.path === (c.path ?? '')));
}

export interface CheckInput {
  subgraphs: SubgraphSdl[];
  committedSupergraph: string | null;
  /** The supergraph at the base we compare against (the previous commit in CI); null skips that part. */
  baseSupergraph: string | null;
  acknowledged: Acknowledgement[];
}

export interface CheckReport {
  ok: boolean;
  problems: string[];
  composed: string | null;
}

export async function checkSchema(input: CheckInput): Promise<CheckReport> {
  const problems: string[] = [];
  const composed = composeSupergraph(input.subgraphs);
  if (!composed.ok) {
    return { ok: false, problems: composed.errors.map((e) => `composition: ${e}`), composed: null };
  }
  if (input.committedSupergraph !== composed.supergraphSdl) {
    problems.push('schema/supergraph.graphql is out of date: run `npm run compose` and commit the result');
  }
  const bases = [input.baseSupergraph, input.committedSupergraph].filter((s): s is string => !!s && s !== composed.supergraphSdl);
  const seen = new Set<string>();
  for (const base of bases) {
    for (const change of unacknowledged(await breakingChanges(base, composed.supergraphSdl), input.acknowledged)) {
      const key = `${change.type} ${change.path ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(`breaking change ${change.type} at ${change.path ?? '?'}: ${change.message} (acknowledge it in schema/acknowledged-breaking-changes.json)`);
    }
  }
  return { ok: problems.length === 0, problems, composed: composed.supergraphSdl };
}
