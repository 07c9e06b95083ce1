// Per-user appointment pages walk (patient_id | doctor_id, starts_at, id) in either direction and stop
// after one page: the id makes the page key unique, so the index alone answers "rows after the cursor".
import { Migration } from '@clinic/service-kit';

export class Migration20261130PageIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index appointments_patient_page_idx on appointments (patient_id, starts_at, id)`);
    this.addSql(`create index appointments_doctor_page_idx on appointments (doctor_id, starts_at, id)`);
    this.addSql(`drop index appointments_patient_idx`);
    this.addSql(`drop index appointments_doctor_idx`);
  }
}
