import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { throwIfAborted } from '../errors.js';

export interface FileDigest {
  size: number;
  sha256: string;
}

/** Streams a file through SHA-256 (constant memory); returns its size and lower-case hex digest. */
export async function digestFile(path: string, signal?: AbortSignal): Promise<FileDigest> {
  throwIfAborted(signal);
  const hash = createHash('sha256');
  let size = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (e) {
    throwIfAborted(signal);
    throw e;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Copies `src` to `dest` (which must not exist) while hashing it: one read of the source. */
export async function copyFileHashed(src: string, dest: string, signal?: AbortSignal): Promise<FileDigest> {
  throwIfAborted(signal);
  const hash = createHash('sha256');
  let size = 0;
  const input = createReadStream(src, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) });
  const output = createWriteStream(dest, { flags: 'wx' });
  try {
    await pipeline(
      input,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      output,
    );
  } catch (e) {
    throwIfAborted(signal);
    throw e;
  }
  return { size, sha256: hash.digest('hex') };
}
