// The access analysis of an operation depends only on the document, the operation chosen and what the
// viewer holds (signed in or not, scopes and roles), not on who they are. Apollo Server hands the same
// parsed document object for a repeated operation, so the analysis is kept per document (weakly: it goes
// with the document cache's entry) and per kind of viewer, instead of walking the operation every request.
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Viewer } from '@clinic/service-kit';
import { analyseAccess, viewerScopes, type AccessAnalysis } from './access-directives.ts';

/** Distinct kinds of viewer kept per document (roles × scopes combinations are few). */
const PER_DOCUMENT = 32;

const memo = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, AccessAnalysis>>>();

/** A remembered token's viewer is frozen and reused by each of its requests: its kind is worked out once. */
const kinds = new WeakMap<Viewer, string>();
function kindOf(viewer: Viewer): string {
  let kind = kinds.get(viewer);
  if (kind === undefined) {
    kind = `${viewer.kind === 'anonymous' ? 'anonymous' : 'signed-in'}|${[...new Set(viewerScopes(viewer))].sort().join(' ')}`;
    if (Object.isFrozen(viewer)) kinds.set(viewer, kind);
  }
  return kind;
}

export function analyseAccessMemo(schema: GraphQLSchema, document: DocumentNode, viewer: Viewer, operationName?: string | null): AccessAnalysis {
  let byDocument = memo.get(schema);
  if (!byDocument) memo.set(schema, (byDocument = new WeakMap()));
  let byViewer = byDocument.get(document);
  if (!byViewer) byDocument.set(document, (byViewer = new Map()));
  const key = `${operationName ?? ''}|${kindOf(viewer)}`;
  let analysis = byViewer.get(key);
  if (!analysis) {
    analysis = analyseAccess(schema, document, viewer, operationName);
    if (byViewer.size >= PER_DOCUMENT) byViewer.delete(byViewer.keys().next().value!);
    byViewer.set(key, analysis);
  }
  return analysis;
}
