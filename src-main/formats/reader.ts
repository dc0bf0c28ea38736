import type { ModelFile } from './file.js';
import type { ModelFormat, ModelInfo } from './types.js';

export interface ReadOptions {
  /** Companion file for I/O (TensorRT): an ONNX model or a Triton config.pbtxt. */
  ioFrom?: string;
  signal?: AbortSignal;
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
