// A patient waits for a doctor once per window: two live entries (waiting or offered) of the same patient
// for the same doctor with overlapping windows are refused by the database, whatever the callers race.
// Existing overlaps keep their oldest entry; the later ones are cancelled (a chain of overlaps may cancel
// one that only overlapped a cancelled one: acceptable, the patient joins again in one step).
import { Migration } from '@clinic/service-kit';

export class Migration20261130WaitlistNoDuplicates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`update waitlist_entries w set status = 'CANCELLED'
      where w.status in ('WAITING','OFFERED') and exists (
        select 1 from waitlist_entries o
         where o.patient_id = w.patient_id and o.doctor_id = w.doctor_id and o.status in ('WAITING','OFFERED')
           and tstzrange(o.window_start, o.window_end) && tstzrange(w.window_start, w.window_end)
           and (o.created_at, o.id) < (w.created_at, w.id))`);
    this.addSql(`alter table waitlist_entries add constraint waitlist_entries_no_duplicate
      exclude using gist (patient_id with =, doctor_id with =, tstzrange(window_start, window_end) with &&)
      where (status in ('WAITING','OFFERED'))`);
  }
}
