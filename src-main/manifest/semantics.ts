import { canonicalDomain } from '../formats/index.js';
import { manifestSchema } from './schema.js';
import { nextStep } from '../next-steps.js';
import semver from 'semver';

import { Findings } from './findings.js';
import { checkLicense } from './license.js';
import { closest } from './schema-errors.js';
import { resolvePointer } from './pointer.js';
import { isTodoOpen } from './todo.js';
import type { Manifest, ManifestTensor } from './types.js';
import { isObj, arr } from './guards.js';
import { parseRange } from './version.js';
import { RESERVED_FILES } from './index.js';

export const KNOWN_CHANNELS = ['stable', 'beta', 'canary'] as const;

let channelRe: RegExp | undefined;

/** A valid release channel name: the schema's `channel` pattern (stable, beta, canary or a custom name). */
export function isChannelName(s: string): boolean {
  channelRe ??= new RegExp(
    (manifestSchema().properties as Record<string, { pattern?: string } | undefined>).channel?.pattern ?? '^$',
  );
  return channelRe.test(s);
}

/** Channels per layout letter C: how many a color order needs. */
const COLOR_CHANNELS: Record<string, number> = { RGB: 3, BGR: 3, GRAY: 1, RGBA: 4, BGRA: 4 };

function tensors(f: Findings, list: unknown, base: '/inputs' | '/outputs'): void {
  const items = arr<ManifestTensor>(list);
  const names = new Map<string, number>();
  items.forEach((t, i) => {
    if (!isObj(t)) return;
    const at = `${base}/${i}`;
    if (typeof t.name === 'string') {
      if (names.has(t.name))
        f.error(
          'DUPLICATE_TENSOR',
          `${at}/name`,
          `${base.slice(1, -1)} name "${t.name}" is used twice (also ${base}/${names.get(t.name)})`,
          'Tensor names must be unique; copy them from the model.',
        );
      else names.set(t.name, i);
    }
    const q = t.quantization;
    if (isObj(q) && Array.isArray(q.scale) && Array.isArray(q.zeroPoint) && q.scale.length !== q.zeroPoint.length) {
      f.error(
        'QUANTIZATION_MISMATCH',
        `${at}/quantization`,
        `quantization has ${q.scale.length} scale(s) but ${q.zeroPoint.length} zero point(s)`,
        'They must have the same length (one per channel, or one).',
      );
    }
    const p = t.preprocessing;
    if (!isObj(p)) return;
    const shape = Array.isArray(t.shape) ? t.shape : undefined;
    const layout = typeof p.layout === 'string' ? p.layout : undefined;
    if (layout && shape && layout.length !== shape.length) {
      f.error(
        'LAYOUT_RANK',
        `${at}/preprocessing/layout`,
        `layout ${layout} has ${layout.length} axes but the shape has ${shape.length}`,
        'The layout names every axis of the shape, e.g. NCHW for [1, 3, 224, 224].',
      );
    }
    const cIdx = layout && shape && layout.length === shape.length ? layout.indexOf('C') : -1;
    const channels = cIdx >= 0 && typeof shape![cIdx] === 'number' ? shape![cIdx] : undefined;
    if (
      typeof p.colorOrder === 'string' &&
      channels !== undefined &&
      COLOR_CHANNELS[p.colorOrder] !== undefined &&
      COLOR_CHANNELS[p.colorOrder] !== channels
    ) {
      f.error(
        'COLOR_CHANNELS',
        `${at}/preprocessing/colorOrder`,
        `colorOrder ${p.colorOrder} needs ${COLOR_CHANNELS[p.colorOrder]} channel(s) but the ${layout} shape has ${channels}`,
        'Fix the color order or the layout.',
      );
    }
    for (const k of ['mean', 'std'] as const) {
      const v = p[k];
      if (Array.isArray(v) && channels !== undefined && v.length !== 1 && v.length !== channels) {
        f.error(
          'NORMALIZATION_LENGTH',
          `${at}/preprocessing/${k}`,
          `${k} has ${v.length} values but the input has ${channels} channel(s)`,
          `Give one value per channel, or a single value for all.`,
        );
      }
    }
    const vr = p.valueRange;
    if (Array.isArray(vr) && typeof vr[0] === 'number' && typeof vr[1] === 'number' && !(vr[0] < vr[1])) {
      f.error(
        'VALUE_RANGE',
        `${at}/preprocessing/valueRange`,
        `valueRange [${vr[0]}, ${vr[1]}] is empty`,
        'Write [min, max] with min < max.',
      );
    }
    const resize = p.resize;
    if (isObj(resize) && layout && shape && layout.length === shape.length) {
      for (const [axis, key] of [
        ['W', 'width'],
        ['H', 'height'],
      ] as const) {
        const d = layout.includes(axis) ? shape[layout.indexOf(axis)] : undefined;
        if (typeof d === 'number' && typeof resize[key] === 'number' && resize[key] !== d) {
          f.error(
            'RESIZE_MISMATCH',
            `${at}/preprocessing/resize/${key}`,
            `resize ${key} ${resize[key]} contradicts the input shape (${axis} = ${d})`,
            `Resize to the model's input size, ${d}.`,
          );
        }
      }
    }
  });
}

/**
 * The rules the schema cannot express. Robust to wrong types (the schema reports those): every
 * access is guarded so a hostile document yields findings, not a crash.
 */
export function semanticFindings(doc: unknown): Findings {
  const f = new Findings();
  if (!isObj(doc)) return f;
  const m = doc as Partial<Manifest> & Record<string, unknown>;

  // Identity
  if (
    typeof m.version === 'string' &&
    semver.valid(m.version) &&
    semver.prerelease(m.version) &&
    m.channel === 'stable'
  ) {
    f.warn(
      'PRERELEASE_ON_STABLE',
      '/version',
      `Pre-release version ${m.version} on the stable channel`,
      'Release a plain MAJOR.MINOR.PATCH to stable, or use the beta/canary channel.',
    );
  }
  if (
    typeof m.channel === 'string' &&
    isChannelName(m.channel) &&
    !(KNOWN_CHANNELS as readonly string[]).includes(m.channel)
  ) {
    const near = closest(m.channel, [...KNOWN_CHANNELS]);
    if (near)
      f.warn(
        'CHANNEL_TYPO',
        '/channel',
        `Custom channel "${m.channel}" looks like a misspelling of "${near}"`,
        `Write "${near}" if that is meant; custom channel names are fine otherwise.`,
      );
  }

  // Framework
  const fw = isObj(m.framework) ? m.framework : undefined;
  if (fw && typeof fw.format === 'string') {
    const format = fw.format;
    for (const other of ['onnx', 'tflite', 'tensorrt'] as const) {
      if (other !== format && fw[other] !== undefined) {
        f.error(
          'FRAMEWORK_MISMATCH',
          `/framework/${other}`,
          `framework.${other} is given but the format is ${format}`,
          `Remove framework.${other}, or fix framework.format.`,
        );
      }
    }
    if (fw[format] === undefined) {
      f.warn(
        'FRAMEWORK_DETAILS_MISSING',
        `/framework/${format}`,
        `framework.${format} is missing: the runtime needs cannot be checked`,
        nextStep('FILL_FROM_MODEL'),
      );
    }
    const onnx = isObj(fw.onnx) ? fw.onnx : undefined;
    if (onnx) {
      const seen = new Set<string>();
      arr<{ domain?: unknown }>(onnx.opsets).forEach((o, i) => {
        if (!isObj(o) || typeof o.domain !== 'string') return;
        const d = canonicalDomain(o.domain);
        if (seen.has(d))
          f.error(
            'DUPLICATE_OPSET',
            `/framework/onnx/opsets/${i}`,
            `opset domain "${d}" is listed twice`,
            'One opset version per domain.',
          );
        seen.add(d);
      });
    }
    const trt = isObj(fw.tensorrt) ? fw.tensorrt : undefined;
    const req = isObj(m.target) && isObj(m.target.requirements) ? m.target.requirements : undefined;
    if (format === 'tensorrt' && !trt?.computeCapability && !req?.computeCapability) {
      f.warn(
        'COMPUTE_CAPABILITY_MISSING',
        '/framework/tensorrt/computeCapability',
        'The GPU compute capability the engine was built for is not given',
        'Add it (e.g. "8.7" for Jetson Orin): a TensorRT engine only runs on GPUs of that compute capability.',
      );
    }
    if (
      trt &&
      typeof trt.computeCapability === 'string' &&
      typeof req?.computeCapability === 'string' &&
      trt.computeCapability !== req.computeCapability
    ) {
      f.error(
        'COMPUTE_CAPABILITY_CONFLICT',
        '/target/requirements/computeCapability',
        `Requirement ${req.computeCapability} contradicts the engine's compute capability ${trt.computeCapability}`,
        'A TensorRT engine runs only on the compute capability it was built on; make them equal.',
      );
    }
    const tfl = isObj(fw.tflite) ? fw.tflite : undefined;
    const accels = arr<string>(req?.accelerators);
    if (tfl?.edgetpu === true && !accels.includes('edgetpu')) {
      f.warn(
        'ACCELERATOR_MISSING',
        '/target/requirements/accelerators',
        'The model is compiled for the Edge TPU but "edgetpu" is not among the required accelerators',
        'Add "edgetpu" so devices without a Coral decline it up front.',
      );
    }
  }

  // Runtimes ranges
  const req = isObj(m.target) && isObj(m.target.requirements) ? m.target.requirements : undefined;
  if (req && isObj(req.runtimes)) {
    for (const [name, range] of Object.entries(req.runtimes)) {
      if (typeof range !== 'string') continue;
      if (parseRange(range) === undefined) {
        f.error(
          'INVALID_RANGE',
          `/target/requirements/runtimes/${name}`,
          `"${range}" is not a version or version range`,
          'Use e.g. ">=1.17", "^2.14.0" or an exact version like "10.3.0.30".',
        );
      }
    }
  }

  // Artifact
  const art = isObj(m.artifact) ? m.artifact : undefined;
  if (art) {
    const files = arr<Record<string, unknown>>(art.files).filter(isObj);
    const paths = new Map<string, number>();
    files.forEach((file, i) => {
      if (typeof file.path !== 'string') return;
      const key = file.path.toLowerCase();
      if (paths.has(key))
        f.error('DUPLICATE_FILE', `/artifact/files/${i}/path`, `${file.path} is listed twice`, 'List each file once.');
      paths.set(key, i);
      if (RESERVED_FILES.includes(file.path))
        f.error(
          'RESERVED_FILE',
          `/artifact/files/${i}/path`,
          `${file.path} is a reserved package file name`,
          'Rename the artifact file.',
        );
    });
    const models = files.filter((x) => x.role === 'model');
    if (files.length && models.length !== 1) {
      f.error(
        'MODEL_FILE_COUNT',
        '/artifact/files',
        `The artifact lists ${models.length} files with role "model"; it needs exactly one`,
        'Mark the main model file role "model", external weights "external-data".',
      );
    }
    if (typeof art.file === 'string' && files.length && !files.some((x) => x.path === art.file && x.role === 'model')) {
      f.error(
        'ARTIFACT_FILE_NOT_LISTED',
        '/artifact/file',
        `artifact.file "${art.file}" is not among the files with role "model"`,
        'artifact.file names the main model file listed in artifact.files.',
      );
    }
  }

  // I/O
  tensors(f, m.inputs, '/inputs');
  tensors(f, m.outputs, '/outputs');
  if (Array.isArray(m.inputs) && m.inputs.length === 0)
    f.warn('NO_INPUTS', '/inputs', 'No inputs are listed', nextStep('LIST_INPUTS'));
  if (Array.isArray(m.outputs) && m.outputs.length === 0)
    f.warn('NO_OUTPUTS', '/outputs', 'No outputs are listed', 'List the model outputs.');

  // Metrics
  if (m.metrics === undefined || (Array.isArray(m.metrics) && m.metrics.length === 0)) {
    f.warn('METRICS_MISSING', '/metrics', 'No evaluation metrics given', nextStep('IMPORT_METRICS'));
  } else {
    const seen = new Map<string, number>();
    arr<Record<string, unknown>>(m.metrics).forEach((x, i) => {
      if (!isObj(x)) return;
      const key = JSON.stringify([x.name, x.dataset, x.split, x.hardware]);
      if (seen.has(key))
        f.warn(
          'DUPLICATE_METRIC',
          `/metrics/${i}`,
          `Metric "${String(x.name)}" appears twice for the same dataset, split and hardware (also /metrics/${seen.get(key)})`,
          'Keep one value per metric and condition.',
        );
      else seen.set(key, i);
    });
  }

  // Target
  if (m.target === undefined || (isObj(m.target) && !arr(m.target.profiles).length && !isObj(m.target.requirements))) {
    f.warn('TARGET_MISSING', '/target', 'No target hardware given', nextStep('CHOOSE_TARGET'));
  }

  // License
  f.add(checkLicense(m));

  // Todo
  arr<unknown>(m.todo).forEach((p) => {
    // A field already reported (e.g. METRICS_MISSING) is not repeated as a todo.
    const covered = f.warnings.some((w) => p === w.pointer || (typeof p === 'string' && p.startsWith(w.pointer + '/')));
    if (typeof p === 'string' && !covered && isTodoOpen(m as Manifest, p)) {
      const guessed = p.endsWith('/guessed');
      f.warn(
        guessed ? 'GUESS_UNCONFIRMED' : 'TODO_OPEN',
        p,
        guessed
          ? `${p.replace(/\/guessed$/, '')} contains guessed values (${arr<string>(resolvePointer(m, p)).join(', ')})`
          : `Still to fill in: ${p.slice(1).replace(/\//g, '.')}`,
        nextStep(guessed ? 'CONFIRM_GUESSES' : 'FILL_IN'),
      );
    }
  });
  return f;
}
