/**
 * Enumerates the files of a model the way OMS canonicalizes them (spec §6): regular files only,
 * recursively, names relative to the model root with `/` separators, valid UTF-8, symlinks
 * rejected (allow_symlinks = false), ignored paths left out, sorted by code point.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ioReason, SignatureError, throwIfAborted } from '../errors.js';
import { compareCodePoints, type IgnoreSet } from './ignores.js';

/** One file a signature covers (an OMS resource). */
export interface ResourceFile {
  /** Resource name: root-relative POSIX path (the basename for a single-file model). */
  name: string;
  /** Absolute path on disk. */
  path: string;
  size: number;
}

export interface ModelFiles {
  /** True when the model path is one file rather than a folder. */
  singleFile: boolean;
  files: ResourceFile[];
}

const MAX_DEPTH = 128;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Lists the files to sign or verify under `modelPath` (a folder or one file). */
export async function listModelFiles(
  modelPath: string,
  opts: { ignore: IgnoreSet; signal?: AbortSignal | undefined; allowEmpty?: boolean },
): Promise<ModelFiles> {
  let st;
  try {
    st = await stat(modelPath);
  } catch (e) {
    throw new SignatureError('MODEL_NOT_FOUND', `The model path does not exist or cannot be read (${ioReason(e)})`, {
      where: modelPath,
      hint: 'Give the package folder (or model file) to sign or verify.',
    });
  }
  if (st.isFile()) return { singleFile: true, files: [{ name: basename(modelPath), path: modelPath, size: st.size }] };
  if (!st.isDirectory()) {
    throw new SignatureError('UNSUPPORTED_FILE', 'The model path is neither a folder nor a regular file', {
      where: modelPath,
    });
  }
  const files: ResourceFile[] = [];
  await walk(modelPath, '', 0, files, opts.ignore, opts.signal);
  if (files.length === 0 && !opts.allowEmpty) {
    throw new SignatureError('EMPTY_MODEL', 'The model folder has no files to sign (after ignored paths)', {
      where: modelPath,
      hint: 'Check the folder and the ignore paths; an empty model cannot be signed.',
    });
  }
  files.sort((a, b) => compareCodePoints(a.name, b.name));
  return { singleFile: false, files };
}

async function walk(
  dir: string,
  prefix: string,
  depth: number,
  out: ResourceFile[],
  ignore: IgnoreSet,
  signal: AbortSignal | undefined,
): Promise<void> {
  throwIfAborted(signal);
  if (depth > MAX_DEPTH) {
    throw new SignatureError('TOO_DEEP', `Folders nest deeper than ${MAX_DEPTH} levels`, { where: dir });
  }
  // Names as raw bytes, so a non-UTF-8 name is reported instead of silently mangled.
  const raw = await readdir(dir, { encoding: 'buffer' }).catch((e: unknown) => {
    throw new SignatureError('MODEL_UNREADABLE', `Cannot read folder (${ioReason(e)})`, {
      where: dir,
      hint: 'Check permissions.',
    });
  });
  const names = raw.map((bytes) => {
    try {
      return utf8.decode(bytes);
    } catch {
      throw new SignatureError('INVALID_FILE_NAME', 'A file name is not valid UTF-8; OMS signatures need UTF-8 names', {
        where: join(dir, bytes.toString('latin1')),
        hint: 'Rename the file to a UTF-8 name.',
      });
    }
  });
  for (const name of names) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    if (ignore.matches(rel)) continue;
    const path = join(dir, name);
    const st = await lstat(path).catch((e: unknown) => {
      throw new SignatureError('MODEL_UNREADABLE', `Cannot read "${rel}" (${ioReason(e)})`, {
        where: path,
        hint: 'Check permissions, and that nothing changes the folder while signing.',
      });
    });
    if (st.isSymbolicLink()) {
      throw new SignatureError(
        'SYMLINK_NOT_ALLOWED',
        `"${rel}" is a symbolic link; OMS signing does not follow links`,
        {
          where: path,
          hint: 'Replace the link with the file it points to, or leave it out with --ignore.',
        },
      );
    }
    if (st.isDirectory()) await walk(path, rel, depth + 1, out, ignore, signal);
    else if (st.isFile()) out.push({ name: rel, path, size: st.size });
    else {
      throw new SignatureError('UNSUPPORTED_FILE', `"${rel}" is not a regular file (device, socket or pipe)`, {
        where: path,
        hint: 'Remove it from the package folder, or leave it out with --ignore.',
      });
    }
  }
}
