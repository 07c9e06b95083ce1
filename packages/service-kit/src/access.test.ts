import { requireOwnerOrRole, requirePermission, requireRole, requireUser, requireUserOrScope } from './access.ts';
import { ANONYMOUS, type Viewer } from './auth.ts';

const patient: Viewer = { kind: 'user', userId: 'p1', roles: ['PATIENT'], permissions: [], sessionId: null, issuer: 'local', expiresAt: 0 };
const doctor: Viewer = { kind: 'user', userId: 'd1', roles: ['DOCTOR'], permissions: ['appointments:manage'], sessionId: null, issuer: 'local', expiresAt: 0 };
const admin: Viewer = { kind: 'user', userId: 'a1', roles: ['ADMIN'], permissions: [], sessionId: null, issuer: 'local', expiresAt: 0 };
const partner: Viewer = { kind: 'partner', clientId: 'c1', scopes: ['availability:read'], expiresAt: 0 };

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ALLOWED';
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
};

test('anonymous callers are UNAUTHENTICATED, partners FORBIDDEN where a user is needed', () => {
  expect(codeOf(() => requireUser(ANONYMOUS))).toBe('UNAUTHENTICATED');
  expect(codeOf(() => requireUser(partner))).toBe('FORBIDDEN');
  expect(codeOf(() => requireUser(patient))).toBe('ALLOWED');
});

test('roles and permissions (ADMIN holds every permission)', () => {
  expect(codeOf(() => requireRole(patient, 'DOCTOR'))).toBe('FORBIDDEN');
  expect(codeOf(() => requireRole(doctor, 'DOCTOR', 'ADMIN'))).toBe('ALLOWED');
  expect(codeOf(() => requirePermission(patient, 'appointments:manage'))).toBe('FORBIDDEN');
  expect(codeOf(() => requirePermission(doctor, 'appointments:manage'))).toBe('ALLOWED');
  expect(codeOf(() => requirePermission(admin, 'anything:at-all'))).toBe('ALLOWED');
});

test('a patient reaches only their own resource; staff roles reach others', () => {
  expect(codeOf(() => requireOwnerOrRole(patient, 'p1', 'DOCTOR'))).toBe('ALLOWED');
  expect(codeOf(() => requireOwnerOrRole(patient, 'p2', 'DOCTOR'))).toBe('FORBIDDEN');
  expect(codeOf(() => requireOwnerOrRole(doctor, 'p2', 'DOCTOR'))).toBe('ALLOWED');
});

test('partners need the scope; users pass', () => {
  expect(codeOf(() => requireUserOrScope(partner, 'availability:read'))).toBe('ALLOWED');
  expect(codeOf(() => requireUserOrScope(partner, 'appointments:write'))).toBe('FORBIDDEN');
  expect(codeOf(() => requireUserOrScope(ANONYMOUS, 'availability:read'))).toBe('UNAUTHENTICATED');
});
