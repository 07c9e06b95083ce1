// End to end in real headless Chromium against the real router and subgraphs (see stack.ts): a patient
// registers and books, a doctor in a second browser context approves, the patient's page shows
// APPROVED without reloading, and the booked time disappears live from a third viewer's week.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startStack, type Stack } from './stack.ts';
import { assertAccessible, gql, registerByApi, PASSWORD, signInUi, totp, uniqueEmail } from './helpers.ts';

let stack: Stack;
const doctorEmail = uniqueEmail('doctor');
const patientEmail = uniqueEmail('patient');
const specialisation = `Cardiology${Date.now() % 100000}`;
const has = (field: string) => supergraphFields.has(field);
let supergraphFields = new Set<string>();
let adminEmail = '';
let doctorCreated = false;

before(async () => {
  stack = await startStack();
  const res = await gql<{ __schema: { queryType: { fields: { name: string }[] }; mutationType: { fields: { name: string }[] } | null } }>(
    stack,
    '{ __schema { queryType { fields { name } } mutationType { fields { name } } } }',
  );
  supergraphFields = new Set([...res.__schema.queryType.fields, ...(res.__schema.mutationType?.fields ?? [])].map((f) => f.name));
});

afterEach(async (t) => {
  await stack?.debugShots(t.name.slice(0, 30).replace(/\W+/g, '-'));
});

after(async () => {
  await stack?.stop();
});

async function markNoReload(page: Page) {
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
}
async function assertNoReload(page: Page) {
  assert.equal(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, 'the page was reloaded');
}

test('the web server serves the client and proxies GraphQL to the router', async () => {
  const html = await fetch(`${stack.web.url}/find`).then((r) => r.text());
  assert.match(html, /<div id="root">/);
  const res = await fetch(`${stack.web.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
  assert.deepEqual(await res.json(), { data: { __typename: 'Query' } });
});

test('a signed-out visitor lands on sign in, in English or Romanian', async () => {
  const { context, page } = await stack.newPage();
  await page.goto('/');
  await page.waitForURL('**/sign-in');
  await page.getByRole('heading', { name: 'Sign in to the clinic' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Sign in with Microsoft' }).getAttribute('href'), '/auth/microsoft/start');
  await stack.screenshot(page, '01-sign-in');
  await assertAccessible(page, '01-sign-in');
  await page.getByRole('combobox', { name: 'Language' }).click();
  await page.getByRole('option', { name: 'Română' }).click();
  await page.getByRole('heading', { name: 'Autentificare în clinică' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ro');
  await stack.screenshot(page, '02-sign-in-ro');
  await context.close();
});

test('wrong password: a sentence, not a code', async (t) => {
  if (!has('signIn')) return t.skip('identity sign-in is not in the supergraph yet');
  const { context, page } = await stack.newPage();
  await page.goto('/sign-in');
  await page.getByLabel(/^E-mail/).fill('nobody@example.test');
  await page.getByLabel(/^Password/).fill('not the password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.doesNotMatch((await alert.textContent()) ?? '', /UNAUTHENTICATED|BAD_USER_INPUT/);
  await context.close();
});

test('a patient registers, signs out and signs in again, and sees their sessions', async (t) => {
  if (!has('registerPatient') || !has('mySessions')) return t.skip('identity registration is not in the supergraph yet');
  const { context, page } = await stack.newPage();
  const email = uniqueEmail('sessions');
  await page.goto('/register');
  await page.getByLabel(/^Full name/).fill('Elena Dobre');
  await page.getByLabel(/^E-mail/).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await stack.screenshot(page, '03-register');
  await assertAccessible(page, '03-register');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL('**/sign-in');
  await signInUi(page, email);
  await page.getByRole('navigation').getByRole('link', { name: 'Sessions' }).click();
  await page.getByText('This device').waitFor();
  await stack.screenshot(page, '14-sessions');
  await assertAccessible(page, '14-sessions');
  await context.close();
});

test('the Microsoft sign-in landing page takes the tokens from the fragment and opens the app', async (t) => {
  if (!has('signIn')) return t.skip('identity sign-in is not in the supergraph yet');
  const email = uniqueEmail('ms');
  await registerByApi(stack, email, 'Mihai Microsoft');
  // identity's /auth/microsoft/callback redirects exactly like this after a successful Azure AD sign-in.
  const signIn = await gql<{ signIn: { auth: { accessToken: string; refreshToken: string } } }>(
    stack,
    `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { auth { accessToken refreshToken } } }`,
    { email, password: PASSWORD },
  );
  const fragment = new URLSearchParams({ access_token: signIn.signIn.auth.accessToken, refresh_token: signIn.signIn.auth.refreshToken });
  const { context, page } = await stack.newPage();
  await page.goto(`/auth/complete#${fragment.toString()}`);
  await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
  assert.doesNotMatch(page.url(), /access_token/);
  await context.close();
});

test('two-step verification: turn it on, then sign in with the code', async (t) => {
  if (!has('beginMfaEnrolment') || !has('completeMfaSignIn')) return t.skip('MFA is not in the supergraph yet');
  const { context, page } = await stack.newPage();
  const email = uniqueEmail('mfa');
  await registerByApi(stack, email, 'Radu Stan');
  await signInUi(page, email);
  await page.getByRole('navigation').getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  const secret = (await page.getByTestId('mfa-secret').textContent())!.trim();
  await page.getByLabel('Verification code').fill(totp(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText(/Keep these recovery codes/).waitFor();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL('**/sign-in');

  await page.getByLabel(/^E-mail/).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  await page.getByLabel('Verification code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('alert').waitFor();
  await stack.screenshot(page, '15-mfa-step');
  await page.getByLabel('Verification code').fill(totp(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
  await context.close();
});

test('an administrator creates a doctor account; admin screens render', async (t) => {
  if (!has('registerPatient') || !has('createStaffUser')) return t.skip('identity registration/staff creation is not in the supergraph yet');
  adminEmail = stack.admin.email;
  const admin = await stack.newPage();
  await signInUi(admin.page, adminEmail, stack.admin.password);
  await admin.page.goto('/admin/users');
  await admin.page.getByLabel(/^Full name/).fill('Dr Ana Pop');
  await admin.page.getByLabel(/^E-mail/).fill(doctorEmail);
  await admin.page.getByLabel('Initial password (optional)').fill(PASSWORD);
  await admin.page.getByRole('button', { name: 'Create', exact: true }).click();
  await admin.page.getByText(`Account ${doctorEmail} created.`).waitFor();
  doctorCreated = true;
  await admin.page.getByLabel('Search by e-mail or name').fill('Dr Ana');
  await admin.page.getByRole('button', { name: 'Search' }).click();
  await admin.page.getByRole('cell', { name: doctorEmail }).waitFor();
  await stack.screenshot(admin.page, '10-admin-users');
  await assertAccessible(admin.page, '10-admin-users');
  for (const [path, name] of [
    ['/admin/audit', '11-admin-audit'],
    ['/admin/alerts', '12-admin-alerts'],
    ['/admin/partners', '13-admin-partners'],
  ] as const) {
    await admin.page.goto(path);
    await admin.page.getByRole('heading', { level: 1 }).waitFor();
    await admin.page.waitForLoadState('networkidle');
    await stack.screenshot(admin.page, name);
    await assertAccessible(admin.page, name);
  }
  await admin.context.close();
});

test('patient books, doctor approves, patient sees APPROVED live, the slot vanishes for a third viewer and returns on cancel', async (t) => {
  if (!has('availableSlots') || !has('requestAppointment')) return t.skip('appointments (slot search, booking) is not in the supergraph yet');

  if (!doctorCreated) return t.skip('the doctor account could not be created (see the admin test)');
  const admin = await stack.newPage();
  await signInUi(admin.page, adminEmail, stack.admin.password);

  // The doctor fills in the directory profile and working hours (every day, so any week has times).
  const doctor = await stack.newPage();
  await signInUi(doctor.page, doctorEmail);
  await doctor.page.goto('/doctor/schedule');
  await doctor.page.getByLabel('Specialisation').fill(specialisation);
  await doctor.page.getByLabel('Language spoken').fill('ro, en');
  await doctor.page.getByRole('button', { name: 'Save' }).first().click();
  await doctor.page.getByText('Profile saved.').waitFor();
  for (const day of ['Saturday', 'Sunday']) await doctor.page.getByLabel(day).check();
  await doctor.page.getByLabel('From', { exact: true }).fill('08:00');
  await doctor.page.getByLabel('To', { exact: true }).fill('18:00');
  await doctor.page.getByRole('button', { name: 'Add working hours' }).click();
  await doctor.page.getByText('Schedule saved.').waitFor();
  await stack.screenshot(doctor.page, '20-doctor-schedule');
  await assertAccessible(doctor.page, '20-doctor-schedule');

  // The patient registers in the UI and finds the doctor (the directory fills in asynchronously).
  const patient = await stack.newPage();
  await patient.page.goto('/register');
  await patient.page.getByLabel(/^Full name/).fill('Ion Popescu');
  await patient.page.getByLabel(/^E-mail/).fill(patientEmail);
  await patient.page.getByLabel(/^Password/).fill(PASSWORD);
  await patient.page.getByRole('button', { name: 'Create account' }).click();
  await patient.page.waitForURL('**/find');

  const findDoctor = async (page: Page) => {
    await page.goto('/find');
    await page.getByLabel('Specialisation').fill(specialisation);
    await page.getByRole('button', { name: 'Next week' }).click();
    const doctorButton = page.getByRole('button', { name: 'Dr Ana Pop', exact: true });
    // The directory is filled from identity's profile event, asynchronously: search again until it is.
    for (let attempt = 0; attempt < 30; attempt++) {
      await page.getByRole('button', { name: 'Search' }).click();
      if (await doctorButton.waitFor({ timeout: 1_000 }).then(() => true, () => false)) break;
    }
    await doctorButton.waitFor();
    await page.locator('[data-slot]').first().waitFor();
  };

  // A third viewer (another patient) watches the same week.
  const viewerEmail = uniqueEmail('viewer');
  await registerByApi(stack, viewerEmail, 'Maria Ionescu');
  const viewer = await stack.newPage({ timezoneId: 'America/New_York' });
  await signInUi(viewer.page, viewerEmail);
  await findDoctor(viewer.page);
  await findDoctor(patient.page);
  await stack.screenshot(patient.page, '04-find-doctor-week');
  await assertAccessible(patient.page, '04-find-doctor-week');

  const slot = patient.page.locator('[data-slot]').first();
  const startsAt = (await slot.getAttribute('data-slot'))!;
  await viewer.page.locator(`[data-slot="${startsAt}"]`).waitFor();
  await markNoReload(viewer.page);

  // The doctor (second browser context) has the pending requests open, still empty.
  await doctor.page.getByRole('navigation').getByRole('link', { name: 'Requests' }).click();
  await doctor.page.getByText(/No requests are waiting/).waitFor();
  await markNoReload(doctor.page);

  await slot.click();
  await patient.page.getByRole('dialog').getByLabel('Reason').fill('Chest pain when climbing stairs');
  await stack.screenshot(patient.page, '05-request-dialog');
  await assertAccessible(patient.page, '05-request-dialog');
  await patient.page.getByRole('button', { name: 'Send request' }).click();
  await patient.page.getByText(/Request sent/).waitFor();

  // Gone from the third viewer's week without a reload.
  await viewer.page.locator(`[data-slot="${startsAt}"]`).waitFor({ state: 'detached', timeout: 15_000 });
  await assertNoReload(viewer.page);
  await stack.screenshot(viewer.page, '06-third-viewer-slot-gone');

  // The patient watches "My appointments".
  await patient.page.getByRole('navigation').getByRole('link', { name: 'My appointments' }).click();
  const row = patient.page.locator('tr[data-appointment]').first();
  await row.locator('[data-status="REQUESTED"]').waitFor();
  await markNoReload(patient.page);
  await stack.screenshot(patient.page, '07-my-appointments-requested');
  await assertAccessible(patient.page, '07-my-appointments-requested');

  // The request appeared live on the doctor's open Requests page; the doctor approves it there.
  await doctor.page.getByText('Ion Popescu').waitFor();
  await assertNoReload(doctor.page);
  await stack.screenshot(doctor.page, '21-doctor-requests');
  await assertAccessible(doctor.page, '21-doctor-requests');
  await doctor.page.getByRole('checkbox', { name: 'Select request from Ion Popescu' }).check();
  await doctor.page.getByRole('button', { name: 'Approve selected (1)' }).click();
  await doctor.page.getByRole('dialog').getByLabel('Reason (shown to the patient)').fill('See you then');
  await doctor.page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
  await doctor.page.getByText(/No requests are waiting/).waitFor();

  // APPROVED on the patient's page, live.
  await row.locator('[data-status="APPROVED"]').waitFor({ timeout: 15_000 });
  await assertNoReload(patient.page);
  await stack.screenshot(patient.page, '08-my-appointments-approved');

  await doctor.page.getByRole('navigation').getByRole('link', { name: 'Calendar' }).click();
  await doctor.page.getByRole('button', { name: 'Next week' }).click();
  await doctor.page.getByText(/Ion Popescu/).first().waitFor();
  await stack.screenshot(doctor.page, '22-doctor-calendar');
  await assertAccessible(doctor.page, '22-doctor-calendar');

  // The doctor previews a break over the approved appointment: the conflict is listed before saving.
  const local = (iso: string, plusMinutes = 0) =>
    new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Bucharest', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .format(new Date(new Date(iso).getTime() + plusMinutes * 60_000))
      .replace(' ', 'T');
  await doctor.page.getByRole('navigation').getByRole('link', { name: 'My schedule' }).click();
  await doctor.page.getByLabel('Starts').fill(local(startsAt, -15));
  await doctor.page.getByLabel('Ends').fill(local(startsAt, 45));
  await doctor.page.getByRole('button', { name: 'Preview' }).click();
  await doctor.page.getByText('These booked appointments would fall outside the new schedule:').waitFor();
  await doctor.page.getByText(/Ion Popescu · Approved/).waitFor();
  await stack.screenshot(doctor.page, '23-doctor-exception-conflict-preview');

  // The patient cancels: the time comes back, live, in the third viewer's week.
  patient.page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: 'Cancel appointment' }).click();
  await row.locator('[data-status="CANCELLED"]').waitFor();
  await viewer.page.locator(`[data-slot="${startsAt}"]`).waitFor({ timeout: 15_000 });
  await assertNoReload(viewer.page);

  // The third viewer joins the waiting list for that doctor's week (after the cancel: a freed time
  // would otherwise be offered to them first, which is the waiting list doing its job).
  await viewer.page.getByRole('button', { name: 'Join the waiting list' }).click();
  await viewer.page.getByText(/You are on the waiting list/).waitFor();
  await viewer.page.getByRole('navigation').getByRole('link', { name: 'Waiting list' }).click();
  await viewer.page.getByText('Waiting', { exact: false }).first().waitFor();
  await stack.screenshot(viewer.page, '09-waiting-list');
  await assertAccessible(viewer.page, '09-waiting-list');

  for (const c of [admin, doctor, patient, viewer]) await c.context.close();
});
