// The bell in the header: the unread count, kept live by the notificationReceived subscription, and a
// menu with the latest notifications (open one to mark it read, or mark all read).
import { Badge, Box, Button, IconButton, Menu, MenuItem, ListItemText, Typography } from '@mui/material';
import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { useTranslation } from 'react-i18next';
import { MarkAllNotificationsReadDocument, MarkNotificationReadDocument, MyNotificationsDocument, NotificationReceivedDocument } from '../../gql/graphql.ts';
import { formatDateTime } from '../../lib/dates.ts';

const VISUALLY_HIDDEN = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap', border: 0, padding: 0, margin: '-1px' } as const;

export function NotificationBell() {
  const { t, i18n } = useTranslation();
  const [result, reexecute] = useQuery({ query: MyNotificationsDocument });
  const [arrived, setArrived] = useState<{ id: string; title: string; body: string; createdAt: string }[]>([]);
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [, markRead] = useMutation(MarkNotificationReadDocument);
  const [, markAll] = useMutation(MarkAllNotificationsReadDocument);
  const refetch = () => {
    setArrived([]);
    reexecute({ requestPolicy: 'network-only' });
  };
  useSubscription({ query: NotificationReceivedDocument }, (_prev, data) => {
    const n = data.notificationReceived;
    setArrived((prev) => (prev.some((p) => p.id === n.id) ? prev : [n, ...prev]));
    return data;
  });
  const fetched = result.data?.me?.notifications ?? [];
  const fresh = arrived.filter((a) => !fetched.some((f) => f.id === a.id));
  const unread = (result.data?.unreadNotificationCount ?? 0) + fresh.length;
  const items = [...fresh.map((a) => ({ ...a, readAt: null as string | null | undefined })), ...fetched];
  return (
    <>
      {/* The name is the hidden sentence; the icon and the visible count are hidden from assistive tech. */}
      <IconButton color="inherit" onClick={(e) => setAnchor(e.currentTarget)}>
        <Badge badgeContent={unread} color="error" slotProps={{ badge: { 'aria-hidden': true } }}>
          <svg aria-hidden="true" width="24" height="24" viewBox="0 0 24 24" fill="currentColor">
            <path d="M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6V11c0-3.07-1.64-5.64-4.5-6.32V4a1.5 1.5 0 0 0-3 0v.68C7.63 5.36 6 7.92 6 11v5l-2 2v1h16v-1l-2-2z" />
          </svg>
        </Badge>
        <Box component="span" sx={VISUALLY_HIDDEN}>
          {t('notifications.bell', { count: unread })}
        </Box>
      </IconButton>
      <Menu anchorEl={anchor} open={Boolean(anchor)} onClose={() => setAnchor(null)}>
        {items.length === 0 ? <MenuItem disabled>{t('notifications.empty')}</MenuItem> : null}
        {items.slice(0, 20).map((n) => (
          <MenuItem
            key={n.id}
            onClick={async () => {
              if (!n.readAt) await markRead({ id: n.id });
              refetch();
            }}
          >
            <ListItemText
              primary={<Typography sx={{ fontWeight: n.readAt ? 400 : 700 }}>{n.title}</Typography>}
              secondary={`${n.body} · ${formatDateTime(n.createdAt, i18n.language)}`}
            />
          </MenuItem>
        ))}
        {unread > 0 ? (
          <MenuItem>
            <Button
              onClick={async () => {
                await markAll({});
                refetch();
              }}
            >
              {t('notifications.markAllRead')}
            </Button>
          </MenuItem>
        ) : null}
      </Menu>
    </>
  );
}
