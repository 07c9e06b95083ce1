// Intake answers leave plaintext jsonb: each row's answers are sealed like a file (own data key,
// AES-256-GCM, the key wrapped by the key-encryption key) and the plaintext column is dropped. The
// migration needs the keys, so it is built with them (`intakeAnswersSealedMigration(keys)`); it runs in
// the migration's transaction, so a failure leaves every row as it was.
import { Migration, type MigrationObject } from '@clinic/service-kit';
import type { KeyEncryptionKeys } from '../crypto/key-encryption.ts';
import { sealValue } from '../crypto/sealed-value.ts';

export function intakeAnswersSealedMigration(keys: KeyEncryptionKeys): MigrationObject {
  class Migration20261201IntakeAnswersSealed extends Migration {
    override async up(): Promise<void> {
      await this.execute(`alter table intake_submissions
        add column answers_enc bytea null, add column wrapped_key bytea null, add column kek_id text null`);
      const rows = await this.execute(`select appointment_id, answers::text as answers from intake_submissions`);
      for (const row of rows as { appointment_id: string; answers: string }[]) {
        const sealed = await sealValue(keys, Buffer.from(row.answers), row.appointment_id);
        await this.execute(`update intake_submissions set answers_enc = ?, wrapped_key = ?, kek_id = ? where appointment_id = ?`, [
          sealed.ciphertext,
          sealed.wrappedKey,
          sealed.kekId,
          row.appointment_id,
        ]);
      }
      await this.execute(`alter table intake_submissions drop column answers,
        alter column answers_enc set not null, alter column wrapped_key set not null, alter column kek_id set not null`);
      await this.execute(`create index intake_submissions_kek_idx on intake_submissions (kek_id)`);
    }
  }
  return { name: 'm20261201-intake-answers-sealed', class: Migration20261201IntakeAnswersSealed };
}
