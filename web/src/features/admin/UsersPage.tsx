// Users and roles: search, add or remove a role, deactivate, and create staff accounts (doctors,
// jurists, operators, admins). Patients register themselves. Guards against acting on the wrong row or
// twice: while the list reloads its rows cannot be acted on; creating is one request at a time and a
// retry of an account that was created meanwhile is told so (identity refuses a second account for an
// address); removing a role (above all one's own ADMIN), deactivating: confirmed first.
import { useRef, useState } from 'react';
import {
  Alert,
  Box,
  Button,
  Chip,
  LinearProgress,
  MenuItem,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { AssignRoleDocument, CreateStaffUserDocument, DeactivateUserDocument, RemoveRoleDocument, RolesDocument, UsersDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { useConfirm } from '../../components/ConfirmDialog.tsx';
import { useSession } from '../../api/session-react.tsx';
import { humanError } from '../../api/errors.ts';

/** Users per page; one more is asked for, to know whether a next page exists. */
const PAGE = 25;

function CreateStaff({ roles, onCreated }: { roles: string[]; onCreated: () => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ email: '', displayName: '', roles: ['DOCTOR'], password: '' });
  const [result, create] = useMutation(CreateStaffUserDocument);
  const inFlight = useRef(false);
  return (
    <Paper sx={{ p: 2, my: 2 }} component="section" aria-labelledby="create-staff">
      <Typography variant="h6" component="h2" id="create-staff">
        {t('admin.createStaff')}
      </Typography>
      <Box
        component="form"
        sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mt: 1 }}
        onSubmit={async (e) => {
          e.preventDefault();
          if (inFlight.current) return; // a second click before the first answer never sends a second request
          inFlight.current = true;
          try {
            const res = await create({ input: { email: form.email.trim(), displayName: form.displayName.trim(), roles: form.roles, password: form.password || null } });
            if (res.data) setForm({ email: '', displayName: '', roles: ['DOCTOR'], password: '' });
            onCreated(); // also after an error: the list shows whether the account exists
          } finally {
            inFlight.current = false;
          }
        }}
      >
        <TextField size="small" label={t('auth.displayName')} value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} required />
        <TextField size="small" type="email" label={t('auth.email')} value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required />
        <TextField
          select
          size="small"
          label={t('admin.roles')}
          value={form.roles}
          onChange={(e) => setForm({ ...form, roles: typeof e.target.value === 'string' ? [e.target.value] : (e.target.value as string[]) })}
          slotProps={{ select: { multiple: true } }}
          sx={{ minWidth: 180 }}
        >
          {roles.map((r) => (
            <MenuItem key={r} value={r}>
              {r}
            </MenuItem>
          ))}
        </TextField>
        <TextField size="small" type="password" label={t('admin.initialPassword')} helperText={t('admin.initialPasswordHelp')} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} autoComplete="new-password" />
        <Button type="submit" variant="contained" disabled={result.fetching || !form.email || !form.displayName || form.roles.length === 0}>
          {result.fetching ? t('admin.creating') : t('admin.create')}
        </Button>
      </Box>
      {result.error ? (
        <Alert severity="error" role="alert" sx={{ mt: 1 }}>
          {humanError(result.error, t, 'createStaff')}
        </Alert>
      ) : null}
      {result.data ? (
        <Alert severity="success" role="status" sx={{ mt: 1 }}>
          {t('admin.created', { email: result.data.createStaffUser.email })}
        </Alert>
      ) : null}
    </Paper>
  );
}

export function UsersPage() {
  const { t, i18n } = useTranslation();
  const [search, setSearch] = useState('');
  const [role, setRole] = useState('');
  const [applied, setApplied] = useState({ search: '', role: '', page: 0 });
  const [users, reexecute] = useQuery({ query: UsersDocument, variables: { search: applied.search || null, role: applied.role || null, limit: PAGE + 1, offset: applied.page * PAGE } });
  const [rolesResult] = useQuery({ query: RolesDocument });
  const [assigned, assign] = useMutation(AssignRoleDocument);
  const [removed, remove] = useMutation(RemoveRoleDocument);
  const [deactivated, deactivate] = useMutation(DeactivateUserDocument);
  const { userId: me } = useSession();
  const [confirm, confirmDialog] = useConfirm();
  // Rows of a list that is reloading (a new search, a refresh) are shown but cannot be acted on.
  const busy = users.fetching || users.stale || assigned.fetching || removed.fetching || deactivated.fetching;
  const removeRole = async (u: { id: string; displayName: string }, r: string) => {
    const own = u.id === me && r === 'ADMIN';
    const ok = await confirm({
      title: t('admin.removeRoleTitle', { role: r }),
      body: own ? t('admin.removeOwnAdminBody') : t('admin.removeRoleBody', { name: u.displayName, role: r }),
      confirmLabel: t('doctor.remove'),
      danger: true,
    });
    if (ok) await remove({ userId: u.id, role: r });
  };
  const roleNames = rolesResult.data?.roles.map((r) => r.name) ?? ['PATIENT', 'DOCTOR', 'JURIST', 'OPERATOR', 'ADMIN'];
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  const list = (users.data?.users ?? []).slice(0, PAGE);
  const hasNext = (users.data?.users.length ?? 0) > PAGE;

  return (
    <>
      <PageTitle>{t('admin.usersTitle')}</PageTitle>
      <Box
        component="form"
        role="search"
        sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }}
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ search: search.trim(), role, page: 0 });
        }}
      >
        <TextField size="small" label={t('admin.search')} helperText={t('console.searchHelp')} value={search} onChange={(e) => setSearch(e.target.value)} />
        <TextField select size="small" label={t('admin.role')} value={role} onChange={(e) => setRole(e.target.value)} sx={{ minWidth: 160 }}>
          <MenuItem value="">—</MenuItem>
          {roleNames.map((r) => (
            <MenuItem key={r} value={r}>
              {r}
            </MenuItem>
          ))}
        </TextField>
        <Button type="submit" variant="contained">
          {t('patient.search')}
        </Button>
      </Box>
      <ErrorNotice error={users.error} onRetry={refetch} />
      <ErrorNotice error={assigned.error ?? removed.error ?? deactivated.error} />
      {users.fetching && !users.data ? <Loading /> : null}
      {busy && users.data ? <LinearProgress aria-label={t('common.updating')} sx={{ mb: 1 }} /> : null}
      {users.data && list.length === 0 ? <EmptyState>{t('admin.noUsers')}</EmptyState> : null}
      {list.length > 0 ? (
        <TableContainer component={Paper}>
          <Table size="small" aria-label={t('admin.usersTitle')} aria-busy={busy}>
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.name')}</TableCell>
                <TableCell>{t('auth.email')}</TableCell>
                <TableCell>{t('admin.roles')}</TableCell>
                <TableCell>{t('common.status')}</TableCell>
                <TableCell>{t('auth.createdAt')}</TableCell>
                <TableCell>{t('common.actions')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {list.map((u) => (
                <TableRow key={u.id}>
                  <TableCell>{u.displayName}</TableCell>
                  <TableCell>{u.email}</TableCell>
                  <TableCell>
                    {u.roles.map((r) => (
                      <Chip key={r} size="small" label={r} disabled={busy} onDelete={() => void removeRole(u, r)} sx={{ mr: 0.5 }} aria-label={`${r}`} />
                    ))}
                    <TextField
                      select
                      size="small"
                      value=""
                      label={t('admin.addRole')}
                      disabled={busy}
                      onChange={(e) => e.target.value && void assign({ userId: u.id, role: e.target.value })}
                      sx={{ minWidth: 120 }}
                    >
                      {roleNames
                        .filter((r) => !u.roles.includes(r))
                        .map((r) => (
                          <MenuItem key={r} value={r}>
                            {r}
                          </MenuItem>
                        ))}
                    </TextField>
                  </TableCell>
                  <TableCell>{u.status === 'ACTIVE' ? t('admin.active') : t('admin.deactivated')}</TableCell>
                  <TableCell>{formatDateTime(u.createdAt, i18n.language)}</TableCell>
                  <TableCell>
                    {u.status === 'ACTIVE' ? (
                      <Button
                        size="small"
                        color="error"
                        disabled={busy}
                        onClick={async () => {
                          const ok = await confirm({ title: t('admin.deactivateTitle', { name: u.displayName }), body: t('admin.deactivateConfirm', { name: u.displayName }), confirmLabel: t('admin.deactivate'), danger: true });
                          if (ok) await deactivate({ userId: u.id });
                        }}
                      >
                        {t('admin.deactivate')}
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
      {applied.page > 0 || hasNext ? (
        <Box component="nav" aria-label={t('admin.pageOf', { page: applied.page + 1 })} sx={{ display: 'flex', gap: 1, alignItems: 'center', mt: 1 }}>
          <Button disabled={busy || applied.page === 0} onClick={() => setApplied({ ...applied, page: applied.page - 1 })}>
            {t('admin.previousPage')}
          </Button>
          <span>{t('admin.pageOf', { page: applied.page + 1 })}</span>
          <Button disabled={busy || !hasNext} onClick={() => setApplied({ ...applied, page: applied.page + 1 })}>
            {t('admin.nextPage')}
          </Button>
        </Box>
      ) : null}
      <CreateStaff roles={roleNames.filter((r) => r !== 'PATIENT')} onCreated={refetch} />
      {confirmDialog}
    </>
  );
}
