/**
 * Sends big files to the host off the page's main thread (a dedicated worker): the background
 * chunks in order, and the byte ranges the host asks for while it reads a file still arriving.
 * Slicing a File and handing the slices to fetch costs about a millisecond per slice in
 * Chromium; a range answer can hold dozens, which on the main thread made long tasks.
 *
 * Messages in (from http.ts): `start` (a file to send: its handle, the File, the request headers:
 * token and session)
 * and `range` (the host's request, forwarded from the event stream).
 */

export type ArrivingMessage =
  | { type: 'start'; handle: string; file: File; headers: Record<string, string> }
  | { type: 'range'; upload: string; ranges: { offset: number; length: number }[] };

/** Background chunk size (a multiple of the host's block) and parallel senders. */
const CHUNK = 8 * 1024 * 1024;
const SENDERS = 2;
/** How long after the last range request background chunks stay paused. */
const QUIET_MS = 150;
/** Failed chunks in a row before the sender gives up (the host is gone or refuses the file). */
const MAX_FAILURES = 5;

const files = new Map<string, { file: File; headers: Record<string, string> }>();
/** Range answers in flight: background chunks wait for them, so a header read is never queued. */
let urgent = 0;
let lastRange = -Infinity;
const resume: (() => void)[] = [];

/** Background chunks hold back while range requests keep coming (a header walk in progress). */
async function quiet(): Promise<void> {
  for (;;) {
    while (urgent > 0) await new Promise<void>((r) => resume.push(r));
    const wait = lastRange + QUIET_MS - performance.now();
    if (wait <= 0) return;
    await new Promise((r) => setTimeout(r, wait));
  }
}

function put(path: string, headers: Record<string, string>, body: Blob): Promise<Response> {
  return fetch(path, {
    method: 'PUT',
    headers: { ...headers, 'Content-Type': 'application/octet-stream' },
    body,
  });
}

function answer(upload: string, ranges: { offset: number; length: number }[]): void {
  const held = files.get(upload);
  if (!held) return;
  urgent++;
  lastRange = performance.now();
  const body = new Blob(ranges.map((x) => held.file.slice(x.offset, x.offset + x.length)));
  const spec = ranges.map((x) => `${x.offset}:${x.length}`).join(',');
  void put(`/api/upload-ranges?file=${encodeURIComponent(upload)}&ranges=${spec}`, held.headers, body)
    .catch(() => undefined)
    .finally(() => {
      urgent--;
      if (urgent === 0) for (const w of resume.splice(0)) w();
    });
}

function start(handle: string, file: File, headers: Record<string, string>): void {
  files.set(handle, { file, headers });
  // The host is about to read the header: hold the background chunks until its reads go quiet.
  lastRange = performance.now();
  let next = 0;
  let failures = 0;
  const sender = async (): Promise<void> => {
    while (next < file.size && failures < MAX_FAILURES) {
      await quiet();
      const offset = next;
      next += CHUNK;
      const res = await put(
        `/api/upload-chunk?file=${encodeURIComponent(handle)}&offset=${offset}`,
        headers,
        file.slice(offset, offset + CHUNK),
      ).catch(() => undefined);
      if (res?.ok) failures = 0;
      else {
        // Retried by the next turn, after a pause; the host reports a stalled upload in words.
        next = Math.min(next, offset);
        failures++;
        await new Promise((r) => setTimeout(r, 200 * failures));
      }
    }
  };
  void Promise.all(Array.from({ length: SENDERS }, sender)).finally(() => files.delete(handle));
}

(self as unknown as { onmessage: ((e: MessageEvent<ArrivingMessage>) => void) | null }).onmessage = (e) => {
  const m = e.data;
  if (m.type === 'start') start(m.handle, m.file, m.headers);
  else answer(m.upload, m.ranges);
};
