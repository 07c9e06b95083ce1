// The administrator's console end to end in headless Chromium against the real stack: find people by any
// part of their name ("escu", "stefan" for Ștefan), work a real stolen-session alert (acknowledge, then
// resolve with a note) and see it named in the audit log, edit a message template with the server's live
// preview (and its refusal of a broken one), open the queue monitor; axe on each screen, and the same
// screens at phone width without sideways scrolling.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startStack, type Stack } from './stack.ts';
import { registerVerifiedPatient } from '@clinic/service-kit/testing';
import { adminTokenOf, assertAccessible, gql, PASSWORD, registerByApi, signInUi, uniqueEmail } from './helpers.ts';

let stack: Stack;
const suffix = `${Date.now() % 100000}`;
const ion = `Ion Ionescu${suffix}`;
const stefan = `Ștefan Popescu${suffix}`;

before(async () => {
  stack = await startStack();
});
afterEach(async (t) => {
  await stack?.debugShots(`admin-${t.name.slice(0, 24).replace(/\W+/g, '-')}`);
});
after(async () => {
  await stack?.stop();
});

const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }`;

/** A stolen refresh token used after its owner rotated it: identity raises TOKEN_REUSE for that account. */
async function stolenSession(email: string, displayName: string): Promise<void> {
  const reg = await registerVerifiedPatient(`${stack.web.url}/graphql`, { email, password: PASSWORD, displayName }, await adminTokenOf(stack));
  await gql(stack, REFRESH, { t: reg.refreshToken });
  await gql(stack, REFRESH, { t: reg.refreshToken }).catch(() => undefined);
}

const noSidewaysScroll = async (page: Page, where: string) =>
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${where}: the page scrolls sideways`);

test('an administrator finds people by part of the name, works an alert, edits a template with a live preview and opens the queue monitor', async () => {
  await stolenSession(uniqueEmail('ion'), ion);
  await registerByApi(stack, uniqueEmail('stefan'), stefan);
  const { context, page } = await stack.newPage();
  await signInUi(page, stack.admin.email, stack.admin.password);

  // Users: "escu" anywhere in the name, "stefan" without the comma below.
  await page.goto('/admin/users');
  await page.getByLabel('Search by e-mail or name').fill('escu');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('cell', { name: ion, exact: true }).waitFor();
  await page.getByRole('cell', { name: stefan, exact: true }).waitFor();
  await page.getByLabel('Search by e-mail or name').fill('stefan popescu');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('cell', { name: ion, exact: true }).waitFor({ state: 'detached' });
  await page.getByRole('cell', { name: stefan, exact: true }).waitFor();
  await stack.screenshot(page, '40-admin-user-search');
  await assertAccessible(page, '40-admin-user-search');

  // Alerts: the stolen session of Ion, acknowledged then resolved, by name.
  await page.goto('/admin/alerts');
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: `Stolen session suspected — ${ion}` }) });
  await card.waitFor();
  await card.getByText('Open', { exact: true }).waitFor();
  await assertAccessible(page, '41-admin-alerts');
  await card.getByRole('button', { name: 'Acknowledge' }).click();
  await card.getByText(/^Acknowledged by /).waitFor();
  await card.getByRole('button', { name: 'Resolve' }).click();
  const dialog = page.getByRole('dialog', { name: 'Resolve this alert?' });
  await dialog.getByLabel(/What was done/).fill('Sessions revoked; the patient changed the password');
  await assertAccessible(page, '41-admin-alerts-resolve-dialog');
  await dialog.getByRole('button', { name: 'Resolve' }).click();
  await dialog.waitFor({ state: 'detached' });
  await card.getByText(/^Resolved by .*: Sessions revoked; the patient changed the password$/).waitFor();
  assert.equal(await card.getByRole('button').count(), 0, 'a resolved alert offers no more steps');
  await stack.screenshot(page, '41-admin-alerts');

  // Audit: the resolution, by the administrator's name and about Ion.
  await page.goto('/admin/audit');
  await page.getByLabel('Person (name or e-mail)').fill('ionescu');
  const row = page.getByRole('row').filter({ hasText: 'Security alert resolved' });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', new RegExp(ion));
  await assertAccessible(page, '42-admin-audit-names');
  await stack.screenshot(page, '42-admin-audit-names');

  // Templates: built-in text to start from, the server's preview as one types, its refusal in words, a saved version.
  await page.goto('/admin/templates');
  const body = page.getByLabel(/^Text/);
  await body.waitFor();
  assert.notEqual(await body.inputValue(), '');
  await body.fill('Hello {{name}}, see you with {{doctorName}}');
  await page.getByTestId('template-preview').getByText('Hello Ana Popescu, see you with Dr. Ion Ionescu').waitFor();
  await body.fill('Hello {{nickname}}');
  await page.getByText(/This template cannot be sent as it is\. The server says: .*nickname/).waitFor();
  await assertAccessible(page, '43-admin-template-refused');
  await body.fill('Hello {{name}}, see you soon');
  await page.getByTestId('template-preview').getByText('Hello Ana Popescu, see you soon').waitFor();
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText('Saved as version 1.').waitFor();
  await page.getByRole('button', { name: 'E-mail · English: Version 1' }).waitFor();
  await stack.screenshot(page, '43-admin-templates');
  await assertAccessible(page, '43-admin-templates');

  // Queue monitor: every notification queue with its numbers.
  await page.goto('/admin/queues');
  await page.getByRole('heading', { level: 1, name: 'Queue monitor' }).waitFor();
  await page.getByRole('article').first().getByText('Failure rate').waitFor();
  await page.getByText('Every service delivered its events.').waitFor();
  await stack.screenshot(page, '44-admin-queues');
  await assertAccessible(page, '44-admin-queues');
  await context.close();
});

test('the admin console screens fit a phone without sideways scrolling', async () => {
  const { context, page } = await stack.newPage({ viewport: { width: 360, height: 740 }, isMobile: true });
  await signInUi(page, stack.admin.email, stack.admin.password);
  for (const [path, ready] of [
    ['/admin/alerts', 'Security alerts'],
    ['/admin/templates', 'Message templates'],
    ['/admin/queues', 'Queue monitor'],
  ] as const) {
    await page.goto(path);
    await page.getByRole('heading', { level: 1, name: ready }).waitFor();
    await page.waitForLoadState('networkidle');
    await noSidewaysScroll(page, path);
  }
  await stack.screenshot(page, '45-admin-phone-queues');
  await context.close();
});

test('on a phone the header keeps one line: navigation, language and sign-out open from a menu', async () => {
  const { context, page } = await stack.newPage({ viewport: { width: 360, height: 740 }, isMobile: true });
  await signInUi(page, stack.admin.email, stack.admin.password);
  await page.goto('/admin/alerts');
  await page.getByRole('heading', { level: 1, name: 'Security alerts' }).waitFor();
  // The administrator has the most screens: unfolded, their links wrapped to five lines (330 of 740 px).
  const header = (await page.locator('header').boundingBox())!;
  assert.ok(header.height <= 64, `the header is ${header.height}px high`);
  const menu = page.getByRole('button', { name: 'Menu' });
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  await menu.click();
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  assert.equal(await nav.getByRole('link', { name: 'Security alerts' }).getAttribute('aria-current'), 'page');
  await stack.screenshot(page, '46-admin-phone-menu');
  await assertAccessible(page, '46-admin-phone-menu');
  await nav.getByRole('link', { name: 'Queue monitor' }).click();
  await page.getByRole('heading', { level: 1, name: 'Queue monitor' }).waitFor();
  await nav.waitFor({ state: 'detached' });
  await noSidewaysScroll(page, 'after the menu');

  // Language and sign-out are in the menu too.
  await menu.click();
  await page.getByRole('combobox', { name: 'Language' }).click();
  await page.getByRole('option', { name: 'Română' }).click();
  await page.getByRole('button', { name: 'Deconectare' }).waitFor();
  await page.getByRole('button', { name: 'Deconectare' }).click();
  await page.getByRole('button', { name: 'Autentificare', exact: true }).waitFor();
  await context.close();
});
