import { FormatError } from '../errors.js';
import type { FormatReader } from './reader.js';

/** Placeholder until the reader lands. */
export const tensorrtReader: FormatReader = {
  format: 'tensorrt',
  title: 'tensorrt',
  matches: () => false,
  read: async (file) => {
    throw new FormatError('NOT_IMPLEMENTED', 'tensorrt reading is not implemented yet', { file: file.path });
  },
};
