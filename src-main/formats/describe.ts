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
