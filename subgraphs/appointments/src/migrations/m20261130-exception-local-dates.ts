// Exceptions by local date: a day off on 2027-03-28 "in the doctor's zone" (or a clinic-wide holiday on a
// date, in every doctor's own zone) keeps its dates, and slot search reads them in the doctor's zone.
// starts_at/ends_at stay filled (the instants in the doctor's zone, or the span covering every zone).
import { Migration } from '@clinic/service-kit';

export class Migration20261130ExceptionLocalDates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table schedule_exceptions
      add column start_date char(10) null,
      add column end_date char(10) null,
      add constraint schedule_exceptions_dates_check check ((start_date is null) = (end_date is null) and (start_date is null or end_date >= start_date))`);
    this.addSql(`create index schedule_exceptions_dates_idx on schedule_exceptions (doctor_id, start_date, end_date) where start_date is not null`);
  }
}
