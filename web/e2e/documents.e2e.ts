// Documents end to end in headless Chromium on a phone-sized screen: a patient with a booked appointment
// opens it, fills in the pre-appointment form (a problem is said beside its field first), sends it and sees
// the PDF made from the answers with its first-page thumbnail; then downloads the appointment's
// confirmation as a PDF. Axe-clean, no horizontal scroll.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startStack, type Stack } from './stack.ts';
import { assertAccessible, gql, PASSWORD, registerByApi, signInUi, uniqueEmail } from './helpers.ts';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

afterEach(async (t) => {
  await stack?.debugShots(`documents-${t.name.slice(0, 24).replace(/\W+/g, '-')}`);
});

after(async () => {
  await stack?.stop();
});

async function signInApi(email: string, password = PASSWORD): Promise<string> {
  const data = await gql<{ signIn: { auth: { accessToken: string } } }>(
    stack,
    'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { auth { accessToken } } }',
    { e: email, p: password },
  );
  return data.signIn.auth.accessToken;
}

/** Waits for something the services learn from each other's events (not for a time). */
async function until<T>(what: string, attempt: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const got = await attempt().catch(() => null);
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A doctor with working hours every day and a patient with an appointment request in the next days. */
async function bookedAppointment(): Promise<{ patientEmail: string; appointmentId: string }> {
  const admin = await signInApi(stack.admin.email, stack.admin.password);
  const doctorEmail = uniqueEmail('docs-doctor');
  const { createStaffUser } = await gql<{ createStaffUser: { id: string } }>(stack, 'mutation($i: CreateStaffInput!) { createStaffUser(input: $i) { id } }', {
    i: { email: doctorEmail, displayName: 'Dr Ana Pop', roles: ['DOCTOR'], password: PASSWORD },
  }, admin);
  const doctorId = createStaffUser.id;
  await gql(stack, 'mutation($id: ID!, $input: DoctorProfileInput!) { updateDoctorProfile(doctorId: $id, input: $input) { timeZone } }', {
    id: doctorId,
    input: { specialisations: ['Family medicine'], languages: ['ro', 'en'], timeZone: 'Europe/Bucharest', consultationTypes: ['IN_PERSON'] },
  }, admin);
  const today = new Date().toISOString().slice(0, 10);
  await gql(stack, 'mutation($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id } }', {
    input: { doctorId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '08:00', endTime: '18:00', validFrom: today, slotMinutes: 30, consultationType: 'IN_PERSON' },
  }, admin);
  const patientEmail = uniqueEmail('docs-patient');
  await registerByApi(stack, patientEmail, 'Ion Popescu');
  const patient = await signInApi(patientEmail);
  const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 9 * 86_400_000).toISOString();
  const slot = await until('the doctor’s free time', async () => {
    const data = await gql<{ availableSlots: { slots: { startsAt: string }[] } }>(
      stack, 'query($s: SlotSearchInput!) { availableSlots(search: $s) { slots { startsAt } } }', { s: { doctorIds: [doctorId], from, to, first: 1 } }, patient,
    );
    return data.availableSlots.slots[0] ?? null;
  });
  const { requestAppointment } = await gql<{ requestAppointment: { id: string } }>(
    stack, 'mutation($i: RequestAppointmentInput!) { requestAppointment(input: $i) { id } }', { i: { doctorId, startsAt: slot.startsAt, reason: 'Control anual' } }, patient,
  );
  // Documents learns who takes part in the appointment from appointments' events.
  await until('documents to know the appointment', async () => {
    const data = await gql<{ intakeForm: { id: string } }>(stack, 'query($a: ID!) { intakeForm(appointmentId: $a, language: EN) { id } }', { a: requestAppointment.id }, patient);
    return data.intakeForm;
  });
  return { patientEmail, appointmentId: requestAppointment.id };
}

test('a patient fills in the pre-appointment form, sees its PDF, and downloads the confirmation', async () => {
  const { patientEmail, appointmentId } = await bookedAppointment();
  const { page } = await stack.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await signInUi(page, patientEmail);
  await page.goto(`/appointments/${appointmentId}`);
  await page.getByRole('link', { name: 'Pre-appointment form' }).click();
  await page.waitForURL(`**/appointments/${appointmentId}/intake`);
  const reason = page.getByRole('textbox', { name: /What brings you in\?/ });
  await reason.waitFor();
  await assertAccessible(page, '40-intake-form-phone');
  await stack.screenshot(page, '40-intake-form-phone');

  // Sent empty: the required question says so, and holds the focus.
  await page.getByRole('button', { name: 'Send the form' }).click();
  await page.getByText('Please answer this question.').waitFor();
  assert.equal(await reason.getAttribute('aria-invalid'), 'true');
  assert.equal(await reason.evaluate((el) => el === document.activeElement), true);

  await reason.fill('Dureri de cap după efort');
  await page.getByRole('textbox', { name: 'Current medication' }).fill('Paracetamol');
  await page.getByRole('checkbox', { name: 'Do you smoke?' }).check();
  await page.getByRole('button', { name: 'Send the form' }).click();
  await page.getByText('Thank you: your answers are attached to the appointment.').waitFor();
  // The PDF's first page, as a thumbnail fetched with the session's token.
  const thumbnail = page.getByRole('img', { name: /^Preview of / });
  await thumbnail.waitFor();
  // A real PNG that decodes: the first page, fitted into 256×256 (A4 is taller than wide).
  const size = await thumbnail.evaluate(async (img) => {
    const image = img as HTMLImageElement;
    await image.decode();
    return { width: image.naturalWidth, height: image.naturalHeight };
  });
  assert.equal(size.height, 256);
  assert.ok(size.width > 100 && size.width < 256);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no horizontal scroll at phone width');
  await assertAccessible(page, '41-intake-sent-phone');
  await stack.screenshot(page, '41-intake-sent-phone');

  // The confirmation, generated and downloaded from the appointment page.
  await page.getByRole('link', { name: 'Back to the appointment' }).click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download confirmation (PDF)' }).click()]);
  assert.match(download.suggestedFilename(), /\.pdf$/);
  const bytes = await readFile((await download.path())!);
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  await assertAccessible(page, '42-appointment-confirmation-phone');
});
