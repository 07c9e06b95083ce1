// Versions, restore, delete, erasure, sharing with a doctor, the appointment's doctor, and key rotation,
// through the real router on the real Postgres.
import { randomUUID, createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gql } from '@clinic/router/src/testing/harness.ts';
import { keyring, parseKeyList } from '../crypto/key-encryption.ts';
import {
  addAppointment,
  auditRows,
  download,
  grantVersion,
  pdfBytes,
  put,
  startDocuments,
  testKek,
  upload,
  userToken,
  type DocumentsHarness,
} from '../testing/fixtures.ts';

let h: DocumentsHarness;
const patient = randomUUID();
const doctor = randomUUID();
const stranger = randomUUID();
let patientToken: string;
let doctorToken: string;
let strangerToken: string;
let adminToken: string;

const DOC = `query($id: ID!) { document(id: $id) { id fileName currentVersion { version } versions { version fileName restoredFrom sha256 downloadUrl } downloadUrl sharedWith { id } } }`;
type Doc = { id: string; fileName: string; currentVersion: { version: number }; versions: { version: number; fileName: string; restoredFrom: number | null; downloadUrl: string | null }[]; downloadUrl: string; sharedWith: { id: string }[] };

beforeAll(async () => {
  h = await startDocuments();
  patientToken = await userToken(h, patient);
  doctorToken = await userToken(h, doctor, ['DOCTOR']);
  strangerToken = await userToken(h, stranger, ['DOCTOR']);
  adminToken = await userToken(h, randomUUID(), ['ADMIN']);
});
afterAll(() => h.stop());

async function read(token: string, id: string): Promise<Doc | null> {
  const res = await gql<{ document: Doc | null }>(h.url, DOC, { token, variables: { id } });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data!.document;
}

const mutate = (token: string, query: string, variables: Record<string, unknown>) => gql<Record<string, unknown>>(h.url, query, { token, variables });

describe('versions', () => {
  it('a new version keeps the old one; restoring makes an older one the newest without changing history', async () => {
    const v1 = pdfBytes(3000);
    const v2 = pdfBytes(4000);
    const id = await upload(h, patientToken, 'LAB_RESULT', 'first.pdf', v1);
    const g = await grantVersion(h, patientToken, { documentId: id, fileName: 'second.pdf', size: v2.length });
    expect((await put(h, patientToken, g.url, v2)).status).toBe(201);
    let doc = (await read(patientToken, id))!;
    expect(doc.currentVersion.version).toBe(2);
    expect(doc.versions.map((v) => [v.version, v.fileName])).toEqual([[2, 'second.pdf'], [1, 'first.pdf']]);
    expect((await download(h, patientToken, doc.downloadUrl)).bytes.equals(v2)).toBe(true);
    expect((await download(h, patientToken, doc.versions[1]!.downloadUrl!)).bytes.equals(v1)).toBe(true);

    const restored = await mutate(patientToken, `mutation($id: ID!) { restoreDocumentVersion(documentId: $id, version: 1) { currentVersion { version restoredFrom } } }`, { id });
    expect(restored.body.data).toEqual({ restoreDocumentVersion: { currentVersion: { version: 3, restoredFrom: 1 } } });
    doc = (await read(patientToken, id))!;
    expect(doc.fileName).toBe('first.pdf');
    expect((await download(h, patientToken, doc.downloadUrl)).bytes.equals(v1)).toBe(true);
    expect((await download(h, patientToken, doc.versions.find((v) => v.version === 2)!.downloadUrl!)).bytes.equals(v2)).toBe(true);

    const other = await mutate(strangerToken, `mutation($id: ID!) { restoreDocumentVersion(documentId: $id, version: 2) { id } }`, { id });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('soft delete by the owner hides the document and its URLs; erasure removes the bytes and keeps the audit trail', async () => {
    const id = await upload(h, patientToken, 'LAB_RESULT', 'x.pdf', pdfBytes(1000));
    const url = (await read(patientToken, id))!.downloadUrl;
    expect((await mutate(patientToken, `mutation($id: ID!) { deleteDocument(id: $id) }`, { id })).body.data).toEqual({ deleteDocument: true });
    expect(await read(patientToken, id)).toBeNull();
    expect((await download(h, patientToken, url)).status).toBe(404);
    expect(readdirSync(path.join(h.dataDir, 'documents', id))).toHaveLength(1);

    const denied = await mutate(patientToken, `mutation($id: ID!) { eraseDocument(id: $id) }`, { id });
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await mutate(adminToken, `mutation($id: ID!) { eraseDocument(id: $id) }`, { id })).body.data).toEqual({ eraseDocument: true });
    expect(readdirSync(path.join(h.dataDir, 'documents', id))).toHaveLength(0);
    expect((await auditRows(h, 'document.erase')).some((r) => r.resourceId === id && r.subjectUserId === patient)).toBe(true);
    expect((await auditRows(h, 'document.upload')).some((r) => r.resourceId === id)).toBe(true);
  });
});

describe('doctors', () => {
  it('a doctor reads a shared document until the share is revoked, even with a URL issued before', async () => {
    const bytes = pdfBytes(2000);
    const id = await upload(h, patientToken, 'REFERRAL', 'referral.pdf', bytes);
    expect(await read(doctorToken, id)).toBeNull();
    const shared = await mutate(patientToken, `mutation($id: ID!, $d: ID!) { shareDocument(documentId: $id, doctorId: $d) { sharedWith { id } } }`, { id, d: doctor });
    expect(shared.body.data).toEqual({ shareDocument: { sharedWith: [{ id: doctor }] } });
    const doc = (await read(doctorToken, id))!;
    expect(doc.sharedWith).toEqual([]);
    expect((await download(h, doctorToken, doc.downloadUrl)).bytes.equals(bytes)).toBe(true);
    expect(await read(strangerToken, id)).toBeNull();
    // The doctor cannot pass it on.
    const passOn = await mutate(doctorToken, `mutation($id: ID!, $d: ID!) { shareDocument(documentId: $id, doctorId: $d) { id } }`, { id, d: stranger });
    expect(passOn.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    await mutate(patientToken, `mutation($id: ID!, $d: ID!) { revokeDocumentShare(documentId: $id, doctorId: $d) { id } }`, { id, d: doctor });
    expect(await read(doctorToken, id)).toBeNull();
    expect((await download(h, doctorToken, doc.downloadUrl)).status).toBe(403);
  });

  it("the appointment's doctor reads what is attached to it (Appointment.documents); another doctor does not", async () => {
    const appointmentId = await addAppointment(h, patient, doctor);
    const id = await upload(h, patientToken, 'LAB_RESULT', 'for-visit.pdf', pdfBytes(500), appointmentId);
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Appointment { documents { id } } } }`;
    const call = (token: string) =>
      fetch(h.stack.subgraphs.documents!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-router-secret': 'test-router-secret', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables: { r: [{ __typename: 'Appointment', id: appointmentId }] } }),
      }).then((r) => r.json() as Promise<{ data: { _entities: { documents: { id: string }[] }[] } }>);
    expect((await call(doctorToken)).data._entities[0]!.documents).toEqual([{ id }]);
    expect((await call(strangerToken)).data._entities[0]!.documents).toEqual([]);
    expect((await call(patientToken)).data._entities[0]!.documents).toEqual([{ id }]);
    // A stranger cannot attach to someone else's appointment.
    const attach = await mutate(strangerToken, `mutation($a: ID) { createUpload(type: OTHER, fileName: "a.pdf", size: 10, appointmentId: $a) { url } }`, { a: appointmentId });
    expect(attach.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('documents sent with an appointment request', () => {
  it("are attached when they are the patient's own; another's document stays where it was", async () => {
    const mine = await upload(h, patientToken, 'REFERRAL', 'mine.pdf', pdfBytes(300));
    const theirs = await upload(h, strangerToken, 'REFERRAL', 'theirs.pdf', pdfBytes(300));
    const appointmentId = await addAppointment(h, patient, doctor, 'IN_PERSON', [mine, theirs]);
    const rows = await h.stack.subgraphs.documents!.orm.em.fork().execute<{ id: string; appointment_id: string | null }[]>(
      `select id, appointment_id from documents where id in (?, ?)`,
      [mine, theirs],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.appointment_id]))).toEqual({ [mine]: appointmentId, [theirs]: null });
    expect(await read(doctorToken, mine)).not.toBeNull();
    expect(await read(doctorToken, theirs)).toBeNull();
  });
});

describe('key rotation', () => {
  it('re-wraps data keys with the new key without touching the stored files; the old key can then go', async () => {
    const bytes = pdfBytes(70_000);
    const id = await upload(h, patientToken, 'LAB_RESULT', 'keys.pdf', bytes);
    const dir = path.join(h.dataDir, 'documents', id);
    const fileHash = () => createHash('sha256').update(readFileSync(path.join(dir, readdirSync(dir)[0]!))).digest('hex');
    const before = fileHash();
    const oldKeys = h.settings.keys;
    const k2 = parseKeyList(testKek('k2'))[0]!;
    // k1 is whatever the harness configured; keep it for unwrapping during rotation.
    h.settings.keys = {
      currentId: 'k2',
      wrap: keyring([k2]).wrap,
      unwrap: (key) => (key.kekId === 'k2' ? keyring([k2]).unwrap(key) : oldKeys.unwrap(key)),
    };
    const rotated = await mutate(adminToken, `mutation { rotateDocumentKeys }`, {});
    expect(rotated.body.data!.rotateDocumentKeys).toBeGreaterThan(0);
    expect((await mutate(patientToken, `mutation { rotateDocumentKeys }`, {})).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(fileHash()).toBe(before);
    h.settings.keys = keyring([k2]);
    const doc = (await read(patientToken, id))!;
    expect((await download(h, patientToken, doc.downloadUrl)).bytes.equals(bytes)).toBe(true);
    expect(existsSync(dir)).toBe(true);
  });
});
