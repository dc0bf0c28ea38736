import { FormatError } from '../errors.js';
import type { ModelInfo } from './types.js';

export interface InspectOptions {
  /** Companion file for formats whose I/O is not in the header (TensorRT): an ONNX model or a Triton config.pbtxt. */
  ioFrom?: string;
  signal?: AbortSignal;
}

/** Reads a model file's header into a ModelInfo. (Placeholder until the format readers land.) */
export async function inspect(path: string, _options: InspectOptions = {}): Promise<ModelInfo> {
  throw new FormatError('NOT_IMPLEMENTED', `Inspection is not implemented yet (${path})`);
}
