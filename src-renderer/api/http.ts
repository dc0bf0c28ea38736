/** The StudioApi over the loopback host: JSON POSTs, streamed uploads, server-sent job events. */
import type { FileRef, FolderRef, JobEvent, Result } from '../../src-main/studio/contract';
import type { StudioClient } from './client';

const TOKEN_KEY = 'fleetpack-token';
/** Files from this size on are sent in the background while the host already reads them. */
const ARRIVING_MIN = 32 * 1024 * 1024;
/** Background chunk size (a multiple of the host's 64 KiB block) and parallel senders. */
const CHUNK = 8 * 1024 * 1024;
const WORKERS = 2;
/** How long after the last range request background chunks stay paused. */
const QUIET_MS = 150;

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
  error: { code: 'HOST_UNREACHABLE', message, hint: 'Is `fleetpack studio --web` still running? Restart it and open the new link.' },
});

export function createHttpClient(): StudioClient {
  const token = takeToken();
  const auth = { Authorization: `Bearer ${token}` };
  const jobListeners = new Set<(e: JobEvent) => void>();
  let source: EventSource | undefined;

  /** Files still being sent in the background, by handle, to answer the host's range requests. */
  const arriving = new Map<string, File>();
  /** Range answers in flight: background chunks wait for them, so the header read is never queued. */
  let urgent = 0;
  let lastRange = -Infinity;
  const resume: (() => void)[] = [];
  /** Background chunks also hold back while range requests keep coming (a header walk in progress). */
  const quiet = async (): Promise<void> => {
    for (;;) {
      while (urgent > 0) await new Promise<void>((r) => resume.push(r));
      const wait = lastRange + QUIET_MS - performance.now();
      if (wait <= 0) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  };

  function ensureEvents(): void {
    if (source) return;
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    source.onmessage = (m) => {
      const e = JSON.parse(m.data as string) as JobEvent;
      for (const l of jobListeners) l(e);
    };
    // The host is reading bytes that have not arrived yet (e.g. a model header): send them now.
    source.addEventListener('range', (m) => {
      const r = JSON.parse((m as MessageEvent).data as string) as { upload: string; ranges: { offset: number; length: number }[] };
      const file = arriving.get(r.upload);
      if (!file) return;
      urgent++;
      lastRange = performance.now();
      const body = new Blob(r.ranges.map((x) => file.slice(x.offset, x.offset + x.length)));
      const spec = r.ranges.map((x) => `${x.offset}:${x.length}`).join(',');
      void fetch(`/api/upload-ranges?file=${encodeURIComponent(r.upload)}&ranges=${spec}`, {
        method: 'PUT',
        headers: { ...auth, 'Content-Type': 'application/octet-stream' },
        body,
      })
        .catch(() => undefined)
        .finally(() => {
          urgent--;
          if (urgent === 0) for (const w of resume.splice(0)) w();
        });
    });
  }

  function putChunk(handle: string, offset: number, body: Blob): Promise<Response> {
    return fetch(`/api/upload-chunk?file=${encodeURIComponent(handle)}&offset=${offset}`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/octet-stream' },
      body,
    });
  }

  /**
   * Big files: the host creates the file at its full size and reads what it needs as soon as it
   * needs it (range requests), while the rest follows in order in the background. The drop is
   * answered in the time of a header read, not of a multi-GB upload.
   */
  async function sendArriving(file: File): Promise<Result<FileRef>> {
    ensureEvents();
    const started = await post<FileRef & { upload: string }>(`/api/upload-start?name=${encodeURIComponent(file.name)}&size=${file.size}`);
    if (!started.ok) return started;
    const handle = started.value.handle;
    arriving.set(handle, file);
    // The host is about to read the header: hold the background chunks until its reads go quiet.
    lastRange = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < file.size) {
        await quiet();
        const offset = next;
        next += CHUNK;
        const res = await putChunk(handle, offset, file.slice(offset, offset + CHUNK)).catch(() => undefined);
        if (!res?.ok) next = Math.min(next, offset); // retried by the next loop turn
      }
    };
    void Promise.all(Array.from({ length: WORKERS }, worker)).finally(() => arriving.delete(handle));
    const { upload: _u, ...ref } = started.value;
    return { ok: true, value: ref };
  }

  async function post<T>(path: string, body?: unknown): Promise<Result<T>> {
    try {
      const res = await fetch(path, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      return (await res.json()) as Result<T>;
    } catch {
      return offline('Lost contact with the Fleetpack host.');
    }
  }

  /** XHR rather than fetch: it streams a File from disk and reports upload progress. */
  function upload(file: File, query: Record<string, string>, onProgress?: (d: number, t: number) => void): Promise<Result<FileRef>> {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      const qs = new URLSearchParams(query).toString();
      xhr.open('POST', `/api/upload?${qs}`);
      xhr.setRequestHeader('Authorization', auth.Authorization);
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
    sendFile: (file, onProgress) => (file.size >= ARRIVING_MIN ? sendArriving(file) : upload(file, { name: file.name }, onProgress)),
    async sendFolder(files, onProgress) {
      const first = files[0];
      const root = first?.webkitRelativePath.split('/')[0] || 'package';
      const folder = await post<FolderRef>(`/api/folder?name=${encodeURIComponent(root)}`);
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
    onJobEvent(l) {
      ensureEvents();
      jobListeners.add(l);
      return () => jobListeners.delete(l);
    },
    onMenu: () => () => {},
  };
}
