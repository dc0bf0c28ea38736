import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { ManifestError } from '../errors.js';
import {
  canonicalDomain,
  isOnnxStandardDomain,
  type ModelInfo,
  type PreprocessingHint,
  type TensorSpec,
} from '../formats/index.js';
import { canBeImage, guessLayout, spatialSize } from './layout.js';
import { refreshTodo } from './todo.js';
import {
  MANIFEST_SCHEMA_ID,
  MANIFEST_SCHEMA_VERSION,
  type ArtifactFile,
  type Framework,
  type Manifest,
  type ManifestTensor,
  type Preprocessing,
  type Requirements,
} from './types.js';

/** Custom op code of a model compiled by the Edge TPU compiler. */
export const EDGETPU_CUSTOM_OP = 'edgetpu-custom-op';

/** Engineer-supplied fields; anything given here is not listed in `todo`. */
export interface ManifestFields {
  name?: string;
  version?: string;
  description?: string;
  channel?: string;
  license?: string;
  /** Hardware profile ids. */
  targets?: string[];
}

export interface DraftOptions extends ManifestFields {
  /** The artifact files with size and digest, paths relative to the package folder. */
  files: ArtifactFile[];
}

/** A source file that goes into the package as part of the artifact. */
export interface ArtifactSource {
  /** Absolute path of the file now. */
  source: string;
  /** Path inside the package ('/' separated). */
  path: string;
  role: ArtifactFile['role'];
}

/**
 * The files an artifact consists of: the model, the external-data files it references (which must
 * sit beside or below it: absolute paths and '..' are refused, so a hostile model cannot pull
 * other files into a package), and companion files (e.g. the ONNX a TensorRT engine's I/O came from).
 */
export function artifactSources(info: ModelInfo, companions: string[] = []): ArtifactSource[] {
  const modelDir = dirname(info.path);
  const out: ArtifactSource[] = [{ source: info.path, path: basename(info.path), role: 'model' }];
  const seen = new Set([out[0]!.path]);
  for (const ref of info.externalData) {
    const loc = ref.location.replace(/\\/g, '/');
    const norm = normalize(loc).split(sep).join('/');
    if (
      loc === '' ||
      isAbsolute(loc) ||
      /^[A-Za-z]:/.test(loc) ||
      norm === '..' ||
      norm.startsWith('../') ||
      norm.includes('\0')
    ) {
      throw new ManifestError(
        'EXTERNAL_DATA_OUTSIDE',
        `External data location "${ref.location}" points outside the model's folder`,
        {
          where: info.path,
          hint: 'External-data files must sit beside the model (relative path, no ".."). Re-export the model with relative locations.',
        },
      );
    }
    if (!seen.has(norm)) {
      seen.add(norm);
      out.push({ source: join(modelDir, norm), path: norm, role: 'external-data' });
    }
  }
  for (const c of companions) {
    const name = basename(c);
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({ source: resolve(c), path: name, role: 'companion' });
  }
  return out;
}

/** Package name from a file name: letters, digits, '.', '_', '-'. */
export function nameFromFile(path: string): string {
  const stem = basename(path).replace(/\.(onnx|tflite|lite|engine|plan|trt)$/i, '');
  const clean = stem
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return clean || 'model';
}

function framework(info: ModelInfo): Framework {
  const fw: Framework = { format: info.format };
  if (info.format === 'onnx') {
    const opsets = (info.opsets ?? []).map((o) => ({ domain: o.domain, version: o.version }));
    // Decided on use, not import: an imported domain no node calls is not a need (usedDomains).
    const used = info.usedDomains ?? [...new Set((info.operators ?? []).map((o) => canonicalDomain(o.domain)))].sort();
    const customDomains = used.filter((d) => !isOnnxStandardDomain(d));
    const ir = Number.parseInt(info.formatVersion, 10);
    fw.onnx = {
      irVersion: Number.isFinite(ir) && ir > 0 ? ir : 1,
      opsets,
      usedDomains: used,
      ...(customDomains.length ? { customDomains } : {}),
    };
  } else if (info.format === 'tflite') {
    const schema = Number.parseInt(info.formatVersion, 10);
    const customOps = [...new Set(info.customOps)].sort();
    fw.tflite = {
      ...(Number.isFinite(schema) ? { schemaVersion: schema } : {}),
      ...(info.runtime?.tfliteMinRuntimeVersion ? { minRuntimeVersion: info.runtime.tfliteMinRuntimeVersion } : {}),
      ...(customOps.length ? { customOps } : {}),
      edgetpu: customOps.includes(EDGETPU_CUSTOM_OP),
    };
  } else {
    const rt = info.runtime ?? {};
    const serialization = rt.tensorrtSerializationVersion ?? Number.parseInt(info.formatVersion, 10);
    const hw = normalizeHardwareCompatibility(rt.tensorrtHardwareCompatibility);
    fw.tensorrt = {
      ...(rt.tensorrtVersion ? { version: rt.tensorrtVersion } : {}),
      ...(Number.isFinite(serialization) ? { serializationVersion: serialization } : {}),
      ...(rt.tensorrtVersionCompatible !== undefined ? { versionCompatible: rt.tensorrtVersionCompatible } : {}),
      ...(hw ? { hardwareCompatibility: hw } : {}),
    };
  }
  if (info.quantization) {
    fw.quantization = info.quantization;
    const q = info.quantization.toLowerCase();
    if (/int8|uint8/.test(q)) fw.precision = 'int8';
    else if (/float16|fp16/.test(q)) fw.precision = 'fp16';
    else if (/bfloat16|bf16/.test(q)) fw.precision = 'bf16';
  }
  return fw;
}

/** Maps the reader's wording of the TensorRT hardware-compatibility level to the schema's enum. */
function normalizeHardwareCompatibility(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const k = v
    .toLowerCase()
    .replace(/^k/, '')
    .replace(/[_\s]+/g, '-');
  if (k === 'none') return 'none';
  if (k.includes('ampere')) return 'ampere-plus';
  if (k.includes('same') || k.includes('compute')) return 'same-compute-capability';
  return undefined;
}

function hintsFor(info: ModelInfo, input: string): PreprocessingHint[] {
  return info.preprocessingHints.filter((h) => h.input === undefined || h.input === input);
}

const COLOR: Record<string, Preprocessing['colorOrder']> = {
  RGB: 'RGB',
  BGR: 'BGR',
  GRAY: 'GRAY',
  GRAYSCALE: 'GRAY',
  RGBA: 'RGBA',
  BGRA: 'BGRA',
};

/** Preprocessing for one input from the model's hints, plus a layout guess from the shape. */
function preprocessing(t: TensorSpec, info: ModelInfo): Preprocessing | undefined {
  const p: Preprocessing = {};
  const guessed = new Set<string>();
  for (const h of hintsFor(info, t.name)) {
    const guess = h.source === 'guess';
    const set = <K extends keyof Preprocessing>(k: K, v: Preprocessing[K] | undefined) => {
      if (v === undefined || p[k] !== undefined) return;
      p[k] = v;
      if (guess) guessed.add(k);
    };
    set('layout', h.layout);
    set('colorOrder', h.colorSpace ? COLOR[h.colorSpace.toUpperCase()] : undefined);
    set('mean', h.mean);
    set('std', h.std);
    set('valueRange', h.valueRange);
    if ((h.width || h.height) && !p.resize)
      set('resize', { ...(h.width ? { width: h.width } : {}), ...(h.height ? { height: h.height } : {}) });
  }
  // The model's own hints decide for any input; a guess from the shape only for one that can be an image.
  const isImageLike = p.layout !== undefined || (canBeImage(t) && guessLayout(t.shape) !== undefined);
  if (!isImageLike) return Object.keys(p).length ? p : undefined;
  if (!p.layout) {
    p.layout = guessLayout(t.shape)!;
    guessed.add('layout');
  }
  if (!p.resize) {
    const size = spatialSize(t.shape, p.layout);
    if (size.width || size.height) {
      p.resize = size;
      guessed.add('resize');
    }
  }
  if (guessed.size) p.guessed = [...guessed];
  return p;
}

function tensor(t: TensorSpec, info: ModelInfo | undefined): ManifestTensor {
  const out: ManifestTensor = { name: t.name, dtype: t.dtype, shape: t.shape ? [...t.shape] : null };
  if (t.description) out.description = t.description;
  if (info) {
    const p = preprocessing(t, info);
    if (p) out.preprocessing = p;
  }
  if (t.quantization) {
    out.quantization = {
      scale: [...t.quantization.scale],
      zeroPoint: [...t.quantization.zeroPoint],
      ...(t.quantization.axis !== undefined ? { axis: t.quantization.axis } : {}),
    };
  }
  return out;
}

function requirements(fw: Framework): Requirements | undefined {
  const accelerators: string[] = [];
  const delegates: string[] = [];
  if (fw.format === 'tensorrt') accelerators.push('gpu');
  if (fw.tensorrt?.dlaCore !== undefined) accelerators.push('dla');
  if (fw.tflite?.edgetpu) {
    accelerators.push('edgetpu');
    delegates.push('edgetpu');
  }
  if (!accelerators.length) return undefined;
  return { accelerators, ...(delegates.length ? { delegates } : {}) };
}

/**
 * A draft manifest from a model's header (pure: the artifact files come already hashed).
 * Fills framework needs, artifact, inputs/outputs and preprocessing hints (guesses marked in
 * `guessed`); engineer fields not given are left out and listed in `todo` as JSON pointers.
 */
export function draftManifest(info: ModelInfo, options: DraftOptions): Manifest {
  const fw = framework(info);
  const model = options.files.find((f) => f.role === 'model') ?? options.files[0];
  if (!model)
    throw new ManifestError('NO_ARTIFACT', 'No artifact files given to prefill', {
      hint: 'Pass at least the model file.',
    });
  const req = requirements(fw);
  const targets = options.targets?.filter(Boolean) ?? [];
  const m: Manifest = {
    $schema: MANIFEST_SCHEMA_ID,
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    name: options.name ?? nameFromFile(model.path),
    version: options.version ?? '0.1.0',
    ...(options.description ? { description: options.description } : {}),
    ...(options.channel ? { channel: options.channel } : {}),
    framework: fw,
    artifact: { file: model.path, files: options.files.map((f) => ({ ...f })) },
    inputs: info.inputs.map((t) => tensor(t, info)),
    outputs: info.outputs.map((t) => tensor(t, undefined)),
    ...(targets.length || req
      ? { target: { ...(targets.length ? { profiles: targets } : {}), ...(req ? { requirements: req } : {}) } }
      : {}),
    ...(options.license ? { license: options.license } : {}),
  };
  const todo: string[] = [];
  // name and version get usable defaults (file name, 0.1.0), so they are not listed.
  if (!options.description) todo.push('/description');
  todo.push('/authors');
  if (!options.license) todo.push('/license');
  todo.push('/metrics');
  if (!targets.length) todo.push('/target/profiles');
  if (fw.format === 'tensorrt') todo.push('/framework/tensorrt/computeCapability');
  if (info.inputs.length === 0) todo.push('/inputs');
  if (info.outputs.length === 0) todo.push('/outputs');
  m.inputs.forEach((t, i) => {
    const p = t.preprocessing;
    if (!p?.layout) return; // not an image input: nothing to ask
    for (const k of ['colorOrder', 'mean', 'std'] as const)
      if (p[k] === undefined) todo.push(`/inputs/${i}/preprocessing/${k}`);
    // Guesses stay in `todo` until a reviewer confirms them by emptying `guessed`.
    if (p.guessed?.length) todo.push(`/inputs/${i}/preprocessing/guessed`);
  });
  m.todo = [...new Set(todo)];
  return refreshTodo(m);
}
