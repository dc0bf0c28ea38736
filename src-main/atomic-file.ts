/** Writing one file so that readers see the old content or the new, never half of it (any folder may use it). */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ioReason, PackageError } from './errors.js';

/** Writes `path` via a temp sibling (fsync) + rename; the temp file is removed on failure. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new PackageError('WRITE_FAILED', `Cannot write ${path} (${ioReason(e)})`, {
      where: path,
      hint: 'Check that the folder exists and is writable; nothing was changed.',
      cause: e,
    });
  }
}
