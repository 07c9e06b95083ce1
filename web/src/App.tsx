// The shell: a skip link, the header (components/AppHeader.tsx: role-based navigation, language, sign-out), and the
// routes. Signed-out visitors only reach sign-in and registration; everyone lands on the first screen
// their roles allow. The API enforces access again: hiding a link is convenience, not security.
import { Container, Typography, Link as MuiLink } from '@mui/material';
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';
import { SignOutDocument } from './gql/graphql.ts';
import { useSession, useSessionStore } from './api/session-react.tsx';
import { useLive } from './api/live.ts';
import { viewerTimeZone } from './lib/dates.ts';
import { SignInPage } from './features/auth/SignInPage.tsx';
import { RegisterPage } from './features/auth/RegisterPage.tsx';
import { VerifyEmailPage } from './features/auth/VerifyEmailPage.tsx';
import { SessionsPage } from './features/auth/SessionsPage.tsx';
import { SignedInPage } from './features/auth/SignedInPage.tsx';
import { Loading } from './components/Feedback.tsx';
import { AppHeader } from './components/AppHeader.tsx';

// Each area's screens load when first opened: a patient never downloads the admin screens.
const FindDoctorPage = lazy(() => import('./features/patient/FindDoctorPage.tsx').then((m) => ({ default: m.FindDoctorPage })));
const MyAppointmentsPage = lazy(() => import('./features/patient/MyAppointmentsPage.tsx').then((m) => ({ default: m.MyAppointmentsPage })));
const AppointmentPage = lazy(() => import('./features/patient/AppointmentPage.tsx').then((m) => ({ default: m.AppointmentPage })));
const IntakeFormPage = lazy(() => import('./features/documents/IntakeFormPage.tsx').then((m) => ({ default: m.IntakeFormPage })));
const DocumentsPage = lazy(() => import('./features/documents/DocumentsPage.tsx').then((m) => ({ default: m.DocumentsPage })));
const WaitlistPage = lazy(() => import('./features/patient/WaitlistPage.tsx').then((m) => ({ default: m.WaitlistPage })));
const ScheduleEditorPage = lazy(() => import('./features/doctor/ScheduleEditorPage.tsx').then((m) => ({ default: m.ScheduleEditorPage })));
const PendingRequestsPage = lazy(() => import('./features/doctor/PendingRequestsPage.tsx').then((m) => ({ default: m.PendingRequestsPage })));
const DoctorCalendarPage = lazy(() => import('./features/doctor/DoctorCalendarPage.tsx').then((m) => ({ default: m.DoctorCalendarPage })));
const UsersPage = lazy(() => import('./features/admin/UsersPage.tsx').then((m) => ({ default: m.UsersPage })));
const PartnerClientsPage = lazy(() => import('./features/admin/PartnerClientsPage.tsx').then((m) => ({ default: m.PartnerClientsPage })));
const AuditPage = lazy(() => import('./features/admin/AuditPage.tsx').then((m) => ({ default: m.AuditPage })));
const ConversationsPage = lazy(() => import('./features/chat/ConversationsPage.tsx').then((m) => ({ default: m.ConversationsPage })));
const ThreadPage = lazy(() => import('./features/chat/ThreadPage.tsx').then((m) => ({ default: m.ThreadPage })));
const PreferencesPage = lazy(() => import('./features/notifications/PreferencesPage.tsx').then((m) => ({ default: m.PreferencesPage })));
const DevInboxPage = lazy(() => import('./features/notifications/DevInboxPage.tsx').then((m) => ({ default: m.DevInboxPage })));
const OperatorConsolePage = lazy(() => import('./features/assistant/OperatorConsolePage.tsx').then((m) => ({ default: m.OperatorConsolePage })));
const KnowledgeEditorPage = lazy(() => import('./features/assistant/KnowledgeEditorPage.tsx').then((m) => ({ default: m.KnowledgeEditorPage })));
const AssistantAnalyticsPage = lazy(() => import('./features/assistant/AnalyticsPage.tsx').then((m) => ({ default: m.AnalyticsPage })));
const SecurityAlertsPage = lazy(() => import('./features/admin/SecurityAlertsPage.tsx').then((m) => ({ default: m.SecurityAlertsPage })));
const TemplatesPage = lazy(() => import('./features/admin/TemplatesPage.tsx').then((m) => ({ default: m.TemplatesPage })));
const QueueMonitorPage = lazy(() => import('./features/admin/QueueMonitorPage.tsx').then((m) => ({ default: m.QueueMonitorPage })));

interface NavItem {
  to: string;
  label: string;
  roles: string[];
}

const NAV: NavItem[] = [
  { to: '/find', label: 'nav.findDoctor', roles: ['PATIENT'] },
  { to: '/appointments', label: 'nav.myAppointments', roles: ['PATIENT'] },
  { to: '/waitlist', label: 'nav.waitlist', roles: ['PATIENT'] },
  { to: '/documents', label: 'nav.documents', roles: ['PATIENT'] },
  { to: '/doctor/requests', label: 'nav.requests', roles: ['DOCTOR'] },
  { to: '/doctor/calendar', label: 'nav.calendar', roles: ['DOCTOR'] },
  { to: '/doctor/schedule', label: 'nav.schedule', roles: ['DOCTOR'] },
  { to: '/admin/users', label: 'nav.users', roles: ['ADMIN'] },
  { to: '/admin/partners', label: 'nav.partners', roles: ['ADMIN'] },
  { to: '/admin/audit', label: 'nav.audit', roles: ['ADMIN', 'JURIST'] },
  { to: '/admin/alerts', label: 'nav.alerts', roles: ['ADMIN'] },
  { to: '/messages', label: 'nav.messages', roles: ['PATIENT', 'DOCTOR', 'OPERATOR', 'ADMIN'] },
  { to: '/assistant/console', label: 'nav.assistantConsole', roles: ['OPERATOR', 'ADMIN'] },
  { to: '/assistant/knowledge', label: 'nav.assistantKnowledge', roles: ['OPERATOR', 'ADMIN'] },
  { to: '/assistant/analytics', label: 'nav.assistantAnalytics', roles: ['OPERATOR', 'ADMIN'] },
  { to: '/admin/dev-inbox', label: 'nav.devInbox', roles: ['ADMIN'] },
  { to: '/admin/templates', label: 'console.navTemplates', roles: ['ADMIN'] },
  { to: '/admin/queues', label: 'console.navQueues', roles: ['ADMIN'] },
  { to: '/notifications', label: 'nav.notificationPreferences', roles: ['*'] },
  { to: '/sessions', label: 'nav.sessions', roles: ['*'] },
];

function allowed(item: NavItem, roles: string[]): boolean {
  return item.roles.includes('*') || item.roles.some((r) => roles.includes(r));
}

function Home() {
  const { roles } = useSession();
  const first = NAV.find((n) => allowed(n, roles));
  return <Navigate to={first?.to ?? '/sessions'} replace />;
}

function Guard({ roles, children }: { roles: string[]; children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session.accessToken) return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  if (!roles.includes('*') && !roles.some((r) => session.roles.includes(r))) return <Navigate to="/" replace />;
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

export function App() {
  const { t } = useTranslation();
  const session = useSession();
  const store = useSessionStore();
  const live = useLive();
  const [, signOut] = useMutation(SignOutDocument);
  const signedIn = Boolean(session.accessToken);
  return (
    <>
      <MuiLink href="#main" sx={{ position: 'absolute', left: -9999, '&:focus': { left: 8, top: 8, zIndex: 2000, bgcolor: 'background.paper', p: 1 } }}>
        {t('app.skipToContent')}
      </MuiLink>
      <AppHeader
        links={signedIn ? NAV.filter((n) => allowed(n, session.roles)) : []}
        signedIn={signedIn}
        live={live}
        onSignOut={async () => {
          await signOut({}).catch(() => undefined);
          store.clear();
        }}
      />
      <Container component="main" id="main" tabIndex={-1} maxWidth="lg" sx={{ py: 3 }}>
        <Typography variant="caption" color="text.secondary" component="p" sx={{ mb: 1 }}>
          {t('app.timeZoneNote', { zone: viewerTimeZone() })}
        </Typography>
        <Routes>
          <Route path="/sign-in" element={signedIn ? <Navigate to="/" replace /> : <SignInPage />} />
          <Route path="/auth/complete" element={<SignedInPage />} />
          <Route path="/register" element={signedIn ? <Navigate to="/" replace /> : <RegisterPage />} />
          <Route path="/verify-email" element={signedIn ? <Navigate to="/" replace /> : <VerifyEmailPage />} />
          <Route path="/messages" element={<Guard roles={['PATIENT', 'DOCTOR', 'OPERATOR', 'ADMIN']}><ConversationsPage /></Guard>} />
          <Route path="/messages/:id" element={<Guard roles={['PATIENT', 'DOCTOR', 'OPERATOR', 'ADMIN']}><ThreadPage /></Guard>} />
          <Route path="/sessions" element={<Guard roles={['*']}><SessionsPage /></Guard>} />
          <Route path="/find" element={<Guard roles={['PATIENT']}><FindDoctorPage /></Guard>} />
          <Route path="/documents" element={<Guard roles={['PATIENT']}><DocumentsPage /></Guard>} />
          <Route path="/appointments" element={<Guard roles={['PATIENT']}><MyAppointmentsPage /></Guard>} />
          <Route path="/appointments/:id" element={<Guard roles={['PATIENT']}><AppointmentPage /></Guard>} />
          <Route path="/appointments/:id/intake" element={<Guard roles={['PATIENT']}><IntakeFormPage /></Guard>} />
          <Route path="/waitlist" element={<Guard roles={['PATIENT']}><WaitlistPage /></Guard>} />
          <Route path="/doctor/requests" element={<Guard roles={['DOCTOR']}><PendingRequestsPage /></Guard>} />
          <Route path="/doctor/calendar" element={<Guard roles={['DOCTOR']}><DoctorCalendarPage /></Guard>} />
          <Route path="/doctor/schedule" element={<Guard roles={['DOCTOR']}><ScheduleEditorPage /></Guard>} />
          <Route path="/admin/users" element={<Guard roles={['ADMIN']}><UsersPage /></Guard>} />
          <Route path="/admin/partners" element={<Guard roles={['ADMIN']}><PartnerClientsPage /></Guard>} />
          <Route path="/admin/audit" element={<Guard roles={['ADMIN', 'JURIST']}><AuditPage /></Guard>} />
          <Route path="/admin/alerts" element={<Guard roles={['ADMIN']}><SecurityAlertsPage /></Guard>} />
          <Route path="/admin/dev-inbox" element={<Guard roles={['ADMIN']}><DevInboxPage /></Guard>} />
          <Route path="/admin/templates" element={<Guard roles={['ADMIN']}><TemplatesPage /></Guard>} />
          <Route path="/admin/queues" element={<Guard roles={['ADMIN']}><QueueMonitorPage /></Guard>} />
          <Route path="/assistant/console" element={<Guard roles={['OPERATOR', 'ADMIN']}><OperatorConsolePage /></Guard>} />
          <Route path="/assistant/knowledge" element={<Guard roles={['OPERATOR', 'ADMIN']}><KnowledgeEditorPage /></Guard>} />
          <Route path="/assistant/analytics" element={<Guard roles={['OPERATOR', 'ADMIN']}><AssistantAnalyticsPage /></Guard>} />
          <Route path="/notifications" element={<Guard roles={['*']}><PreferencesPage /></Guard>} />
          <Route path="*" element={signedIn ? <Home /> : <Navigate to="/sign-in" replace />} />
        </Routes>
      </Container>
    </>
  );
}
