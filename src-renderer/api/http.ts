/**
 * The StudioApi over the loopback host: JSON POSTs, streamed uploads, server-sent job events.
 * Each page opens its own session first (its own handles, draft and jobs; see HostEndpoints).
 */
import type {
  FileRef,
  HostEndpoints,
  JobEvent,
  RangeRequest,
  Result,
  SessionHeader,
} from '../../src-main/studio/contract';
import type { ArrivingMessage } from './arriving-worker';
import type { StudioClient } from './client';

const TOKEN_KEY = 'fleetpack-token';
const SESSION_HEADER: SessionHeader = 'X-Fleetpack-Session';
type Value<E extends keyof HostEndpoints> = HostEndpoints[E]['value'];
/** Files from this size on are sent in the background while the host already reads them. */
const ARRIVING_MIN = 32 * 1024 * 1024;

/** The token arrives in the URL once; keep it for reloads and take it out of the address bar. */
function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

const offline = (message: string): Result<never> => ({
  ok: false,
  error: {
    code: 'HOST_UNREACHABLE',
    message,
    hint: 'Is `fleetpack studio --web` still running? Restart it and open the new link.',
  },
});

export function createHttpClient(): StudioClient {
  const token = takeToken();
  const auth: Record<string, string> = { Authorization: `Bearer ${token}` };
  const jobListeners = new Set<(e: JobEvent) => void>();
  let source: EventSource | undefined;
  /**
   * This page's session, opened once. Kept in memory only: a reload or a duplicated tab opens a
   * new one, so two pages never share a draft.
   */
  const session: Promise<Result<string>> = fetch('/api/session', { method: 'POST', headers: auth })
    .then((r) => r.json() as Promise<Result<Value<'POST /api/session'>>>)
    .then((r) => (r.ok ? { ok: true as const, value: r.value.session } : r))
    .catch(() => offline('Could not reach the Fleetpack host.'));
  async function headers(): Promise<Result<Record<string, string>>> {
    const s = await session;
    return s.ok ? { ok: true, value: { ...auth, [SESSION_HEADER]: s.value } } : s;
  }

  /**
   * Big files are sent by a worker (arriving-worker.ts), which also answers the host's range
   * requests. Started with the page, so a drop does not wait for its script.
   */
  const sender = new Worker(new URL('./arriving-worker.ts', import.meta.url), { type: 'module' });

  function ensureEvents(): void {
    if (source) return;
    void session.then((s) => {
      if (s.ok) listen(s.value);
    });
  }

  function listen(id: string): void {
    if (source) return;
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}&session=${encodeURIComponent(id)}`);
    source.onmessage = (m) => {
      const e = JSON.parse(m.data as string) as JobEvent;
      for (const l of jobListeners) l(e);
    };
    // The host is reading bytes that have not arrived yet (e.g. a model header): the worker sends them.
    source.addEventListener('range', (m) => {
      const r = JSON.parse(m.data as string) as RangeRequest;
      sender.postMessage({ type: 'range', upload: r.upload, ranges: r.ranges } satisfies ArrivingMessage);
    });
  }

  /**
   * Big files: the host creates the file at its full size and reads what it needs as soon as it
   * needs it (range requests), while the rest follows in order in the background. The drop is
   * answered in the time of a header read, not of a multi-GB upload.
   */
  async function sendArriving(file: File): Promise<Result<FileRef>> {
    ensureEvents();
    const started = await post<Value<'POST /api/upload-start'>>(
      `/api/upload-start?name=${encodeURIComponent(file.name)}&size=${file.size}`,
    );
    if (!started.ok) return started;
    const h = await headers();
    if (!h.ok) return h;
    sender.postMessage({
      type: 'start',
      handle: started.value.handle,
      file,
      headers: h.value,
    } satisfies ArrivingMessage);
    const { upload: _u, ...ref } = started.value;
    return { ok: true, value: ref };
  }

  async function post<T>(path: string, body?: unknown): Promise<Result<T>> {
    const h = await headers();
    if (!h.ok) return h;
    try {
      const res = await fetch(path, {
        method: 'POST',
        headers: { ...h.value, 'Content-Type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      return (await res.json()) as Result<T>;
    } catch {
      return offline('Lost contact with the Fleetpack host.');
    }
  }

  /** XHR rather than fetch: it streams a File from disk and reports upload progress. */
  async function upload(
    file: File,
    query: HostEndpoints['POST /api/upload']['query'],
    onProgress?: (d: number, t: number) => void,
  ): Promise<Result<FileRef>> {
    const h = await headers();
    if (!h.ok) return h;
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      const qs = new URLSearchParams(query).toString();
      xhr.open('POST', `/api/upload?${qs}`);
      for (const [k, v] of Object.entries(h.value)) xhr.setRequestHeader(k, v);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total);
      xhr.onload = () => {
        try {
          resolve(JSON.parse(xhr.responseText) as Result<FileRef>);
        } catch {
          resolve(offline(`The host refused the upload (HTTP ${xhr.status}).`));
        }
      };
      xhr.onerror = () => resolve(offline('The upload was interrupted.'));
      xhr.send(file);
    });
  }

  return {
    kind: 'web',
    call: (op, args) => post(`/api/op/${op}`, args),
    sendFile: (file, onProgress) =>
      file.size >= ARRIVING_MIN ? sendArriving(file) : upload(file, { name: file.name }, onProgress),
    async sendFolder(files, onProgress) {
      const first = files[0];
      const root = first?.webkitRelativePath.split('/')[0] || 'package';
      const folder = await post<Value<'POST /api/folder'>>(`/api/folder?name=${encodeURIComponent(root)}`);
      if (!folder.ok) return folder;
      const total = files.reduce((n, f) => n + f.size, 0);
      let sent = 0;
      for (const f of files) {
        const rel = f.webkitRelativePath ? f.webkitRelativePath.split('/').slice(1).join('/') : f.name;
        const r = await upload(f, { name: rel, folder: folder.value.handle }, (d) => onProgress?.(sent + d, total));
        if (!r.ok) return r;
        sent += f.size;
      }
      return { ok: true, value: { ...folder.value, files: files.length } };
    },
    async downloadPackage(withoutSignature) {
      const prepared = await post<Value<'POST /api/package-tar'>>(
        `/api/package-tar${withoutSignature ? '?withoutSignature=1' : ''}`,
      );
      const s = await session;
      if (!prepared.ok || !s.ok) return prepared;
      // The browser saves the tar itself (streamed from the host, never held in the page).
      const query: HostEndpoints['GET /api/package-tar']['query'] = {
        ticket: prepared.value.ticket,
        session: s.value,
        token,
      };
      const a = document.createElement('a');
      a.href = `/api/package-tar?${new URLSearchParams(query).toString()}`;
      a.download = prepared.value.fileName;
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      return prepared;
    },
    onJobEvent(l) {
      ensureEvents();
      jobListeners.add(l);
      return () => jobListeners.delete(l);
    },
    onMenu: () => () => {},
  };
}
