/**
 * How a model's format and runtime needs read for people: one wording for the CLI's `inspect`
 * and the Studio's Model view, so the two never disagree.
 */
import { canonicalDomain } from './onnx-domains.js';
import type { ModelFormat, ModelInfo } from './types.js';

const FORMAT_NAMES: Record<ModelFormat, string> = { onnx: 'ONNX', tflite: 'TFLite', tensorrt: 'TensorRT' };
/** What a format's version number counts (ONNX "(8)" alone does not say it is the IR version). */
const VERSION_LABEL: Record<ModelFormat, string> = {
  onnx: 'IR version',
  tflite: 'schema version',
  tensorrt: 'serialization version',
};

export function formatName(format: ModelFormat): string {
  return FORMAT_NAMES[format];
}

/** "ONNX (IR version 8)", "TFLite (schema version 3)". */
export function formatLabel(info: Pick<ModelInfo, 'format' | 'formatVersion'>): string {
  return `${formatName(info.format)} (${VERSION_LABEL[info.format]} ${info.formatVersion})`;
}

/** What a runtime must support to load the model, e.g. "ONNX IR 8", "ai.onnx opset 17", "TensorRT 10.3.0.30". */
export function runtimeNeeds(info: Pick<ModelInfo, 'format' | 'formatVersion' | 'opsets' | 'runtime'>): string[] {
  const needs: string[] = [];
  if (info.format === 'onnx') needs.push(`ONNX IR ${info.formatVersion}`);
  if (info.format === 'tflite') needs.push(`TFLite schema ${info.formatVersion}`);
  for (const o of info.opsets ?? []) needs.push(`${canonicalDomain(o.domain)} opset ${o.version}`);
  if (info.runtime?.tfliteMinRuntimeVersion) needs.push(`TFLite runtime ≥ ${info.runtime.tfliteMinRuntimeVersion}`);
  if (info.runtime?.tensorrtVersion) needs.push(`TensorRT ${info.runtime.tensorrtVersion}`);
  return needs;
}

/** One operator type a model uses, for people: how often, and whether it is outside the format's builtin set. */
export interface OperatorUse {
  /** "Conv", or with its domain "com.example.MyOp" (TFLite custom codes: "custom.NAME"). */
  name: string;
  count: number;
  /** A custom op (customOps): devices need a runtime that registers it. */
  custom: boolean;
}

/** The operator types, most used first: one list for `inspect` and the Studio's Model view. */
export function operatorList(info: Pick<ModelInfo, 'operators' | 'customOps'>): OperatorUse[] {
  const custom = new Set(info.customOps);
  return (info.operators ?? [])
    .filter((o) => o.count > 0) // an operator code declared but never called is not used
    .map((o) => {
      const name = o.domain ? `${o.domain}.${o.opType}` : o.opType;
      return { name, count: o.count, custom: o.domain === 'custom' || custom.has(name) };
    })
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}
