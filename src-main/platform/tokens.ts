/**
 * API tokens. A token is `fpt_<id>_<secret>`; only SHA-256 of the 256-bit secret is stored (a
 * slow hash adds nothing for a random secret), looked up by id and compared in constant time.
 * Roles: admin (everything), publisher (upload, publish, channels, reads), device (the device
 * facade only, bound to one device), enrolment (a fleet's devices register themselves with it and
 * receive their own device token). A token is printed once, when it is created.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { PlatformError } from '../errors.js';
import { type Actor, audit } from './audit.js';
import type { Tx } from './store/database.js';
import type { Database } from './store/schema.js';

export const TOKEN_ROLES = ['admin', 'publisher', 'device', 'enrolment'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

const TOKEN_RE = /^fpt_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;
/** Token and publisher names: what audit entries and `publisher add-key` refer to. */
export const ACTOR_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function isTokenRole(r: string): r is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(r);
}

export function checkActorName(name: string, what = 'name'): void {
  if (!ACTOR_NAME_RE.test(name)) {
    throw new PlatformError('NAME_INVALID', `Invalid ${what} "${name.slice(0, 80)}"`, {
      hint: 'Use 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit.',
    });
  }
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest();

export interface CreatedToken {
  id: string;
  name: string;
  role: TokenRole;
  /** The token itself: shown once, never stored. */
  token: string;
}

export async function createToken(tx: Tx, name: string, role: string, by: Actor, now: Date): Promise<CreatedToken> {
  checkActorName(name, 'token name');
  if (!isTokenRole(role)) {
    throw new PlatformError('ROLE_INVALID', `Unknown token role "${role.slice(0, 40)}"`, {
      hint: `Use one of ${TOKEN_ROLES.join(', ')}.`,
    });
  }
  const id = randomBytes(12).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await tx
    .insertInto('tokens')
    .values({
      id,
      name,
      role,
      secret_hash: hashSecret(secret).toString('hex'),
      created_at: now.toISOString(),
      created_by: by.name,
      revoked_at: null,
    })
    .execute();
  await audit(tx, now, by, 'token.create', `token:${name}`, { id, role });
  return { id, name, role, token: `fpt_${id}_${secret}` };
}

export async function revokeToken(tx: Tx, id: string, by: Actor, now: Date): Promise<void> {
  const res = await tx
    .updateTable('tokens')
    .set({ revoked_at: now.toISOString() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    throw new PlatformError('TOKEN_NOT_FOUND', `No active token with id ${id.slice(0, 40)}`);
  }
  await audit(tx, now, by, 'token.revoke', `token:${id}`, {});
}

export interface TokenInfo {
  id: string;
  name: string;
  role: TokenRole;
  createdAt: string;
  revokedAt: string | null;
}

export async function listTokens(db: Kysely<Database>): Promise<TokenInfo[]> {
  const rows = await db.selectFrom('tokens').selectAll().orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role as TokenRole,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

// Compared against when the id is unknown, so a miss costs the same as a wrong secret.
const DUMMY = hashSecret('fleetpack-dummy');

/** The actor a presented token stands for, or undefined when it is not a valid active token. */
export async function authenticate(db: Kysely<Database>, presented: string): Promise<Actor | undefined> {
  const m = TOKEN_RE.exec(presented);
  if (!m) return undefined;
  const row = await db
    .selectFrom('tokens')
    .select(['id', 'name', 'role', 'secret_hash', 'revoked_at'])
    .where('id', '=', m[1]!)
    .executeTakeFirst();
  const expected = row ? Buffer.from(row.secret_hash, 'hex') : DUMMY;
  const match = timingSafeEqual(hashSecret(m[2]!), expected.length === 32 ? expected : DUMMY);
  if (!row || !match || row.revoked_at !== null || !isTokenRole(row.role)) return undefined;
  return { name: row.name, role: row.role, tokenId: row.id };
}

/** A short id for a token without its secret (for messages), or undefined when it is not one of ours. */
export function tokenIdOf(presented: string): string | undefined {
  return TOKEN_RE.exec(presented)?.[1];
}
