import type { ModelFile } from './file.js';
import type { ModelFormat, ModelInfo, ModelWarning, PreprocessingHint, Provenance, TensorSpec } from './types.js';

/** A TensorRT engine's I/O as read from its companion (resolved by inspect.ts before the engine is read). */
export interface IoCompanion {
  source: Provenance;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  hints: PreprocessingHint[];
  details: Record<string, unknown>;
  warnings: ModelWarning[];
}

export interface ReadOptions {
  /** Companion file for I/O (TensorRT): an ONNX model or a Triton config.pbtxt. */
  ioFrom?: string;
  /** The companion's I/O, read from `ioFrom` by inspect() for the formats that take one (TensorRT). */
  companion?: IoCompanion;
  signal?: AbortSignal;
  /**
   * Allow a provisional read that skips the weights when the rest can be found without them
   * (ONNX: the graph's inputs/outputs from its end, see onnx-tail.ts). Worth it only when reads
   * are costly, e.g. a file still arriving over the network; the result then has `partial` set
   * and a read without `quick` tells the rest. `minSkipBytes` (default 8 MiB): skip only when
   * that many bytes would be saved. Formats without such a shortcut ignore it.
   */
  quick?: boolean | { minSkipBytes: number };
}

/** One model format: recognises its files by content and reads their header (Netron-style factory). */
export interface FormatReader {
  format: ModelFormat;
  /** Human name for messages, e.g. 'ONNX (protobuf)'. */
  title: string;
  /** True when the first bytes (up to 64 KiB, fewer for small files) look like this format. */
  matches(head: Buffer, size: number): boolean;
  read(file: ModelFile, options: ReadOptions): Promise<ModelInfo>;
}
