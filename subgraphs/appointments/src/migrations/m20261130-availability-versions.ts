// A version per doctor (and one clinic-wide) that Postgres itself bumps in the transaction of every change
// that can alter availability: schedule rules and exceptions, live appointments (booked, cancelled, moved,
// expired, declined) and waiting-list holds. Cached availability is keyed by these versions, so no write
// path (a replica, the sweeper, a new mutation) can forget to invalidate it. The clinic-wide row starts at a
// random number so a recreated database never meets cache entries of an old one.
import { Migration } from '@clinic/service-kit';

const LIVE_APPOINTMENT = (row: string) => `(${row}.status in ('REQUESTED','APPROVED'))`;
const LIVE_HOLD = (row: string) => `(${row}.status = 'OFFERED')`;

export class Migration20261130AvailabilityVersions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table availability_versions (doctor_id uuid primary key, version bigint not null)`);
    this.addSql(`insert into availability_versions (doctor_id, version) values ('00000000-0000-0000-0000-000000000000', (random() * 1e12)::bigint)`);
    // `set search_path from current`: the functions find this schema's tables even when a change comes from a
    // session whose search_path names another schema (an operator's psql, a maintenance script).
    this.addSql(`create function availability_bump(doctor uuid) returns void language sql set search_path from current as $$
      insert into availability_versions (doctor_id, version) values (coalesce(doctor, '00000000-0000-0000-0000-000000000000'), 1)
      on conflict (doctor_id) do update set version = availability_versions.version + 1 $$`);
    this.addSql(`create function availability_touch() returns trigger language plpgsql set search_path from current as $$
      begin
        if tg_op <> 'INSERT' then perform availability_bump(old.doctor_id); end if;
        if tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.doctor_id is distinct from old.doctor_id) then perform availability_bump(new.doctor_id); end if;
        return null;
      end $$`);
    for (const table of ['schedule_rules', 'schedule_exceptions']) {
      this.addSql(`create trigger ${table}_availability after insert or update or delete on ${table} for each row execute function availability_touch()`);
    }
    this.addSql(`create trigger appointments_availability_ins after insert on appointments for each row when ${LIVE_APPOINTMENT('new')} execute function availability_touch()`);
    this.addSql(`create trigger appointments_availability_del after delete on appointments for each row when ${LIVE_APPOINTMENT('old')} execute function availability_touch()`);
    this.addSql(`create trigger appointments_availability_upd after update on appointments for each row
      when ((${LIVE_APPOINTMENT('old')} or ${LIVE_APPOINTMENT('new')}) and (${LIVE_APPOINTMENT('old')} <> ${LIVE_APPOINTMENT('new')}
        or old.doctor_id is distinct from new.doctor_id or old.starts_at is distinct from new.starts_at or old.ends_at is distinct from new.ends_at))
      execute function availability_touch()`);
    const holdChanged = `old.doctor_id is distinct from new.doctor_id or old.offer_starts_at is distinct from new.offer_starts_at
        or old.offer_ends_at is distinct from new.offer_ends_at or old.offer_expires_at is distinct from new.offer_expires_at`;
    this.addSql(`create trigger waitlist_availability_ins after insert on waitlist_entries for each row when ${LIVE_HOLD('new')} execute function availability_touch()`);
    this.addSql(`create trigger waitlist_availability_del after delete on waitlist_entries for each row when ${LIVE_HOLD('old')} execute function availability_touch()`);
    this.addSql(`create trigger waitlist_availability_upd after update on waitlist_entries for each row
      when ((${LIVE_HOLD('old')} or ${LIVE_HOLD('new')}) and (${LIVE_HOLD('old')} <> ${LIVE_HOLD('new')} or ${holdChanged}))
      execute function availability_touch()`);
  }
}
