/** What a package folder holds, file by file with its role, for the Package and Review steps. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../manifest/index.js';
import type { Manifest, PackageSummary, VerifyReport } from './contract.js';

export async function summarize(dir: string, m: Manifest, verify?: VerifyReport): Promise<PackageSummary> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: PackageSummary['files'] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = join(e.parentPath, e.name)
      .slice(dir.length + 1)
      .split('\\')
      .join('/');
    const size = (await stat(join(dir, rel))).size;
    const role =
      rel === MANIFEST_FILE
        ? 'manifest'
        : rel === SIGNATURE_FILE
          ? 'signature'
          : rel === m.sbom?.file
            ? 'sbom'
            : (m.artifact.files.find((f) => f.path === rel)?.role ?? 'other');
    files.push({ path: rel, size, role });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const signed = files.some((f) => f.path === SIGNATURE_FILE);
  return {
    name: m.name,
    version: m.version,
    files,
    signed,
    ...(verify ? { verify } : {}),
    ...(m.sbom ? { sbom: { file: m.sbom.file, format: m.sbom.format, specVersion: m.sbom.specVersion } } : {}),
  };
}
