/**
 * What signing and verification leave out (OMS spec §6.2): `.git`, `.gitattributes`, `.gitignore`
 * and `.github` at the model root (whole subtree), the signature file itself, the paths a bundle
 * records in `serialization.ignore_paths`, and user ignore paths (exact relative paths, no globs).
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

export const DEFAULT_IGNORES: readonly string[] = ['.git', '.gitattributes', '.gitignore', '.github'];
export const DEFAULT_SIGNATURE_NAME = 'model.sig';

/**
 * A path relative to the model root in POSIX form, or undefined when it lies outside the root.
 * Absolute paths are taken as they are; relative ones are relative to the model root.
 */
export function relativeToRoot(root: string, path: string): string | undefined {
  const abs = isAbsolute(path) ? resolve(path) : resolve(root, path);
  const rel = relative(resolve(root), abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/** A set of root-relative POSIX paths; a path matches when it is one of them or lies under one. */
export class IgnoreSet {
  private readonly paths = new Set<string>();
  /** The entries that matched something, for reporting ignore paths that matched nothing. */
  private readonly hits = new Set<string>();

  constructor(paths: Iterable<string> = []) {
    for (const p of paths) this.add(p);
  }

  add(rel: string): this {
    const clean = rel.replace(/^\.\//, '').replace(/\/+$/, '');
    if (clean !== '' && clean !== '.') this.paths.add(clean);
    return this;
  }

  matches(rel: string): boolean {
    if (this.paths.has(rel)) return this.hit(rel, true);
    for (let i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) {
      const prefix = rel.slice(0, i);
      if (this.paths.has(prefix)) return this.hit(prefix, true);
    }
    return false;
  }

  /** Whether entry `rel` has matched a path so far (with `record`, marks it as matched). */
  hit(rel: string, record = false): boolean {
    const clean = rel.replace(/^\.\//, '').replace(/\/+$/, '');
    if (record) this.hits.add(clean);
    return this.hits.has(clean);
  }

  /** Sorted, for `serialization.ignore_paths` (deterministic output). */
  list(): string[] {
    return [...this.paths].sort(compareCodePoints);
  }
}

/** Plain code-point order of strings (UTF-8 byte order), as the OMS spec sorts resource names. */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
