// Browser push end to end: a patient registers this browser's subscription through the router, a notification
// goes out through the real web-push SDK to a local push service, which receives a VAPID-signed request
// (ES256 JWT for its own origin, by the key the app hands to browsers) with an aes128gcm body only the
// subscription's keys decrypt; 410 from the push service removes the device. Devices are private to their
// owner; malformed subscriptions are refused with BAD_USER_INPUT.
import { createECDH, createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { sql } from '../db.ts';
import { notify } from '../delivery/messages.ts';
import { addPatient, codeOf, gql, orm, runtime, startHarness, until, type Harness } from '../testing/harness.ts';

// The reference implementation of RFC 8188 that web-push itself encrypts with: here it plays the browser.
const ece = createRequire(__filename)('http_ece') as { decrypt(body: Buffer, params: Record<string, unknown>): Buffer };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const b64url = (b: Buffer) => b.toString('base64url');

/** What PushManager.subscribe gives a browser: an endpoint at the push service, and its own key pair. */
function browserSubscription() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const path = `/push/${randomUUID()}`;
  return { ecdh, auth, path, input: { platform: 'WEB', endpoint: `${h.push.origin}${path}`, p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth), label: 'Chromium' } };
}

const REGISTER = `mutation($i: PushDeviceInput!) { registerPushDevice(input: $i) { id platform label } }`;

async function register(t: string, input: Record<string, unknown>) {
  return gql<{ registerPushDevice: { id: string; platform: string; label: string } }>(h.url, REGISTER, { token: t, variables: { i: input } });
}

test('a push goes through web-push with a VAPID JWT and an encrypted body the browser can read; 410 removes the device', async () => {
  const p = await addPatient(h);
  const key = (await gql<{ pushPublicKey: string }>(h.url, `{ pushPublicKey }`, { token: p.token })).body.data!.pushPublicKey;
  expect(Buffer.from(key, 'base64url')).toHaveLength(65); // an uncompressed P-256 point, what applicationServerKey takes
  const browser = browserSubscription();
  const registered = await register(p.token, browser.input);
  expect(registered.body.data!.registerPushDevice).toMatchObject({ platform: 'WEB', label: 'Chromium' });
  await gql(h.url, `mutation { setNotificationPreferences(input: [{ type: SECURITY, channel: PUSH, enabled: true }]) { userId } }`, { token: p.token });

  const outcome = await notify(orm(h).em.fork(), runtime(h).deps, { userId: p.id, type: 'SECURITY', channel: 'PUSH', dedupeKey: `test/${randomUUID()}`, change: 'a new sign-in', link: '/profile' });
  if (outcome.kind !== 'queued') throw new Error(outcome.kind);
  const req = await until(async () => h.push.requests.find((r) => r.path === browser.path), 8_000, 'push request');

  // VAPID (RFC 8292): `vapid t=<JWT>, k=<public key>`, the JWT signed ES256 for the push service's origin
  const auth = /^vapid t=([^,]+), k=(.+)$/.exec(String(req.headers.authorization))!;
  expect(auth[2]).toBe(key);
  const [header, claims, signature] = auth[1]!.split('.');
  const point = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33)) }, format: 'jwk' });
  expect(verify('sha256', Buffer.from(`${header}.${claims}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature!, 'base64url'))).toBe(true);
  const jwt = JSON.parse(Buffer.from(claims!, 'base64url').toString());
  expect(jwt.aud).toBe(h.push.origin);
  expect(jwt.exp * 1000).toBeGreaterThan(Date.now());
  expect(jwt.sub).toMatch(/^mailto:/);
  // RFC 8291 encryption: the body is ciphertext; the browser's private key and auth secret open it
  expect(req.headers['content-encoding']).toBe('aes128gcm');
  expect(Number(req.headers.ttl)).toBeGreaterThan(0);
  expect(req.body.toString('latin1')).not.toContain('sign-in');
  const payload = JSON.parse(ece.decrypt(req.body, { version: 'aes128gcm', privateKey: browser.ecdh, authSecret: b64url(browser.auth) }).toString('utf8'));
  expect(payload).toMatchObject({ title: 'Notificare de securitate: a new sign-in', link: '/profile', id: outcome.attemptId });
  expect(payload.body).toContain('a new sign-in');
  await until(async () => (await sql<{ status: string }>(orm(h).em.fork(), `select status from delivery_attempts where id = ?`, [outcome.attemptId]))[0]!.status === 'SENT', 8_000, 'sent');

  // the subscription expired at the push service: 410 → the device is removed
  h.push.answer(browser.path, 410);
  await notify(orm(h).em.fork(), runtime(h).deps, { userId: p.id, type: 'SECURITY', channel: 'PUSH', dedupeKey: `test/${randomUUID()}`, change: 'x' });
  await until(async () => {
    const res = await gql<{ myPushDevices: unknown[] }>(h.url, `{ myPushDevices { id } }`, { token: p.token });
    return res.body.data!.myPushDevices.length === 0;
  }, 8_000, 'device removed');
  // without a device, push is simply not a channel for this user
  expect((await notify(orm(h).em.fork(), runtime(h).deps, { userId: p.id, type: 'SECURITY', channel: 'PUSH', dedupeKey: `test/${randomUUID()}` })).kind).toBe('unsupported');
});

test('devices are private to their owner; mobile tokens are accepted by platform; malformed input is BAD_USER_INPUT', async () => {
  const a = await addPatient(h);
  const b = await addPatient(h);
  const mine = (await register(a.token, browserSubscription().input)).body.data!.registerPushDevice;
  const phone = await register(a.token, { platform: 'ANDROID', token: `fcm:${randomBytes(40).toString('hex')}`, label: 'Pixel' });
  expect(phone.body.data!.registerPushDevice.platform).toBe('ANDROID');
  const list = await gql<{ myPushDevices: { id: string; platform: string }[] }>(h.url, `{ myPushDevices { id platform } }`, { token: a.token });
  expect(list.body.data!.myPushDevices.map((d) => d.platform).sort()).toEqual(['ANDROID', 'WEB']);
  expect((await gql<{ myPushDevices: unknown[] }>(h.url, `{ myPushDevices { id } }`, { token: b.token })).body.data!.myPushDevices).toEqual([]);
  const steal = await gql(h.url, `mutation($id: ID!) { unregisterPushDevice(id: $id) }`, { token: b.token, variables: { id: mine.id } });
  expect(codeOf(steal)).toBe('NOT_FOUND');
  expect((await gql(h.url, `mutation($id: ID!) { unregisterPushDevice(id: $id) }`, { token: a.token, variables: { id: mine.id } })).body.data).toEqual({ unregisterPushDevice: true });

  const good = browserSubscription().input;
  expect(codeOf(await register(a.token, { ...good, endpoint: 'http://insecure.example/push' }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await register(a.token, { ...good, p256dh: 'short' }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await register(a.token, { platform: 'IOS' }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await gql(h.url, `{ myPushDevices { id } }`))).toBe('UNAUTHENTICATED');
});
