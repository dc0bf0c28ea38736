/**
 * Byte counts as people read them ("1.5 GB"): the one formatter of the CLI's output and the
 * Studio's pages. It imports nothing, so the renderer may import it (the lint's layering rule
 * allows exactly this module besides the contract's types, and fails it if it ever imports).
 */

/** Decimal units (1 KB = 1000 B), as file managers and registries show sizes. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}
