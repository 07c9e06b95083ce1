// Waiting list through the router: a freed slot is offered to the first waiting patient and held for
// them; when the offer runs out it goes to the next one, who can take it. A patient waits once per doctor
// and window (a second overlapping entry is refused, even when both arrive at once), and sees changes live.
import { randomUUID } from 'node:crypto';
import { connectWs, eventually } from '@clinic/router/src/testing/ws.ts';
import { addDoctor, addEverydayRule, codeOf, daysAhead, gql, localToUtc, REQUEST, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';
import { expireWaitlistOffers } from './waitlist.ts';

let h: AppointmentsHarness;
let doctorId: string;

beforeAll(async () => {
  h = await startAppointments({ policy: { waitlistOfferMinutes: 30 } });
  doctorId = (await addDoctor(h)).doctorId;
  await addEverydayRule(h, doctorId);
});

afterAll(async () => {
  h.clinic.shift(0);
  await h?.stop();
});

const ENTRIES = `{ myWaitlistEntries { id status offerStartsAt offerExpiresAt } }`;
type Entries = { myWaitlistEntries: { id: string; status: string; offerStartsAt: string | null; offerExpiresAt: string | null }[] };

test('a cancellation offers the slot to the first waiting patient; on expiry it passes to the next', async () => {
  const date = daysAhead(5);
  const at = localToUtc(date, '10:00');
  const [holder, first, second, other] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const booked = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, { token: await token(h, holder, ['PATIENT']), variables: { input: { doctorId, startsAt: at } } });
  const appointmentId = booked.body.data!.requestAppointment.id;

  const JOIN = `mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id status } }`;
  const window = { doctorId, from: localToUtc(date, '08:00'), to: localToUtc(date, '12:00') };
  for (const patient of [first, second]) {
    const res = await gql<{ joinWaitlist: { status: string } }>(h.url, JOIN, { token: await token(h, patient, ['PATIENT']), variables: { input: window } });
    expect(res.body.data?.joinWaitlist.status).toBe('WAITING');
  }
  expect(codeOf(await gql(h.url, JOIN, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { ...window, to: window.from } } }))).toBe('BAD_USER_INPUT');

  await gql(h.url, `mutation($id: ID!) { cancelAppointment(id: $id) { status } }`, { token: await token(h, holder, ['PATIENT']), variables: { id: appointmentId } });

  const firstView = await gql<Entries>(h.url, ENTRIES, { token: await token(h, first, ['PATIENT']) });
  expect(firstView.body.data?.myWaitlistEntries[0]).toMatchObject({ status: 'OFFERED', offerStartsAt: at });
  const secondView = await gql<Entries>(h.url, ENTRIES, { token: await token(h, second, ['PATIENT']) });
  expect(secondView.body.data?.myWaitlistEntries[0]?.status).toBe('WAITING');

  // Held for the first patient: nobody else can take it meanwhile.
  const grab = await gql(h.url, REQUEST, { token: await token(h, other, ['PATIENT']), variables: { input: { doctorId, startsAt: at } } });
  expect(codeOf(grab)).toBe('CONFLICT');

  // The offer runs out: the next patient is asked.
  h.clinic.shift(31 * 60_000);
  expect(await expireWaitlistOffers(h.stack.subgraphs.appointments!.orm.em.fork(), h.clinic)).toBe(1);
  const expired = await gql<Entries>(h.url, ENTRIES, { token: await token(h, first, ['PATIENT']) });
  expect(expired.body.data?.myWaitlistEntries[0]?.status).toBe('EXPIRED');
  const offered = await gql<Entries>(h.url, ENTRIES, { token: await token(h, second, ['PATIENT']) });
  const entry = offered.body.data!.myWaitlistEntries[0]!;
  expect(entry).toMatchObject({ status: 'OFFERED', offerStartsAt: at });

  // Only the offered patient can accept, and the first one's offer is gone.
  const ACCEPT = `mutation($id: ID!) { acceptWaitlistOffer(id: $id) { id status startsAt } }`;
  expect(codeOf(await gql(h.url, ACCEPT, { token: await token(h, first, ['PATIENT']), variables: { id: entry.id } }))).toBe('NOT_FOUND');
  const accepted = await gql<{ acceptWaitlistOffer: { status: string; startsAt: string } }>(h.url, ACCEPT, { token: await token(h, second, ['PATIENT']), variables: { id: entry.id } });
  expect(accepted.body.data?.acceptWaitlistOffer).toMatchObject({ status: 'REQUESTED', startsAt: at });
  const booked2 = await gql<Entries>(h.url, ENTRIES, { token: await token(h, second, ['PATIENT']) });
  expect(booked2.body.data?.myWaitlistEntries[0]?.status).toBe('BOOKED');

  const topics: { topic: string }[] = await h.stack.subgraphs.appointments!.orm.em.fork().execute(
    `select topic from outbox_events where topic like 'waitlist.%' order by created_at`,
  );
  expect(topics.map((t) => t.topic)).toEqual(['waitlist.joined', 'waitlist.joined', 'waitlist.offered', 'waitlist.offer_expired', 'waitlist.offered', 'waitlist.booked']);
});

test('new hours are offered to a patient waiting for them', async () => {
  const date = daysAhead(9);
  const patient = randomUUID();
  const join = await gql<{ joinWaitlist: { status: string } }>(h.url, `mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { status } }`, {
    token: await token(h, patient, ['PATIENT']),
    variables: { input: { doctorId, from: localToUtc(date, '18:00'), to: localToUtc(date, '20:00') } },
  });
  expect(join.body.data?.joinWaitlist.status).toBe('WAITING');
  const extra = await gql(h.url, `mutation($input: ScheduleExceptionInput!) { addScheduleException(input: $input) { exception { id } } }`, {
    token: await token(h, doctorId, ['DOCTOR']),
    variables: { input: { doctorId, kind: 'EXTRA_HOURS', startsAt: localToUtc(date, '18:30'), endsAt: localToUtc(date, '19:30'), slotMinutes: 30, consultationType: 'IN_PERSON' } },
  });
  expect(extra.body.errors).toBeUndefined();
  const view = await gql<Entries>(h.url, ENTRIES, { token: await token(h, patient, ['PATIENT']) });
  expect(view.body.data?.myWaitlistEntries[0]).toMatchObject({ status: 'OFFERED', offerStartsAt: localToUtc(date, '18:30') });
});

const JOIN = `mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id status } }`;

test('a patient cannot wait twice for the same doctor at overlapping times (CONFLICT ALREADY_WAITING), even when both arrive at once', async () => {
  const date = daysAhead(11);
  const patientToken = await token(h, randomUUID(), ['PATIENT']);
  const window = { doctorId, from: localToUtc(date, '08:00'), to: localToUtc(date, '12:00') };
  expect((await gql(h.url, JOIN, { token: patientToken, variables: { input: window } })).body.errors).toBeUndefined();

  const again = await gql(h.url, JOIN, { token: patientToken, variables: { input: { ...window, from: localToUtc(date, '11:00'), to: localToUtc(date, '13:00') } } });
  expect(codeOf(again)).toBe('CONFLICT');
  expect(again.body.errors?.[0]?.extensions?.reason).toBe('ALREADY_WAITING');
  // A window that does not overlap is a different wish.
  expect((await gql(h.url, JOIN, { token: patientToken, variables: { input: { ...window, from: localToUtc(date, '14:00'), to: localToUtc(date, '16:00') } } })).body.errors).toBeUndefined();

  // Two joins racing: exactly one entry, the other told why.
  const racer = await token(h, randomUUID(), ['PATIENT']);
  const both = await Promise.all([1, 2].map(() => gql(h.url, JOIN, { token: racer, variables: { input: window } })));
  expect(both.map((r) => (r.body.errors ? r.body.errors[0]!.extensions!.reason : 'joined')).sort()).toEqual(['ALREADY_WAITING', 'joined']);

  // After leaving, the same window can be joined again.
  const mine = await gql<Entries>(h.url, ENTRIES, { token: racer });
  await gql(h.url, `mutation($id: ID!) { leaveWaitlist(id: $id) { status } }`, { token: racer, variables: { id: mine.body.data!.myWaitlistEntries[0]!.id } });
  expect((await gql(h.url, JOIN, { token: racer, variables: { input: window } })).body.errors).toBeUndefined();
});

test('through the router, a patient hears their own entry change (offered, with its expiry) and nobody else hears it', async () => {
  const date = daysAhead(13);
  const at = localToUtc(date, '09:00');
  const [holder, waiting, stranger] = [randomUUID(), randomUUID(), randomUUID()];
  const booked = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, { token: await token(h, holder, ['PATIENT']), variables: { input: { doctorId, startsAt: at } } });
  const waitingToken = await token(h, waiting, ['PATIENT']);
  const joined = await gql<{ joinWaitlist: { id: string } }>(h.url, JOIN, { token: waitingToken, variables: { input: { doctorId, from: localToUtc(date, '08:00'), to: localToUtc(date, '12:00') } } });

  const CHANGED = `subscription { myWaitlistChanged { id status offerStartsAt offerExpiresAt doctorId } }`;
  const mine = connectWs(h.url, waitingToken);
  const theirs = connectWs(h.url, await token(h, stranger, ['PATIENT']));
  try {
    const open = h.stack.subgraphs.appointments!.subscriptionStats().subscriptions;
    const mineEvents = mine.subscribe<{ myWaitlistChanged: { id: string; status: string; offerStartsAt: string; offerExpiresAt: string } }>(CHANGED);
    const theirEvents = theirs.subscribe(CHANGED);
    await eventually(() => h.stack.subgraphs.appointments!.subscriptionStats().subscriptions >= open + 2, 5_000, 'both upstream subscriptions');

    await gql(h.url, `mutation($id: ID!) { cancelAppointment(id: $id) { status } }`, { token: await token(h, holder, ['PATIENT']), variables: { id: booked.body.data!.requestAppointment.id } });
    const event = await mineEvents.nth(1);
    expect(event.data?.myWaitlistChanged).toMatchObject({ id: joined.body.data!.joinWaitlist.id, status: 'OFFERED', offerStartsAt: at });
    expect(Date.parse(event.data!.myWaitlistChanged.offerExpiresAt)).toBeGreaterThan(h.clinic.now().getTime());

    await gql(h.url, `mutation($id: ID!) { leaveWaitlist(id: $id) { status } }`, { token: waitingToken, variables: { id: joined.body.data!.joinWaitlist.id } });
    expect((await mineEvents.nth(2)).data?.myWaitlistChanged.status).toBe('CANCELLED');
    expect(theirEvents.events).toEqual([]);
  } finally {
    await mine.dispose();
    await theirs.dispose();
  }
});
