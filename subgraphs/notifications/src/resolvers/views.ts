// What this subgraph holds of entities other subgraphs own: only the key.
export interface EntityRef {
  id: string;
}
