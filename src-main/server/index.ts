/**
 * The platform's HTTP server: the API (app.ts) plus the server's own housekeeping — re-signing
 * online TUF metadata before it expires, dropping superseded metadata, sweeping stale uploads.
 */
import type { FastifyInstance } from 'fastify';
import type { Platform } from '../platform/index.js';
import { buildServer, type ServerOptions } from './app.js';

export { parseContentRange, type ServerOptions } from './app.js';
export { httpStatus, errorBody } from './errors.js';

export interface ListenOptions extends ServerOptions {
  host?: string;
  port?: number;
  /** How often to look at metadata expiry at most (ms). */
  maintenanceMs?: number;
  onMaintenanceError?: (e: unknown) => void;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startServer(platform: Platform, opts: ListenOptions = {}): Promise<RunningServer> {
  const app = await buildServer(platform, opts);
  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // A function, so the check after an await reads the current value (close() may have run meanwhile).
  const isStopped = () => stopped;
  const every = opts.maintenanceMs ?? 10 * 60_000;
  const tick = async () => {
    if (isStopped()) return;
    try {
      const roles = await platform.maintainTuf();
      if (roles.length) app.log.info({ roles }, 'TUF metadata re-signed before expiry');
      await platform.uploads.sweep();
    } catch (e) {
      // A database that is away now is retried at the next tick; the API answers 503 meanwhile.
      opts.onMaintenanceError?.(e);
      app.log.warn({ code: (e as { code?: string }).code }, 'TUF maintenance failed; will retry');
    }
    if (isStopped()) return;
    const next = await platform.nextTufRefresh().catch(() => undefined);
    const wait = next ? Math.min(every, Math.max(1000, next.getTime() - Date.now())) : every;
    timer = setTimeout(() => void tick(), wait);
    timer.unref();
  };
  await tick();

  return {
    app,
    url,
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await app.close();
    },
  };
}
