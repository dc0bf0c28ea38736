/**
 * Content digests (`sha256:<hex>`, `sha512:<hex>`): parsing, hashing, and a pass-through stream
 * that refuses content whose size or digest is not what its descriptor says. Everything fetched
 * from a registry or read from a layout goes through one of these before anyone trusts it.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { OciError } from '../errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** A digest string (the type guard narrows unknown input; a string that fails stays a string). */
export type DigestString = `sha256:${string}` | `sha512:${string}`;

export function isDigest(s: unknown): s is DigestString {
  return typeof s === 'string' && DIGEST_RE.test(s);
}

/** Checks a digest string; OciError DIGEST_INVALID names where it came from. */
export function parseDigest(s: unknown, where: string): { algorithm: DigestAlgorithm; hex: string } {
  if (!isDigest(s)) {
    throw new OciError('OCI_DIGEST_INVALID', `Not a supported digest: ${JSON.stringify(String(s).slice(0, 140))}`, {
      where,
      hint: 'Digests are sha256:<64 hex> (or sha512:<128 hex>), lower case.',
    });
  }
  const [algorithm, hex] = s.split(':') as [DigestAlgorithm, string];
  return { algorithm, hex };
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function hashFor(digest: string): Hash {
  return createHash(digest.startsWith('sha512:') ? 'sha512' : 'sha256');
}

export function digestMismatch(what: string, expected: string, actual: string, where: string): OciError {
  return new OciError('OCI_DIGEST_MISMATCH', `${what} does not match its digest: expected ${expected}, got ${actual}`, {
    where,
    hint: 'The content was altered or corrupted in storage or in transit; nothing was written from it. Try again; if it persists the stored copy is damaged and must be pushed again.',
  });
}

export function sizeMismatch(what: string, expected: number, actual: string, where: string): OciError {
  return new OciError('OCI_SIZE_MISMATCH', `${what} is ${actual} bytes; its descriptor says ${expected}`, {
    where,
    hint: 'The content was cut short or padded in storage or in transit; nothing was written from it. Try again.',
  });
}

/** Throws unless `bytes` has exactly the size and digest of the descriptor. */
export function verifyBytes(bytes: Uint8Array, desc: { digest: string; size: number }, what: string, where: string) {
  if (bytes.length !== desc.size) throw sizeMismatch(what, desc.size, String(bytes.length), where);
  const actual = `${desc.digest.split(':')[0]}:${hashFor(desc.digest).update(bytes).digest('hex')}`;
  if (actual !== desc.digest) throw digestMismatch(what, desc.digest, actual, where);
}

/**
 * Passes bytes through while hashing them; errors (instead of ending) when more than `size` bytes
 * arrive, or when the stream ends short or with another digest. A consumer that writes to a temp
 * file and renames only on 'finish' therefore never keeps unverified content.
 */
export class DigestVerifier extends Transform {
  private readonly hash: Hash;
  private seen = 0;

  constructor(
    private readonly desc: { digest: string; size: number },
    private readonly what: string,
    private readonly where: string,
  ) {
    super();
    this.hash = hashFor(desc.digest);
  }

  get bytesSeen(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.desc.size) {
      cb(sizeMismatch(this.what, this.desc.size, `more than ${this.desc.size}`, this.where));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.seen !== this.desc.size) {
      cb(sizeMismatch(this.what, this.desc.size, String(this.seen), this.where));
      return;
    }
    const actual = `${this.desc.digest.split(':')[0]}:${this.hash.digest('hex')}`;
    cb(actual === this.desc.digest ? null : digestMismatch(this.what, this.desc.digest, actual, this.where));
  }
}
