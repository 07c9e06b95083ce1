// Intake answers are medical data: at rest they are ciphertext under their own data key (wrapped by the
// key-encryption key, like files). A dump of the table shows no answer; the migration that introduced
// the sealing encrypts rows written before it; key rotation re-wraps their keys.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createOrm, OutboxEventSchema, outboxMigrations } from '@clinic/service-kit';
import { createTestKeys, dropSchema, testServiceConfig, TEST_DATABASE_URL } from '@clinic/service-kit/testing';
import { gql } from '@clinic/router/src/testing/harness.ts';
import { addAppointment, startDocuments, testKek, userToken, type DocumentsHarness } from '../testing/fixtures.ts';
import { entities } from '../entities/index.ts';
import { documentsMigrations } from '../migrations/index.ts';
import { Migration20261130Documents } from '../migrations/m20261130-documents.ts';
import { keyring, parseKeyList, type WrappedKey } from '../crypto/key-encryption.ts';
import { rotateDataKeys } from '../library/key-rotation.ts';
import { storedIntakeAnswers } from './submit-intake.ts';

/** What `pg_dump` shows of one table: the operator's (or a thief's) view of the data. */
function dumpTable(schema: string, table: string): string {
  return execFileSync('pg_dump', ['--data-only', '--table', `"${schema}"."${table}"`, TEST_DATABASE_URL], { encoding: 'utf8' });
}

/** The dump must not hold the text, nor its UTF-8 bytes as hex (a bytea column's form in a dump). */
function expectNotIn(dump: string, secrets: string[]) {
  for (const secret of secrets) {
    expect(dump).not.toContain(secret);
    expect(dump.toLowerCase()).not.toContain(Buffer.from(secret).toString('hex'));
  }
}

describe('through the API', () => {
  let h: DocumentsHarness;
  const patient = randomUUID();
  let patientToken: string;

  beforeAll(async () => {
    h = await startDocuments();
    patientToken = await userToken(h, patient);
  });
  afterAll(() => h.stop());

  it('submitted answers are ciphertext in a dump of the table, and still read back', async () => {
    const appointmentId = await addAppointment(h, patient, randomUUID(), 'CARDIOLOGY');
    const answers = { reason: 'Palpitații după efort urcând scările', medications: 'Bisoprolol 5mg', bloodPressure: '135/88', smoker: true };
    const res = await gql(h.url, `mutation($a: ID!, $x: JSON!) { submitIntakeForm(appointmentId: $a, language: RO, answers: $x) { id } }`, {
      token: patientToken,
      variables: { a: appointmentId, x: answers },
    });
    expect(res.body.errors).toBeUndefined();

    const schema = h.stack.subgraphs.documents!.config.dbSchema;
    const dump = dumpTable(schema, 'intake_submissions');
    expect(dump).toContain(appointmentId);
    expectNotIn(dump, ['Palpitații', 'Palpita', 'scările', 'Bisoprolol', '135/88', '"smoker"', 'reason']);

    const em = h.stack.subgraphs.documents!.orm.em.fork();
    expect(await storedIntakeAnswers(em, h.settings, appointmentId)).toEqual(answers);
    // Bound to its row: the ciphertext copied onto another appointment does not open.
    const other = await addAppointment(h, patient, randomUUID(), 'GENERAL');
    await gql(h.url, `mutation($a: ID!, $x: JSON!) { submitIntakeForm(appointmentId: $a, language: EN, answers: $x) { id } }`, {
      token: patientToken,
      variables: { a: other, x: { reason: 'Cough' } },
    });
    await em.execute(`update intake_submissions set answers_enc = (select answers_enc from intake_submissions where appointment_id = ?), wrapped_key = (select wrapped_key from intake_submissions where appointment_id = ?) where appointment_id = ?`, [appointmentId, appointmentId, other]);
    await expect(storedIntakeAnswers(em.fork(), h.settings, other)).rejects.toThrow();
  });

  it('key rotation re-wraps the answers’ data keys, and they still open', async () => {
    const appointmentId = await addAppointment(h, patient, randomUUID(), 'GENERAL');
    await gql(h.url, `mutation($a: ID!, $x: JSON!) { submitIntakeForm(appointmentId: $a, language: EN, answers: $x) { id } }`, {
      token: patientToken,
      variables: { a: appointmentId, x: { reason: 'Headache' } },
    });
    const em = h.stack.subgraphs.documents!.orm.em.fork();
    const before = await em.execute<{ kek_id: string }[]>(`select kek_id from intake_submissions where appointment_id = ?`, [appointmentId]);
    expect(before[0]!.kek_id).toBe('k1');

    // A ring with a new current key k2, still able to unwrap the harness's k1.
    const k2 = keyring(parseKeyList(testKek('k2')));
    const ring = { currentId: k2.currentId, wrap: k2.wrap, unwrap: (w: WrappedKey) => (w.kekId === 'k1' ? h.settings.keys.unwrap(w) : k2.unwrap(w)) };
    await rotateDataKeys(em, { viewer: { kind: 'service' } as never, requestId: 't', ip: null }, ring);
    const after = await em.fork().execute<{ kek_id: string }[]>(`select kek_id from intake_submissions where appointment_id = ?`, [appointmentId]);
    expect(after[0]!.kek_id).toBe('k2');
    expect(await storedIntakeAnswers(em.fork(), { ...h.settings, keys: ring }, appointmentId)).toEqual({ reason: 'Headache' });
  });
});

it('the migration encrypts answers written before it, and drops the plaintext column', async () => {
  const keys = keyring(parseKeyList(testKek('m1')));
  const config = testServiceConfig('documents', await createTestKeys());
  const before = [...outboxMigrations, { name: 'm20261130-documents', class: Migration20261130Documents }];
  const old = await createOrm({ config, entities: [OutboxEventSchema], migrations: before });
  const appointmentId = randomUUID();
  const documentId = randomUUID();
  try {
    const em = old.em.fork();
    await em.execute(`insert into documents (id, owner_id, type, current_version) values (?, ?, 'OTHER', 1)`, [documentId, randomUUID()]);
    await em.execute(`insert into intake_submissions (appointment_id, document_id, form_id, answers, submitted_by, submitted_at) values (?, ?, 'general-v1', ?::jsonb, ?, now())`, [
      appointmentId,
      documentId,
      JSON.stringify({ reason: 'Durere de cap persistentă', allergies: 'Penicilină' }),
      randomUUID(),
    ]);
    expect(dumpTable(config.dbSchema, 'intake_submissions')).toContain('Penicilin');
  } finally {
    await old.close();
  }
  const migrated = await createOrm({ config, entities, migrations: documentsMigrations(keys) });
  try {
    const dump = dumpTable(config.dbSchema, 'intake_submissions');
    expect(dump).toContain(appointmentId);
    expectNotIn(dump, ['Durere', 'persistent', 'Penicilin', 'reason', 'allergies']);
    const columns = await migrated.em.fork().execute<{ column_name: string }[]>(
      `select column_name from information_schema.columns where table_schema = ? and table_name = 'intake_submissions'`,
      [config.dbSchema],
    );
    expect(columns.map((c) => c.column_name)).not.toContain('answers');
    const settings = { keys } as Parameters<typeof storedIntakeAnswers>[1];
    expect(await storedIntakeAnswers(migrated.em.fork(), settings, appointmentId)).toEqual({ reason: 'Durere de cap persistentă', allergies: 'Penicilină' });
  } finally {
    await migrated.close();
    await dropSchema(config.dbSchema);
  }
});
