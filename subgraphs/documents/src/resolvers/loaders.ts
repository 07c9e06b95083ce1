// Per-request DataLoaders: documents, their versions and their shares in one query per batch.
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../actor.ts';
import { DocumentSchema, DocumentShareSchema, DocumentVersionSchema, type Document, type DocumentVersion } from '../entities/document.ts';


export interface Loaders {
  document: DataLoader<string, Document | null>;
  versions: DataLoader<string, DocumentVersion[]>;
  shares: DataLoader<string, string[]>;
}

export function createLoaders(em: EntityManager): Loaders {
  return {
    document: new DataLoader(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await em.find(DocumentSchema, { id: { $in: valid } }) : [];
      const byId = new Map(rows.map((d) => [d.id, d]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    versions: new DataLoader(async (ids) => {
      const rows = await em.find(DocumentVersionSchema, { documentId: { $in: [...ids] } }, { orderBy: { version: 'desc' } });
      return ids.map((id) => rows.filter((v) => v.documentId === id));
    }),
    shares: new DataLoader(async (ids) => {
      const rows = await em.find(DocumentShareSchema, { documentId: { $in: [...ids] } }, { orderBy: { createdAt: 'asc' } });
      return ids.map((id) => rows.filter((s) => s.documentId === id).map((s) => s.doctorId));
    }),
  };
}
