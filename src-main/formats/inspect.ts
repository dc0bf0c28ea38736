import { throwIfAborted } from '../errors.js';
import { detect } from './detect.js';
import { withModelFile } from './file.js';
import type { ReadOptions } from './reader.js';
import type { ModelInfo } from './types.js';

export type InspectOptions = ReadOptions;

/** Reads a model file's header into a ModelInfo, detecting the format by content. */
export async function inspect(path: string, options: InspectOptions = {}): Promise<ModelInfo> {
  return withModelFile(path, async (file) => {
    throwIfAborted(options.signal);
    const reader = await detect(file);
    return reader.read(file, options);
  });
}
