import { canonicalDomain, type ModelInfo, type TensorSpec } from '../formats/index.js';
import { nextStep } from '../next-steps.js';
import { Findings } from './findings.js';
import type { Manifest, ManifestTensor } from './types.js';
import { isObj, showShape } from './guards.js';

function compareTensors(f: Findings, kind: 'inputs' | 'outputs', declared: unknown, actual: TensorSpec[]): void {
  const list = Array.isArray(declared) ? (declared as ManifestTensor[]) : [];
  const byName = new Map<string, number>();
  list.forEach((t, i) => isObj(t) && typeof t.name === 'string' && byName.set(t.name, i));
  const one = kind.slice(0, -1);
  for (const spec of actual) {
    const i = byName.get(spec.name);
    if (i === undefined) {
      f.error(
        'IO_MISSING',
        `/${kind}`,
        `The model has ${one} "${spec.name}" (${spec.dtype} ${showShape(spec.shape)}) but the manifest does not list it`,
        nextStep('COPY_FROM_MODEL', kind),
      );
      continue;
    }
    const t = list[i]!;
    const at = `/${kind}/${i}`;
    if (typeof t.dtype === 'string' && t.dtype !== spec.dtype) {
      f.error(
        'DTYPE_MISMATCH',
        `${at}/dtype`,
        `${one} "${spec.name}" is ${spec.dtype} in the model but ${t.dtype} in the manifest`,
        `Write "${spec.dtype}".`,
      );
    }
    if (!Array.isArray(t.shape) || !spec.shape) continue;
    if (t.shape.length !== spec.shape.length) {
      f.error(
        'SHAPE_MISMATCH',
        `${at}/shape`,
        `${one} "${spec.name}" has rank ${spec.shape.length} ${showShape(spec.shape)} in the model but rank ${t.shape.length} ${showShape(t.shape)} in the manifest`,
        `Copy the shape from the model: ${showShape(spec.shape)}.`,
      );
      continue;
    }
    spec.shape.forEach((d, k) => {
      const m = t.shape![k];
      if (typeof d === 'number' && typeof m === 'number' && d !== m) {
        f.error(
          'SHAPE_MISMATCH',
          `${at}/shape/${k}`,
          `${one} "${spec.name}" dimension ${k} is ${d} in the model but ${m} in the manifest`,
          `Write ${d}.`,
        );
      } else if (typeof d === 'number' && typeof m !== 'number') {
        f.warn(
          'SHAPE_LOOSER',
          `${at}/shape/${k}`,
          `${one} "${spec.name}" dimension ${k} is fixed at ${d} in the model but ${m === null ? 'unknown' : `"${m}"`} in the manifest`,
          `Write ${d}: the model only accepts that size.`,
        );
      }
      // A manifest may pin a dynamic model dimension (e.g. batch 1): that narrows, it does not contradict.
    });
  }
  const names = new Set(actual.map((s) => s.name));
  list.forEach((t, i) => {
    if (isObj(t) && typeof t.name === 'string' && !names.has(t.name)) {
      f.error(
        'IO_UNKNOWN',
        `/${kind}/${i}/name`,
        `The manifest lists ${one} "${t.name}" but the model has no such ${one}`,
        `The model's ${kind}: ${actual.map((s) => s.name).join(', ') || 'none'}.`,
      );
    }
  });
}

/**
 * Compares a manifest with what the model header says: format, runtime needs, inputs/outputs.
 * A contradiction is an error (the fleet would be told something false about the artifact).
 */
export function compareWithModel(manifest: Manifest, info: ModelInfo): Findings {
  const f = new Findings();
  const fw = isObj(manifest.framework) ? manifest.framework : undefined;
  if (fw && fw.format !== info.format) {
    f.error(
      'FORMAT_MISMATCH',
      '/framework/format',
      `The manifest says ${fw.format} but the artifact is ${info.format}`,
      `Write "${info.format}".`,
    );
    return f;
  }
  if (fw?.format === 'onnx' && isObj(fw.onnx)) {
    const ir = Number.parseInt(info.formatVersion, 10);
    if (Number.isFinite(ir) && fw.onnx.irVersion !== ir) {
      f.error(
        'REQUIREMENT_MISMATCH',
        '/framework/onnx/irVersion',
        `IR version ${String(fw.onnx.irVersion)} in the manifest, ${ir} in the model`,
        `Write ${ir}.`,
      );
    }
    const declared = new Map(
      (Array.isArray(fw.onnx.opsets) ? fw.onnx.opsets : [])
        .filter(isObj)
        .map((o) => [canonicalDomain(o.domain), o.version]),
    );
    for (const o of info.opsets ?? []) {
      const d = canonicalDomain(o.domain);
      if (declared.get(d) !== o.version) {
        f.error(
          'REQUIREMENT_MISMATCH',
          '/framework/onnx/opsets',
          `opset ${d} is ${o.version} in the model but ${declared.has(d) ? String(declared.get(d)) : 'missing'} in the manifest`,
          nextStep('COPY_OPSETS'),
        );
      }
    }
  }
  if (fw?.format === 'tflite' && isObj(fw.tflite)) {
    const min = info.runtime?.tfliteMinRuntimeVersion;
    if (min && fw.tflite.minRuntimeVersion !== min) {
      f.error(
        'REQUIREMENT_MISMATCH',
        '/framework/tflite/minRuntimeVersion',
        `min runtime ${fw.tflite.minRuntimeVersion ?? 'missing'} in the manifest, ${min} in the model`,
        `Write "${min}".`,
      );
    }
    const declared = new Set(Array.isArray(fw.tflite.customOps) ? fw.tflite.customOps : []);
    const missing = info.customOps.filter((o) => !declared.has(o));
    if (missing.length)
      f.error(
        'REQUIREMENT_MISMATCH',
        '/framework/tflite/customOps',
        `The model uses custom op(s) ${missing.join(', ')} not listed in the manifest`,
        'List every custom op: devices need a runtime that registers them.',
      );
  }
  if (fw?.format === 'tensorrt' && isObj(fw.tensorrt)) {
    const v = info.runtime?.tensorrtVersion;
    if (v && fw.tensorrt.version !== v) {
      f.error(
        'REQUIREMENT_MISMATCH',
        '/framework/tensorrt/version',
        `TensorRT ${fw.tensorrt.version ?? 'missing'} in the manifest, ${v} in the engine header`,
        `Write "${v}".`,
      );
    }
  }
  if (info.ioSource !== 'unknown') {
    compareTensors(f, 'inputs', manifest.inputs, info.inputs);
    compareTensors(f, 'outputs', manifest.outputs, info.outputs);
  }
  return f;
}
