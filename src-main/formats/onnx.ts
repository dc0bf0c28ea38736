import { FormatError } from '../errors.js';
import type { FormatReader } from './reader.js';

/** Placeholder until the reader lands. */
export const onnxReader: FormatReader = {
  format: 'onnx',
  title: 'onnx',
  matches: () => false,
  read: async (file) => {
    throw new FormatError('NOT_IMPLEMENTED', 'onnx reading is not implemented yet', { file: file.path });
  },
};
