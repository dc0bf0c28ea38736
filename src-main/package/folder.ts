import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { errnoOf, PackageError, throwIfAborted } from '../errors.js';
import { SIGNATURE_FILE } from '../manifest/index.js';

export interface ReplaceDirOptions {
  /** Replace an existing folder; without it an existing target is refused. */
  force?: boolean;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    (e: unknown) => {
      if (errnoOf(e) === 'ENOENT') return false;
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
export async function buildDirAtomic(
  target: string,
  build: (tmpDir: string) => Promise<void>,
  options: ReplaceDirOptions = {},
): Promise<string> {
  const abs = resolve(target);
  const parent = dirname(abs);
  if (!options.force && (await exists(abs))) {
    throw new PackageError('TARGET_EXISTS', `${abs} already exists`, {
      where: abs,
      hint: 'Choose another --out folder, or pass --force to replace it.',
    });
  }
  await mkdir(parent, { recursive: true }).catch((e: unknown) => {
    throw new PackageError('WRITE_FAILED', `Cannot create ${parent} (${errnoOf(e) ?? 'error'})`, {
      where: parent,
      hint: 'Check the permissions.',
      cause: e,
    });
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
      if (!options.force)
        throw new PackageError('TARGET_EXISTS', `${abs} appeared while the package was being built`, {
          where: abs,
          hint: 'Retry, or pass --force.',
        });
      await rename(abs, old);
      movedOld = true;
    }
    await rename(tmp, abs);
  } catch (e) {
    if (movedOld) await rename(old, abs).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof PackageError) throw e;
    throw new PackageError('WRITE_FAILED', `Cannot move the new package into ${abs} (${errnoOf(e) ?? 'error'})`, {
      where: abs,
      hint: 'Nothing was changed; check the permissions of the parent folder.',
      cause: e,
    });
  }
  if (movedOld) await rm(old, { recursive: true, force: true });
  return abs;
}

/** Most files a package folder may hold (a package has a handful; this bounds hostile folders). */
export const MAX_PACKAGE_FILES = 10_000;

/**
 * Every regular file in a package folder, as sorted '/'-separated relative paths, except the
 * signature itself (used to report files the manifest does not list; the exact set a signature
 * covers, with OMS ignore rules, is the signing domain's). Symbolic links and special files are refused
 * (they would be shipped as something other than what was signed), or skipped with `skipOther`
 * (for reports that flag them separately).
 */
export async function listPackageFiles(
  dir: string,
  options: { signal?: AbortSignal; skipOther?: boolean } = {},
): Promise<string[]> {
  const { signal, skipOther = false } = options;
  const root = resolve(dir);
  const out: string[] = [];
  const queue = [root];
  while (queue.length) {
    throwIfAborted(signal);
    const d = queue.shift()!;
    const entries = await readdir(d, { withFileTypes: true }).catch((e: unknown) => {
      throw new PackageError(
        errnoOf(e) === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE',
        `Cannot list ${d} (${errnoOf(e) ?? 'error'})`,
        { where: d, hint: 'Check the package path and permissions.', cause: e },
      );
    });
    for (const e of entries) {
      const p = join(d, e.name);
      const rel = relative(root, p).split(sep).join('/');
      if (e.isDirectory()) queue.push(p);
      else if (e.isFile()) {
        if (rel !== SIGNATURE_FILE) out.push(rel);
      } else if (!skipOther) {
        throw new PackageError(
          'NOT_REGULAR_FILE',
          `${rel} in the package is ${e.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`,
          {
            where: p,
            hint: 'Replace it with the real file: links and special files cannot be signed or shipped.',
          },
        );
      }
      if (out.length > MAX_PACKAGE_FILES) {
        throw new PackageError('TOO_MANY_FILES', `The package folder holds more than ${MAX_PACKAGE_FILES} files`, {
          where: root,
          hint: 'A package holds a model, its data files, the manifest and an SBOM.',
        });
      }
    }
  }
  return out.sort();
}
