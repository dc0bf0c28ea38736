import { throwIfAborted } from '../errors.js';
import { detect } from './detect.js';
import { type OpenOptions, withModelFile } from './file.js';
import type { ReadOptions } from './reader.js';
import { readCompanion } from './tensorrt.js';
import type { ModelInfo } from './types.js';

export type InspectOptions = Omit<ReadOptions, 'companion'> & OpenOptions;

/**
 * Reads a model file's header into a ModelInfo, detecting the format by content. A TensorRT
 * engine's I/O companion (`ioFrom`: an ONNX model, read by this same function, or a Triton
 * config.pbtxt) is resolved here and handed to the reader.
 */
export async function inspect(path: string, options: InspectOptions = {}): Promise<ModelInfo> {
  const { beforeRead, ...read } = options;
  return withModelFile(
    path,
    async (file) => {
      throwIfAborted(options.signal);
      const reader = await detect(file);
      const companion =
        reader.format === 'tensorrt' && read.ioFrom !== undefined
          ? await readCompanion(read.ioFrom, (p) => inspect(p, read.signal ? { signal: read.signal } : {}))
          : undefined;
      return reader.read(file, { ...read, ...(companion ? { companion } : {}) });
    },
    beforeRead ? { beforeRead } : {},
  );
}
