import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { errnoOf, ioReason, isFleetpackError, ManifestError, PackageError, throwIfAborted } from '../errors.js';
import { inspect, type ModelInfo } from '../formats/index.js';
import { buildDirAtomic, copyFileHashed, writeManifest } from '../package/index.js';
import type { ValidationReport } from './findings.js';
import { analyzeLicense, mapHubLicenses, suggestLicense } from './license.js';
import { importMetrics, mergeMetrics, type MetricsImport } from './metrics.js';
import { artifactSources, draftManifest, nameFromFile, type ManifestFields } from './prefill.js';
import { refreshTodo } from './todo.js';
import type { ArtifactFile, Manifest } from './types.js';
import { validate, validateDocument } from './validate.js';

export interface InitOptions extends ManifestFields {
  /** Package folder to create; default `<name>-<version>` beside the current directory (`cwd`). */
  out?: string;
  /** Base for relative paths and the default folder. */
  cwd?: string;
  /** Metrics file: JSON, CSV or a Hugging Face model card. */
  metrics?: string;
  /** TensorRT: the ONNX model or Triton config.pbtxt the I/O comes from (copied in as a companion). */
  ioFrom?: string;
  /** Replace an existing folder (atomically: the new one is built aside first). */
  force?: boolean;
  signal?: AbortSignal;
}

export interface InitResult {
  dir: string;
  manifest: Manifest;
  model: ModelInfo;
  /** Validation of the new package: warnings list what is still missing. */
  report: ValidationReport;
  /** Things init decided that the user should see (license mapping, metrics source …). */
  notes: string[];
}

/**
 * `fleetpack init`: reads the model, prefills the manifest with the given fields, copies the
 * model (and its external-data / companion files) into a new package folder and writes
 * fleetpack.json. Every input is checked before anything is written; the folder appears whole or
 * not at all, and an existing one is replaced only with `force`.
 */
export async function initPackage(modelPath: string, options: InitOptions = {}): Promise<InitResult> {
  const cwd = options.cwd ?? process.cwd();
  const model = resolve(cwd, modelPath);
  const ioFrom = options.ioFrom ? resolve(cwd, options.ioFrom) : undefined;
  const info = await inspect(model, {
    ...(ioFrom ? { ioFrom } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const notes: string[] = [];

  let metrics: MetricsImport | undefined;
  if (options.metrics) {
    metrics = await importMetrics(resolve(cwd, options.metrics));
    notes.push(`${metrics.metrics.length} metric(s) imported from ${options.metrics} (${metrics.format})`);
  }

  let license: string | undefined;
  let licenseRef: Manifest['licenseRef'] = [];
  const given = options.license ?? metrics?.license?.id;
  if (given !== undefined) {
    const fromCard = options.license === undefined;
    const s = suggestLicense(given);
    if (s) {
      license = s.license;
      licenseRef = s.licenseRef;
      notes.push(...(fromCard ? [`license "${given}" taken from the model card`] : []), ...s.notes);
    } else if (!fromCard) {
      // Report what is wrong after the hub ids were mapped, not the mapped ids themselves.
      const a = analyzeLicense(mapHubLicenses(given).license);
      throw new ManifestError(
        'LICENSE_INVALID',
        `--license: ${a.problem?.message ?? `"${given}" is not a valid SPDX expression`}`,
        { where: '--license', hint: a.problem?.hint ?? '' },
      );
    } else if (metrics?.license?.link) {
      const id = `LicenseRef-${(metrics.license.name ?? 'model-card').replace(/[^A-Za-z0-9.-]+/g, '-')}`;
      license = id;
      licenseRef = [{ id, url: metrics.license.link, ...(metrics.license.name ? { name: metrics.license.name } : {}) }];
      notes.push(`license from the model card recorded as ${id} with its link`);
    } else {
      notes.push(`the model card's license "${given}" is not usable as-is; set --license`);
    }
  }

  const sources = artifactSources(info, ioFrom ? [ioFrom] : []);
  const name = options.name ?? nameFromFile(model);
  const version = options.version ?? '0.1.0';
  const fields: ManifestFields = {
    name,
    version,
    ...(options.description ? { description: options.description } : {}),
    ...(options.channel ? { channel: options.channel } : {}),
    ...(license ? { license } : {}),
    ...(options.targets?.length ? { targets: options.targets } : {}),
  };
  const compose = (files: ArtifactFile[]): Manifest => {
    const m = draftManifest(info, { ...fields, files });
    if (licenseRef.length) m.licenseRef = licenseRef;
    if (metrics?.metrics.length) m.metrics = mergeMetrics(m.metrics, metrics.metrics);
    return refreshTodo(m);
  };

  // Refuse bad options before touching the disk: validate a draft with placeholder digests.
  const preview = validateDocument(
    compose(sources.map((s) => ({ path: s.path, size: 0, sha256: '0'.repeat(64), role: s.role }))),
  );
  if (preview.errors.length) {
    const e = preview.errors[0]!;
    throw new ManifestError(
      'INVALID_OPTIONS',
      `${e.message}${preview.errors.length > 1 ? ` (and ${preview.errors.length - 1} more)` : ''}`,
      { where: e.pointer, hint: e.hint },
    );
  }

  if (options.version === undefined) notes.push('version defaulted to 0.1.0 (set it with --version)');
  const out = resolve(cwd, options.out ?? `${name}-${version}`);
  let manifest: Manifest | undefined;
  await buildDirAtomic(
    out,
    async (tmp) => {
      const files: ArtifactFile[] = [];
      for (const s of sources) {
        throwIfAborted(options.signal);
        const dest = join(tmp, ...s.path.split('/'));
        await mkdir(dirname(dest), { recursive: true });
        const d = await copyFileHashed(s.source, dest, options.signal).catch((e: unknown) => {
          if (isFleetpackError(e)) throw e;
          if (errnoOf(e) === 'ENOENT') {
            throw new ManifestError(
              s.role === 'external-data' ? 'EXTERNAL_DATA_MISSING' : 'ARTIFACT_MISSING',
              `${s.role} file ${s.path} not found (${s.source})`,
              {
                where: s.source,
                hint:
                  s.role === 'external-data'
                    ? 'Put the external-data file next to the model, as the model references it.'
                    : 'Check the path.',
              },
            );
          }
          throw new PackageError('COPY_FAILED', `Cannot copy ${s.source} into the package (${ioReason(e)})`, {
            where: s.source,
            hint: 'Check the permissions and free disk space.',
            cause: e,
          });
        });
        files.push({ path: s.path, size: d.size, sha256: d.sha256, role: s.role });
      }
      manifest = compose(files);
      await writeManifest(tmp, manifest);
    },
    { force: options.force ?? false },
  );
  // The digests were computed while copying; hashing again would double the time for big models.
  const report = await validate(manifest!, {
    dir: out,
    model: info,
    skipDigests: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { dir: out, manifest: manifest!, model: info, report, notes };
}
