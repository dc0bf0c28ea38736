/**
 * Opens the platform's database — SQLite (better-sqlite3, the embedded default) or PostgreSQL
 * (`pg`) — behind one Kysely schema, runs the migrations, and hands out two ways in:
 * `read(fn)` and `write(fn)`. Every write is one transaction under one platform-wide writer lock
 * (SQLite `BEGIN IMMEDIATE`; PostgreSQL `pg_advisory_xact_lock`), so several `serve` processes on
 * one PostgreSQL never interleave TUF metadata versions. Driver failures become typed errors:
 * a database that cannot be reached is DATABASE_UNAVAILABLE (the API answers 503).
 * The drivers are imported lazily: only the one in use is loaded.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, sql, SqliteDialect, type Transaction } from 'kysely';
import { FleetpackError, messageOf, PlatformError } from '../../errors.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export type DatabaseTarget = { sqlite: string } | { postgres: string };

/** What a transaction body receives: the same query builder, bound to the transaction. */
export type Tx = Kysely<Database> | Transaction<Database>;

/** An arbitrary constant: the advisory lock key every platform writer takes. */
const WRITER_LOCK_KEY = 0x666c_7074; // "flpt"

export interface Store {
  readonly dialect: Dialect;
  /** A description without credentials, for logs and errors. */
  readonly where: string;
  read<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** True when a trivial query succeeds (health checks). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Parses `--database`: a postgres:// URL, a sqlite: path, or a plain file path. */
export function parseDatabaseTarget(spec: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(spec)) return { postgres: spec };
  if (/^sqlite:/i.test(spec)) return { sqlite: spec.replace(/^sqlite:(\/\/)?/i, '') };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new PlatformError('DATABASE_URL_INVALID', `Unsupported database URL scheme in "${redactUrl(spec)}"`, {
      hint: 'Use postgres://USER:PASSWORD@HOST:PORT/DB, or a SQLite file path (sqlite:PATH).',
    });
  }
  return { sqlite: spec };
}

/** A URL with its password removed, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^@/]*)@/, '//***@');
  }
}

export async function openStore(target: DatabaseTarget): Promise<Store> {
  const store = 'postgres' in target ? await openPostgres(target.postgres) : await openSqlite(target.sqlite);
  try {
    await migrate(store);
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return store;
}

async function migrate(store: Store): Promise<void> {
  await store.read(async (db) => {
    const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw asStoreError(error, store.where, failed ? `migration ${failed}` : 'migrations');
    }
  });
}

async function openSqlite(path: string): Promise<Store> {
  const { default: SqliteDatabase } = await import('better-sqlite3');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let raw;
  try {
    raw = new SqliteDatabase(path, { timeout: 10_000 });
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
  } catch (e) {
    throw asStoreError(e, path, 'open');
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachedStatements(raw) }) });
  // One connection (Kysely serializes better-sqlite3 behind a mutex); BEGIN IMMEDIATE takes the
  // file's write lock up front, so another process writing the same file waits (busy timeout).
  return makeStore('sqlite', `SQLite ${path}`, db, (fn) =>
    db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const out = await fn(conn);
        await sql`commit`.execute(conn);
        return out;
      } catch (e) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw e;
      }
    }),
  );
}

/** Prepared statements kept per SQL text (bounded): the hot queries (token, device, assignment) skip SQLite's compile. */
const STATEMENT_CACHE = 256;
/** Longer texts (bulk inserts) are prepared each time rather than kept. */
const STATEMENT_CACHE_MAX_SQL = 4096;

/**
 * better-sqlite3 behind Kysely prepares every query anew (a third of a facade poll's CPU); this
 * keeps the prepared statements by text. A statement is used by one query at a time: Kysely runs
 * one query at a time on the single connection, and `all`/`run` finish synchronously.
 */
function cachedStatements(raw: BetterSqlite3.Database): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = raw.prepare.bind(raw);
  return new Proxy(raw, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') return Reflect.get(target, prop, receiver) as unknown;
      return (text: string) => {
        if (text.length > STATEMENT_CACHE_MAX_SQL) return prepare(text);
        let stmt = cache.get(text);
        if (stmt) {
          cache.delete(text);
        } else {
          stmt = prepare(text);
          if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
        }
        cache.set(text, stmt);
        return stmt;
      };
    },
  });
}

/** A column of a bulk insert, with its PostgreSQL type (for `unnest`). */
export interface BulkColumn {
  name: string;
  pgType: 'text' | 'integer' | 'bigint';
}

/** SQLite's default limit of bound parameters per statement is 32,766. */
const SQLITE_MAX_PARAMETERS = 32_000;

/**
 * Inserts many rows in few statements, bypassing the query builder (which builds a node per
 * value): on PostgreSQL one `INSERT … SELECT * FROM unnest($1::type[], …)` per 50,000 rows, on
 * SQLite multi-row VALUES of up to 32,000 parameters. `onConflict` is appended as written
 * (e.g. `on conflict (id) do update set …`, the same syntax on both). Rows are arrays in column order.
 */
export async function insertRows(
  tx: Tx,
  dialect: Dialect,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly (readonly (string | number | null)[])[],
  onConflict = '',
): Promise<void> {
  const names = columns.map((c) => c.name).join(', ');
  if (dialect === 'postgres') {
    for (let i = 0; i < rows.length; i += 50_000)
      await insertUnnest(tx, table, columns, rows.slice(i, i + 50_000), onConflict);
    return;
  }
  const per = Math.max(1, Math.floor(SQLITE_MAX_PARAMETERS / columns.length));
  const tuple = `(${columns.map(() => '?').join(',')})`;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const params: unknown[] = [];
    for (const r of chunk) for (const v of r) params.push(v);
    await tx.executeQuery(
      CompiledQuery.raw(
        `insert into ${table} (${names}) values ${Array(chunk.length).fill(tuple).join(',')} ${onConflict}`,
        params,
      ),
    );
  }
}

/**
 * One PostgreSQL `INSERT … SELECT … FROM unnest(…)`. A text column with few distinct values (a
 * device's facts document, a timestamp) is sent once per value plus an index per row: pg escapes
 * every array element, and 100,000 copies of a facts document cost seconds.
 */
async function insertUnnest(
  tx: Tx,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly (readonly (string | number | null)[])[],
  onConflict: string,
): Promise<void> {
  const params: unknown[] = [];
  const unnested: string[] = [];
  const selected: string[] = [];
  columns.forEach((c, ci) => {
    const values = rows.map((r) => r[ci] ?? null);
    const distinct = new Map<string | number | null, number>();
    if (c.pgType === 'text' && rows.length >= 64)
      for (const v of values)
        if (!distinct.has(v) && distinct.size <= rows.length / 8) distinct.set(v, distinct.size + 1);
    if (c.pgType === 'text' && rows.length >= 64 && distinct.size <= rows.length / 8) {
      params.push([...distinct.keys()]);
      const dict = params.length;
      params.push(values.map((v) => distinct.get(v)!));
      unnested.push(`$${params.length}::integer[]`);
      selected.push(`($${dict}::text[])[c${ci}]`);
    } else {
      params.push(values);
      unnested.push(`$${params.length}::${c.pgType}[]`);
      selected.push(`c${ci}`);
    }
  });
  const names = columns.map((c) => c.name).join(', ');
  const aliases = columns.map((_, ci) => `c${ci}`).join(', ');
  await tx.executeQuery(
    CompiledQuery.raw(
      `insert into ${table} (${names}) select ${selected.join(', ')} from unnest(${unnested.join(', ')}) as t(${aliases}) ${onConflict}`,
      params,
    ),
  );
}

/** A Store over a Kysely instance and its way of running one locked write transaction. */
function makeStore(
  dialect: Dialect,
  where: string,
  db: Kysely<Database>,
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
): Store {
  return {
    dialect,
    where,
    read: (fn) => guard(fn(db), where),
    write: (fn) => guard(transaction(fn), where),
    ping: () =>
      sql`select 1`.execute(db).then(
        () => true,
        () => false,
      ),
    close: () => db.destroy(),
  };
}

async function openPostgres(url: string): Promise<Store> {
  const { default: pg } = await import('pg');
  const { Pool, types } = pg;
  const builtin = types.getTypeParser.bind(types) as (
    oid: number,
    format?: 'text' | 'binary',
  ) => (v: string) => unknown;
  const where = `PostgreSQL ${redactUrl(url)}`;
  const pool = new Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    // BIGINT (sizes, versions) as numbers: every value we store is below 2^53.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : builtin(oid, format),
    } as unknown as typeof types,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return makeStore('postgres', where, db, (fn) =>
    db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(${WRITER_LOCK_KEY})`.execute(tx);
      return fn(tx);
    }),
  );
}

async function guard<T>(p: Promise<T>, where: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw asStoreError(e, where);
  }
}

const PG_UNAVAILABLE = /^(08|57P0[1-3]|53)/; // connection exceptions, shutdown, insufficient resources
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|NOTADB|CORRUPT)/;
const NET_UNAVAILABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)$/;

/** True for a unique / primary-key violation on either database. */
export function isUniqueViolation(e: unknown): boolean {
  const code = errCode(e);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function errCode(e: unknown): string {
  const c = e !== null && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
  return typeof c === 'string' ? c : '';
}

/** Driver errors → PlatformError; our own errors and unique violations pass through. */
export function asStoreError(e: unknown, where: string, during?: string): unknown {
  if (e instanceof FleetpackError || isUniqueViolation(e)) return e;
  const code = errCode(e);
  const msg = messageOf(e);
  const unavailable =
    PG_UNAVAILABLE.test(code) ||
    SQLITE_UNAVAILABLE.test(code) ||
    NET_UNAVAILABLE.test(code) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|database system is (starting up|shutting down)/i.test(
      msg,
    );
  if (unavailable) {
    return new PlatformError('DATABASE_UNAVAILABLE', `The platform database is unavailable (${code || msg})`, {
      where: during ? `${where} (${during})` : where,
      hint: 'Retry shortly. If it persists, check that the database server is running and reachable.',
      cause: e,
    });
  }
  return e;
}
