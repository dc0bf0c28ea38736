/** Upload sessions (offsets, limits, digests, restart) and the secret box, without a server. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RangeMismatch } from '../../../src-main/platform/index.js';
import { SecretBox, newSalt } from '../../../src-main/platform/secrets.js';
import { UploadSessions } from '../../../src-main/platform/uploads.js';
import { tempDir } from '../../fixtures/temp.js';

const digest = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('upload sessions', () => {
  it('appends at the offset only, and the server digest decides', async () => {
    const u = new UploadSessions(tempDir());
    const id = await u.create('me');
    const a = Buffer.from('hello ');
    const b = Buffer.from('world');
    expect(await u.append(id, 'me', Readable.from([a]), 0, a.length)).toBe(6);
    await expect(u.append(id, 'me', Readable.from([b]), 0, b.length)).rejects.toBeInstanceOf(RangeMismatch);
    await expect(u.append(id, 'someone else', Readable.from([b]), 6, b.length)).rejects.toMatchObject({
      code: 'UPLOAD_UNKNOWN',
    });
    expect(await u.append(id, 'me', Readable.from([b]), 6, b.length)).toBe(11);
    await expect(u.finish(id, 'me', 'sha256:nothex')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    const done = await u.finish(id, 'me', digest(Buffer.concat([a, b])));
    expect(readFileSync(done.file, 'utf8')).toBe('hello world');
  });

  it('refuses a chunk longer than its range and rolls it back', async () => {
    const u = new UploadSessions(tempDir());
    const id = await u.create('me');
    await expect(u.append(id, 'me', Readable.from([Buffer.alloc(20)]), 0, 10)).rejects.toMatchObject({
      code: 'UPLOAD_CHUNK_TOO_LONG',
    });
    expect(await u.status(id, 'me')).toBe(0);
  });

  it('keeps what arrived of a cut chunk and continues from there, also after a restart', async () => {
    const dir = tempDir();
    const u = new UploadSessions(dir);
    const id = await u.create('me');
    const body = Buffer.alloc(100_000, 3);
    const cut = new Readable({ read() {} });
    const p = u.append(id, 'me', cut, 0, body.length);
    cut.push(body.subarray(0, 30_000));
    // Cut only once the bytes are on disk (a fixed wait raced on a busy machine); the test timeout bounds the loop.
    while ((await u.status(id, 'me')) < 30_000) await new Promise((r) => setTimeout(r, 5));
    cut.destroy(new Error('connection reset'));
    await expect(p).rejects.toMatchObject({ code: 'UPLOAD_INTERRUPTED' });
    const offset = await u.status(id, 'me');
    expect(offset).toBe(30_000);
    // A new process: the hash of the first 30,000 bytes is recomputed from the file.
    const again = new UploadSessions(dir);
    expect(await again.append(id, 'me', Readable.from([body.subarray(offset)]), offset, body.length - offset)).toBe(
      body.length,
    );
    const done = await again.finish(id, 'me', digest(body));
    expect(done.size).toBe(body.length);
  });

  it('drops a session whose bytes do not match the digest, and enforces the size limit', async () => {
    const u = new UploadSessions(tempDir(), { maxBlobBytes: 1000, ttlMs: 1 });
    const id = await u.create('me');
    await u.append(id, 'me', Readable.from([Buffer.alloc(10)]), 0, 10);
    await expect(u.finish(id, 'me', `sha256:${'0'.repeat(64)}`)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(u.status(id, 'me')).rejects.toMatchObject({ code: 'UPLOAD_UNKNOWN' });
    const big = await u.create('me');
    await expect(u.append(big, 'me', Readable.from([Buffer.alloc(2000)]), 0)).rejects.toMatchObject({
      code: 'UPLOAD_TOO_LARGE',
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(await u.sweep()).toBeGreaterThanOrEqual(1);
    await expect(u.status(big, 'me')).rejects.toMatchObject({ code: 'UPLOAD_UNKNOWN' });
  });

  it('refuses session ids that are not ours (path traversal included)', async () => {
    const u = new UploadSessions(tempDir());
    for (const id of ['../../etc/passwd', 'x', '0'.repeat(32)])
      await expect(u.status(id, 'me')).rejects.toMatchObject({ code: 'UPLOAD_UNKNOWN' });
  });
});

describe('secret box', () => {
  it('opens only with the passphrase and purpose it was sealed with', () => {
    const salt = newSalt();
    const box = SecretBox.fromPassphrase('correct horse battery staple', salt);
    const sealed = box.seal('private key bytes', 'online key snapshot');
    expect(sealed).not.toContain('private key bytes');
    expect(box.open(sealed, 'online key snapshot').toString()).toBe('private key bytes');
    expect(() => box.open(sealed, 'online key timestamp')).toThrow(/wrong passphrase/);
    expect(() => SecretBox.fromPassphrase('another long passphrase', salt).open(sealed, 'online key snapshot')).toThrow(
      /wrong passphrase/,
    );
    expect(() =>
      box.open(
        sealed.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        'online key snapshot',
      ),
    ).toThrow(/wrong passphrase/);
    expect(() => SecretBox.fromPassphrase('short', salt)).toThrow(/shorter than 12/);
  });
});
