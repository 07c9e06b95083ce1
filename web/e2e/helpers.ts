// Small helpers for the end-to-end tests: GraphQL through the web server (same origin as the
// browser), UI steps used by several tests, TOTP codes, and the axe-core accessibility check.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { registerVerifiedPatient, verificationToken } from '@clinic/service-kit/testing';
export { verificationToken };
import type { Stack } from './stack.ts';

export async function gql<T = Record<string, unknown>>(stack: Stack, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(`${stack.web.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new Error(`GraphQL error: ${body.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ')}`);
  return body.data as T;
}

export const PASSWORD = 'correct horse battery staple 42';

export function uniqueEmail(who: string): string {
  return `${who}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`;
}

/** The bootstrap administrator's token (cached): reads verification links from the developer inbox. */
let adminToken: Promise<string> | null = null;
export function adminTokenOf(stack: Stack): Promise<string> {
  adminToken ??= gql<{ signIn: { auth: { accessToken: string } } }>(
    stack,
    `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { auth { accessToken } } }`,
    stack.admin,
  ).then((d) => d.signIn.auth.accessToken);
  return adminToken;
}

/** A registered and verified patient (the kit's shared helper, through the web server like the browser). */
export async function registerByApi(stack: Stack, email: string, displayName: string): Promise<string> {
  const patient = await registerVerifiedPatient(`${stack.web.url}/graphql`, { email, password: PASSWORD, displayName }, await adminTokenOf(stack));
  return patient.userId;
}

export async function signInUi(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel(/^E-mail/).fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // On a phone the navigation is behind the header's menu button.
  await page.getByRole('navigation', { name: 'Main navigation' }).or(page.getByRole('button', { name: 'Menu' })).first().waitFor();
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from a base32 secret, as an authenticator app computes it. */
export function totp(secretBase32: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secretBase32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.x A/AA rules) in the page; returns serious and critical violations. */
export async function accessibilityProblems(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not block it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html.slice(0, 200), failureSummary: n.failureSummary })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Fails with the list of serious/critical WCAG problems on the page, if any. */
export async function assertAccessible(page: Page, screen: string): Promise<void> {
  const problems = await accessibilityProblems(page);
  assert.deepEqual(
    problems.map((p) => `${screen}: ${p.id} (${p.impact}) ${p.help} at ${p.nodes.map((n) => `${n.html} — ${n.failureSummary ?? ''}`).slice(0, 3).join(' | ')}`),
    [],
  );
}

/** A GET as a browser sends it, without decoding: the bytes that cross the network and the headers. */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
    }).on('error', reject);
  });
}
