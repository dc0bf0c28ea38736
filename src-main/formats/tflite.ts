import { FormatError } from '../errors.js';
import type { FormatReader } from './reader.js';

/** Placeholder until the reader lands. */
export const tfliteReader: FormatReader = {
  format: 'tflite',
  title: 'tflite',
  matches: () => false,
  read: async (file) => {
    throw new FormatError('NOT_IMPLEMENTED', 'tflite reading is not implemented yet', { file: file.path });
  },
};
