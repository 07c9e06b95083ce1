// Knowledge base: articles with a generated full-text column (English or Romanian stemming by the
// article's language, over accent-folded text, title weighted above body) and a GIN index; versions kept.
import { Migration } from '@clinic/service-kit';

export class Migration20261130Knowledge extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table knowledge_articles (
      id uuid primary key,
      slug varchar(120) not null,
      language varchar(5) not null check (language in ('en', 'ro')),
      category varchar(20) not null check (category in ('FAQ', 'SERVICES_PRICES', 'PROCEDURES', 'POLICIES')),
      title varchar(200) not null,
      body text not null,
      folded_title varchar(200) not null,
      folded_body text not null,
      version int not null,
      updated_by uuid not null,
      updated_at timestamptz not null,
      search tsvector generated always as (
        setweight(to_tsvector(case when language = 'ro' then 'romanian'::regconfig else 'english'::regconfig end, folded_title), 'A') ||
        setweight(to_tsvector(case when language = 'ro' then 'romanian'::regconfig else 'english'::regconfig end, folded_body), 'B')
      ) stored,
      unique (slug, language))`);
    this.addSql(`create index knowledge_articles_search_idx on knowledge_articles using gin (search)`);
    this.addSql(`create table knowledge_article_versions (
      article_id uuid not null references knowledge_articles (id),
      version int not null,
      category varchar(20) not null,
      title varchar(200) not null,
      body text not null,
      updated_by uuid not null,
      updated_at timestamptz not null,
      primary key (article_id, version))`);
  }
}
