// Staff edit articles (each save a new version); anyone signed in searches them. Search is PostgreSQL
// full-text in the article's language (english / romanian stemming), accents folded in code, any word
// matching (OR), ranked by ts_rank with the title weighted above the body.
import { randomUUID } from 'node:crypto';
import { badUserInput, type UserViewer } from '@clinic/service-kit';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { KnowledgeArticleSchema, type KnowledgeArticle } from '../entities/knowledge.ts';
import { fold } from '../understanding/text.ts';

export const ArticleInput = z.object({
  slug: z.string().trim().regex(/^[a-z0-9-]{2,120}$/, 'slug: lower-case letters, digits and dashes'),
  language: z.enum(['en', 'ro']),
  category: z.enum(['FAQ', 'SERVICES_PRICES', 'PROCEDURES', 'POLICIES']),
  title: z.string().trim().min(2).max(200),
  body: z.string().trim().min(2).max(20_000),
});
export type ArticleInput = z.infer<typeof ArticleInput>;

export async function saveArticle(em: EntityManager, staff: UserViewer, raw: unknown, now: Date): Promise<KnowledgeArticle> {
  const parsed = ArticleInput.safeParse(raw);
  if (!parsed.success) throw badUserInput(parsed.error.issues[0]?.message ?? 'invalid article');
  const input = parsed.data;
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(KnowledgeArticleSchema, { slug: input.slug, language: input.language }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const values = { ...input, foldedTitle: fold(input.title), foldedBody: fold(input.body), updatedBy: staff.userId, updatedAt: now };
    const article = existing
      ? Object.assign(existing, values, { version: existing.version + 1 })
      : tx.create(KnowledgeArticleSchema, { id: randomUUID(), ...values, version: 1 });
    await tx.flush();
    await tx.getConnection().execute(
      `insert into knowledge_article_versions (article_id, version, category, title, body, updated_by, updated_at) values (?, ?, ?, ?, ?, ?, ?)`,
      [article.id, article.version, article.category, article.title, article.body, staff.userId, now],
      'run',
      tx.getTransactionContext(),
    );
    return article;
  });
}

export interface Found {
  article: KnowledgeArticle;
  rank: number;
}

export async function searchArticles(em: EntityManager, text: string, language: 'en' | 'ro', limit = 3): Promise<Found[]> {
  const words = fold(text).split(' ').map((w) => w.replace(/[^a-z0-9]/g, '')).filter((w) => w.length > 1);
  if (!words.length) return [];
  const config = language === 'ro' ? 'romanian' : 'english';
  const rows = await em.getConnection().execute<{ id: string; rank: number }[]>(
    `select id, ts_rank(search, q) as rank
       from knowledge_articles, to_tsquery('${config}', ?) q
      where language = ? and search @@ q
      order by rank desc, updated_at desc
      limit ?`,
    [words.join(' | '), language, limit],
  );
  if (!rows.length) return [];
  const articles = await em.find(KnowledgeArticleSchema, { id: { $in: rows.map((r) => r.id) } });
  return rows.map((r) => ({ article: articles.find((a) => a.id === r.id)!, rank: Number(r.rank) }));
}

export async function articleVersions(em: EntityManager, id: string) {
  return em.getConnection().execute<{ version: number; title: string; body: string; category: string; updated_by: string; updated_at: Date }[]>(
    `select version, title, body, category, updated_by, updated_at from knowledge_article_versions where article_id = ? order by version desc`,
    [id],
  );
}
