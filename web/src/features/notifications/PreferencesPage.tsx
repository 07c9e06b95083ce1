// Notification preferences: a types × channels grid of switches, quiet hours with the time zone they are
// read in, the language of messages, SMS consent, reset to the role's defaults, and browser notifications.
import { Alert, Box, Button, Checkbox, FormControlLabel, Paper, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField } from '@mui/material';
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import {
  MyNotificationPreferencesDocument,
  RecordSmsConsentDocument,
  ResetNotificationPreferencesDocument,
  SetNotificationPreferencesDocument,
  UpdateNotificationSettingsDocument,
  type NotificationChannel,
  type NotificationType,
} from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { BrowserPushToggle } from './BrowserPushToggle.tsx';

const TYPES: NotificationType[] = ['APPOINTMENT_UPDATES', 'REMINDERS', 'WAITLIST_OFFERS', 'NEW_MESSAGES', 'DOCUMENTS', 'SECURITY'];
const CHANNELS: NotificationChannel[] = ['EMAIL', 'SMS', 'IN_APP', 'PUSH', 'CHAT'];

export function PreferencesPage() {
  const { t } = useTranslation();
  const [result, reexecute] = useQuery({ query: MyNotificationPreferencesDocument });
  const [setState, setPrefs] = useMutation(SetNotificationPreferencesDocument);
  const [settingsState, updateSettings] = useMutation(UpdateNotificationSettingsDocument);
  const [resetState, reset] = useMutation(ResetNotificationPreferencesDocument);
  const [, consent] = useMutation(RecordSmsConsentDocument);
  const prefs = result.data?.me?.notificationPreferences;
  const [zone, setZone] = useState('');
  const [quietStart, setQuietStart] = useState('');
  const [quietEnd, setQuietEnd] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!prefs) return;
    setZone(prefs.timeZone);
    setQuietStart(prefs.quietHours?.start ?? '');
    setQuietEnd(prefs.quietHours?.end ?? '');
  }, [prefs]);
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  const enabled = (type: NotificationType, channel: NotificationChannel) => prefs?.channels.find((c) => c.type === type && c.channel === channel)?.enabled ?? false;

  return (
    <>
      <PageTitle>{t('notifications.preferencesTitle')}</PageTitle>
      <ErrorNotice error={result.error} onRetry={refetch} />
      <ErrorNotice error={setState.error ?? settingsState.error ?? resetState.error} />
      {result.fetching && !prefs ? <Loading /> : null}
      {prefs ? (
        <Stack spacing={3}>
          <Paper sx={{ overflowX: 'auto' }}>
            <Table size="small" aria-label={t('notifications.grid')}>
              <TableHead>
                <TableRow>
                  <TableCell />
                  {CHANNELS.map((c) => (
                    <TableCell key={c} align="center">
                      {t(`notifications.channel.${c}`)}
                    </TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {TYPES.map((type) => (
                  <TableRow key={type}>
                    <TableCell component="th" scope="row">
                      {t(`notifications.type.${type}`)}
                    </TableCell>
                    {CHANNELS.map((channel) => (
                      <TableCell key={channel} align="center">
                        <Checkbox
                          checked={enabled(type, channel)}
                          slotProps={{ input: { 'aria-label': `${t(`notifications.type.${type}`)} · ${t(`notifications.channel.${channel}`)}` } }}
                          onChange={async (e) => {
                            const res = await setPrefs({ input: [{ type, channel, enabled: e.target.checked }] });
                            if (res.data) refetch();
                          }}
                        />
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Paper>
          <Paper sx={{ p: 2 }}>
            <Box
              component="form"
              sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center' }}
              onSubmit={async (e) => {
                e.preventDefault();
                setSaved(false);
                const clear = !quietStart && !quietEnd;
                const res = await updateSettings({
                  input: { timeZone: zone, ...(clear ? { clearQuietHours: true } : { quietHours: { start: quietStart, end: quietEnd } }) },
                });
                if (res.data) {
                  setSaved(true);
                  refetch();
                }
              }}
            >
              <TextField label={t('notifications.quietStart')} placeholder="22:00" value={quietStart} onChange={(e) => setQuietStart(e.target.value)} size="small" />
              <TextField label={t('notifications.quietEnd')} placeholder="07:00" value={quietEnd} onChange={(e) => setQuietEnd(e.target.value)} size="small" />
              <TextField label={t('notifications.timeZone')} value={zone} onChange={(e) => setZone(e.target.value)} size="small" />
              <Button type="submit" variant="contained">
                {t('notifications.save')}
              </Button>
            </Box>
            {saved ? (
              <Alert severity="success" sx={{ mt: 2 }}>
                {t('notifications.saved')}
              </Alert>
            ) : null}
          </Paper>
          <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
            <FormControlLabel
              control={<Checkbox checked={prefs.smsConsent?.granted ?? false} onChange={async (e) => (await consent({ granted: e.target.checked })).data && refetch()} />}
              label={t('notifications.smsConsent')}
            />
            <Button onClick={async () => (await reset({})).data && refetch()}>{t('notifications.reset')}</Button>
          </Box>
          <BrowserPushToggle />
        </Stack>
      ) : null}
    </>
  );
}
