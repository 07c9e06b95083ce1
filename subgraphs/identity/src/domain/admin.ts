// Administration of accounts: search, deactivate, and bulk import (CSV or JSON) with a per-row report.
import type { EntityManager } from '@mikro-orm/postgresql';
import { parse as parseCsv } from 'csv-parse/sync';
import { badUserInput, DomainError, notFound, type RevocationList } from '@clinic/service-kit';
import { query, inTransaction } from '../db.ts';
import { USER_COLUMNS, type UserRecord } from '../users.ts';
import { createUser } from './auth.ts';
import { revokeAllSessions } from './sessions.ts';
import { republishDoctor } from './profiles.ts';
import * as v from './validation.ts';

/**
 * Users whose name or e-mail contains the search anywhere ("escu" finds Ionescu), ignoring case and
 * accents ("stefan" finds Ștefan): both sides go through the schema's fold_search(), and the trigram
 * index on users.search_text serves the `like '%…%'`.
 */
export async function searchUsers(em: EntityManager, opts: { search?: string | null; role?: string | null; limit: number; offset: number }): Promise<UserRecord[]> {
  const search = opts.search?.trim() ? v.text(opts.search.trim(), 'search', 100).replace(/[%_\\]/g, (c) => `\\${c}`) : null;
  const role = opts.role ? v.roleName(opts.role) : null;
  return query<UserRecord>(
    em,
    `select ${USER_COLUMNS} from users u
      where (?::text is null or u.search_text like '%' || fold_search(?) || '%')
        and (?::text is null or exists (select 1 from user_roles r where r.user_id = u.id and r.role = ?))
      order by lower(u.display_name), u.id limit ? offset ?`,
    [search, search, role, role, opts.limit, opts.offset],
  );
}

/** Deactivates the account: its sessions end and every token issued to it so far stops (Azure AD ones included). */
export async function deactivateUser(tx: EntityManager, userId: string, revocations?: RevocationList): Promise<void> {
  const rows = await query(tx, `update users set status = 'DEACTIVATED', updated_at = now() where id = ? returning id`, [userId]);
  if (!rows.length) throw notFound('User');
  await revokeAllSessions(tx, userId, 'DEACTIVATED', null, revocations);
  await republishDoctor(tx, userId);
}

export interface ImportRowResult {
  row: number;
  email: string | null;
  status: 'CREATED' | 'FAILED';
  userId: string | null;
  error: string | null;
}

const MAX_IMPORT_ROWS = 1_000;

function rowsOf(format: 'CSV' | 'JSON', data: string): Record<string, unknown>[] {
  if (data.length > 2_000_000) throw badUserInput('The import is larger than 2 MB', { field: 'data' });
  let rows: unknown;
  try {
    rows = format === 'CSV' ? parseCsv(data, { columns: true, skip_empty_lines: true, trim: true }) : JSON.parse(data);
  } catch {
    throw badUserInput(`The ${format} could not be parsed`, { field: 'data' });
  }
  if (!Array.isArray(rows)) throw badUserInput('JSON imports are an array of users', { field: 'data' });
  if (rows.length > MAX_IMPORT_ROWS) throw badUserInput(`At most ${MAX_IMPORT_ROWS} rows per import`, { field: 'data' });
  return rows as Record<string, unknown>[];
}

/** Each row is its own transaction: one bad row is reported and the others still import. */
export async function importUsers(em: EntityManager, format: 'CSV' | 'JSON', data: string): Promise<ImportRowResult[]> {
  const results: ImportRowResult[] = [];
  for (const [i, row] of rowsOf(format, data).entries()) {
    const email = typeof row.email === 'string' ? row.email : null;
    try {
      const roles = Array.isArray(row.roles) ? row.roles.map(String) : String(row.roles ?? 'PATIENT').split(/[;|]/).map((r) => r.trim()).filter(Boolean);
      const userId = await inTransaction(em, (tx) =>
        createUser(tx, { email: String(row.email ?? ''), displayName: String(row.displayName ?? row.display_name ?? ''), password: null, roles }),
      );
      results.push({ row: i + 1, email, status: 'CREATED', userId, error: null });
    } catch (error) {
      const message = error instanceof DomainError ? error.message : 'Could not be saved';
      results.push({ row: i + 1, email, status: 'FAILED', userId: null, error: message });
    }
  }
  return results;
}
