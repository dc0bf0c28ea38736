/**
 * Where a package may be saved. The page names destinations by handles only: folders listed under
 * the allowed root (browser host: the folder `studio --web` started in, or `--root DIR`) or
 * chosen in the desktop app's native dialog. Each refusal says what is wrong, in words.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { errnoOf, UsageError } from '../errors.js';
import type { FolderListing } from './contract.js';
import { MAX_NAME_BYTES, type FileTable, type Held } from './files.js';

/** Subfolders listed at most (a picker, not a file manager). */
const MAX_LISTED = 500;

/** The root itself, or the folder `under` (a destination handle), with its subfolders as handles. */
export async function listFolders(files: FileTable, root: string | undefined, under: unknown): Promise<FolderListing> {
  if (!root) {
    throw new UsageError('NO_SAVE_ROOT', 'This Studio has no folder to save into', {
      hint: 'Use “Choose folder…” (desktop app) or “Download as .tar”.',
    });
  }
  const base = await realpath(root).catch((e: unknown) => {
    throw new UsageError('SAVE_ROOT_MISSING', `The save folder ${basename(root)} does not exist any more`, {
      hint: 'Restart `fleetpack studio --web` with --root set to an existing folder.',
      cause: e,
    });
  });
  const held = under === undefined || under === null || under === '' ? undefined : files.destination(under);
  const dir = held?.path ?? base;
  const trail = held?.trail ?? [basename(base) || base];
  await checkFolder(dir, trail.at(-1)!, base);
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
    throw new UsageError('FOLDER_UNREADABLE', `Cannot list ${trail.join('/')} (${errnoOf(e) ?? 'error'})`, {
      hint: 'Check the folder’s permissions, or choose another one.',
      cause: e,
    });
  });
  const folders: FolderListing['folders'] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (folders.length >= MAX_LISTED) break;
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) folders.push(files.addDestination(path, [...trail, e.name]));
    else if (e.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isDirectory())
      folders.push({ ...files.addDestination(path, [...trail, e.name]), symlink: true });
  }
  const self = held ? { handle: held.handle, name: held.name, files: 0 } : files.addDestination(dir, trail);
  const parentPath = join(dir, '..');
  const parent = held && trail.length > 1 ? files.addDestination(parentPath, trail.slice(0, -1)) : undefined;
  return { folder: self, trail, folders, ...(parent ? { parent } : {}) };
}

/**
 * The folder a package named `name` will be created in `into`: a real folder (no link), still
 * there, under the root when there is one, with no file or non-empty folder of that name.
 */
export async function saveTarget(into: Held, name: string, root: string | undefined): Promise<string> {
  const where = into.trail?.join('/') ?? into.name;
  if (name === '' || name === '.' || name === '..' || /[\\/\p{Cc}]/u.test(name)) {
    throw new UsageError('BAD_FOLDER_NAME', `“${name}” cannot be a folder name`, {
      hint: 'Use a plain name without / or \\, for example detector-1.0.0.',
    });
  }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new UsageError('FOLDER_NAME_TOO_LONG', `The folder name is ${Buffer.byteLength(name)} bytes long`, {
      hint: `Use at most ${MAX_NAME_BYTES} bytes (non-Latin letters take 2–4 bytes each).`,
    });
  }
  const base = root ? await realpath(root).catch(() => root) : undefined;
  await checkFolder(into.path, where, base);
  const target = join(into.path, name);
  const st = await lstat(target).catch(() => undefined);
  if (st?.isSymbolicLink()) {
    throw new UsageError('DESTINATION_IS_LINK', `${where}/${name} is a symbolic link`, {
      hint: 'Fleetpack saves only into real folders; choose another name.',
    });
  }
  if (st && !st.isDirectory()) {
    throw new UsageError('DESTINATION_IS_FILE', `${where}/${name} is a file, not a folder`, {
      hint: 'Choose another name for the package folder.',
    });
  }
  if (st && (await readdir(target)).length > 0) {
    throw new UsageError('DESTINATION_NOT_EMPTY', `${where}/${name} already exists and is not empty`, {
      hint: 'Choose a new name; Fleetpack never overwrites a package.',
    });
  }
  return target;
}

/** `dir` exists, is a real folder (not a link), and lies under `root` (when there is one). */
async function checkFolder(dir: string, shown: string, root: string | undefined): Promise<void> {
  const st = await lstat(dir).catch((e: unknown) => {
    if (errnoOf(e) === 'ENOENT')
      throw new UsageError('DESTINATION_MISSING', `The folder ${shown} no longer exists`, {
        hint: 'It was moved or deleted; choose another folder.',
      });
    throw new UsageError('FOLDER_UNREADABLE', `Cannot open ${shown} (${errnoOf(e) ?? 'error'})`, { cause: e });
  });
  if (st.isSymbolicLink()) {
    throw new UsageError('DESTINATION_IS_LINK', `${shown} is a symbolic link`, {
      hint: 'Fleetpack saves only into real folders under the Studio’s folder; choose another one.',
    });
  }
  if (!st.isDirectory()) {
    throw new UsageError('DESTINATION_IS_FILE', `${shown} is a file, not a folder`, {
      hint: 'Choose a folder.',
    });
  }
  if (root) {
    const real = await realpath(dir);
    const rel = relative(root, real);
    if (rel.startsWith('..') || rel.split(sep).includes('..') || rel.startsWith(sep)) {
      throw new UsageError('OUTSIDE_SAVE_ROOT', `${shown} is outside the folder this Studio saves into`, {
        hint: 'Choose a folder under it, or restart `fleetpack studio --web --root DIR`.',
      });
    }
  }
}
