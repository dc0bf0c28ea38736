import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { errnoOf, FormatError } from '../errors.js';

/** Largest single read the readers may ask for; anything bigger is a corrupt length. */
export const MAX_WINDOW = 4 * 1024 * 1024;

/**
 * Reads up to this size are served synchronously: a header walk makes about one small read per
 * weight it skips (1,500 for a 1,500-initializer ONNX), and a thread-pool round trip each costs
 * more than the read itself. Larger reads stay asynchronous.
 */
const SYNC_READ_MAX = 64 * 1024;

export interface OpenOptions {
  /**
   * Awaited before every read of `length` bytes at `offset`: for a file whose bytes are still
   * arriving (the Studio's upload), the reads wait until their range is there. Reads then stay
   * asynchronous.
   */
  beforeRead?: (offset: number, length: number) => Promise<void>;
}

/**
 * Bounded random-access reader over a file. Every read is positioned and capped at MAX_WINDOW,
 * so memory never depends on sizes written inside an untrusted file.
 */
export class ModelFile {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly size: number,
    private readonly beforeRead: OpenOptions['beforeRead'],
  ) {}

  static async open(path: string, options: OpenOptions = {}): Promise<ModelFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      const code = errnoOf(e);
      throw new FormatError(
        code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
        code === 'ENOENT' ? `No such file: ${path}` : `Cannot read ${path} (${code ?? 'error'})`,
        { file: path, hint: 'Check the path and its permissions.', cause: e },
      );
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new FormatError('NOT_A_FILE', `${path} is not a regular file`, {
        file: path,
        hint: 'Pass the model file itself.',
      });
    }
    return new ModelFile(handle, path, st.size, options.beforeRead);
  }

  /**
   * Reads exactly `length` bytes at `offset`; throws FormatError (TRUNCATED) if the file ends first.
   * `what` names the structure being read, for the error message.
   */
  async read(offset: number, length: number, what = 'data'): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new FormatError('BAD_OFFSET', `Invalid offset/length for ${what}`, {
        file: this.path,
        offset: Math.max(0, offset | 0),
      });
    }
    if (length > MAX_WINDOW) {
      throw new FormatError(
        'LENGTH_TOO_LARGE',
        `${what} claims ${length} bytes, more than the ${MAX_WINDOW}-byte window`,
        {
          file: this.path,
          offset,
          hint: 'The file is corrupt or not the format it appears to be.',
        },
      );
    }
    if (offset + length > this.size) {
      throw new FormatError(
        'TRUNCATED',
        `${what} runs past the end of the file (needs bytes ${offset}..${offset + length}, file has ${this.size})`,
        {
          file: this.path,
          offset,
          hint: 'The file is truncated or corrupt; re-export or re-download it.',
        },
      );
    }
    if (this.beforeRead) await this.beforeRead(offset, length);
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    // Reads that first wait for their bytes stay asynchronous.
    const sync = !this.beforeRead && length <= SYNC_READ_MAX;
    while (done < length) {
      const bytesRead = sync
        ? readSync(this.handle.fd, buf, done, length - done, offset + done)
        : (await this.handle.read(buf, done, length - done, offset + done)).bytesRead;
      if (bytesRead === 0)
        throw new FormatError('TRUNCATED', `Unexpected end of file reading ${what}`, {
          file: this.path,
          offset: offset + done,
        });
      done += bytesRead;
    }
    return buf;
  }

  /** Reads up to `length` bytes at `offset`, fewer at end of file. */
  async readUpTo(offset: number, length: number): Promise<Buffer> {
    const n = Math.max(0, Math.min(length, MAX_WINDOW, this.size - offset));
    return n === 0 ? Buffer.alloc(0) : this.read(offset, n);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Opens, runs `fn`, always closes. */
export async function withModelFile<T>(
  path: string,
  fn: (f: ModelFile) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const f = await ModelFile.open(path, options);
  try {
    return await fn(f);
  } finally {
    await f.close();
  }
}
