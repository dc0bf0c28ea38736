/**
 * The OCI image layout as a content-addressed store (what the platform keeps its blobs in):
 * streamed puts with and without an expected digest, nothing kept on mismatch or abort, verified
 * reads, tags in index.json under concurrent updates, refusal to adopt a folder that is not a layout.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OciLayout } from '../../src-main/oci/index.js';
import { tempDir } from '../fixtures/temp.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const fresh = () => join(tempDir('fleetpack-layout-'), 'layout');
const chunks = (b: Buffer, n = 7) =>
  Readable.from(Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, i * n + n)));
const read = async (s: Readable) => {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c as Buffer);
  return Buffer.concat(out);
};

describe('OciLayout as a blob store', () => {
  it('stores a stream of unknown digest, reads it back verified, and dedupes', async () => {
    const l = await OciLayout.open(fresh(), { create: true });
    const data = Buffer.from('weights '.repeat(1000));
    const d = await l.putBlob(chunks(data));
    expect(d).toMatchObject({ digest: sha(data), size: data.length });
    expect(await l.hasBlob(d)).toBe(true);
    expect(await read(await l.openBlob(d))).toEqual(data);
    expect(await l.fetchBlob(d, { maxBytes: 1 << 20 })).toEqual(data);
    await expect(l.fetchBlob(d, { maxBytes: 10 })).rejects.toMatchObject({ code: 'OCI_TOO_LARGE' });
    expect(await l.putBlob(chunks(data), { expected: d })).toMatchObject({ digest: d.digest });
    expect(readdirSync(join(l.path, '.fleetpack-tmp'))).toEqual([]);
  });

  it('keeps nothing when the bytes are not the expected ones, or the stream is aborted', async () => {
    const l = await OciLayout.open(fresh(), { create: true });
    const data = Buffer.from('the real bytes');
    await expect(
      l.putBlob(chunks(Buffer.from('other bytes!!!')), { expected: { digest: sha(data), size: data.length } }),
    ).rejects.toMatchObject({
      code: 'OCI_DIGEST_MISMATCH',
    });
    await expect(
      l.putBlob(chunks(Buffer.concat([data, data])), { expected: { digest: sha(data), size: data.length } }),
    ).rejects.toMatchObject({
      code: 'OCI_SIZE_MISMATCH',
    });
    const ctl = new AbortController();
    const endless = Readable.from(
      (async function* () {
        for (let i = 0; ; i++) {
          if (i === 5) ctl.abort();
          yield Buffer.alloc(1024, i);
          await new Promise((r) => setTimeout(r, 1));
        }
      })(),
    );
    await expect(l.putBlob(endless, { signal: ctl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(readdirSync(join(l.path, 'blobs/sha256'))).toEqual([]);
    expect(readdirSync(join(l.path, '.fleetpack-tmp'))).toEqual([]);
  });

  it('refuses a blob damaged on disk when it is read', async () => {
    const l = await OciLayout.open(fresh(), { create: true });
    const data = Buffer.from('precious model bytes');
    const d = await l.putBlob(chunks(data));
    writeFileSync(l.blobPath(d.digest), Buffer.from('precious model bytez'));
    await expect(read(await l.openBlob(d))).rejects.toMatchObject({ code: 'OCI_DIGEST_MISMATCH' });
    await expect(l.fetchBlob(d, { maxBytes: 100 })).rejects.toMatchObject({ code: 'OCI_DIGEST_MISMATCH' });
  });

  it('keeps every tag when many are set at once (index.json updates are serialized)', async () => {
    const l = await OciLayout.open(fresh(), { create: true });
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(Buffer.from('{}')), size: 2 },
        layers: [],
      }),
    );
    const { descriptor } = await l.pushManifest(m, 'application/vnd.oci.image.manifest.v1+json');
    await Promise.all(Array.from({ length: 40 }, (_, i) => l.tag(`t${i}`, descriptor)));
    expect((await l.tags()).size).toBe(40);
    // a second handle on the same folder sees them, and untag removes exactly one
    const again = await OciLayout.open(l.path);
    expect(await again.untag('t7')).toBe(true);
    expect(await again.untag('t7')).toBe(false);
    expect([...(await l.tags()).keys()]).not.toContain('t7');
    expect((await l.resolve('t8')).digest).toBe(descriptor.digest);
    await expect(l.resolve('nope')).rejects.toMatchObject({ code: 'OCI_NOT_FOUND' });
    expect(existsSync(join(l.path, 'index.json.lock'))).toBe(false);
    expect(await l.deleteBlob(descriptor.digest)).toBe(true);
    expect(await l.deleteBlob(descriptor.digest)).toBe(false);
  });

  it('refuses to adopt a non-empty folder that is not a layout, and a missing one without create', async () => {
    const dir = fresh();
    await expect(OciLayout.open(dir)).rejects.toMatchObject({ code: 'OCI_LAYOUT_INVALID' });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(OciLayout.open(dir, { create: true })).rejects.toMatchObject({ code: 'OCI_LAYOUT_INVALID' });
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await expect(OciLayout.open(dir)).rejects.toMatchObject({ code: 'OCI_LAYOUT_INVALID' });
  });
});
