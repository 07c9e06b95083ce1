// The assistant's dashboard: KPIs over the last two weeks, conversations per day as a bar chart (with the
// numbers in a table for screen readers), and the messages it did not understand, which staff label here.
import { useMemo, useState } from 'react';
import { Alert, Box, Button, MenuItem, Paper, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';
import { AssistantDashboardDocument, LabelAssistantMessageDocument, type AssistantIntent } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { viewerTimeZone } from '../../lib/dates.ts';

const INTENTS: AssistantIntent[] = ['BOOK', 'RESCHEDULE', 'CANCEL', 'MY_APPOINTMENTS', 'AVAILABILITY', 'INFO', 'DOCTOR_INFO', 'GREETING', 'THANKS', 'HUMAN', 'COMPLAINT', 'AFFIRM', 'DENY', 'MEDICAL_ADVICE', 'OUT_OF_SCOPE'];
const percent = (n: number) => `${Math.round(n * 100)} %`;

export function AnalyticsPage() {
  const { t } = useTranslation();
  const period = useMemo(() => {
    const to = new Date();
    return { from: new Date(to.getTime() - 14 * 86_400_000).toISOString(), to: to.toISOString(), timeZone: viewerTimeZone() };
  }, []);
  const [kpis, reexecute] = useQuery({ query: AssistantDashboardDocument, variables: period });
  const [labelled, label] = useMutation(LabelAssistantMessageDocument);
  const [intents, setIntents] = useState<Record<string, AssistantIntent>>({});
  const k = kpis.data?.assistantKpis;
  const most = Math.max(1, ...(k?.days ?? []).map((d) => d.conversations));
  const figures = k
    ? [
        [t('assistant.kpi.conversations'), String(k.conversations)],
        [t('assistant.kpi.containment'), percent(k.containmentRate)],
        [t('assistant.kpi.conversion'), percent(k.bookingConversion)],
        [t('assistant.kpi.handoffRate'), percent(k.handoffRate)],
        [t('assistant.kpi.satisfaction'), k.averageSatisfaction == null ? '—' : `${k.averageSatisfaction.toFixed(1)} / 5 (${k.ratings})`],
        [t('assistant.kpi.resolution'), k.averageTimeToResolutionSeconds == null ? '—' : t('assistant.minutes', { count: Math.round(k.averageTimeToResolutionSeconds / 60) })],
      ]
    : [];
  return (
    <Box sx={{ maxWidth: 900 }}>
      <PageTitle>{t('assistant.analyticsTitle')}</PageTitle>
      {kpis.fetching && !kpis.data ? <Loading /> : null}
      <ErrorNotice error={kpis.error ?? labelled.error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))', gap: 1, m: 0 }}>
        {figures.map(([name, value]) => (
          <Paper key={name} variant="outlined" sx={{ p: 1 }}>
            <Typography component="dt" variant="caption" color="text.secondary">{name}</Typography>
            <Typography component="dd" variant="h6" sx={{ m: 0 }}>{value}</Typography>
          </Paper>
        ))}
      </Box>
      <Typography component="h2" variant="h6" sx={{ mt: 3 }}>{t('assistant.perDay')}</Typography>
      <Box aria-hidden sx={{ display: 'flex', alignItems: 'flex-end', gap: 0.5, height: 120, my: 1 }}>
        {(k?.days ?? []).map((d) => (
          <Box key={d.day} title={`${d.day}: ${d.conversations}`} sx={{ flex: 1, bgcolor: 'primary.main', height: `${(d.conversations / most) * 100}%`, minHeight: 2 }} />
        ))}
      </Box>
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-label={t('assistant.perDay')}>
          <TableHead>
            <TableRow>
              <TableCell>{t('assistant.kpi.day')}</TableCell>
              <TableCell align="right">{t('assistant.kpi.conversations')}</TableCell>
              <TableCell align="right">{t('assistant.kpi.fallbacks')}</TableCell>
              <TableCell align="right">{t('assistant.kpi.handoffs')}</TableCell>
              <TableCell align="right">{t('assistant.kpi.bookings')}</TableCell>
              <TableCell align="right">{t('assistant.kpi.containment')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(k?.days ?? []).map((d) => (
              <TableRow key={d.day}>
                <TableCell>{d.day}</TableCell>
                <TableCell align="right">{d.conversations}</TableCell>
                <TableCell align="right">{d.fallbacks}</TableCell>
                <TableCell align="right">{d.handoffs}</TableCell>
                <TableCell align="right">{d.bookingsCompleted}</TableCell>
                <TableCell align="right">{percent(d.containmentRate)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      <Typography component="h2" variant="h6" sx={{ mt: 3 }}>{t('assistant.unrecognised')}</Typography>
      {labelled.data && !labelled.error ? <Alert severity="success" role="status">{t('assistant.labelled')}</Alert> : null}
      <Stack component="ul" spacing={1} sx={{ listStyle: 'none', p: 0 }}>
        {(k?.topUnrecognised ?? []).map((u) => {
          const key = `${u.language}:${u.text}`;
          return (
            <Paper component="li" key={key} variant="outlined" sx={{ p: 1, display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
              <Typography sx={{ flexGrow: 1, wordBreak: 'break-word' }}>“{u.text}” · {u.language.toUpperCase()} · ×{u.count}</Typography>
              <TextField select size="small" label={t('assistant.intent')} value={intents[key] ?? ''} onChange={(e) => setIntents({ ...intents, [key]: e.target.value as AssistantIntent })} sx={{ minWidth: 180 }}>
                {INTENTS.map((i) => <MenuItem key={i} value={i}>{t(`assistant.intents.${i}`)}</MenuItem>)}
              </TextField>
              <Button
                variant="outlined"
                disabled={!intents[key] || labelled.fetching}
                onClick={async () => {
                  const res = await label({ input: { text: u.text, language: u.language, intent: intents[key]!, entities: [] } });
                  if (res.data) reexecute({ requestPolicy: 'network-only' });
                }}
              >
                {t('assistant.label')}
              </Button>
            </Paper>
          );
        })}
      </Stack>
    </Box>
  );
}
