/**
 * Faults and hostile answers, each against a real docker-registry, through a small misbehaving
 * proxy where the registry itself cannot be made to misbehave: dropped connections mid-upload
 * (retried, then a clear error and no tag), corrupted stored blobs, oversized manifests (refused
 * before they are read), unknown media types, 401 without a usable challenge, 429/503 with
 * backoff, and redirects to another origin (Authorization is not sent there).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  OciLayout,
  pullPackage,
  pushPackage,
  RegistryRepository,
  resolveReference,
  staticCredentials,
} from '../../src-main/oci/index.js';
import { type FaultProxy, startFaultProxy } from '../fixtures/fault-proxy.js';
import { makeOciPackage, type OciTestPackage } from '../fixtures/oci-package.js';
import { type RegistryServer, startRegistry, storedBlobPath } from '../fixtures/registry.js';
import { tempDir } from '../fixtures/temp.js';

let reg: RegistryServer;
let proxy: FaultProxy;
let base: string;
let pkg: OciTestPackage;
const fast = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 };
const via = () => ({ plainHttp: true, credentials: staticCredentials(undefined), retry: fast });

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const headTag = async (repo: string, tag: string) =>
  (
    await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    })
  ).status;
const isUpload = (method: string | undefined, url: string | undefined) =>
  (method === 'PUT' || method === 'PATCH') && /\/blobs\/uploads\//.test(url ?? '');

beforeAll(async () => {
  reg = await startRegistry();
  proxy = await startFaultProxy(reg.url);
  base = tempDir('fleetpack-oci-faults-');
  pkg = await makeOciPackage(join(base, 'person-detector-1.4.0'), { weightBytes: 3_000_000 });
});
afterEach(() => proxy.setRule(() => ({ kind: 'pass' })));
afterAll(async () => {
  await proxy.stop();
  await reg.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('a registry that drops the connection mid-upload', () => {
  it('is retried: one dropped upload, then the push completes and pulls identical', async () => {
    let drops = 0;
    proxy.setRule((req) => {
      if (isUpload(req.method, req.url) && Number(req.headers['content-length']) > 1_000_000 && drops === 0) {
        drops++;
        return { kind: 'drop-after', bytes: 500_000 };
      }
      return { kind: 'pass' };
    });
    const r = await pushPackage(pkg.dir, `${proxy.host}/acme/flaky:1.4.0`, via());
    expect(drops).toBe(1);
    expect(proxy.seen.filter((s) => isUpload(s.method, s.path)).length).toBeGreaterThan(5);
    const out = join(base, 'flaky-out');
    await pullPackage(r.reference, out, via());
    expect(sha(readFileSync(join(out, 'weights.bin')))).toBe(sha(readFileSync(join(pkg.dir, 'weights.bin'))));
  });

  it('is retried in chunked mode too (the upload starts over when 2.8 lost the session)', async () => {
    let patches = 0;
    proxy.setRule((req) => {
      if (req.method === 'PATCH' && ++patches === 2) return { kind: 'drop-after', bytes: 100_000 };
      return { kind: 'pass' };
    });
    const r = await pushPackage(pkg.dir, `${proxy.host}/acme/flaky-chunks:1.4.0`, {
      ...via(),
      monolithicMaxBytes: 256 * 1024,
      chunkBytes: 512 * 1024,
    });
    expect(patches).toBeGreaterThan(6); // 3 MB in 512 KiB chunks, plus the chunks sent again
    const out = join(base, 'flaky-chunks-out');
    await pullPackage(r.reference, out, via());
    expect(sha(readFileSync(join(out, 'weights.bin')))).toBe(sha(readFileSync(join(pkg.dir, 'weights.bin'))));
  });

  it('a chunk sent again after a cut and refused as out of place starts the upload over (2.8 still appending)', async () => {
    // The race 2.8 allows: the status check says the session ends where the cut chunk began, but the
    // cut chunk's bytes land after it, so the chunk sent again is refused (404 BLOB_UPLOAD_INVALID).
    let patches = 0;
    let refusedResend = false;
    proxy.setRule((req) => {
      if (req.method !== 'PATCH') return { kind: 'pass' };
      patches++;
      // Cut before any body byte reaches the registry, so its status check says "send it again".
      if (patches === 2) return { kind: 'drop-after', bytes: 0 };
      if (patches === 3) {
        refusedResend = true;
        return {
          kind: 'respond',
          status: 404,
          headers: { 'content-type': 'application/json' },
          body: '{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"blob upload invalid"}]}',
        };
      }
      return { kind: 'pass' };
    });
    const r = await pushPackage(pkg.dir, `${proxy.host}/acme/moved-on:1.4.0`, {
      ...via(),
      monolithicMaxBytes: 256 * 1024,
      chunkBytes: 512 * 1024,
    });
    expect(refusedResend).toBe(true);
    const out = join(base, 'moved-on-out');
    await pullPackage(r.reference, out, via());
    expect(sha(readFileSync(join(out, 'weights.bin')))).toBe(sha(readFileSync(join(pkg.dir, 'weights.bin'))));
  });

  it('that keeps dropping gives a clear error after the retries, and no tag', async () => {
    proxy.setRule((req) =>
      isUpload(req.method, req.url) && Number(req.headers['content-length']) > 1_000_000
        ? { kind: 'drop-after', bytes: 200_000 }
        : { kind: 'pass' },
    );
    const err = await pushPackage(pkg.dir, `${proxy.host}/acme/down:1.4.0`, via()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OCI_NETWORK' });
    expect((err as Error).message).toMatch(/weights\.bin/);
    expect((err as Error & { hint: string }).hint).toMatch(/reachable/);
    expect(await headTag('acme/down', '1.4.0')).toBe(404);
  });
});

describe('a download that breaks off', () => {
  it('is resumed with a Range request and still verified as a whole', async () => {
    const r = await pushPackage(pkg.dir, `${reg.host}/acme/resume:1.4.0`, via());
    const weights = r.layers.find((l) => l.path === 'weights.bin')!;
    let cuts = 0;
    proxy.setRule((req) => {
      if (req.method === 'GET' && req.url?.endsWith(`/blobs/${weights.digest}`) && !req.headers.range && cuts === 0) {
        cuts++;
        return { kind: 'cut-after', bytes: 1_000_000 };
      }
      return { kind: 'pass' };
    });
    const out = join(base, 'resumed-out');
    await pullPackage(`${proxy.host}/acme/resume:1.4.0`, out, via());
    expect(cuts).toBe(1);
    const resumed = proxy.seen.filter((s) => s.path.endsWith(weights.digest) && s.range);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/=(\d+)-/.exec(resumed[0]!.range!)![1])).toBeGreaterThan(0);
    expect(sha(readFileSync(join(out, 'weights.bin')))).toBe(sha(readFileSync(join(pkg.dir, 'weights.bin'))));
  });
});

describe('content that does not match its digest', () => {
  it('a blob altered in the registry storage is refused and nothing is written', async () => {
    const r = await pushPackage(pkg.dir, `${reg.host}/acme/tampered:1.4.0`, via());
    const weights = r.layers.find((l) => l.path === 'weights.bin')!;
    const stored = storedBlobPath(reg, weights.digest);
    const bytes = readFileSync(stored);
    bytes[12345] = bytes[12345]! ^ 0x01;
    writeFileSync(stored, bytes);
    const out = join(base, 'tampered-out');
    const err = await pullPackage(r.reference, out, via()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OCI_DIGEST_MISMATCH' });
    expect((err as Error).message).toContain(weights.digest);
    expect(existsSync(out)).toBe(false);
    expect((await import('node:fs')).readdirSync(base).filter((n) => n.startsWith('.tampered-out'))).toEqual([]);
  });

  it('a manifest whose bytes do not match the digest asked for is refused', async () => {
    const r = await pushPackage(pkg.dir, `${reg.host}/acme/swap:1.4.0`, via());
    const other = await makeOciPackage(join(base, 'other'), { seed: 9, weightBytes: 4000 });
    const o = await pushPackage(other.dir, `${reg.host}/acme/swap:other`, via());
    const otherBytes = await (
      await fetch(`${reg.url}/v2/acme/swap/manifests/${o.digest}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).arrayBuffer();
    proxy.setRule((req) =>
      req.method === 'GET' && req.url?.includes(`/manifests/${r.digest}`)
        ? {
            kind: 'respond',
            status: 200,
            headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
            body: Buffer.from(otherBytes),
          }
        : { kind: 'pass' },
    );
    const err = await pullPackage(`${proxy.host}/acme/swap@${r.digest}`, join(base, 'swap-out'), via()).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'OCI_DIGEST_MISMATCH' });
  });
});

describe('what the registry refuses, as typed errors', () => {
  it('MANIFEST_INVALID and MANIFEST_BLOB_UNKNOWN from the registry itself', async () => {
    const repo = new RegistryRepository(reg.host, 'acme/refused', via());
    const invalid = await repo
      .pushManifest(
        Buffer.from('{"schemaVersion":2,"layers":"not a list"}'),
        'application/vnd.oci.image.manifest.v1+json',
        {
          tag: 'x',
        },
      )
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: 'OCI_MANIFEST_INVALID' });
    expect((invalid as Error).message).toContain(reg.host);
    const missing = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 2 },
        layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${'2'.repeat(64)}`, size: 2 }],
      }),
    );
    const unknown = await repo
      .pushManifest(missing, 'application/vnd.oci.image.manifest.v1+json', { tag: 'y' })
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'OCI_MANIFEST_BLOB_UNKNOWN' });
    expect((unknown as Error & { hint: string }).hint).toMatch(/push again/);
  });

  it('BLOB_UPLOAD_INVALID during an upload: a typed error, and no tag', async () => {
    proxy.setRule((req) =>
      isUpload(req.method, req.url) && Number(req.headers['content-length']) > 1_000_000
        ? {
            kind: 'respond',
            status: 400,
            headers: { 'content-type': 'application/json' },
            body: '{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"blob upload invalid"}]}',
          }
        : { kind: 'pass' },
    );
    const err = await pushPackage(pkg.dir, `${proxy.host}/acme/upload-invalid:1.4.0`, via()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OCI_BLOB_UPLOAD_INVALID' });
    expect((err as Error).message).toMatch(/weights\.bin.*BLOB_UPLOAD_INVALID/);
    expect(await headTag('acme/upload-invalid', '1.4.0')).toBe(404);
  });
});

describe('oversized and unknown manifests', () => {
  it('a manifest over 4 MiB with a Content-Length is refused before its body is read', async () => {
    proxy.setRule((req) =>
      req.method === 'GET' && /\/manifests\//.test(req.url ?? '')
        ? {
            kind: 'stream',
            status: 200,
            headers: {
              'content-type': 'application/vnd.oci.image.manifest.v1+json',
              'content-length': String(64 << 20),
            },
            bytes: 64 << 20,
          }
        : { kind: 'pass' },
    );
    proxy.streamed = 0;
    const err = await resolveReference(`${proxy.host}/acme/huge:1`, via()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OCI_TOO_LARGE' });
    await new Promise((r) => setTimeout(r, 200));
    expect(proxy.streamed).toBeLessThan(8 << 20);
  });

  it('a manifest over 4 MiB without a length is cut off right after 4 MiB', async () => {
    proxy.setRule((req) =>
      req.method === 'GET' && /\/manifests\//.test(req.url ?? '')
        ? {
            kind: 'stream',
            status: 200,
            headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
            bytes: 64 << 20,
          }
        : { kind: 'pass' },
    );
    proxy.streamed = 0;
    const err = await pullPackage(`${proxy.host}/acme/huge:1`, join(base, 'huge-out'), via()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OCI_TOO_LARGE' });
    await new Promise((r) => setTimeout(r, 200));
    expect(proxy.streamed).toBeLessThan(16 << 20);
    expect(existsSync(join(base, 'huge-out'))).toBe(false);
  });

  it('a layout manifest over 4 MiB is refused without reading it', async () => {
    const dir = join(base, 'huge-layout');
    const layout = await OciLayout.open(dir, { create: true });
    const big = Buffer.from(JSON.stringify({ schemaVersion: 2, annotations: { x: 'y'.repeat(5 << 20) } }));
    const d = `sha256:${sha(big)}`;
    writeFileSync(join(dir, 'blobs/sha256', d.slice(7)), big);
    await layout.tag('big', { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d, size: big.length });
    await expect(resolveReference(`oci:${dir}:big`)).rejects.toMatchObject({ code: 'OCI_TOO_LARGE' });
  });

  it('an unknown manifest mediaType is refused with a typed error', async () => {
    const doc = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.example.thing.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${sha(Buffer.from('{}'))}`, size: 2 },
        layers: [],
      }),
    );
    proxy.setRule((req) =>
      /\/manifests\/odd/.test(req.url ?? '')
        ? {
            kind: 'respond',
            status: 200,
            headers: {
              'content-type': 'application/vnd.example.thing.v1+json',
              'docker-content-digest': `sha256:${sha(doc)}`,
            },
            ...(req.method === 'HEAD' ? {} : { body: doc }),
          }
        : { kind: 'pass' },
    );
    const err = await pullPackage(`${proxy.host}/acme/x:odd`, join(base, 'odd-out'), via()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OCI_UNSUPPORTED_MEDIA_TYPE' });
    expect((err as Error).message).toContain('application/vnd.example.thing.v1+json');
    expect(existsSync(join(base, 'odd-out'))).toBe(false);
    // the same document in a layout
    const dir = join(base, 'odd-layout');
    const layout = await OciLayout.open(dir, { create: true });
    mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
    writeFileSync(join(dir, 'blobs/sha256', sha(doc)), doc);
    await layout.tag('odd', {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${sha(doc)}`,
      size: doc.length,
    });
    await expect(resolveReference(`oci:${dir}:odd`)).rejects.toMatchObject({ code: 'OCI_UNSUPPORTED_MEDIA_TYPE' });
  });
});

describe('authentication and transport oddities', () => {
  it('a 401 with no challenge, or one we cannot answer, is a typed error naming the registry', async () => {
    proxy.setRule(() => ({ kind: 'respond', status: 401, body: '{"errors":[{"code":"UNAUTHORIZED"}]}' }));
    const err = await resolveReference(`${proxy.host}/acme/x:1`, via()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OCI_AUTH_CHALLENGE' });
    expect((err as Error).message).toContain(proxy.host);
    proxy.setRule(() => ({ kind: 'respond', status: 401, headers: { 'www-authenticate': 'Negotiate' } }));
    const err2 = await resolveReference(`${proxy.host}/acme/x:1`, via()).catch((e: unknown) => e);
    expect(err2).toMatchObject({ code: 'OCI_AUTH_CHALLENGE' });
    expect((err2 as Error).message).toContain('negotiate');
  });

  it('429 (with Retry-After) and 503 are retried with backoff and then succeed', async () => {
    const r = await pushPackage(pkg.dir, `${reg.host}/acme/busy:1.4.0`, via());
    let n = 0;
    proxy.setRule((req) => {
      if (/\/manifests\//.test(req.url ?? '') && n < 2) {
        n++;
        return n === 1
          ? { kind: 'respond', status: 429, headers: { 'retry-after': '1' } }
          : { kind: 'respond', status: 503 };
      }
      return { kind: 'pass' };
    });
    const got = await resolveReference(`${proxy.host}/acme/busy:1.4.0`, via());
    expect(got.digest).toBe(r.digest);
    expect(n).toBe(2);
  });

  it('follows a redirect to another origin without sending Authorization there', async () => {
    const PASSWORD = 'redirect-pw';
    const secured = await startRegistry({ auth: { kind: 'htpasswd', users: [{ user: 'carol', password: PASSWORD }] } });
    const basic = `Basic ${Buffer.from(`carol:${PASSWORD}`).toString('base64')}`;
    // "storage" on another port: authenticates to the registry itself, like a presigned URL would
    const storage = await startFaultProxy(secured.url, { inject: { authorization: basic } });
    const front = await startFaultProxy(secured.url);
    try {
      const creds = { plainHttp: true, credentials: staticCredentials({ username: 'carol', password: PASSWORD }) };
      const r = await pushPackage(pkg.dir, `${front.host}/acme/redirected:1.4.0`, creds);
      front.setRule((req) =>
        req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')
          ? { kind: 'redirect', location: `${storage.url}${req.url}` }
          : { kind: 'pass' },
      );
      const out = join(base, 'redirected-out');
      await pullPackage(r.reference, out, creds);
      expect(sha(readFileSync(join(out, 'weights.bin')))).toBe(sha(readFileSync(join(pkg.dir, 'weights.bin'))));
      expect(storage.seen.length).toBeGreaterThanOrEqual(5);
      expect(storage.seen.every((s) => !s.auth)).toBe(true);
      expect(front.seen.some((s) => s.auth)).toBe(true);
    } finally {
      await storage.stop();
      await front.stop();
      await secured.stop();
    }
  });
});
