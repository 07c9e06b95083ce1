// The header: the clinic's name, role-based navigation, the notification bell, live status, language and
// sign-out. On a phone-sized screen the navigation, language and sign-out fold into a menu: unfolded, they
// wrapped to five lines and took up to 45 % of a 360 × 740 screen on every page.
import { useState } from 'react';
import {
  AppBar,
  Box,
  Button,
  Chip,
  Divider,
  Drawer,
  IconButton,
  List,
  ListItem,
  ListItemButton,
  ListItemText,
  MenuItem,
  Select,
  SvgIcon,
  Toolbar,
  Typography,
  useMediaQuery,
  useTheme,
} from '@mui/material';
import { Link, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { LANGUAGES } from '../i18n/index.ts';
import type { LiveState } from '../api/live.ts';
import { NotificationBell } from '../features/notifications/NotificationBell.tsx';

export interface HeaderLink {
  to: string;
  /** An i18n key. */
  label: string;
}

interface Props {
  /** The screens this person may open (empty when signed out). */
  links: HeaderLink[];
  signedIn: boolean;
  live: LiveState;
  onSignOut: () => void;
}

const MENU_ID = 'main-menu';

function MenuIcon() {
  return (
    <SvgIcon>
      <path d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z" />
    </SvgIcon>
  );
}

function LanguageChoice({ onDark }: { onDark: boolean }) {
  const { t, i18n } = useTranslation();
  return (
    <Select
      size="small"
      value={i18n.language}
      onChange={(e) => void i18n.changeLanguage(e.target.value)}
      inputProps={{ 'aria-label': t('app.language') }}
      sx={onDark ? { color: 'inherit', bgcolor: 'primary.dark', '& .MuiSelect-icon': { color: 'inherit' } } : undefined}
    >
      {LANGUAGES.map((l) => (
        <MenuItem key={l.code} value={l.code} lang={l.code}>
          {l.label}
        </MenuItem>
      ))}
    </Select>
  );
}

export function AppHeader({ links, signedIn, live, onSignOut }: Props) {
  const { t } = useTranslation();
  const theme = useTheme();
  const phone = useMediaQuery(theme.breakpoints.down('sm'));
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const current = (to: string) => location.pathname === to;

  const liveLabel = live === 'on' ? t('common.live') : t('common.offline');
  const liveChip =
    signedIn && live !== 'idle' ? (
      <Chip
        size="small"
        role="status"
        label={liveLabel}
        color={live === 'on' ? 'success' : 'default'}
        sx={live === 'on' ? undefined : { bgcolor: 'grey.200', color: 'grey.900' }}
      />
    ) : null;

  if (phone) {
    return (
      <AppBar position="static" component="header">
        <Toolbar sx={{ gap: 1 }}>
          <Typography variant="h6" component="span" sx={{ flexGrow: 1 }}>
            {t('app.name')}
          </Typography>
          {signedIn ? <NotificationBell /> : null}
          {/* A dot, not the chip: the chip's words (up to 38 characters in Romanian) do not fit beside the menu. */}
          {signedIn && live !== 'idle' ? (
            <Box
              role="status"
              aria-label={liveLabel}
              title={liveLabel}
              data-live={live}
              sx={{ width: 12, height: 12, borderRadius: '50%', border: 2, borderColor: 'common.white', bgcolor: live === 'on' ? 'success.main' : 'grey.400' }}
            />
          ) : null}
          {signedIn ? (
            <IconButton color="inherit" edge="end" aria-label={t('app.menu')} aria-controls={MENU_ID} aria-expanded={menuOpen} onClick={() => setMenuOpen(true)}>
              <MenuIcon />
            </IconButton>
          ) : (
            <LanguageChoice onDark />
          )}
        </Toolbar>
        <Drawer anchor="right" open={menuOpen} onClose={() => setMenuOpen(false)} slotProps={{ paper: { id: MENU_ID, sx: { width: 280, maxWidth: '85vw' } } }}>
          <Box component="nav" aria-label={t('app.nav')}>
            <List>
              {links.map((n) => (
                <ListItem key={n.to} disablePadding>
                  <ListItemButton component={Link} to={n.to} selected={current(n.to)} aria-current={current(n.to) ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
                    <ListItemText primary={t(n.label)} />
                  </ListItemButton>
                </ListItem>
              ))}
            </List>
          </Box>
          <Divider />
          <Box sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 2 }}>
            <LanguageChoice onDark={false} />
            <Button
              variant="outlined"
              onClick={() => {
                setMenuOpen(false);
                onSignOut();
              }}
            >
              {t('app.signOut')}
            </Button>
          </Box>
        </Drawer>
      </AppBar>
    );
  }

  return (
    <AppBar position="static" component="header">
      <Toolbar sx={{ gap: 1, flexWrap: 'wrap' }}>
        <Typography variant="h6" component="span" sx={{ mr: 2 }}>
          {t('app.name')}
        </Typography>
        {signedIn ? (
          <Box component="nav" aria-label={t('app.nav')} sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, flexGrow: 1 }}>
            {links.map((n) => (
              <Button
                key={n.to}
                component={Link}
                to={n.to}
                color="inherit"
                aria-current={current(n.to) ? 'page' : undefined}
                sx={{ fontWeight: current(n.to) ? 700 : 400, textDecoration: current(n.to) ? 'underline' : 'none' }}
              >
                {t(n.label)}
              </Button>
            ))}
          </Box>
        ) : (
          <Box sx={{ flexGrow: 1 }} />
        )}
        {signedIn ? <NotificationBell /> : null}
        {liveChip}
        <LanguageChoice onDark />
        {signedIn ? (
          <Button color="inherit" onClick={onSignOut}>
            {t('app.signOut')}
          </Button>
        ) : null}
      </Toolbar>
    </AppBar>
  );
}
