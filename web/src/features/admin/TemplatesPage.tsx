// Message templates: for a notification type, every channel × language with its current version (or the
// built-in text), an editor whose preview the server renders from sample data as one types, a refused
// template explained with the server's own reason, and the versions to start again from.
import { useEffect, useMemo, useState } from 'react';
import { Alert, Box, Button, MenuItem, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { useMutation, useQuery, type CombinedError } from 'urql';
import { useTranslation } from 'react-i18next';
import {
  BuiltInNotificationTemplateDocument,
  NotificationTemplatesDocument,
  PreviewNotificationTemplateDocument,
  SaveNotificationTemplateDocument,
  type NotificationChannel,
  type NotificationType,
} from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { errorCode } from '../../api/errors.ts';
import { formatDateTime } from '../../lib/dates.ts';

const TYPES: NotificationType[] = ['APPOINTMENT_UPDATES', 'REMINDERS', 'WAITLIST_OFFERS', 'NEW_MESSAGES', 'DOCUMENTS', 'SECURITY'];
const CHANNELS: NotificationChannel[] = ['EMAIL', 'SMS', 'IN_APP', 'PUSH', 'CHAT'];
const LOCALES = ['en', 'ro'] as const;
const VARIABLES = ['name', 'doctorName', 'startsAtLocal', 'appointmentId', 'change', 'link', 'unsubscribeUrl'].map((v) => `{{${v}}}`).join(', ');
/** The preview is asked for once typing pauses. */
const TYPING_PAUSE_MS = 400;
const hasSubject = (c: NotificationChannel) => c === 'EMAIL' || c === 'IN_APP';

interface Draft {
  key: string;
  subject: string;
  body: string;
}

/** The server's words for a template it refuses (BAD_USER_INPUT); other failures go to ErrorNotice. */
function refusal(error: CombinedError | undefined): string | null {
  if (errorCode(error) !== 'BAD_USER_INPUT') return null;
  return error?.graphQLErrors[0]?.message ?? null;
}

export function TemplatesPage() {
  const { t, i18n } = useTranslation();
  const [type, setType] = useState<NotificationType>('REMINDERS');
  const [channel, setChannel] = useState<NotificationChannel>('EMAIL');
  const [locale, setLocale] = useState<(typeof LOCALES)[number]>('en');
  const key = `${type}/${channel}/${locale}`;
  const [list, reloadList] = useQuery({ query: NotificationTemplatesDocument, variables: { type } });
  const versions = useMemo(() => (list.data?.notificationTemplates ?? []).filter((v) => v.channel === channel && v.locale === locale), [list.data, channel, locale]);
  const newest = versions[0] ?? null;
  const [builtIn] = useQuery({ query: BuiltInNotificationTemplateDocument, variables: { type, channel, locale }, pause: !list.data || newest !== null });
  const [draft, setDraft] = useState<Draft | null>(null);
  useEffect(() => {
    if (draft?.key === key || !list.data) return;
    if (newest) setDraft({ key, subject: newest.subject ?? '', body: newest.body });
    else if (builtIn.data) setDraft({ key, subject: builtIn.data.builtInNotificationTemplate.subject ?? '', body: builtIn.data.builtInNotificationTemplate.body });
  }, [key, draft?.key, list.data, newest, builtIn.data]);

  const editing = draft?.key === key ? draft : null;
  const input = editing ? { type, channel, locale, subject: hasSubject(channel) ? editing.subject || null : null, body: editing.body } : null;
  const [pausedInput, setPausedInput] = useState(input);
  const inputJson = JSON.stringify(input);
  useEffect(() => {
    const timer = setTimeout(() => setPausedInput(JSON.parse(inputJson) as typeof input), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [inputJson]);
  const [preview] = useQuery({ query: PreviewNotificationTemplateDocument, variables: { input: pausedInput! }, pause: !pausedInput || !pausedInput.body.trim() });
  const [saved, save] = useMutation(SaveNotificationTemplateDocument);
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  useEffect(() => setSavedVersion(null), [key]);
  const previewRefusal = refusal(preview.error);
  const saveRefusal = refusal(saved.error);
  const change = (patch: Partial<Draft>) => editing && setDraft({ ...editing, ...patch });

  return (
    <>
      <PageTitle>{t('console.templatesTitle')}</PageTitle>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2, overflowWrap: 'anywhere' }}>
        {t('console.templatesHelp', { vars: VARIABLES, interpolation: { escapeValue: false } })}
      </Typography>
      <Box component="form" aria-label={t('doctor.filter')} sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }} onSubmit={(e) => e.preventDefault()}>
        <TextField select size="small" label={t('console.type')} value={type} onChange={(e) => setType(e.target.value as NotificationType)} sx={{ minWidth: 200 }}>
          {TYPES.map((ty) => (
            <MenuItem key={ty} value={ty}>
              {t(`notifications.type.${ty}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select size="small" label={t('console.channel')} value={channel} onChange={(e) => setChannel(e.target.value as NotificationChannel)} sx={{ minWidth: 140 }}>
          {CHANNELS.map((c) => (
            <MenuItem key={c} value={c}>
              {t(`notifications.channel.${c}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select size="small" label={t('console.locale')} value={locale} onChange={(e) => setLocale(e.target.value as (typeof LOCALES)[number])} sx={{ minWidth: 140 }}>
          {LOCALES.map((l) => (
            <MenuItem key={l} value={l}>
              {t(`console.localeName.${l}`)}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      <ErrorNotice error={list.error} onRetry={() => reloadList({ requestPolicy: 'network-only' })} />
      {list.fetching && !list.data ? <Loading /> : null}
      {list.data ? (
        <TableContainer component={Paper} sx={{ mb: 2 }}>
          <Table size="small" aria-label={t(`notifications.type.${type}`)}>
            <TableHead>
              <TableRow>
                <TableCell>{t('console.channel')}</TableCell>
                {LOCALES.map((l) => (
                  <TableCell key={l}>{t(`console.localeName.${l}`)}</TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {CHANNELS.map((c) => (
                <TableRow key={c}>
                  <TableCell component="th" scope="row">
                    {t(`notifications.channel.${c}`)}
                  </TableCell>
                  {LOCALES.map((l) => {
                    const current = list.data!.notificationTemplates.find((v) => v.channel === c && v.locale === l);
                    const selected = c === channel && l === locale;
                    return (
                      <TableCell key={l}>
                        <Button
                          size="small"
                          variant={selected ? 'contained' : 'text'}
                          aria-pressed={selected}
                          aria-label={`${t(`notifications.channel.${c}`)} · ${t(`console.localeName.${l}`)}: ${current ? t('console.currentVersion', { version: current.version }) : t('console.builtIn')}`}
                          onClick={() => {
                            setChannel(c);
                            setLocale(l);
                          }}
                        >
                          {current ? t('console.currentVersion', { version: current.version }) : t('console.builtIn')}
                        </Button>
                      </TableCell>
                    );
                  })}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
      <ErrorNotice error={builtIn.error} />
      {editing ? (
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2 }}>
          <Paper component="section" aria-labelledby="template-editor" sx={{ p: 2, minWidth: 0 }}>
            <Typography variant="h6" component="h2" id="template-editor" sx={{ overflowWrap: 'anywhere' }}>
              {t(`notifications.type.${type}`)} · {t(`notifications.channel.${channel}`)} · {t(`console.localeName.${locale}`)}
            </Typography>
            <Box
              component="form"
              sx={{ display: 'flex', flexDirection: 'column', gap: 2, mt: 1 }}
              onSubmit={async (e) => {
                e.preventDefault();
                if (!input || saved.fetching) return;
                const res = await save({ input });
                if (res.data) {
                  setSavedVersion(res.data.saveNotificationTemplate.version);
                  reloadList({ requestPolicy: 'network-only' });
                }
              }}
            >
              {hasSubject(channel) ? <TextField size="small" label={t('console.subjectField')} value={editing.subject} onChange={(e) => change({ subject: e.target.value })} /> : null}
              <TextField label={t('console.bodyField')} value={editing.body} onChange={(e) => change({ body: e.target.value })} multiline minRows={6} required slotProps={{ htmlInput: { spellCheck: false } }} />
              <Box>
                <Button type="submit" variant="contained" disabled={saved.fetching || !editing.body.trim() || Boolean(previewRefusal)}>
                  {t('console.saveTemplate')}
                </Button>
              </Box>
              {saveRefusal ? (
                <Alert severity="error" role="alert">
                  {t('console.cannotRender', { detail: saveRefusal, interpolation: { escapeValue: false } })}
                </Alert>
              ) : (
                <ErrorNotice error={saved.error} />
              )}
              {savedVersion !== null && !saved.error ? (
                <Alert severity="success" role="status">
                  {t('console.savedVersion', { version: savedVersion })}
                </Alert>
              ) : null}
            </Box>
          </Paper>
          <Paper component="section" aria-labelledby="template-preview" aria-busy={preview.fetching} sx={{ p: 2, minWidth: 0 }}>
            <Typography variant="h6" component="h2" id="template-preview">
              {t('console.preview')}
            </Typography>
            <Box role="status" aria-live="polite">
              {previewRefusal ? (
                <Alert severity="error" sx={{ mt: 1 }}>
                  {t('console.cannotRender', { detail: previewRefusal, interpolation: { escapeValue: false } })}
                </Alert>
              ) : preview.data ? (
                <Box sx={{ mt: 1 }} data-testid="template-preview">
                  {preview.data.previewNotificationTemplate.subject ? (
                    <Typography sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>{preview.data.previewNotificationTemplate.subject}</Typography>
                  ) : null}
                  <Typography component="pre" sx={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontFamily: 'inherit', m: 0 }}>
                    {preview.data.previewNotificationTemplate.body}
                  </Typography>
                </Box>
              ) : preview.fetching ? (
                <Typography color="text.secondary">{t('console.previewing')}</Typography>
              ) : null}
            </Box>
            {preview.error && !previewRefusal ? <ErrorNotice error={preview.error} /> : null}
          </Paper>
        </Box>
      ) : builtIn.fetching ? (
        <Loading />
      ) : null}
      {versions.length > 0 ? (
        <Paper component="section" aria-labelledby="template-versions" sx={{ p: 2, mt: 2 }}>
          <Typography variant="h6" component="h2" id="template-versions">
            {t('console.versions')}
          </Typography>
          <Box component="ul" sx={{ listStyle: 'none', p: 0, m: 0 }}>
            {versions.map((v) => (
              <Box component="li" key={v.id} sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center', py: 0.5 }}>
                <span>
                  {t('console.currentVersion', { version: v.version })} · {formatDateTime(v.createdAt, i18n.language)}
                </span>
                <Button size="small" onClick={() => setDraft({ key, subject: v.subject ?? '', body: v.body })}>
                  {t('console.loadVersion', { version: v.version })}
                </Button>
              </Box>
            ))}
          </Box>
        </Paper>
      ) : null}
    </>
  );
}
