/**
 * The browser host: serves the built renderer and the StudioApi on 127.0.0.1 only.
 * /api/session    POST → Result<{ session }>: a new session for this page (its own handles, draft, jobs)
 * /api/op/<name>   POST JSON → Result (one operation of the contract)
 * /api/upload…     the upload protocol of the contract (UploadEndpoints)
 * /api/events      GET → server-sent events of the page's session: JobEvents and range requests
 * /api/package-tar POST → Result<PackageDownload> (the save gate, a frozen copy); GET ?ticket= → the tar, once
 * Everything under /api/ needs the token, and everything but /api/session the page's session id
 * (header X-Fleetpack-Session, or ?session= for the event stream). A session ends a little after
 * its page's event stream closes (tab closed, reload), or when idle; its uploads go with it.
 * Every request needs our own Host; a foreign Origin is refused.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { OPERATIONS, type OperationName, type Result, type SessionHeader } from '../studio/contract.js';
import { SessionPool, StudioSession, toStudioError, type PooledSession, type SessionOptions } from '../studio/index.js';
import { SECURITY_HEADERS, checkHost, checkOrigin, checkToken, type Refusal } from './security.js';

export interface HostOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  token?: string;
  /** Options of every page's session (upload cap, temp folder). */
  sessionOptions?: SessionOptions;
  maxSessions?: number;
  /** How long a session outlives its page's event stream (default 20 s: enough for a reconnect). */
  graceMs?: number;
  /** A session without a page that was not used for this long ends (default 30 min). */
  idleMs?: number;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  sessions: SessionPool;
  server: Server;
  close(): Promise<void>;
}

const MAX_JSON = 8 * 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
const OPS = new Set<string>(OPERATIONS);
const SESSION_HEADER: Lowercase<SessionHeader> = 'x-fleetpack-session';

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const rendererDir = resolve(opts.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new UsageError(
      'RENDERER_NOT_BUILT',
      `The Studio UI is not built (${join(rendererDir, 'index.html')} is missing)`,
      {
        hint: 'Run `npm run build` first.',
      },
    );
  }
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const sessions = new SessionPool({
    ...opts.sessionOptions,
    ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}),
  });
  const graceMs = opts.graceMs ?? 20_000;
  let port = 0;
  /** Each session's event streams: a page hears its own jobs and range requests, never another's. */
  const streams = new Map<string, Set<ServerResponse>>();
  const endTimers = new Map<string, NodeJS.Timeout>();
  sessions.onCreate((p) => {
    const set = new Set<ServerResponse>();
    streams.set(p.id, set);
    const send = (text: string) => {
      for (const res of set) res.write(text);
    };
    p.session.jobs.onEvent((e) => send(`data: ${JSON.stringify(e)}\n\n`));
    // Bytes an inspection is waiting for: the page answers with an upload-chunk of that range.
    p.session.files.onRangeRequest((r) => send(`event: range\ndata: ${JSON.stringify(r)}\n\n`));
  });
  const endSession = async (id: string) => {
    clearTimeout(endTimers.get(id));
    endTimers.delete(id);
    for (const res of streams.get(id) ?? []) res.end();
    streams.delete(id);
    await sessions.end(id);
  };
  const sweep = setInterval(() => {
    void sessions.sweep(opts.idleMs ?? 30 * 60_000).then(() => {
      for (const id of streams.keys()) if (!sessions.has(id)) streams.delete(id);
    });
  }, 60_000);
  sweep.unref();

  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: toStudioError(e) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostRefusal = checkHost(req, port);
    if (hostRefusal) {
      refuse(req, res, hostRefusal);
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (!url.pathname.startsWith('/api/')) return serveStatic(req, res, url);

    res.setHeader('Cache-Control', 'no-store');
    const refusal = checkOrigin(req, port) ?? checkToken(req, url, token);
    if (refusal) {
      refuse(req, res, refusal);
      return;
    }

    const path = url.pathname;
    if (path === '/api/session' && req.method === 'POST') {
      req.resume();
      const created = await wrapAdapter(async () => ({ session: (await sessions.create()).id }));
      sendJson(res, created.ok ? 200 : 503, created);
      return;
    }
    let pooled: PooledSession;
    try {
      pooled = sessions.get(req.headers[SESSION_HEADER] ?? url.searchParams.get('session'));
    } catch (e) {
      req.resume();
      sendJson(res, 410, { ok: false, error: toStudioError(e) });
      return;
    }
    const session = pooled.session;
    if (path === '/api/events' && req.method === 'GET') {
      openEvents(req, res, pooled);
      return;
    }
    if (path === '/api/upload' && (req.method === 'POST' || req.method === 'PUT')) {
      const declared = Number(req.headers['content-length']);
      const result = await session.wrap(() =>
        session.files.upload(req, url.searchParams.get('name') ?? '', {
          ...(url.searchParams.get('folder') ? { folder: url.searchParams.get('folder')! } : {}),
          maxBytes: session.maxUploadBytes,
          ...(Number.isFinite(declared) ? { declaredSize: declared } : {}),
        }),
      );
      if (!result.ok && result.error.code === 'UPLOAD_TOO_LARGE') {
        res.setHeader('Connection', 'close');
        sendJson(res, 413, result);
        return;
      }
      sendJson(res, 200, result);
      return;
    }
    if (path === '/api/upload-start' && req.method === 'POST') {
      req.resume();
      const result = await session.wrap(() =>
        session.files.startArriving(
          url.searchParams.get('name') ?? '',
          Number(url.searchParams.get('size') ?? NaN),
          session.maxUploadBytes,
        ),
      );
      sendJson(res, !result.ok && result.error.code === 'UPLOAD_TOO_LARGE' ? 413 : 200, result);
      return;
    }
    if (path === '/api/upload-ranges' && req.method === 'PUT') {
      const result = await session.wrap(() =>
        session.files.writeRanges(url.searchParams.get('file'), url.searchParams.get('ranges') ?? '', req),
      );
      sendJson(res, 200, result);
      return;
    }
    if (path === '/api/upload-chunk' && req.method === 'PUT') {
      const result = await session.wrap(() =>
        session.files.writeChunk(url.searchParams.get('file'), Number(url.searchParams.get('offset') ?? NaN), req),
      );
      sendJson(res, 200, result);
      return;
    }
    if (path === '/api/folder' && req.method === 'POST') {
      sendJson(
        res,
        200,
        await session.wrap(() => session.files.newUploadFolder(url.searchParams.get('name') ?? 'package')),
      );
      return;
    }
    if (path === '/api/package-tar' && req.method === 'POST') {
      req.resume();
      sendJson(
        res,
        200,
        await session.wrap(() => session.preparePackageTar(url.searchParams.get('withoutSignature') === '1')),
      );
      return;
    }
    if (path === '/api/package-tar' && req.method === 'GET') {
      await sendPackageTar(res, session, url.searchParams.get('ticket'));
      return;
    }
    const op = path.startsWith('/api/op/') ? path.slice('/api/op/'.length) : '';
    if (op && req.method === 'POST') {
      if (!OPS.has(op)) {
        req.resume();
        sendJson(res, 404, { ok: false, error: { code: 'UNKNOWN_OPERATION', message: `No operation ${op}` } });
        return;
      }
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        req.resume();
        sendJson(res, 415, { ok: false, error: { code: 'BAD_CONTENT_TYPE', message: 'Send application/json' } });
        return;
      }
      const body = await readJson(req);
      if (!body.ok) {
        sendJson(res, 400, body);
        return;
      }
      sendJson(res, 200, await session.call(op as OperationName, body.value));
      return;
    }
    req.resume();
    sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: 'No such endpoint' } });
  }

  function openEvents(req: IncomingMessage, res: ServerResponse, p: PooledSession): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    streams.get(p.id)?.add(res);
    p.listeners++;
    clearTimeout(endTimers.get(p.id));
    endTimers.delete(p.id);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      streams.get(p.id)?.delete(res);
      p.listeners--;
      p.lastUsed = Date.now();
      // The page went away (closed, reloaded): its session ends unless it reconnects soon.
      if (p.listeners === 0 && sessions.has(p.id)) {
        const timer = setTimeout(() => void endSession(p.id), graceMs);
        timer.unref();
        endTimers.set(p.id, timer);
      }
    });
  }

  /** Adapter work outside a session, with the same error handling as the operations. */
  async function wrapAdapter<T>(fn: () => Promise<T>): Promise<Result<T>> {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      return { ok: false, error: toStudioError(e) };
    }
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method not allowed');
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      sendText(res, 400, 'Bad path');
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep)) {
      sendText(res, 404, 'Not found');
      return;
    }
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) {
      sendText(res, 404, 'Not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': st.size,
      'Cache-Control': rel === '/index.html' ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  // Before the URL is handed out, so the first dropped model does not pay for it (best effort:
  // a failure here shows again, in words, on first use).
  await StudioSession.warmUp().catch(() => {});
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    sessions,
    server,
    async close() {
      clearInterval(sweep);
      for (const t of endTimers.values()) clearTimeout(t);
      for (const set of streams.values()) for (const res of set) res.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await sessions.endAll();
    },
  };
}

/** The tar of a package prepared by POST /api/package-tar, as a download (its ticket works once). */
async function sendPackageTar(res: ServerResponse, session: StudioSession, ticket: string | null): Promise<void> {
  const taken = await session.wrap(() => Promise.resolve().then(() => session.downloads.take(ticket)));
  if (!taken.ok) {
    sendJson(res, 404, taken);
    return;
  }
  const t = taken.value;
  const ascii = t.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  res.writeHead(200, {
    'Content-Type': 'application/x-tar',
    'Content-Length': t.bytes,
    'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(t.fileName)}`,
  });
  try {
    await pipeline(Readable.from(t.body), res);
  } catch {
    res.destroy(); // the browser sees a failed download, never a short tar that looks complete
  } finally {
    await t.done();
  }
}

async function readJson(req: IncomingMessage): Promise<Result<unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON) return { ok: false, error: { code: 'TOO_LARGE', message: 'Request body too large' } };
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, value: size === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, error: { code: 'BAD_JSON', message: 'The request body is not JSON' } };
  }
}

/** Refuses without reading the body (drained, so the client sees the answer rather than a reset). */
function refuse(req: IncomingMessage, res: ServerResponse, r: Refusal): void {
  req.resume();
  sendJson(res, r.status, {
    ok: false,
    error: { code: r.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message: r.message },
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
