// Knowledge-base articles (FAQ, services and prices, procedures, clinic policies) in English or Romanian,
// edited by staff; every save is a new version kept in knowledge_article_versions.
import { EntitySchema } from '@mikro-orm/postgresql';

export type ArticleCategory = 'FAQ' | 'SERVICES_PRICES' | 'PROCEDURES' | 'POLICIES';

export interface KnowledgeArticle {
  id: string;
  slug: string;
  language: string;
  category: ArticleCategory;
  title: string;
  body: string;
  /** Title and body with accents folded (the text the full-text index reads; PGlite has no unaccent). */
  foldedTitle: string;
  foldedBody: string;
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

export const KnowledgeArticleSchema = new EntitySchema<KnowledgeArticle>({
  name: 'KnowledgeArticle',
  tableName: 'knowledge_articles',
  properties: {
    id: { type: 'uuid', primary: true },
    slug: { type: 'string' },
    language: { type: 'string' },
    category: { type: 'string' },
    title: { type: 'string' },
    body: { type: 'text' },
    foldedTitle: { type: 'string', fieldName: 'folded_title' },
    foldedBody: { type: 'text', fieldName: 'folded_body' },
    version: { type: 'integer' },
    updatedBy: { type: 'uuid', fieldName: 'updated_by' },
    updatedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'updated_at' },
  },
});
