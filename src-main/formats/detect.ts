import { FormatError } from '../errors.js';
import type { ModelFile } from './file.js';
import { onnxReader } from './onnx.js';
import type { FormatReader } from './reader.js';
import { tensorrtReader } from './tensorrt.js';
import { tfliteReader } from './tflite.js';

/** Every supported format; detection tries the ones with a magic number first. */
export const readers: FormatReader[] = [tfliteReader, tensorrtReader, onnxReader];

const HEAD = 64 * 1024;

/** Picks the reader by content, never by extension. */
export async function detect(file: ModelFile): Promise<FormatReader> {
  if (file.size === 0) {
    throw new FormatError('EMPTY_FILE', 'The file is empty (0 bytes)', {
      file: file.path,
      offset: 0,
      hint: 'Re-export or re-copy the model.',
    });
  }
  const head = await file.readUpTo(0, HEAD);
  const reader = readers.find((r) => r.matches(head, file.size));
  if (reader) return reader;
  throw new FormatError('UNKNOWN_FORMAT', `Not a model file Fleetpack can read`, {
    file: file.path,
    offset: 0,
    hint: `Supported formats: ${readers.map((r) => r.title).join(', ')}.`,
  });
}
