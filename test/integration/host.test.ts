/**
 * The browser host's guards, over real HTTP on loopback: the token (401 absent / 403 wrong),
 * a foreign Origin, a foreign Host (DNS rebinding), the security headers, and a streamed upload.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../../src-main/host/index.js';
import { tempDir } from '../fixtures/temp.js';

let host: RunningHost;
/** The session of this test file's "page" (every /api/ call but /api/session names one). */
let sid = '';
let saveRoot = '';
const outside = tempDir('fp-outside-');

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent: false,
        host: '127.0.0.1',
        port: host.port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const json = (token?: string, extra: Record<string, string> = {}, session = sid) => ({
  method: 'POST',
  headers: {
    'Content-Type': 'application/json',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...(session ? { 'X-Fleetpack-Session': session } : {}),
    ...extra,
  },
  body: '{}',
});

async function newSession(): Promise<string> {
  const r = await call('/api/session', { method: 'POST', headers: { Authorization: `Bearer ${host.token}` } });
  return JSON.parse(r.body).value.session as string;
}

async function op(session: string, name: string, args: unknown): Promise<any> {
  const r = await call(`/api/op/${name}`, { ...json(host.token, {}, session), body: JSON.stringify(args) });
  return JSON.parse(r.body);
}

beforeAll(async () => {
  const renderer = tempDir('fp-renderer-');
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  saveRoot = tempDir('fp-save-root-');
  host = await startHost({
    rendererDir: renderer,
    sessionOptions: { maxUploadBytes: 1024, maxUploadsTotal: 2500, saveRoot },
  });
  sid = await newSession();
});
afterAll(async () => {
  await host.close();
});

describe('studio --web host', () => {
  it('prints a loopback URL with a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32,}$/);
  });

  it('refuses /api/ without a token (401) and with a wrong one (403)', async () => {
    expect((await call('/api/op/listKeys', json())).status).toBe(401);
    expect((await call('/api/op/listKeys', json('x'.repeat(host.token.length)))).status).toBe(403);
    expect((await call(`/api/op/listKeys?token=nope`, json())).status).toBe(403);
    expect((await call('/api/events')).status).toBe(401);
  });

  it('accepts the token as a Bearer header or in the query', async () => {
    const a = await call('/api/op/jobStatus', { ...json(host.token), body: '{"jobId":"none"}' });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const b = await call(`/api/op/jobStatus?token=${host.token}`, { ...json(), body: '{"jobId":"none"}' });
    expect(b.status).toBe(200);
  });

  it('refuses a foreign Origin even with the right token', async () => {
    const r = await call('/api/op/listKeys', json(host.token, { Origin: 'http://evil.example' }));
    expect(r.status).toBe(403);
    const r2 = await call('/api/op/listKeys', json(host.token, { Origin: `http://127.0.0.1:${host.port + 1}` }));
    expect(r2.status).toBe(403);
    const ok = await call('/api/op/jobStatus', {
      ...json(host.token, { Origin: `http://localhost:${host.port}` }),
      body: '{"jobId":"x"}',
    });
    expect(ok.status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding), for the page and the API', async () => {
    expect((await call('/', { headers: { Host: `evil.example:${host.port}` } })).status).toBe(403);
    expect((await call('/api/op/listKeys', json(host.token, { Host: `attacker.test:${host.port}` }))).status).toBe(403);
    expect((await call('/', { headers: { Host: `localhost:${host.port}` } })).status).toBe(200);
  });

  it('sends security headers and no CORS headers', async () => {
    const r = await call('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const api = await call('/api/op/listKeys', { ...json(host.token), method: 'OPTIONS' });
    expect(api.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses non-JSON operation bodies (no form posts) and unknown operations', async () => {
    expect(
      (
        await call('/api/op/listKeys', {
          method: 'POST',
          headers: { Authorization: `Bearer ${host.token}`, 'X-Fleetpack-Session': sid, 'Content-Type': 'text/plain' },
          body: '{}',
        })
      ).status,
    ).toBe(415);
    expect((await call('/api/op/rmRf', json(host.token))).status).toBe(404);
  });

  it('does not serve files outside the renderer folder', async () => {
    expect((await call('/..%2f..%2fetc%2fpasswd')).status).toBe(404);
    expect((await call('/../package.json')).status).toBe(404);
  });

  it('streams an upload to its own copy and returns only an opaque handle', async () => {
    const r = await call(`/api/upload?name=${encodeURIComponent('../../model.onnx')}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${host.token}`,
        'X-Fleetpack-Session': sid,
        'Content-Type': 'application/octet-stream',
      },
      body: Buffer.alloc(100, 7),
    });
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ ok: true, value: { name: 'model.onnx', size: 100 } });
    expect(body.value.handle).toMatch(/^f_[0-9a-f]{24}$/);
    expect(r.body).not.toContain(host.sessions.get(sid).session.workDir);
  });

  it('refuses an upload over the size cap with 413', async () => {
    const r = await call('/api/upload?name=big.onnx', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${host.token}`,
        'X-Fleetpack-Session': sid,
        'Content-Type': 'application/octet-stream',
      },
      body: Buffer.alloc(4096),
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('UPLOAD_TOO_LARGE');
  });

  it('takes a big file in chunks while it arrives: pre-sized, bounded, checked offsets', async () => {
    const auth = {
      Authorization: `Bearer ${host.token}`,
      'X-Fleetpack-Session': sid,
      'Content-Type': 'application/octet-stream',
    };
    expect((await call('/api/upload-start?name=huge.onnx&size=999999', { method: 'POST', headers: auth })).status).toBe(
      413,
    );
    const start = JSON.parse(
      (await call('/api/upload-start?name=m.onnx&size=1000', { method: 'POST', headers: auth })).body,
    );
    expect(start).toMatchObject({ ok: true, value: { name: 'm.onnx', size: 1000 } });
    const handle = start.value.handle as string;
    const bad = JSON.parse(
      (
        await call(`/api/upload-chunk?file=${handle}&offset=7`, {
          method: 'PUT',
          headers: auth,
          body: Buffer.alloc(10),
        })
      ).body,
    );
    expect(bad.error.code).toBe('BAD_OFFSET');
    const badRanges = JSON.parse(
      (
        await call(`/api/upload-ranges?file=${handle}&ranges=0:5000`, {
          method: 'PUT',
          headers: auth,
          body: Buffer.alloc(10),
        })
      ).body,
    );
    expect(badRanges.error.code).toBe('BAD_RANGES');
    const tooLong = JSON.parse(
      (
        await call(`/api/upload-chunk?file=${handle}&offset=0`, {
          method: 'PUT',
          headers: auth,
          body: Buffer.alloc(1001),
        })
      ).body,
    );
    expect(tooLong.ok).toBe(false);
    const ok = JSON.parse(
      (
        await call(`/api/upload-ranges?file=${handle}&ranges=0:1000`, {
          method: 'PUT',
          headers: auth,
          body: Buffer.alloc(1000, 9),
        })
      ).body,
    );
    expect(ok).toEqual({ ok: true, value: { received: 1000, complete: true } });
    expect(readFileSync(host.sessions.get(sid).session.files.file(handle).path)).toEqual(Buffer.alloc(1000, 9));
  });

  it('gives each page its own session: a handle from another session is refused there', async () => {
    const other = await newSession();
    expect(other).not.toBe(sid);
    const up = await call('/api/upload?name=metrics.csv', {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'X-Fleetpack-Session': sid },
      body: 'name,value\nacc,0.9\n',
    });
    const handle = JSON.parse(up.body).value.handle as string;
    const foreign = await op(other, 'validateSbom', { file: handle });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'UNKNOWN_HANDLE' } });
    // No session, or one that ended: refused in words, never served by some other page's session.
    const none = await call('/api/op/listCatalog', json(host.token, {}, ''));
    expect(none.status).toBe(410);
    expect(JSON.parse(none.body).error.code).toBe('SESSION_ENDED');
    await host.sessions.end(other);
    expect((await call('/api/op/listCatalog', json(host.token, {}, other))).status).toBe(410);
  });

  it('caps the bytes a session holds in uploads, and keeps long non-ASCII names within 200 bytes', async () => {
    const s = await newSession();
    const send = (name: string, size: number) =>
      call(`/api/upload?name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${host.token}`, 'X-Fleetpack-Session': s },
        body: Buffer.alloc(size, 1),
      }).then((r) => JSON.parse(r.body));
    const long = `${'модель'.repeat(34)}.onnx`; // 204 characters, 413 bytes in UTF-8
    const first = await send(long, 1000);
    expect(first.ok).toBe(true);
    expect(Buffer.byteLength(first.value.name as string)).toBeLessThanOrEqual(200);
    expect(first.value.name).toMatch(/^модель.*\.onnx$/);
    expect((await send('b.onnx', 1000)).ok).toBe(true);
    const full = await send('c.onnx', 1000);
    expect(full).toMatchObject({ ok: false, error: { code: 'UPLOADS_FULL' } });
    expect(full.error.message).toMatch(/cap/);
  });

  it('lists save folders under the root only: links, files and vanished folders get their own message', async () => {
    mkdirSync(join(saveRoot, 'packages'));
    mkdirSync(join(outside, 'elsewhere'), { recursive: true });
    symlinkSync(join(outside, 'elsewhere'), join(saveRoot, 'linked'));
    writeFileSync(join(saveRoot, 'notes.txt'), 'x');
    const root = await op(sid, 'listFolders', {});
    expect(root.ok).toBe(true);
    expect(root.value.folders.map((f: any) => [f.name, f.symlink ?? false])).toEqual([
      ['linked', true],
      ['packages', false],
    ]);
    expect(JSON.stringify(root)).not.toContain(saveRoot);
    const link = root.value.folders.find((f: any) => f.name === 'linked');
    expect(await op(sid, 'listFolders', { under: link.handle })).toMatchObject({
      ok: false,
      error: { code: 'DESTINATION_IS_LINK' },
    });
    const pk = root.value.folders.find((f: any) => f.name === 'packages');
    const inside = await op(sid, 'listFolders', { under: pk.handle });
    expect(inside.value).toMatchObject({ trail: [basename(saveRoot), 'packages'], folders: [] });
    expect(inside.value.parent).toBeDefined();
    rmSync(join(saveRoot, 'packages'), { recursive: true });
    expect(await op(sid, 'listFolders', { under: pk.handle })).toMatchObject({
      ok: false,
      error: { code: 'DESTINATION_MISSING' },
    });
    // A path is not a handle: nothing the page names outside the listing is accepted.
    expect(await op(sid, 'listFolders', { under: '/tmp' })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_HANDLE' },
    });
  });

  it('downloads a package tar only past the save gate, by a ticket of this session, with the token', async () => {
    const early = await call('/api/package-tar', json(host.token));
    expect(JSON.parse(early.body)).toMatchObject({ ok: false, error: { message: 'No model is open' } });
    const q = (t: string, session = sid) =>
      `/api/package-tar?ticket=${t}&session=${session}&token=${encodeURIComponent(host.token)}`;
    const unknown = await call(q('no-such-ticket'));
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/json/);
    expect(JSON.parse(unknown.body).error.message).toMatch(/already used or has expired/);
    expect((await call(`/api/package-tar?ticket=x&session=${sid}`)).status).toBe(401);
    expect((await call(q('x', 'not-a-session'))).status).toBe(410);
  });
});
