import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PackageError } from '../errors.js';

export interface ReplaceDirOptions {
  /** Replace an existing folder; without it an existing target is refused. */
  force?: boolean;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
}

/**
 * Creates folder `target` by building it completely in a hidden temp sibling and renaming it into
 * place, so a failure or Ctrl-C never leaves a half-written package. An existing `target` is
 * refused (PackageError TARGET_EXISTS) unless `force`; with force the old folder is moved aside
 * and only deleted once the new one is in place.
 */
export async function buildDirAtomic(target: string, build: (tmpDir: string) => Promise<void>, options: ReplaceDirOptions = {}): Promise<string> {
  const abs = resolve(target);
  const parent = dirname(abs);
  if (!options.force && (await exists(abs))) {
    throw new PackageError('TARGET_EXISTS', `${abs} already exists`, {
      where: abs,
      hint: 'Choose another --out folder, or pass --force to replace it.',
    });
  }
  await mkdir(parent, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw new PackageError('WRITE_FAILED', `Cannot create ${parent} (${e.code ?? 'error'})`, { where: parent, hint: 'Check the permissions.', cause: e });
  });
  const tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(abs)}.building.${tag}`);
  try {
    await mkdir(tmp);
    await build(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = join(parent, `.${basename(abs)}.old.${tag}`);
  let movedOld = false;
  try {
    if (await exists(abs)) {
      if (!options.force) throw new PackageError('TARGET_EXISTS', `${abs} appeared while the package was being built`, { where: abs, hint: 'Retry, or pass --force.' });
      await rename(abs, old);
      movedOld = true;
    }
    await rename(tmp, abs);
  } catch (e) {
    if (movedOld) await rename(old, abs).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof PackageError) throw e;
    throw new PackageError('WRITE_FAILED', `Cannot move the new package into ${abs} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, {
      where: abs,
      hint: 'Nothing was changed; check the permissions of the parent folder.',
      cause: e,
    });
  }
  if (movedOld) await rm(old, { recursive: true, force: true });
  return abs;
}
