// The knowledge-base editor: find articles (full-text, per language) and create or edit one; every save is
// a new version, and the assistant answers from the saved text at once.
import { useState } from 'react';
import { Alert, Box, Button, List, ListItem, ListItemButton, ListItemText, MenuItem, TextField } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';
import { KnowledgeArticlesDocument, SaveKnowledgeArticleDocument, type KnowledgeCategory } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ErrorNotice } from '../../components/Feedback.tsx';

const CATEGORIES: KnowledgeCategory[] = ['FAQ', 'SERVICES_PRICES', 'PROCEDURES', 'POLICIES'];
const EMPTY = { slug: '', language: 'en', category: 'FAQ' as KnowledgeCategory, title: '', body: '' };

export function KnowledgeEditorPage() {
  const { t } = useTranslation();
  const [search, setSearch] = useState({ text: '', language: 'en' });
  const [found] = useQuery({ query: KnowledgeArticlesDocument, variables: search, pause: search.text.trim().length < 2 });
  const [saved, save] = useMutation(SaveKnowledgeArticleDocument);
  const [article, setArticle] = useState(EMPTY);
  const field = (name: keyof typeof EMPTY) => ({ value: article[name], onChange: (e: { target: { value: string } }) => setArticle({ ...article, [name]: e.target.value }) });
  return (
    <Box sx={{ maxWidth: 800 }}>
      <PageTitle>{t('assistant.knowledgeTitle')}</PageTitle>
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mb: 1 }}>
        <TextField size="small" type="search" label={t('assistant.findArticles')} value={search.text} onChange={(e) => setSearch({ ...search, text: e.target.value })} sx={{ flexGrow: 1 }} />
        <TextField select size="small" label={t('assistant.language')} value={search.language} onChange={(e) => setSearch({ ...search, language: e.target.value })} sx={{ minWidth: 120 }}>
          <MenuItem value="en">English</MenuItem>
          <MenuItem value="ro">Română</MenuItem>
        </TextField>
      </Box>
      <List aria-label={t('assistant.articles')}>
        {(found.data?.knowledgeSearch ?? []).map((a) => (
          <ListItem key={a.id} disablePadding>
            <ListItemButton onClick={() => setArticle({ slug: a.slug, language: a.language, category: a.category, title: a.title, body: a.body })}>
              <ListItemText primary={a.title} secondary={`${a.slug} · ${a.language.toUpperCase()} · v${a.version}`} />
            </ListItemButton>
          </ListItem>
        ))}
      </List>
      <Box
        component="form"
        aria-label={t('assistant.editArticle')}
        sx={{ display: 'flex', flexDirection: 'column', gap: 2, mt: 2 }}
        onSubmit={async (e) => {
          e.preventDefault();
          await save({ input: article });
        }}
      >
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          <TextField size="small" required label={t('assistant.slug')} helperText={t('assistant.slugHelp')} {...field('slug')} />
          <TextField select size="small" label={t('assistant.language')} {...field('language')} sx={{ minWidth: 120 }}>
            <MenuItem value="en">English</MenuItem>
            <MenuItem value="ro">Română</MenuItem>
          </TextField>
          <TextField select size="small" label={t('assistant.category')} {...field('category')} sx={{ minWidth: 180 }}>
            {CATEGORIES.map((c) => <MenuItem key={c} value={c}>{t(`assistant.categories.${c}`)}</MenuItem>)}
          </TextField>
        </Box>
        <TextField size="small" required label={t('assistant.articleTitle')} {...field('title')} />
        <TextField required multiline minRows={5} label={t('assistant.body')} {...field('body')} />
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button type="submit" variant="contained" disabled={saved.fetching}>{t('assistant.save')}</Button>
          <Button onClick={() => setArticle(EMPTY)}>{t('assistant.newArticle')}</Button>
        </Box>
        <ErrorNotice error={saved.error} />
        {saved.data && !saved.error ? <Alert severity="success" role="status">{t('assistant.savedVersion', { version: saved.data.saveKnowledgeArticle.version })}</Alert> : null}
      </Box>
    </Box>
  );
}
