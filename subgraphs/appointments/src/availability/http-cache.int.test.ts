// HTTP caching of availability through the real router: a GET of a persisted availability query carries a
// short private max-age and a strong ETag, and If-None-Match gets 304 with no body until the answer
// changes. A persisted query that reads anything private, a POST, or a query sent without its hash gets
// no-store and no ETag.
import { createHash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { addDoctor, addEverydayRule, daysAhead, gql, localToUtc, REQUEST, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';

let h: AppointmentsHarness;
let doctorId: string;

beforeAll(async () => {
  h = await startAppointments();
  doctorId = (await addDoctor(h)).doctorId;
  await addEverydayRule(h, doctorId);
});

afterAll(async () => {
  await h?.stop();
});

const AVAILABILITY = `query Availability($search: SlotSearchInput!) { availableSlots(search: $search) { slots { startsAt localStartsAt consultationType doctor { id } } hasNextPage endCursor } }`;
const MINE = `query Mine { myAppointments { id startsAt } availableSlots(search: { from: "2030-01-01T00:00:00Z", to: "2030-01-02T00:00:00Z" }) { hasNextPage } }`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** GET with the operation's hash (and its text the first time, which registers it). */
async function get(query: string, variables: Record<string, unknown>, opts: { token: string; withText?: boolean; headers?: Record<string, string>; hash?: boolean }) {
  const params = new URLSearchParams({ variables: JSON.stringify(variables) });
  if (opts.hash !== false) params.set('extensions', JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(query) } }));
  if (opts.withText !== false) params.set('query', query);
  const res = await fetch(`${h.url}?${params}`, { headers: { authorization: `Bearer ${opts.token}`, 'apollo-require-preflight': 'true', ...opts.headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const search = () => ({ search: { doctorIds: [doctorId], from: localToUtc(daysAhead(3), '00:00'), to: localToUtc(daysAhead(4), '00:00') } });

test('a persisted availability GET is cacheable privately with a strong ETag; If-None-Match gives 304 until the answer changes', async () => {
  const patient = await token(h, randomUUID(), ['PATIENT']);
  const first = await get(AVAILABILITY, search(), { token: patient });
  expect(first.status).toBe(200);
  expect(JSON.parse(first.text).data.availableSlots.slots.length).toBeGreaterThan(0);
  expect(first.headers.get('cache-control')).toBe('private, max-age=10');
  const etag = first.headers.get('etag')!;
  expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);

  // By hash alone, from another patient: same answer, same tag; a matching If-None-Match gets an empty 304.
  const other = await token(h, randomUUID(), ['PATIENT']);
  const again = await get(AVAILABILITY, search(), { token: other, withText: false, headers: { 'if-none-match': etag } });
  expect(again.status).toBe(304);
  expect(again.text).toBe('');
  expect(again.headers.get('etag')).toBe(etag);

  // A booking changes the answer: a new tag, and the old one no longer matches.
  const booked = await gql(h.url, REQUEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { doctorId, startsAt: localToUtc(daysAhead(3), '10:00') } } });
  expect(booked.body.errors).toBeUndefined();
  const changed = await get(AVAILABILITY, search(), { token: other, withText: false, headers: { 'if-none-match': etag } });
  expect(changed.status).toBe(200);
  expect(changed.headers.get('etag')).not.toBe(etag);
  expect(changed.text).not.toContain(localToUtc(daysAhead(3), '10:00'));
});

test('a persisted GET that reads private data is never cached', async () => {
  const patient = await token(h, randomUUID(), ['PATIENT']);
  const res = await get(MINE, {}, { token: patient, headers: { 'if-none-match': '*' } });
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).data.myAppointments).toEqual([]);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('etag')).toBeNull();
});

test('availability by POST, or by GET without a persisted hash, is not cached', async () => {
  const patient = await token(h, randomUUID(), ['PATIENT']);
  const posted = await gql(h.url, AVAILABILITY, { token: patient, variables: search() });
  expect(posted.body.errors).toBeUndefined();
  expect(posted.headers.get('cache-control')).toBe('no-store');
  expect(posted.headers.get('etag')).toBeNull();
  const plain = await get(AVAILABILITY, search(), { token: patient, hash: false });
  expect(plain.status).toBe(200);
  expect(plain.headers.get('cache-control')).toBe('no-store');
  expect(plain.headers.get('etag')).toBeNull();
});

test('an error in the answer is not cached', async () => {
  const patient = await token(h, randomUUID(), ['PATIENT']);
  const res = await get(AVAILABILITY, { search: { doctorIds: [doctorId], from: localToUtc(daysAhead(4), '00:00'), to: localToUtc(daysAhead(3), '00:00') } }, { token: patient });
  expect(JSON.parse(res.text).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(res.headers.get('etag')).toBeNull();
  expect(res.headers.get('cache-control')).toBe('no-store');
});
