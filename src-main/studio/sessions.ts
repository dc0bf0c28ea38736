/**
 * One StudioSession per page (browser host) or window (Electron): its own handles, draft, jobs and
 * working folder, so nothing one page does reaches another. A handle handed to one page is
 * unknown to every other session (FileTable is per session), so it is refused there.
 */
import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { StudioSession, type SessionOptions } from './session.js';

export interface PooledSession {
  id: string;
  session: StudioSession;
  /** When the session was last used (ms since epoch); the pool ends the least recently used first. */
  lastUsed: number;
  /** Open event streams (browser pages); a session with one is never ended for being idle. */
  listeners: number;
}

export class SessionPool {
  private readonly sessions = new Map<string, PooledSession>();
  private readonly created = new Set<(p: PooledSession) => void>();

  constructor(
    private readonly opts: SessionOptions & {
      /** Sessions held at most; over it, the least recently used one without a listener ends. */
      maxSessions?: number;
    } = {},
  ) {}

  /** Called for each new session (the host wires its job and range events to the page's stream). */
  onCreate(listener: (p: PooledSession) => void): void {
    this.created.add(listener);
  }

  async create(): Promise<PooledSession> {
    const max = this.opts.maxSessions ?? 32;
    if (this.sessions.size >= max) {
      const idle = [...this.sessions.values()]
        .filter((p) => p.listeners === 0)
        .sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!idle) {
        throw new UsageError('TOO_MANY_SESSIONS', `The Studio already serves ${max} open pages`, {
          hint: 'Close some Studio tabs, then reload this one.',
        });
      }
      await this.end(idle.id);
    }
    const { maxSessions: _m, ...sessionOpts } = this.opts;
    const session = await StudioSession.create(sessionOpts);
    const p: PooledSession = { id: randomBytes(18).toString('base64url'), session, lastUsed: Date.now(), listeners: 0 };
    this.sessions.set(p.id, p);
    for (const l of this.created) l(p);
    return p;
  }

  /** The session with this id, or a SESSION_ENDED error the page can act on. */
  get(id: unknown): PooledSession {
    const p = typeof id === 'string' ? this.sessions.get(id) : undefined;
    if (!p) {
      throw new UsageError('SESSION_ENDED', 'This page’s Studio session has ended (or never started)', {
        hint: 'Reload the page to start a new session; files you opened in it must be opened again.',
      });
    }
    p.lastUsed = Date.now();
    return p;
  }

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  list(): PooledSession[] {
    return [...this.sessions.values()];
  }

  /** Cancels the session's jobs and removes its working folder (uploads included). */
  async end(id: string): Promise<void> {
    const p = this.sessions.get(id);
    if (!p) return;
    this.sessions.delete(id);
    await p.session.dispose();
  }

  /** Ends sessions without a listener that were not used for `idleMs`. */
  async sweep(idleMs: number, now = Date.now()): Promise<void> {
    for (const p of [...this.sessions.values()])
      if (p.listeners === 0 && now - p.lastUsed >= idleMs) await this.end(p.id);
  }

  async endAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.end(id)));
  }
}
