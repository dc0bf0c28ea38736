/**
 * The browser host's guards, over real HTTP on loopback: the token (401 absent / 403 wrong),
 * a foreign Origin, a foreign Host (DNS rebinding), the security headers, and a streamed upload.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../../src-main/host/index.js';
import { StudioSession } from '../../src-main/studio/index.js';
import { tempDir } from '../fixtures/temp.js';

let host: RunningHost;

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

const json = (token?: string, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra },
  body: '{}',
});

beforeAll(async () => {
  const renderer = tempDir('fp-renderer-');
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  const session = await StudioSession.create({ maxUploadBytes: 1024 });
  host = await startHost({ rendererDir: renderer, session });
});
afterAll(async () => {
  await host.close();
  await host.session.dispose();
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
          headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'text/plain' },
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
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/octet-stream' },
      body: Buffer.alloc(100, 7),
    });
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ ok: true, value: { name: 'model.onnx', size: 100 } });
    expect(body.value.handle).toMatch(/^f_[0-9a-f]{24}$/);
    expect(r.body).not.toContain(host.session.workDir);
  });

  it('refuses an upload over the size cap with 413', async () => {
    const r = await call('/api/upload?name=big.onnx', {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/octet-stream' },
      body: Buffer.alloc(4096),
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('UPLOAD_TOO_LARGE');
  });

  it('takes a big file in chunks while it arrives: pre-sized, bounded, checked offsets', async () => {
    const auth = { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/octet-stream' };
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
    expect(readFileSync(host.session.files.file(handle).path)).toEqual(Buffer.alloc(1000, 9));
  });
});
