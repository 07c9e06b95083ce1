// Generated PDFs: the Romanian confirmation keeps its diacritics (the text extracted from the PDF has
// ă â î ș ț), the visit summary is the doctor's, and the intake form is validated, stored and versioned.
import { randomUUID } from 'node:crypto';
import { gql } from '@clinic/router/src/testing/harness.ts';
import { storedIntakeAnswers } from '../intake/submit-intake.ts';
import { addAppointment, download, startDocuments, userToken, type DocumentsHarness } from '../testing/fixtures.ts';

// The library's entry file runs a self-test when required directly; its lib file is the parser itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pdfParse = require('pdf-parse/lib/pdf-parse.js') as (pdf: Buffer) => Promise<{ text: string; numpages: number }>;

let h: DocumentsHarness;
const patient = randomUUID();
const doctor = randomUUID();
let patientToken: string;
let doctorToken: string;
let appointmentId: string;

beforeAll(async () => {
  h = await startDocuments();
  patientToken = await userToken(h, patient);
  doctorToken = await userToken(h, doctor, ['DOCTOR']);
  appointmentId = await addAppointment(h, patient, doctor, 'CARDIOLOGY');
});
afterAll(() => h.stop());

type Generated = { id: string; type: string; fileName: string; contentType: string; downloadUrl: string; currentVersion: { version: number } };
const FIELDS = 'id type fileName contentType downloadUrl currentVersion { version }';

async function textOf(token: string, doc: Generated): Promise<string> {
  const got = await download(h, token, doc.downloadUrl);
  expect(got.status).toBe(200);
  expect(got.headers.get('content-type')).toBe('application/pdf');
  return (await pdfParse(got.bytes)).text;
}

it('a Romanian appointment confirmation comes out with its diacritics', async () => {
  const res = await gql<{ generateAppointmentConfirmation: Generated }>(
    h.url,
    `mutation($a: ID!) { generateAppointmentConfirmation(appointmentId: $a, language: RO) { ${FIELDS} } }`,
    { token: patientToken, variables: { a: appointmentId } },
  );
  const doc = res.body.data!.generateAppointmentConfirmation;
  expect(doc).toMatchObject({ type: 'OTHER', contentType: 'application/pdf', fileName: 'Confirmare programare.pdf' });
  const text = await textOf(patientToken, doc);
  for (const word of ['Confirmare programare', 'Data și ora', 'Durată', 'Tip consultație', 'îndemână', 'confidențiale', 'decembrie 2026', '11:30']) {
    expect(text).toContain(word);
  }
  for (const letter of ['ă', 'â', 'î', 'ș', 'ț']) expect(text).toContain(letter);
  // The doctor of the appointment reads it too.
  const doctorView = await gql<{ document: { downloadUrl: string } | null }>(h.url, `query($id: ID!) { document(id: $id) { downloadUrl } }`, { token: doctorToken, variables: { id: doc.id } });
  expect(doctorView.body.data!.document).not.toBeNull();
});

it("the visit summary is the appointment's doctor's to write, in English here", async () => {
  const mutation = `mutation($a: ID!) { createVisitSummary(appointmentId: $a, language: EN, summary: "Stable; continue treatment.", recommendations: "Walk daily.") { ${FIELDS} } }`;
  const byPatient = await gql(h.url, mutation, { token: patientToken, variables: { a: appointmentId } });
  expect(byPatient.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const res = await gql<{ createVisitSummary: Generated }>(h.url, mutation, { token: doctorToken, variables: { a: appointmentId } });
  const doc = res.body.data!.createVisitSummary;
  expect(doc.type).toBe('VISIT_SUMMARY');
  // The URL in the doctor's answer is the doctor's: the patient cannot use it.
  expect((await download(h, patientToken, doc.downloadUrl)).status).toBe(403);
  const text = await textOf(doctorToken, doc);
  expect(text).toContain('Visit summary');
  expect(text).toContain('Walk daily.');
});

it('the intake form is the consultation type’s, answers are validated, stored as a PDF, and a resubmission is a new version', async () => {
  const form = await gql<{ intakeForm: { id: string; schema: { properties: Record<string, { title: string }> } } }>(
    h.url,
    `query($a: ID!) { intakeForm(appointmentId: $a, language: RO) { id schema } }`,
    { token: patientToken, variables: { a: appointmentId } },
  );
  expect(form.body.data!.intakeForm.id).toBe('cardiology-v1');
  expect(form.body.data!.intakeForm.schema.properties.chestPain!.title).toBe('Durere în piept (0–10)');

  const submit = (answers: unknown) =>
    gql<{ submitIntakeForm: Generated }>(h.url, `mutation($a: ID!, $x: JSON!) { submitIntakeForm(appointmentId: $a, language: RO, answers: $x) { ${FIELDS} } }`, {
      token: patientToken,
      variables: { a: appointmentId, x: answers },
    });
  const bad = await submit({ reason: 'Palpitații', chestPain: 42 });
  expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(bad.body.errors?.[0]?.message).toContain('/chestPain');
  expect((await submit({ chestPain: 3 })).body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

  const first = (await submit({ reason: 'Palpitații după efort', smoker: false, chestPain: 3, bloodPressure: '130/85' })).body.data!.submitIntakeForm;
  const text = await textOf(patientToken, first);
  for (const words of ['Formular înainte de consultație', 'Care este motivul consultației?', 'Palpitații după efort', 'Sunteți fumător?', 'Nu', '130/85']) {
    expect(text).toContain(words);
  }
  const second = (await submit({ reason: 'Amețeli' })).body.data!.submitIntakeForm;
  expect(second.id).toBe(first.id);
  expect(second.currentVersion.version).toBe(2);
  expect(await storedIntakeAnswers(h.stack.subgraphs.documents!.orm.em.fork(), h.settings, appointmentId)).toEqual({ reason: 'Amețeli' });

  const other = await gql(h.url, `query($a: ID!) { intakeForm(appointmentId: $a, language: EN) { id } }`, { token: await userToken(h, randomUUID()), variables: { a: appointmentId } });
  expect(other.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
});
