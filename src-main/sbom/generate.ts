/**
 * A CycloneDX 1.6 ML-BOM from a package manifest: the model as a machine-learning-model component
 * (SHA-256 of the artifact, license, model card with input/output formats and metrics — values as
 * strings, dataset/split as the slice), each further artifact file as a `file` component, and
 * the runtime the model needs (ONNX Runtime / TensorFlow Lite / TensorRT) as a framework
 * component it depends on. The result is checked with the same validator as uploaded SBOMs.
 */
import { createHash } from 'node:crypto';

import {
  assertManifestShape,
  modelFileEntry,
  type Manifest,
  type ManifestTensor,
  loadManifest,
} from '../manifest/index.js';
import { SbomError, throwIfAborted } from '../errors.js';
import { detectJson } from './detect.js';
import { cycloneDxSpdxIds } from './schemas.js';
import type { SbomValidation } from './types.js';
import { validateParsed } from './validate.js';
import { writeFileAtomic } from '../atomic-file.js';

const TOOL_VERSION = '0.1.0';

export interface GenerateOptions {
  /** Write the SBOM here (atomically); otherwise only return it. */
  out?: string;
  /** Timestamp to record (default: now). Fixed in tests for reproducible output. */
  now?: Date;
  signal?: AbortSignal;
}

export interface GeneratedSbom {
  bom: Record<string, unknown>;
  /** Pretty-printed JSON, newline-terminated: the bytes written to `out`. */
  text: string;
  file?: string;
  validation: SbomValidation;
}

/** Reads DIR/fleetpack.json and builds (and optionally writes) its ML-BOM. */
export async function generateSbom(dir: string, opts: GenerateOptions = {}): Promise<GeneratedSbom> {
  const { manifest, path } = await loadManifest(dir);
  assertManifestShape(manifest, path);
  const bom = mlBomFromManifest(manifest, opts.now ?? new Date());
  const text = JSON.stringify(bom, null, 2) + '\n';
  const validation = validateParsed(detectJson(bom));
  throwIfAborted(opts.signal);
  if (opts.out) await writeFileAtomic(opts.out, text);
  return { bom, text, ...(opts.out ? { file: opts.out } : {}), validation };
}

interface Runtime {
  ref: string;
  name: string;
  version?: string;
  supplier: string;
  purl: string;
}

const RUNTIMES: Record<string, { name: string; supplier: string; purl: (v?: string) => string }> = {
  onnxruntime: { name: 'onnxruntime', supplier: 'Microsoft', purl: (v) => `pkg:pypi/onnxruntime${v ? '@' + v : ''}` },
  tflite: {
    name: 'tensorflow-lite',
    supplier: 'Google',
    purl: (v) => `pkg:generic/google/tensorflow-lite${v ? '@' + v : ''}`,
  },
  tensorrt: { name: 'tensorrt', supplier: 'NVIDIA', purl: (v) => `pkg:generic/nvidia/tensorrt${v ? '@' + v : ''}` },
};
const FORMAT_RUNTIME: Record<string, string> = { onnx: 'onnxruntime', tflite: 'tflite', tensorrt: 'tensorrt' };

/** A table lookup that ignores Object.prototype (keys come from files). */
const own = <T>(table: Record<string, T>, key: string | undefined): T | undefined =>
  key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;

/** The runtimes a manifest requires: target.requirements.runtimes, else the one its format implies. */
function runtimes(m: Manifest): Runtime[] {
  const declared = m.target?.requirements?.runtimes ?? {};
  const names = Object.keys(declared).length
    ? Object.keys(declared)
    : [own(FORMAT_RUNTIME, m.framework.format) ?? ''].filter(Boolean);
  return names.map((key) => {
    const known = own(RUNTIMES, key) ?? own(RUNTIMES, key.toLowerCase());
    let version: string | undefined = declared[key];
    if (version === undefined && key === 'tensorrt') version = m.framework.tensorrt?.version;
    if (version === undefined && key === 'tflite')
      version = m.framework.tflite?.minRuntimeVersion ? `>=${m.framework.tflite.minRuntimeVersion}` : undefined;
    const exact = version !== undefined && /^\d+(\.\d+)*$/.test(version) ? version : undefined;
    const name = known?.name ?? key;
    return {
      ref: `runtime-${name}`,
      name,
      ...(version ? { version } : {}),
      supplier: known?.supplier ?? key,
      purl: known ? known.purl(exact) : `pkg:generic/${encodeURIComponent(key)}${exact ? '@' + exact : ''}`,
    };
  });
}

function tensorFormat(t: ManifestTensor): string {
  const shape =
    t.shape === null ? 'unknown shape' : `[${t.shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
  const layout = t.preprocessing?.layout ? ` ${t.preprocessing.layout}` : '';
  return `${t.name}: tensor ${t.dtype} ${shape}${layout}`;
}

function licenses(m: Manifest): unknown[] | undefined {
  const l = m.license?.trim();
  if (!l) return undefined;
  if (cycloneDxSpdxIds().has(l)) return [{ license: { id: l } }];
  const ref = m.licenseRef?.find((r) => r.id === l);
  if (ref && (ref.name || ref.url)) {
    // a single LicenseRef: CycloneDX names it (license.id only takes SPDX list ids)
    return [
      {
        license: {
          name: ref.name ?? ref.id,
          ...(ref.url ? { url: ref.url } : {}),
          ...(ref.text ? { text: { content: ref.text } } : {}),
        },
      },
    ];
  }
  return [{ expression: l }];
}

/** Deterministic urn:uuid from the package identity, so regenerating gives the same serial number. */
function serialNumber(m: Manifest, modelSha: string): string {
  const h = createHash('sha256').update(`${m.name}@${m.version}#${modelSha}`).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function mlBomFromManifest(m: Manifest, now: Date): Record<string, unknown> {
  const files = m.artifact.files;
  const main = files.find((f) => f === modelFileEntry(m)) ?? files.find((f) => f.role === 'model');
  if (!main) {
    throw new SbomError('NO_ARTIFACT_DIGEST', 'The manifest lists no model file with a SHA-256 (artifact.files)', {
      where: '/artifact/files',
      hint: 'Run `fleetpack init` / prefill again so the artifact is hashed, then generate the SBOM.',
    });
  }
  const author = m.authors?.[0];
  const supplierName = author?.organization ?? author?.name;
  const rts = runtimes(m);
  const others = files.filter((f) => f !== main);
  const props: { name: string; value: string }[] = [];
  const prop = (name: string, value: string | number | readonly string[] | undefined) =>
    value !== undefined &&
    value !== '' &&
    props.push({ name: `fleetpack:${name}`, value: Array.isArray(value) ? value.join(',') : String(value) });
  prop('format', m.framework.format);
  prop('precision', m.framework.precision);
  prop('quantization', m.framework.quantization);
  prop('channel', m.channel);
  prop('target.profiles', m.target?.profiles);
  prop('requirements.executionProviders', m.target?.requirements?.executionProviders);
  prop('requirements.delegates', m.target?.requirements?.delegates);
  prop('requirements.accelerators', m.target?.requirements?.accelerators);
  prop('requirements.cpuArch', m.target?.requirements?.cpuArch);
  prop('requirements.computeCapability', m.target?.requirements?.computeCapability);

  const metrics = (m.metrics ?? []).map((x) => {
    const slice = [[x.dataset, x.split].filter(Boolean).join('/'), x.hardware ? `on ${x.hardware}` : '']
      .filter(Boolean)
      .join(' ');
    return { type: x.unit ? `${x.name} (${x.unit})` : x.name, value: String(x.value), ...(slice ? { slice } : {}) };
  });
  const lic = licenses(m);
  const model: Record<string, unknown> = {
    type: 'machine-learning-model',
    'bom-ref': 'model',
    ...(supplierName ? { supplier: { name: supplierName } } : {}),
    ...(m.authors?.length
      ? { authors: m.authors.map((a) => ({ name: a.name, ...(a.email ? { email: a.email } : {}) })) }
      : {}),
    name: m.name,
    version: m.version,
    ...(m.description ? { description: m.description } : {}),
    hashes: [{ alg: 'SHA-256', content: main.sha256 }],
    ...(lic ? { licenses: lic } : {}),
    purl: `pkg:generic/${encodeURIComponent(m.name)}@${encodeURIComponent(m.version)}?checksum=sha256:${main.sha256}`,
    modelCard: {
      modelParameters: {
        modelArchitecture: `${m.framework.format}${m.framework.precision ? ' ' + m.framework.precision : ''}`,
        inputs: m.inputs.map((t) => ({ format: tensorFormat(t) })),
        outputs: m.outputs.map((t) => ({ format: tensorFormat(t) })),
      },
      ...(metrics.length ? { quantitativeAnalysis: { performanceMetrics: metrics } } : {}),
    },
    ...(props.length ? { properties: props } : {}),
  };
  const components: Record<string, unknown>[] = [
    ...others.map((f) => ({
      type: 'file',
      'bom-ref': `file-${f.path}`,
      ...(supplierName ? { supplier: { name: supplierName } } : {}),
      name: f.path,
      version: m.version,
      hashes: [{ alg: 'SHA-256', content: f.sha256 }],
      properties: [{ name: 'fleetpack:role', value: f.role }],
    })),
    ...rts.map((r) => ({
      type: 'framework',
      'bom-ref': r.ref,
      supplier: { name: r.supplier },
      name: r.name,
      ...(r.version ? { version: r.version } : {}),
      purl: r.purl,
      properties: [
        { name: 'fleetpack:role', value: 'runtime' },
        ...(r.version && !/^\d+(\.\d+)*$/.test(r.version)
          ? [{ name: 'fleetpack:versionRange', value: r.version }]
          : []),
      ],
    })),
  ];
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: serialNumber(m, main.sha256),
    version: 1,
    metadata: {
      timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      lifecycles: [{ phase: 'post-build' }],
      tools: { components: [{ type: 'application', name: 'fleetpack', version: TOOL_VERSION }] },
      ...(m.authors?.length
        ? { authors: m.authors.map((a) => ({ name: a.name, ...(a.email ? { email: a.email } : {}) })) }
        : {}),
      component: model,
    },
    components,
    dependencies: [
      { ref: 'model', dependsOn: [...others.map((f) => `file-${f.path}`), ...rts.map((r) => r.ref)] },
      ...components.map((c) => ({ ref: c['bom-ref'] as string, dependsOn: [] })),
    ],
  };
}
