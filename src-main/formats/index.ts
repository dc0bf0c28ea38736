export * from './types.js';
export { inspect, type InspectOptions } from './inspect.js';
export { formatLabel, formatName, operatorList, runtimeNeeds, type OperatorUse } from './describe.js';
export { detect, readers } from './detect.js';
export type { FormatReader, ReadOptions } from './reader.js';
export { ModelFile, withModelFile, MAX_WINDOW, type OpenOptions } from './file.js';
export { onnxDtype, dtypeBits, isLowBitInteger } from './dtype.js';
export {
  ORT_BUILTIN_DOMAINS,
  ORT_CHECKED_IMPORT_DOMAINS,
  canonicalDomain,
  isOnnxStandardDomain,
} from './onnx-domains.js';
