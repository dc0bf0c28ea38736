/**
 * HTTP for the registry client, over node:http/node:https (Node 20's fetch buffers a streamed
 * request body whole — a 512 MiB PATCH took 640 MB of memory — where node:http keeps backpressure
 * and stays near 25 MB): retries with backoff on 429/5xx and dropped
 * connections (for requests the caller marks retryable), redirects followed by hand so
 * `Authorization` never crosses to another origin, an idle watchdog so a silent server cannot hang
 * us, bodies given as factories so a retry re-sends them, and registry error bodies turned into
 * typed OciErrors that say what failed, where, and what to do.
 */
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError, messageOf, OciError } from '../errors.js';
import { sleep } from '../sleep.js';
import { Watchdog } from '../watchdog.js';
import { controlCharsToSpace } from '../text.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request body: bytes, or a factory of a fresh stream (called again on every retry). */
export type Body = Buffer | (() => AsyncIterable<Uint8Array>);

export interface HttpRequest {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  body?: Body;
  /** Idempotent: transient failures (429, 5xx, resets, timeouts) may be retried here. */
  retry?: boolean;
  signal?: AbortSignal | undefined;
  /** Human description for errors, e.g. `HEAD blob sha256:… in acme/model`. */
  what: string;
  /** Follow redirects (GET/HEAD of content); uploads treat a redirect as an answer. */
  followRedirects?: boolean;
  /** Chunks of a streamed body, as they go out (progress). */
  onBodyBytes?: (n: number) => void;
}

export interface RetryPolicy {
  /** Attempts in all (first try included). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 8_000 };
/** No byte in either direction for this long: the request is abandoned (and retried if it may be). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 * 1024;
const MAX_RETRY_AFTER_MS = 30_000;

/** An answer: status, headers, and the body as a Node stream (drain or destroy it). */
export interface HttpResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  body: Readable;
  /** The URL that answered. */
  url: string;
}

/** Connections are reused across requests (many small HEADs); idle ones never keep the process alive. */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Supplies and refreshes the Authorization header for one registry origin. */
export interface AuthProvider {
  /** The header to send to `origin` now, if any. */
  header(): string | undefined;
  /**
   * Called with a 401 response to the `round`-th try of one request; true when the request should
   * be sent again with a new header. Throws the typed error when it cannot help.
   */
  challenged(res: HttpResponse, what: string, round: number): Promise<boolean>;
}

export interface ClientResponse {
  res: HttpResponse;
  /** The URL that answered (after redirects). */
  url: string;
  /** Stops the idle watchdog once the caller is done with the body. */
  done(): void;
  /** Re-arms the idle watchdog (call per body chunk read). */
  touch(): void;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function retryAfterMs(res: HttpResponse): number | undefined {
  const v = res.headers.get('retry-after');
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, s * 1000));
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, t - Date.now()));
}

/** Exponential backoff with ±25 % jitter, capped. */
export function backoff(policy: RetryPolicy, attempt: number): number {
  const d = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(d * (0.75 + Math.random() * 0.5));
}

/** A connection-level failure (reset, refused, closed early, idle timeout): worth retrying. */
function networkCause(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? messageOf(e);
}

/** Request paths for messages: no query (upload state tokens), no credentials. */
export function showUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Registry error body: `{"errors":[{"code","message","detail"}]}`. */
export interface RegistryErrorInfo {
  code?: string;
  message?: string;
}

/** Reads at most 64 KiB of an error body and picks out the first registry error. */
export async function errorInfo(res: HttpResponse): Promise<RegistryErrorInfo> {
  let text = '';
  try {
    let total = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      text += chunk.toString('utf8');
      if (total > MAX_ERROR_BODY) break;
    }
  } catch {
    return {};
  } finally {
    res.body.destroy();
  }
  try {
    const doc = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = Array.isArray(doc.errors) ? doc.errors[0] : undefined;
    return {
      ...(typeof first?.code === 'string' ? { code: clean(first.code, 60) } : {}),
      ...(typeof first?.message === 'string' ? { message: clean(first.message, 300) } : {}),
    };
  } catch {
    return text.trim() ? { message: clean(text.trim(), 200) } : {};
  }
}

/** Untrusted text for a message: printable, bounded. */
export function clean(s: string, max: number): string {
  const t = controlCharsToSpace(s);
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

const CODE_BY_REGISTRY: Record<string, string> = {
  MANIFEST_INVALID: 'OCI_MANIFEST_INVALID',
  MANIFEST_BLOB_UNKNOWN: 'OCI_MANIFEST_BLOB_UNKNOWN',
  BLOB_UPLOAD_INVALID: 'OCI_BLOB_UPLOAD_INVALID',
  BLOB_UPLOAD_UNKNOWN: 'OCI_BLOB_UPLOAD_UNKNOWN',
  DIGEST_INVALID: 'OCI_DIGEST_MISMATCH',
  SIZE_INVALID: 'OCI_SIZE_MISMATCH',
  NAME_INVALID: 'OCI_REF_INVALID',
  UNSUPPORTED: 'OCI_UNSUPPORTED',
  TOOMANYREQUESTS: 'OCI_RATE_LIMITED',
  DENIED: 'OCI_DENIED',
  UNAUTHORIZED: 'OCI_UNAUTHORIZED',
};

export const OCI_HINTS: Record<string, string> = {
  OCI_UNAUTHORIZED:
    'Log in with `fleetpack registry login HOST` (or `docker login HOST`), and check the user may access this repository.',
  OCI_DENIED: 'The credentials are valid but not allowed to do this here; ask the registry admin for access.',
  OCI_NOT_FOUND: 'Check the repository, tag or digest (`fleetpack resolve REF` shows what a tag points to).',
  OCI_MANIFEST_INVALID:
    'The registry refused the manifest; it may not accept OCI 1.1 artifacts (artifactType, custom config types). Try another registry or report it.',
  OCI_MANIFEST_BLOB_UNKNOWN: 'A blob the manifest needs is missing in the registry; push again.',
  OCI_BLOB_UPLOAD_INVALID: 'The registry refused the upload; push again. If it persists the registry is misbehaving.',
  OCI_BLOB_UPLOAD_UNKNOWN: 'The upload session expired or was cancelled; push again.',
  OCI_DIGEST_MISMATCH:
    'The registry hashed the uploaded bytes to another digest: the file changed while it was pushed, or the connection corrupted it. Push again.',
  OCI_SIZE_MISMATCH: 'The registry received another number of bytes than announced; push again.',
  OCI_REF_INVALID: 'Repository names are lower case: letters, digits, . _ - and /.',
  OCI_UNSUPPORTED: 'The registry does not support this operation.',
  OCI_RATE_LIMITED: 'The registry is rate limiting; wait and try again.',
  OCI_TOO_LARGE: 'The registry refused the size of this content.',
  OCI_REGISTRY_UNAVAILABLE: 'The registry is failing; try again later or ask its admin.',
  OCI_PROTOCOL: 'The registry answered in a way the distribution spec does not allow; report it to its admin.',
};

/** The typed error for a registry's answer to `what`. Reads (a bounded part of) the body. */
export async function registryError(res: HttpResponse, what: string, registry: string): Promise<OciError> {
  const info = await errorInfo(res);
  let code: string;
  if (info.code && CODE_BY_REGISTRY[info.code]) code = CODE_BY_REGISTRY[info.code]!;
  else if (res.status === 401) code = 'OCI_UNAUTHORIZED';
  else if (res.status === 403) code = 'OCI_DENIED';
  else if (res.status === 404) code = 'OCI_NOT_FOUND';
  else if (res.status === 413) code = 'OCI_TOO_LARGE';
  else if (res.status === 429) code = 'OCI_RATE_LIMITED';
  else if (res.status >= 500) code = 'OCI_REGISTRY_UNAVAILABLE';
  else code = 'OCI_PROTOCOL';
  const said = [info.code, info.message].filter(Boolean).join(': ');
  return new OciError(code, `${what} failed: ${registry} answered ${res.status}${said ? ` (${said})` : ''}`, {
    where: `${registry} ${showUrl(res.url)}`.trim(),
    hint: OCI_HINTS[code] ?? 'Check the reference and try again.',
  });
}

/** What happened when no answer came: typed, retry-aware. */
function networkError(what: string, registry: string, e: unknown, attempts: number): OciError {
  const cause = networkCause(e);
  return new OciError(
    'OCI_NETWORK',
    `${what} failed: no usable answer from ${registry} (${cause})${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
    {
      where: registry,
      hint: 'Check that the registry is reachable (host, port, --plain-http for a local HTTP registry) and try again.',
      cause: e,
    },
  );
}

export interface HttpClientOptions {
  /** `host[:port]` for messages. */
  registry: string;
  /** `https://host[:port]`: the only origin that gets the Authorization header. */
  origin: string;
  auth?: AuthProvider;
  retry?: Partial<RetryPolicy>;
  idleTimeoutMs?: number;
}

export class HttpClient {
  readonly registry: string;
  readonly origin: string;
  private readonly retry: RetryPolicy;
  private readonly idleMs: number;
  auth: AuthProvider | undefined;

  constructor(opts: HttpClientOptions) {
    this.registry = opts.registry;
    this.origin = opts.origin;
    this.auth = opts.auth;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  /**
   * Sends a request; resolves with any answer that is not a retryable failure (the caller checks
   * the status). 401s go to the auth provider once per new credential. Throws OCI_NETWORK when no
   * answer came after the retries, CancelledError on abort.
   */
  async send(req: HttpRequest): Promise<ClientResponse> {
    const attempts = req.retry ? this.retry.attempts : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (req.signal?.aborted) throw new CancelledError();
      let out: ClientResponse;
      try {
        out = await this.sendAuthed(req);
      } catch (e) {
        if (e instanceof OciError || e instanceof CancelledError) throw e;
        if (req.signal?.aborted) throw new CancelledError();
        lastError = e;
        if (attempt + 1 < attempts) await sleep(backoff(this.retry, attempt), req.signal);
        continue;
      }
      const status = out.res.status;
      if (RETRYABLE_STATUS.has(status) && attempt + 1 < attempts) {
        const wait = retryAfterMs(out.res) ?? backoff(this.retry, attempt);
        await discard(out);
        await sleep(wait, req.signal);
        continue;
      }
      return out;
    }
    throw networkError(req.what, this.registry, lastError, attempts);
  }

  private async sendAuthed(req: HttpRequest): Promise<ClientResponse> {
    // One retry per fresh credential the provider comes up with (token, then nothing new → give up).
    for (let round = 0; round < 3; round++) {
      const out = await this.sendFollowing(req);
      if (out.res.status !== 401 || !this.auth) return out;
      const again = await this.auth.challenged(out.res, req.what, round).finally(() => out.done());
      if (!again)
        throw new OciError('OCI_UNAUTHORIZED', `${req.what}: ${this.registry} refused the credentials`, {
          where: this.registry,
          hint: OCI_HINTS.OCI_UNAUTHORIZED!,
        });
    }
    throw new OciError('OCI_UNAUTHORIZED', `${req.what}: ${this.registry} keeps asking for credentials`, {
      where: this.registry,
      hint: OCI_HINTS.OCI_UNAUTHORIZED!,
    });
  }

  private async sendFollowing(req: HttpRequest): Promise<ClientResponse> {
    let url = req.url;
    let method = req.method;
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const out = await this.sendOnce({ ...req, url, method, ...(body === undefined ? {} : { body }) });
      const s = out.res.status;
      const location = out.res.headers.get('location');
      if (!req.followRedirects || ![301, 302, 303, 307, 308].includes(s) || !location) return out;
      await discard(out);
      if (hop >= MAX_REDIRECTS)
        throw new OciError('OCI_PROTOCOL', `${req.what}: more than ${MAX_REDIRECTS} redirects`, {
          where: `${this.registry} ${showUrl(url)}`,
          hint: OCI_HINTS.OCI_PROTOCOL!,
        });
      url = new URL(location, url).toString();
      if (s === 303 || ((s === 301 || s === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
    }
  }

  private async sendOnce(req: HttpRequest): Promise<ClientResponse> {
    const dog = new Watchdog(this.idleMs);
    const signal = req.signal ? AbortSignal.any([req.signal, dog.controller.signal]) : dog.controller.signal;
    const headers: Record<string, string> = { 'user-agent': 'fleetpack', ...req.headers };
    // Credentials only ever go to the registry's own origin, never to a redirect target elsewhere.
    const auth = sameOrigin(req.url, this.origin) ? this.auth?.header() : undefined;
    if (auth) headers.authorization = auth;
    if (req.body === undefined && ['PUT', 'POST', 'PATCH'].includes(req.method) && !headers['content-length'])
      headers['content-length'] = '0';
    if (Buffer.isBuffer(req.body)) headers['content-length'] = String(req.body.length);
    let res: IncomingMessage;
    try {
      res = await new Promise<IncomingMessage>((resolve, reject) => {
        const url = new URL(req.url);
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const r = send(url, {
          method: req.method,
          headers,
          agent: url.protocol === 'https:' ? agents.https : agents.http,
          signal,
        });
        r.once('response', resolve);
        r.once('error', reject);
        if (req.body === undefined) r.end();
        else if (Buffer.isBuffer(req.body)) r.end(req.body);
        else {
          // Streamed with backpressure; an early answer (e.g. 401) may cut the upload short: the
          // response decides, the broken pipe is not an error of its own.
          pipeline(Readable.from(touching(req.body(), dog, req.onBodyBytes)), r).catch((e: unknown) => {
            const err = e instanceof Error ? e : new Error(messageOf(e));
            r.destroy(err);
            reject(err);
          });
        }
      });
    } catch (e) {
      dog.stop();
      if (req.signal?.aborted) throw new CancelledError();
      if (dog.fired) throw new Error(`no data for ${Math.round(this.idleMs / 1000)} s`, { cause: e });
      throw e;
    }
    dog.touch();
    if (req.method === 'HEAD') res.resume(); // no body; reading the end frees the connection for reuse
    const h = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      for (const x of Array.isArray(v) ? v : [v]) h.append(k, x);
    }
    const status = res.statusCode ?? 0;
    return {
      res: { status, ok: status >= 200 && status < 300, headers: h, body: res, url: req.url },
      url: req.url,
      done: () => dog.stop(),
      touch: () => dog.touch(),
    };
  }
}

export function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === new URL(origin).origin;
  } catch {
    return false;
  }
}

async function* touching(
  src: AsyncIterable<Uint8Array>,
  dog: Watchdog,
  onBytes: ((n: number) => void) | undefined,
): AsyncIterable<Uint8Array> {
  for await (const chunk of src) {
    dog.touch();
    onBytes?.(chunk.length);
    yield chunk;
  }
}

/** The body as a Node stream that keeps the watchdog alive while bytes flow and stops it at the end. */
export function bodyStream(out: ClientResponse): Readable {
  const src = out.res.body;
  src.on('data', () => out.touch());
  src.once('end', () => out.done());
  src.once('error', () => out.done());
  src.once('close', () => out.done());
  return src;
}

/**
 * Reads a body of at most `max` bytes: refuses early on a larger Content-Length, and stops reading
 * as soon as more than `max` bytes arrive (a server that lies about or omits the length).
 */
export async function readCapped(out: ClientResponse, max: number, what: string, where: string): Promise<Buffer> {
  const len = Number(out.res.headers.get('content-length'));
  const tooBig = () =>
    new OciError('OCI_TOO_LARGE', `${what} is larger than ${max} bytes; refusing to read it`, {
      where,
      hint: 'Manifests and the small layers Fleetpack reads in memory are bounded; this content is not a Fleetpack package, or the registry is misbehaving.',
    });
  if (Number.isFinite(len) && len > max) {
    out.res.body.destroy();
    out.done();
    throw tooBig();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of out.res.body as AsyncIterable<Buffer>) {
      out.touch();
      total += chunk.length;
      if (total > max) throw tooBig();
      chunks.push(chunk);
    }
  } finally {
    out.res.body.destroy();
    out.done();
  }
  return Buffer.concat(chunks, total);
}

/** Discards a body: a small one is drained (the connection stays reusable), a large one cut off. */
export async function discard(out: ClientResponse): Promise<void> {
  const body = out.res.body;
  const len = Number(out.res.headers.get('content-length'));
  if (Number.isFinite(len) && len <= MAX_ERROR_BODY && !body.destroyed) {
    await new Promise<void>((resolve) => {
      body.once('end', resolve);
      body.once('close', resolve);
      body.once('error', () => resolve());
      body.resume();
    });
  } else body.destroy();
  out.done();
}
