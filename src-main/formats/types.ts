/** The contract every format reader produces. See ARCHITECTURE.md "Contracts". */
import type { NextStep } from '../next-steps.js';

export type ModelFormat = 'onnx' | 'tflite' | 'tensorrt';

/** Lower-case numpy-style dtype names (`float32`, `int8`, `bfloat16`, `string`, …). */
export type DType = string;

/** A dimension: a fixed size, a symbolic name (`batch`), or null when unknown / dynamic. */
export type Dim = number | string | null;

export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  /** Axis for per-channel quantization, when not per-tensor. */
  axis?: number;
}

export interface TensorSpec {
  name: string;
  dtype: DType;
  /** null when the rank itself is unknown. */
  shape: Dim[] | null;
  /** Free text from the model (ONNX doc_string, TFLite description). */
  description?: string;
  /** ONNX TypeDenotation / DimensionDenotation when present. */
  denotation?: string;
  quantization?: Quantization;
}

export interface OpsetImport {
  /** '' (or 'ai.onnx') is the default ONNX domain. */
  domain: string;
  version: number;
}

/** Where a fact came from, so the UI and CLI can say it plainly. */
export type Provenance = 'header' | 'companion-onnx' | 'companion-triton' | 'metadata' | 'guess';

export interface PreprocessingHint {
  /** Input the hint applies to; undefined = all image inputs. */
  input?: string;
  mean?: number[];
  std?: number[];
  /** e.g. 'RGB', 'BGR', 'GRAYSCALE'. */
  colorSpace?: string;
  width?: number;
  height?: number;
  layout?: string;
  valueRange?: [number, number];
  source: Provenance;
}

export interface ExternalDataRef {
  /** Relative path as written in the model. */
  location: string;
  /** Tensors stored in it (names), for messages. */
  tensors: string[];
  /** Total declared bytes (sum of `length` entries), when declared. */
  declaredBytes?: number;
}

export interface ModelWarning {
  code: string;
  message: string;
  /** What to do about it, as the CLI says it. */
  hint?: string;
  /** The same as a named step, for a surface that words it its own way (the Studio). */
  next?: NextStep;
}

export interface ModelInfo {
  format: ModelFormat;
  /** ONNX IR version, TFLite schema version, TensorRT serialization version — as text. */
  formatVersion: string;
  producer?: { name?: string; version?: string };
  /** ONNX opset imports. */
  opsets?: OpsetImport[];
  /** Runtime needs in format terms (TFLite min runtime, TensorRT version, …). */
  runtime?: {
    tfliteMinRuntimeVersion?: string;
    tensorrtVersion?: string;
    tensorrtSerializationVersion?: number;
    /** True when the engine was built version-compatible / hardware-compatible, if known. */
    tensorrtVersionCompatible?: boolean;
    tensorrtHardwareCompatibility?: string;
  };
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Where the inputs/outputs came from (TensorRT takes them from a companion file). */
  ioSource: Provenance | 'unknown';
  /** Operator types used, by domain ('' = default ONNX domain). */
  operators?: { domain: string; opType: string; count: number }[];
  /** Ops not in the format's builtin set (custom-domain ONNX ops, TFLite custom codes). */
  customOps: string[];
  /**
   * ONNX: the operator-set domains the graph's nodes call (subgraphs and local function bodies
   * included; calls to local functions excluded), canonical ('ai.onnx' for the default domain),
   * sorted. An imported domain not listed here is imported but unused.
   */
  usedDomains?: string[];
  externalData: ExternalDataRef[];
  /** Key/value metadata from the file (ONNX metadata_props, TFLite metadata names, …). */
  metadata: Record<string, string>;
  preprocessingHints: PreprocessingHint[];
  /** e.g. 'int8 (QDQ)', 'uint8 (full integer)', 'float16'. */
  quantization?: string;
  /** Format-specific extras (TFLite signature defs, subgraphs, ONNX model version, doc string…). */
  details?: Record<string, unknown>;
  /** Facts the file cannot tell (e.g. TensorRT compute capability). */
  unknowns?: string[];
  warnings: ModelWarning[];
  /** Set by a quick read (ReadOptions.quick) that skipped part of the file: what it does not know yet. */
  partial?: { skippedBytes: number; unknown: string[] };
  /** File size in bytes. */
  size: number;
  /** Absolute path that was inspected. */
  path: string;
}
