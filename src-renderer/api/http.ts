/** The StudioApi over the loopback host: JSON POSTs, streamed uploads, server-sent job events. */
import type { FileRef, FolderRef, JobEvent, Result } from '../../src-main/studio/contract';
import type { ArrivingMessage } from './arriving-worker';
import type { StudioClient } from './client';

const TOKEN_KEY = 'fleetpack-token';
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
  const auth = { Authorization: `Bearer ${token}` };
  const jobListeners = new Set<(e: JobEvent) => void>();
  let source: EventSource | undefined;

  /**
   * Big files are sent by a worker (arriving-worker.ts), which also answers the host's range
   * requests. Started with the page, so a drop does not wait for its script.
   */
  const sender = new Worker(new URL('./arriving-worker.ts', import.meta.url), { type: 'module' });

  function ensureEvents(): void {
    if (source) return;
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    source.onmessage = (m) => {
      const e = JSON.parse(m.data as string) as JobEvent;
      for (const l of jobListeners) l(e);
    };
    // The host is reading bytes that have not arrived yet (e.g. a model header): the worker sends them.
    source.addEventListener('range', (m) => {
      const r = JSON.parse(m.data as string) as {
        upload: string;
        ranges: { offset: number; length: number }[];
      };
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
    const started = await post<FileRef & { upload: string }>(
      `/api/upload-start?name=${encodeURIComponent(file.name)}&size=${file.size}`,
    );
    if (!started.ok) return started;
    sender.postMessage({
      type: 'start',
      handle: started.value.handle,
      file,
      authorization: auth.Authorization,
    } satisfies ArrivingMessage);
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
  function upload(
    file: File,
    query: Record<string, string>,
    onProgress?: (d: number, t: number) => void,
  ): Promise<Result<FileRef>> {
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
    sendFile: (file, onProgress) =>
      file.size >= ARRIVING_MIN ? sendArriving(file) : upload(file, { name: file.name }, onProgress),
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
