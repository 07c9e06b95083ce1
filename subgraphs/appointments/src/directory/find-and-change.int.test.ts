// What the web client needs to find a doctor and to tell the truth about changes, through the router on
// the real Postgres/Redis: the search box (speciality words, translations, languages as words) and its
// suggestions; a doctor removes a break (others cannot); an appointment states its change deadline and
// whether moving it keeps it approved; overlapping one's own appointment is not reported as a race.
import { randomUUID } from 'node:crypto';
import { addDoctor, addEverydayRule, codeOf, daysAhead, gql, localToUtc, REQUEST, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';

let h: AppointmentsHarness;
let cardiologist: string;
let dermatologist: string;
const day = daysAhead(4);

beforeAll(async () => {
  h = await startAppointments();
  cardiologist = (await addDoctor(h, { specialisations: ['Cardiologie intervențională'], languages: ['ro'] })).doctorId;
  dermatologist = (await addDoctor(h, { specialisations: ['Dermatology'], languages: ['English'] })).doctorId;
  await addEverydayRule(h, cardiologist);
  await addEverydayRule(h, dermatologist);
});

afterAll(async () => {
  await h?.stop();
});

const FIND = `query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { doctor { id } } } }`;
const doctorsFound = async (search: Record<string, unknown>) => {
  const res = await gql<{ availableSlots: { slots: { doctor: { id: string } }[] } }>(h.url, FIND, {
    token: await token(h, randomUUID(), ['PATIENT']),
    variables: { search: { from: localToUtc(day, '00:00'), to: localToUtc(day, '23:59'), first: 200, ...search } },
  });
  expect(res.body.errors).toBeUndefined();
  return new Set(res.body.data!.availableSlots.slots.map((s) => s.doctor.id));
};

test('one search box: "cardio", "heart", "inimă", "CARDIOLOGY" find the cardiologist only; languages as words', async () => {
  for (const text of ['cardio', 'heart', 'inimă', 'CARDIOLOGY', 'Cardiologie']) expect(await doctorsFound({ text })).toEqual(new Set([cardiologist]));
  expect(await doctorsFound({ text: 'skin' })).toEqual(new Set([dermatologist]));
  expect(await doctorsFound({ text: 'română' })).toEqual(new Set([cardiologist]));
  expect(await doctorsFound({ text: 'english' })).toEqual(new Set([dermatologist]));
  expect(await doctorsFound({ language: 'Romanian' })).toEqual(new Set([cardiologist]));
  expect(await doctorsFound({ specialisation: 'dermato' })).toEqual(new Set([dermatologist]));
  expect((await doctorsFound({ text: 'orthopaedics' })).size).toBe(0);
  expect((await doctorsFound({ text: "x%' or 1=1 --" })).size).toBe(0);
});

test('suggestions name what the directory holds', async () => {
  const SUGGEST = `query($text: String!) { searchSuggestions(text: $text) { kind value } }`;
  const res = await gql<{ searchSuggestions: { kind: string; value: string }[] }>(h.url, SUGGEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { text: 'heart' } });
  expect(res.body.data!.searchSuggestions).toEqual([{ kind: 'SPECIALITY', value: 'Cardiologie intervențională' }]);
  const lang = await gql<{ searchSuggestions: { kind: string; value: string }[] }>(h.url, SUGGEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { text: 'rom' } });
  expect(lang.body.data!.searchSuggestions).toContainEqual({ kind: 'LANGUAGE', value: 'ro' });
  const anonymous = await gql(h.url, SUGGEST, { variables: { text: 'heart' } });
  expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
});

test('a doctor removes a break and its time is bookable again; a patient cannot remove it', async () => {
  const doctorToken = await token(h, cardiologist, ['DOCTOR']);
  const added = await gql<{ addScheduleException: { exception: { id: string } } }>(
    h.url,
    `mutation($input: ScheduleExceptionInput!) { addScheduleException(input: $input) { exception { id } } }`,
    { token: doctorToken, variables: { input: { doctorId: cardiologist, kind: 'BREAK', startsAt: localToUtc(day, '12:00'), endsAt: localToUtc(day, '13:00') } } },
  );
  const id = added.body.data!.addScheduleException.exception.id;
  const noon = { doctorIds: [cardiologist], from: localToUtc(day, '12:00'), to: localToUtc(day, '13:00') };
  expect((await doctorsFound(noon)).size).toBe(0);
  const REMOVE = `mutation($id: ID!) { removeScheduleException(id: $id) }`;
  const byPatient = await gql(h.url, REMOVE, { token: await token(h, randomUUID(), ['PATIENT']), variables: { id } });
  expect(codeOf(byPatient)).toBe('FORBIDDEN');
  const byDoctor = await gql<{ removeScheduleException: boolean }>(h.url, REMOVE, { token: doctorToken, variables: { id } });
  expect(byDoctor.body.errors).toBeUndefined();
  expect(byDoctor.body.data?.removeScheduleException).toBe(true);
  expect(await doctorsFound(noon)).toEqual(new Set([cardiologist]));
  expect(codeOf(await gql(h.url, REMOVE, { token: doctorToken, variables: { id } }))).toBe('NOT_FOUND');
});

test('an appointment states its change deadline and whether moving keeps it approved', async () => {
  const patient = randomUUID();
  const patientToken = await token(h, patient, ['PATIENT']);
  const booked = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, {
    token: patientToken,
    variables: { input: { doctorId: dermatologist, startsAt: localToUtc(day, '10:00'), category: 'ROUTINE' } },
  });
  const id = booked.body.data!.requestAppointment.id;
  const POLICY = `query($id: ID!) { appointment(id: $id) { changeDeadline rescheduleKeepsApproval } }`;
  const before = await gql<{ appointment: { changeDeadline: string; rescheduleKeepsApproval: boolean } }>(h.url, POLICY, { token: patientToken, variables: { id } });
  expect(before.body.data!.appointment).toEqual({ changeDeadline: new Date(new Date(localToUtc(day, '10:00')).getTime() - 24 * 3_600_000).toISOString(), rescheduleKeepsApproval: false });
  await gql(h.url, `mutation($d: ID!) { setAutoApproval(doctorId: $d, all: true) { all } }`, { token: await token(h, dermatologist, ['DOCTOR']), variables: { d: dermatologist } });
  const after = await gql<{ appointment: { rescheduleKeepsApproval: boolean } }>(h.url, POLICY, { token: patientToken, variables: { id } });
  expect(after.body.data!.appointment.rescheduleKeepsApproval).toBe(true);

  // The same patient asks the other doctor for the same time: their own overlap, not a lost race.
  const overlap = await gql(h.url, REQUEST, {
    token: patientToken,
    variables: { input: { doctorId: cardiologist, startsAt: localToUtc(day, '10:00'), category: 'ROUTINE' } },
  });
  expect(codeOf(overlap)).toBe('CONFLICT');
  expect(overlap.body.errors?.[0]?.extensions?.reason).toBe('OVERLAPS_OWN_APPOINTMENT');
});
