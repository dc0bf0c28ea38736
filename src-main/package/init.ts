/** `fleetpack init`: building a new package folder from a model file. */
import { copyFile, mkdir } from 'node:fs/promises';
import { constants as fsc } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { errnoOf, ioReason, ManifestError, PackageError, throwIfAborted } from '../errors.js';
import { inspect, type ModelInfo } from '../formats/index.js';
import {
  artifactSources,
  draftManifest,
  importMetrics,
  licenseFromInputs,
  mergeMetrics,
  nameFromFile,
  refreshTodo,
  validateDocument,
  writeManifest,
  type ArtifactFile,
  type Manifest,
  type ManifestFields,
  type MetricsImport,
  type ValidationReport,
} from '../manifest/index.js';
import { validatePackage } from './check.js';
import { buildDirAtomic } from './folder.js';
import { hashFiles } from './hash.js';
import { missingSource } from './prefill.js';

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

  const {
    license,
    licenseRef,
    notes: licenseNotes,
  } = licenseFromInputs({
    ...(options.license === undefined ? {} : { given: options.license }),
    ...(metrics?.license ? { card: metrics.license } : {}),
  });
  notes.push(...licenseNotes);

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
      // Copy (a clone where the file system can), then hash the copies in parallel: the digests
      // describe the bytes in the package.
      for (const src of sources) {
        throwIfAborted(options.signal);
        const dest = join(tmp, ...src.path.split('/'));
        await mkdir(dirname(dest), { recursive: true });
        await copyFile(src.source, dest, fsc.COPYFILE_EXCL | fsc.COPYFILE_FICLONE).catch((e: unknown) => {
          if (errnoOf(e) === 'ENOENT') throw missingSource(src, e);
          throw new PackageError('COPY_FAILED', `Cannot copy ${src.source} into the package (${ioReason(e)})`, {
            where: src.source,
            hint: 'Check the permissions and free disk space.',
            cause: e,
          });
        });
      }
      const digests = await hashFiles(
        sources.map((src) => ({ name: src.path, path: join(tmp, ...src.path.split('/')), size: 0 })),
        { signal: options.signal },
      );
      const files: ArtifactFile[] = sources.map((src, i) => ({
        path: src.path,
        size: digests[i]!.size,
        sha256: digests[i]!.digest,
        role: src.role,
      }));
      manifest = compose(files);
      await writeManifest(tmp, manifest);
    },
    { force: options.force ?? false },
  );
  // The digests were just computed from the copies; hashing again would double the time for big models.
  const report = await validatePackage(manifest!, {
    dir: out,
    model: info,
    skipDigests: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { dir: out, manifest: manifest!, model: info, report, notes };
}
