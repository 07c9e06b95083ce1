// Chat end to end in headless Chromium: a doctor opens a conversation with a patient; the patient, on a
// phone-sized screen, sees it with an unread badge, opens it and writes; the doctor's open thread shows the
// message live, the patient sees the doctor typing and the reply live, and the patient's message turns
// from sent to read on their screen as the doctor reads it — without reloads.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from './stack.ts';
import { assertAccessible, gql, PASSWORD, registerByApi, signInUi, uniqueEmail } from './helpers.ts';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

afterEach(async (t) => {
  await stack?.debugShots(`chat-${t.name.slice(0, 24).replace(/\W+/g, '-')}`);
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

test('patient and doctor exchange messages live, with typing and read receipts', async () => {
  const admin = await signInApi(stack.admin.email, stack.admin.password);
  const doctorEmail = uniqueEmail('chat-doctor');
  await gql(stack, 'mutation($i: CreateStaffInput!) { createStaffUser(input: $i) { id } }', {
    i: { email: doctorEmail, displayName: 'Dr Ana Pop', roles: ['DOCTOR'], password: PASSWORD },
  }, admin);
  const patientEmail = uniqueEmail('chat-patient');
  const patientId = await registerByApi(stack, patientEmail, 'Ion Popescu');
  const doctorToken = await signInApi(doctorEmail);
  // Staff may write to anyone: the doctor opens the conversation and says hello.
  const { startConversation } = await gql<{ startConversation: { id: string } }>(
    stack, 'mutation($p: ID!) { startConversation(input: { participantIds: [$p] }) { id } }', { p: patientId }, doctorToken,
  );
  const conversationId = startConversation.id;
  await gql(stack, 'mutation($c: ID!) { sendMessage(input: { conversationId: $c, clientMessageId: "hello-1", body: "Hello, how are you feeling?" }) { id } }', { c: conversationId }, doctorToken);

  const doctor = await stack.newPage();
  await signInUi(doctor.page, doctorEmail);
  await doctor.page.goto(`/messages/${conversationId}`);
  await doctor.page.getByText('Hello, how are you feeling?').waitFor();

  const patient = await stack.newPage();
  await patient.page.setViewportSize({ width: 390, height: 844 });
  await signInUi(patient.page, patientEmail);
  await patient.page.goto('/messages');
  const row = patient.page.locator(`[data-conversation="${conversationId}"]`);
  await row.getByText('Dr Ana Pop').waitFor();
  await row.getByText('1', { exact: true }).waitFor();
  await stack.screenshot(patient.page, '30-chat-conversations-phone');
  await assertAccessible(patient.page, '30-chat-conversations-phone');
  await row.click();
  await patient.page.getByText('Hello, how are you feeling?').waitFor();
  await patient.page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
  await doctor.page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

  // The patient writes; the doctor's open thread shows it live and reads it; the patient sees "read".
  await patient.page.getByLabel('Write a message').fill('Much better, thank you');
  await patient.page.getByRole('button', { name: 'Send' }).click();
  await doctor.page.getByText('Much better, thank you').waitFor();
  const mine = patient.page.locator('[data-message]', { hasText: 'Much better, thank you' });
  await mine.locator('[data-tick="READ"]').waitFor();

  // The doctor types: the patient sees it; then the reply arrives live.
  await doctor.page.getByLabel('Write a message').pressSequentially('Glad');
  await patient.page.getByText('Dr Ana Pop is typing…').waitFor();
  await doctor.page.getByLabel('Write a message').fill('Glad to hear it. See you at the check-up.');
  await doctor.page.getByLabel('Write a message').press('Enter');
  await patient.page.getByText('Glad to hear it. See you at the check-up.').waitFor();
  await doctor.page.locator('[data-message]', { hasText: 'Glad to hear it' }).locator('[data-tick="READ"]').waitFor();
  await stack.screenshot(patient.page, '31-chat-thread-phone');
  await assertAccessible(patient.page, '31-chat-thread-phone');
  await stack.screenshot(doctor.page, '32-chat-thread-doctor');

  for (const p of [patient.page, doctor.page]) {
    assert.equal(await p.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, 'the page was reloaded');
  }
  await patient.context.close();
  await doctor.context.close();
});
