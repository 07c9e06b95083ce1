// End to end in real headless Chromium against the real router and subgraphs (see stack.ts): a patient
// registers and books, a doctor in a second browser context approves, the patient's page shows
// APPROVED without reloading, and the booked time disappears live from a third viewer's week. Errors
// read as what happened (wrong password, address already registered); a patient finds "cardio" and
// books a card's next time; rescheduling states what happens to the status; a doctor adds and removes
// a break; on a phone, booking and cancelling never need sideways scrolling; axe on every main page.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import pg from 'pg';
import { startStack, type Stack } from './stack.ts';
import { adminTokenOf, assertAccessible, gql, rawGet, registerByApi, PASSWORD, signInUi, totp, uniqueEmail, verificationToken } from './helpers.ts';

let stack: Stack;
const doctorEmail = uniqueEmail('doctor');
const patientEmail = uniqueEmail('patient');
const specialisation = `Cardiology${Date.now() % 100000}`;
const has = (field: string) => supergraphFields.has(field);
let supergraphFields = new Set<string>();
let adminEmail = '';
let doctorCreated = false;
let phoneReady = false;

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

/**
 * JavaScript the first page (sign in) may download, gzip-compressed; measured 2026-11-30 at 232.4 KiB once the
 * calendar, admin console and assistant strings (both languages) joined the first bundle: see the log line.
 * Loading only the viewer's language is the next saving.
 */
const FIRST_PAGE_JS_BUDGET = 240 * 1024;

test('delivery: the first page\'s JavaScript is compressed, cached immutably, within budget, without source maps', async () => {
  const { context, page } = await stack.newPage();
  const scripts = new Set<string>();
  page.on('response', (r) => void (r.request().resourceType() === 'script' && scripts.add(r.url())));
  await page.goto('/sign-in');
  await page.getByRole('heading', { name: 'Sign in to the clinic' }).waitFor();
  await page.waitForLoadState('networkidle');
  let gzipped = 0;
  for (const url of scripts) {
    const gz = await rawGet(url, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip', url);
    assert.equal(gz.headers['cache-control'], 'public, max-age=31536000, immutable', url);
    gzipped += gz.bytes;
    const br = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br', url);
    assert.equal((await rawGet(`${url}.map`)).status, 404, `${url}.map is published`);
  }
  console.log(`first page: ${scripts.size} scripts, ${(gzipped / 1024).toFixed(1)} KiB gzipped (budget ${FIRST_PAGE_JS_BUDGET / 1024} KiB)`);
  assert.ok(scripts.size > 0);
  assert.ok(gzipped <= FIRST_PAGE_JS_BUDGET, `first page JavaScript is ${gzipped} bytes gzipped, over the ${FIRST_PAGE_JS_BUDGET} budget`);
  await context.close();
});

test('a signed-out visitor lands on sign in, in English or Romanian', async () => {
  const { context, page } = await stack.newPage();
  await page.goto('/');
  await page.waitForURL('**/sign-in');
  await page.getByRole('heading', { name: 'Sign in to the clinic' }).waitFor();
  // Microsoft sign-in is not configured in this stack: no button leading to a dead end.
  await page.waitForLoadState('networkidle');
  assert.equal(await page.getByRole('link', { name: 'Sign in with Microsoft' }).count(), 0);
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
  const text = (await alert.textContent()) ?? '';
  assert.match(text, /The e-mail or the password is wrong/);
  assert.doesNotMatch(text, /UNAUTHENTICATED|BAD_USER_INPUT|session has ended/);
  // Still on the sign-in form, with what was typed.
  assert.equal(await page.getByLabel(/^E-mail/).inputValue(), 'nobody@example.test');
  await context.close();
});

test('registering an address that is already registered answers like a new one: check your e-mail', async (t) => {
  if (!has('registerPatient')) return t.skip('identity registration is not in the supergraph yet');
  const email = uniqueEmail('twice');
  await registerByApi(stack, email, 'Ana Twice');
  const { context, page } = await stack.newPage();
  await page.goto('/register');
  await page.getByLabel(/^Full name/).fill('Ana Twice');
  await page.getByLabel(/^E-mail/).fill(email.toUpperCase());
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.doesNotMatch((await page.textContent('body')) ?? '', /already registered\.|EMAIL_TAKEN/);
  await context.close();
});

test('a patient registers, confirms the address from the e-mail link, signs out and in again, and sees their sessions', async (t) => {
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
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  await assertAccessible(page, '03b-check-email');
  // Not signed in yet: the sign-in form says the address is waiting for confirmation.
  await page.goto('/sign-in');
  await page.getByLabel(/^E-mail/).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'confirm your e-mail address' }).waitFor();
  await page.getByRole('button', { name: 'Send the e-mail again' }).waitFor();
  // The link from the e-mail (here: the developer inbox) signs in.
  const token = await verificationToken(`${stack.web.url}/graphql`, email, await adminTokenOf(stack));
  await page.goto(`/verify-email?token=${encodeURIComponent(token)}`);
  await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL('**/sign-in');
  await signInUi(page, email);
  await page.getByRole('navigation').getByRole('link', { name: 'Sessions' }).click();
  await page.getByText('This device').waitFor();
  await stack.screenshot(page, '14-sessions');
  await assertAccessible(page, '14-sessions');
  // The link worked once.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL('**/sign-in');
  await page.goto(`/verify-email?token=${encodeURIComponent(token)}`);
  await page.getByRole('alert').filter({ hasText: 'could not confirm' }).waitFor();
  await assertAccessible(page, '03c-verify-failed');
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
  const enrolledAt = Date.now();
  await page.getByLabel('Verification code').fill(totp(secret, enrolledAt));
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
  // A code works once: the one that confirmed enrolment is spent, so sign in with the next time step's.
  const nextStep = (Math.floor(enrolledAt / 30_000) + 1) * 30_000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextStep - Date.now()) + 200));
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
  await patient.page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  const link = await verificationToken(`${stack.web.url}/graphql`, patientEmail, await adminTokenOf(stack));
  await patient.page.goto(`/verify-email?token=${encodeURIComponent(link)}`);
  await patient.page.waitForURL('**/find');

  const findDoctor = async (page: Page) => {
    await page.goto('/find');
    // Lower case, part of the word: "cardio" finds the doctor whose specialisation is "Cardiology…".
    await page.getByLabel('Speciality or language').fill('cardio');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Next week' }).click();
    const card = page.getByRole('article', { name: 'Doctor Dr Ana Pop' });
    // The directory is filled from identity's profile event, asynchronously: search again until it is.
    for (let attempt = 0; attempt < 30; attempt++) {
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      if (await card.waitFor({ timeout: 1_000 }).then(() => true, () => false)) break;
    }
    await card.locator('[data-next-slot]').waitFor();
    assert.match(page.url(), /q=cardio/);
    await card.getByRole('button', { name: 'See all times' }).click();
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

  // The patient books the card's next available time (the soonest of the week, the day strip's first).
  const slot = patient.page.getByRole('article', { name: 'Doctor Dr Ana Pop' }).locator('[data-next-slot]');
  const startsAt = (await slot.getAttribute('data-next-slot'))!;
  assert.equal(await patient.page.locator('[data-slot]').first().getAttribute('data-slot'), startsAt);
  // The search, doctor and week survive a reload.
  await patient.page.reload();
  await patient.page.locator(`[data-slot="${startsAt}"]`).waitFor();
  assert.equal(await patient.page.getByLabel('Speciality or language').inputValue(), 'cardio');
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
  const row = patient.page.locator('li[data-appointment]').first();
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
  const exceptionTimes = async (fromIso: string, toIso: string) => {
    const [from, to] = [local(fromIso), local(toIso)];
    const form = doctor.page.getByRole('form', { name: 'Add exception' });
    await form.getByLabel('Day', { exact: true }).fill(from.slice(0, 10));
    await form.getByLabel('Starts at').fill(from.slice(11));
    await form.getByLabel('Ends at').fill(to.slice(11));
  };
  const shifted = (iso: string, minutes: number) => new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();
  await doctor.page.getByRole('navigation').getByRole('link', { name: 'My schedule' }).click();
  await doctor.page.getByTestId('exceptions-zone').getByText(/Europe\/Bucharest/).waitFor();
  await exceptionTimes(shifted(startsAt, -15), shifted(startsAt, 45));
  await doctor.page.getByRole('button', { name: 'Preview' }).click();
  await doctor.page.getByText('These booked appointments would fall outside the new schedule:').waitFor();
  await doctor.page.getByText(/Ion Popescu · Approved/).waitFor();
  await stack.screenshot(doctor.page, '23-doctor-exception-conflict-preview');

  // The doctor adds a break where nothing is booked, sees it listed, and removes it again.
  await exceptionTimes(shifted(startsAt, 24 * 60 + 60), shifted(startsAt, 24 * 60 + 90));
  await doctor.page.getByLabel('Label').fill('Lunch');
  await doctor.page.getByRole('button', { name: 'Preview' }).click();
  await doctor.page.getByText('No booked appointment is affected.').waitFor();
  await doctor.page.getByRole('button', { name: 'Save', exact: true }).last().click();
  const breakItem = doctor.page.locator('[data-exception]').filter({ hasText: 'Break · Lunch' });
  await breakItem.waitFor();
  await stack.screenshot(doctor.page, '24-doctor-break-added');
  await breakItem.getByRole('button', { name: /^Remove/ }).click();
  const confirmRemove = doctor.page.getByRole('dialog', { name: 'Remove this break?' });
  await confirmRemove.getByText(/becomes bookable again/).waitFor();
  await confirmRemove.getByRole('button', { name: 'Remove' }).click();
  await doctor.page.getByText('Removed. The time is bookable again.').waitFor();
  await breakItem.waitFor({ state: 'detached' });

  // The doctor adds a break on the calendar grid by keyboard (free time, then Shift+Down), sees it,
  // then opens it on the grid and removes it: the time is free again.
  await doctor.page.getByRole('navigation').getByRole('link', { name: 'Calendar' }).click();
  await doctor.page.getByTestId('calendar-zone').getByText(/Europe\/Bucharest/).waitFor();
  await doctor.page.getByRole('button', { name: 'Next week' }).click();
  const grid = doctor.page.getByRole('grid');
  const freeCell = grid.locator('[data-kind="free"]').nth(4);
  await freeCell.waitFor();
  const cellId = (await freeCell.getAttribute('data-cell'))!;
  await freeCell.focus();
  await doctor.page.keyboard.press('Enter');
  await doctor.page.keyboard.press('Shift+ArrowDown');
  await doctor.page.getByTestId('calendar-selection').getByText(/\(Europe\/Bucharest\)/).waitFor();
  await doctor.page.getByRole('button', { name: 'Add break' }).click();
  await doctor.page.getByText(/^Break added:/).waitFor();
  const added = grid.locator(`[data-cell="${cellId}"][data-kind="break"]`);
  await added.waitFor();
  await stack.screenshot(doctor.page, '25-calendar-break-added');
  await assertAccessible(doctor.page, '25-calendar-break-added');
  await added.click();
  await doctor.page.getByTestId('cell-panel').getByRole('button', { name: 'Remove' }).click();
  await doctor.page.getByText('Break removed. The time is bookable again.').waitFor();
  await grid.locator(`[data-cell="${cellId}"][data-kind="free"]`).waitFor();

  // A no-show from the grid: an approved appointment that has started (moved into the past in the
  // database, as time would) is opened on today's calendar and marked, after confirming.
  const tokenOf = async (email: string) =>
    (await gql<{ signIn: { auth: { accessToken: string } } }>(stack, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { auth { accessToken } } }`, { e: email, p: PASSWORD })).signIn.auth.accessToken;
  const [viewerToken, doctorToken] = [await tokenOf(viewerEmail), await tokenOf(doctorEmail)];
  const doctorId = (await gql<{ me: { id: string } }>(stack, '{ me { id } }', {}, doctorToken)).me.id;
  const weekAfter = new Date(Date.now() + 14 * 86_400_000).toISOString();
  const free = await gql<{ availableSlots: { slots: { startsAt: string }[] } }>(
    stack,
    `query($s: SlotSearchInput!) { availableSlots(search: $s) { slots { startsAt } } }`,
    { s: { doctorIds: [doctorId], from: weekAfter, to: new Date(Date.now() + 20 * 86_400_000).toISOString(), first: 5 } },
    viewerToken,
  );
  const missed = await gql<{ requestAppointment: { id: string } }>(
    stack,
    `mutation($i: RequestAppointmentInput!) { requestAppointment(input: $i) { id } }`,
    { i: { doctorId, startsAt: free.availableSlots.slots.at(-1)!.startsAt } },
    viewerToken,
  );
  const missedId = missed.requestAppointment.id;
  await gql(stack, `mutation($id: ID!) { approveAppointment(id: $id) { status } }`, { id: missedId }, doctorToken);
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    await db.query(`update appointments.appointments set starts_at = date_trunc('minute', now()) - interval '40 minutes', ends_at = date_trunc('minute', now()) - interval '10 minutes' where id = $1`, [missedId]);
  } finally {
    await db.end();
  }
  await doctor.page.getByRole('button', { name: 'Today' }).click();
  const missedCell = grid.getByRole('gridcell', { name: /booked, Maria Ionescu \(Approved\)/ }).first();
  await missedCell.waitFor();
  await missedCell.click();
  await doctor.page.getByTestId('cell-panel').getByRole('button', { name: 'Mark as no-show' }).click();
  const confirmNoShow = doctor.page.getByRole('dialog', { name: 'Mark Maria Ionescu as a no-show?' });
  await confirmNoShow.getByRole('button', { name: 'Mark as no-show' }).click();
  await doctor.page.getByText('Maria Ionescu is recorded as a no-show.').waitFor();
  await grid.getByRole('gridcell', { name: /booked, Maria Ionescu \(No-show\)/ }).first().waitFor();

  // The appointment's own page: status with history, policy, calendar file.
  await row.getByRole('link').first().click();
  await patient.page.waitForURL(/\/appointments\/[0-9a-f-]{36}$/);
  await patient.page.getByRole('heading', { name: 'History' }).waitFor();
  await patient.page.getByText(/You can change or cancel it yourself until/).waitFor();
  const download = patient.page.waitForEvent('download');
  await patient.page.getByRole('button', { name: 'Add to calendar (.ics)' }).click();
  assert.equal((await download).suggestedFilename(), 'appointment.ics');
  await stack.screenshot(patient.page, '16-appointment-page');
  await assertAccessible(patient.page, '16-appointment-page');

  // Rescheduling an APPROVED appointment states, before anything changes, that it becomes a request again.
  await patient.page.getByRole('button', { name: 'Reschedule' }).click();
  const choose = patient.page.getByRole('dialog', { name: 'Choose a new time' });
  await choose.getByRole('button', { name: 'Next week' }).click();
  await choose.locator(`[data-slot]:not([data-slot="${startsAt}"])`).first().click();
  const confirmMove = patient.page.getByRole('dialog', { name: 'Move your appointment?' });
  await confirmMove.getByText(/must be approved by the doctor again/).waitFor();
  await stack.screenshot(patient.page, '17-reschedule-confirm');
  await assertAccessible(patient.page, '17-reschedule-confirm');
  await confirmMove.getByRole('button', { name: 'Move it' }).click();
  await confirmMove.waitFor({ state: 'detached' });
  await patient.page.locator('[data-appointment] [data-status="REQUESTED"]').waitFor();
  await patient.page.getByText(/moved from/).waitFor();

  // The patient cancels (confirmed, with a reason): the original time is back, live, for the third viewer.
  await patient.page.getByRole('button', { name: 'Cancel appointment' }).click();
  const confirmCancel = patient.page.getByRole('dialog', { name: 'Cancel this appointment?' });
  await confirmCancel.getByLabel(/^Reason/).fill('Feeling better');
  await confirmCancel.getByRole('button', { name: 'Cancel appointment' }).click();
  await patient.page.locator('[data-appointment] [data-status="CANCELLED"]').waitFor();
  await viewer.page.locator(`[data-slot="${startsAt}"]`).waitFor({ timeout: 15_000 });
  await assertNoReload(viewer.page);
  await patient.page.goto('/appointments?tab=cancelled');
  await patient.page.locator('li[data-appointment] [data-status="CANCELLED"]').waitFor();
  await assertAccessible(patient.page, '18-my-appointments-cancelled');

  // The third viewer joins the waiting list for that doctor's week (after the cancel: a freed time
  // would otherwise be offered to them first, which is the waiting list doing its job).
  await viewer.page.getByRole('button', { name: 'Join the waiting list' }).click();
  await viewer.page.getByText(/You are on the waiting list/).waitFor();
  // Joining the same doctor's week twice is not offered.
  await viewer.page.getByText(/already on this doctor's waiting list/).waitFor();
  assert.equal(await viewer.page.getByRole('button', { name: 'Join the waiting list' }).isDisabled(), true);
  await viewer.page.getByRole('navigation').getByRole('link', { name: 'Waiting list' }).click();
  await viewer.page.getByText('Waiting', { exact: false }).first().waitFor();
  await viewer.page.getByText(/Dr Ana Pop ·/).waitFor();
  await stack.screenshot(viewer.page, '09-waiting-list');
  await assertAccessible(viewer.page, '09-waiting-list');
  // Leaving is confirmed first (the place is lost).
  await viewer.page.getByRole('button', { name: 'Leave' }).click();
  const leave = viewer.page.getByRole('dialog', { name: 'Leave the waiting list?' });
  await leave.getByText(/lose your place/).waitFor();
  await leave.getByRole('button', { name: 'Cancel' }).click();
  await leave.waitFor({ state: 'detached' });
  phoneReady = true;

  for (const c of [admin, doctor, patient, viewer]) await c.context.close();
});

test('on a phone a patient finds, books and cancels without sideways scrolling', async (t) => {
  if (!phoneReady) return t.skip('the booking flow above did not get that far');
  const email = uniqueEmail('phone');
  await registerByApi(stack, email, 'Dana Telefon');
  const { context, page } = await stack.newPage({ viewport: { width: 360, height: 740 }, isMobile: true });
  const noSidewaysScroll = async (where: string) =>
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${where}: the page scrolls sideways`);
  await signInUi(page, email);
  await page.goto('/find?q=inim%C4%83');
  const card = page.getByRole('article', { name: 'Doctor Dr Ana Pop' });
  await card.waitFor();
  await page.getByRole('button', { name: 'Next week' }).click();
  await card.locator('[data-next-slot]').waitFor();
  await noSidewaysScroll('find');
  await stack.screenshot(page, '30-phone-find');
  await assertAccessible(page, '30-phone-find');
  await card.getByRole('button', { name: 'See all times' }).click();
  await page.locator('[data-slot]').first().waitFor();
  await noSidewaysScroll('day strip');
  await stack.screenshot(page, '31-phone-day-strip');
  await page.locator('[data-slot]').first().click();
  await page.getByRole('button', { name: 'Send request' }).click();
  await page.getByText(/Request sent/).waitFor();
  await page.goto('/appointments');
  const item = page.locator('li[data-appointment]').first();
  await item.locator('[data-status="REQUESTED"]').waitFor();
  await noSidewaysScroll('my appointments');
  await stack.screenshot(page, '32-phone-my-appointments');
  await assertAccessible(page, '32-phone-my-appointments');
  await item.getByRole('button', { name: 'Cancel appointment' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this appointment?' });
  await noSidewaysScroll('cancel dialog');
  await dialog.getByRole('button', { name: 'Cancel appointment' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('tab', { name: 'Cancelled or declined' }).click();
  await page.locator('li[data-appointment] [data-status="CANCELLED"]').first().waitFor();
  await noSidewaysScroll('after cancelling');
  await context.close();
});

test('on a phone the doctor sees one day of the calendar and the requests as cards, without sideways scrolling', async (t) => {
  if (!phoneReady) return t.skip('the booking flow above did not get that far');
  const { context, page } = await stack.newPage({ viewport: { width: 360, height: 740 }, isMobile: true });
  const noSidewaysScroll = async (where: string) =>
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${where}: the page scrolls sideways`);
  await signInUi(page, doctorEmail);
  await page.goto('/doctor/calendar');
  const grid = page.getByRole('grid');
  await grid.locator('[data-cell]').first().waitFor();
  assert.equal(await grid.locator('thead th').count(), 2, 'the time column and one day');
  await page.getByRole('button', { name: 'Next day' }).click();
  await grid.locator('[data-cell]').first().waitFor();
  await noSidewaysScroll('calendar day');
  await stack.screenshot(page, '33-phone-doctor-calendar');
  await assertAccessible(page, '33-phone-doctor-calendar');
  await page.goto('/doctor/requests');
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.waitForLoadState('networkidle');
  await noSidewaysScroll('requests');
  await assertAccessible(page, '34-phone-doctor-requests');
  await context.close();
});
