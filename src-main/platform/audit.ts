/**
 * The audit log: every publish, channel change, key and token change, with who and when. Entries
 * are written inside the transaction that makes the change, so the log never disagrees with it.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tx } from './store/database.js';
import type { Database } from './store/schema.js';

/** Who did something: a token's name and role, or a local operator on the platform machine. */
export interface Actor {
  name: string;
  role: 'admin' | 'publisher' | 'device' | 'enrolment' | 'local';
  tokenId?: string;
}

export function actorLabel(a: Actor): string {
  return a.role === 'local' ? `local:${a.name}` : `${a.role}:${a.name}`;
}

let lastMs = 0;
let seq = 0;

/** Time-ordered unique ids: 12 hex of milliseconds, 4 hex of a per-process sequence, 8 hex random. */
export function newId(prefix: string, now = Date.now()): string {
  seq = now === lastMs ? (seq + 1) & 0xffff : 0;
  lastMs = now;
  return `${prefix}_${now.toString(16).padStart(12, '0')}${seq.toString(16).padStart(4, '0')}${randomBytes(4).toString('hex')}`;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}

export async function audit(
  tx: Tx,
  at: Date,
  actor: Actor,
  action: string,
  subject: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await tx
    .insertInto('audit')
    .values({
      id: newId('a', at.getTime()),
      at: at.toISOString(),
      actor: actorLabel(actor),
      action,
      subject,
      detail: JSON.stringify(detail),
    })
    .execute();
}

export interface AuditQuery {
  /** Only entries after this id (paging forward). */
  after?: string;
  action?: string;
  limit?: number;
}

export async function listAudit(db: Kysely<Database>, q: AuditQuery = {}): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit').selectAll().orderBy('id', 'asc');
  if (q.after) query = query.where('id', '>', q.after);
  if (q.action) query = query.where('action', '=', q.action);
  const rows = await query.limit(Math.min(Math.max(q.limit ?? 1000, 1), 10_000)).execute();
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}
