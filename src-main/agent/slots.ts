/**
 * The device's A/B slots: each installed release unpacked into its own folder under `slots/`, and
 * a `current` symlink the runtime reads through. Switching is atomic: a temp symlink renamed over
 * `current`, then the folder fsynced, so after a crash `current` is either the old slot or the new.
 * Old slots are garbage-collected, keeping what the state file names (current, previous, pending).
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { AgentError } from '../errors.js';
import { syncDir } from './tuf.js';

export const CURRENT = 'current';
export const SLOTS = 'slots';
const TMP_PREFIX = '.tmp-';

export function currentPath(dataDir: string): string {
  return join(dataDir, CURRENT);
}

/** The slot `current` points at, or undefined. */
export function readCurrent(dataDir: string): string | undefined {
  try {
    return basename(readlinkSync(currentPath(dataDir)));
  } catch {
    return undefined;
  }
}

/** Points `current` at `slot` (or removes it) atomically and durably. */
export function pointCurrent(dataDir: string, slot: string | undefined): void {
  if (slot === undefined) {
    try {
      unlinkSync(currentPath(dataDir));
    } catch {
      // already absent
    }
    syncDir(dataDir);
    return;
  }
  if (!existsSync(join(dataDir, SLOTS, slot)))
    throw new AgentError('SLOT_MISSING', `Slot ${slot} does not exist`, { where: join(dataDir, SLOTS, slot) });
  const tmp = join(dataDir, `${TMP_PREFIX}current-${randomBytes(4).toString('hex')}`);
  symlinkSync(join(SLOTS, slot), tmp);
  renameSync(tmp, currentPath(dataDir));
  syncDir(dataDir);
}

export function slotExists(dataDir: string, slot: string): boolean {
  return existsSync(join(dataDir, SLOTS, slot));
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Unpacks verified files into a new slot: copied into a temp folder, synced, renamed into place.
 * A slot that already exists is kept (its name is the release's digest: same content).
 */
export function unpackSlot(dataDir: string, slot: string, files: { path: string; from: string }[]): void {
  const final = join(dataDir, SLOTS, slot);
  if (existsSync(final)) return;
  const tmp = join(dataDir, SLOTS, `${TMP_PREFIX}${slot}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of files) {
    const to = join(tmp, ...f.path.split('/'));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f.from, to);
    fsyncFile(to);
  }
  syncDir(tmp);
  renameSync(tmp, final);
  syncDir(join(dataDir, SLOTS));
}

/** Removes every slot not in `keep`, and leftovers of interrupted work (temp folders and links). */
export function collectSlots(dataDir: string, keep: (string | undefined)[]): string[] {
  const wanted = new Set(keep.filter((k): k is string => k !== undefined));
  const removed: string[] = [];
  const dir = join(dataDir, SLOTS);
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (wanted.has(name)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  for (const name of readdirSync(dataDir))
    if (name.startsWith(TMP_PREFIX)) rmSync(join(dataDir, name), { force: true });
  return removed;
}
