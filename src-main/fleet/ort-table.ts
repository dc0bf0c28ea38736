/**
 * ONNX Runtime release → the newest ONNX IR version and opsets it loads.
 *
 * Source: microsoft/onnxruntime docs/reference/compatibility.md (gh-pages,
 * https://onnxruntime.ai/docs/reference/compatibility.html), rows 1.0–1.20, as
 * copied in reference/hardware.md §3.2. Rows for 1.21+ are not in that stored page and are left
 * out on purpose: a newer runtime is judged by the newest row ("Newer versions of ONNX Runtime
 * support all models that worked with prior versions", same page), anything beyond is "cannot tell".
 */
import { compareDotted } from '../manifest/index.js';

export interface OrtRow {
  /** ORT minor line, e.g. '1.17'. */
  ort: string;
  onnx: string;
  maxIr: number;
  /** Highest opset per domain ('ai.onnx', 'ai.onnx.ml'). */
  maxOpset: { 'ai.onnx': number; 'ai.onnx.ml': number };
}

/** Opsets below this are outside ORT's support promise ("ONNX v1.2.1+ (opset version 7 and higher)"). */
export const ORT_MIN_OPSET = 7;

const row = (ort: string, onnx: string, opset: number, ml: number, maxIr: number): OrtRow => ({
  ort,
  onnx,
  maxIr,
  maxOpset: { 'ai.onnx': opset, 'ai.onnx.ml': ml },
});

export const ORT_TABLE: readonly OrtRow[] = [
  row('1.20', '1.16.1', 21, 4, 10),
  row('1.19', '1.16.1', 21, 4, 10),
  row('1.18', '1.16', 21, 4, 10),
  row('1.17', '1.15', 20, 4, 9),
  row('1.16', '1.14.1', 19, 3, 9),
  row('1.15', '1.14', 19, 3, 8),
  row('1.14', '1.13', 18, 3, 8),
  row('1.13', '1.12', 17, 3, 8),
  row('1.12', '1.12', 17, 3, 8),
  row('1.11', '1.11', 16, 2, 8),
  row('1.10', '1.10', 15, 2, 8),
  row('1.9', '1.10', 15, 2, 8),
  row('1.8', '1.9', 14, 2, 7),
  row('1.7', '1.8', 13, 2, 7),
  row('1.6', '1.8', 13, 2, 7),
  row('1.5', '1.7', 12, 2, 7),
  row('1.4', '1.7', 12, 2, 7),
  row('1.3', '1.7', 12, 2, 7),
  row('1.2', '1.6', 11, 2, 6),
  row('1.1', '1.6', 11, 2, 6),
  row('1.0', '1.6', 11, 2, 6),
];

export interface OrtLimits {
  row: OrtRow;
  /** 'exact': the release's own row; 'newer': a release after the table, judged by the newest row (a floor). */
  match: 'exact' | 'newer';
}

/** Limits for an ORT version ('1.17.3'); undefined when the version is not a 1.x we know. */
export function ortLimits(version: string): OrtLimits | undefined {
  const [maj, min] = version.split('.');
  const line = `${Number(maj)}.${Number(min)}`;
  const exact = ORT_TABLE.find((r) => r.ort === line);
  if (exact) return { row: exact, match: 'exact' };
  const newest = ORT_TABLE[0]!;
  const cmp = compareDotted(version, newest.ort);
  if (cmp !== undefined && cmp > 0) return { row: newest, match: 'newer' };
  return undefined;
}

/**
 * TensorRT version each ONNX Runtime release's TensorRT execution provider is built against.
 * Source: onnxruntime.ai/docs/execution-providers/TensorRT-ExecutionProvider.html (requirements
 * table), as copied in reference/hardware.md §3.3. These are the official packages; Jetson Zoo
 * builds are made against the JetPack's TensorRT instead, so a mismatch is a warning, not a decline.
 * (https://onnxruntime.ai/docs/execution-providers/TensorRT-ExecutionProvider.html#requirements)
 */
export const ORT_TRT_EP: readonly { ort: string[]; tensorrt: string }[] = [
  { ort: ['1.22'], tensorrt: '10.9' },
  { ort: ['1.21'], tensorrt: '10.8' },
  { ort: ['1.20'], tensorrt: '10.4' },
  { ort: ['1.19'], tensorrt: '10.2' },
  { ort: ['1.18'], tensorrt: '10.0' },
  { ort: ['1.15', '1.16', '1.17'], tensorrt: '8.6' },
  { ort: ['1.14'], tensorrt: '8.5' },
  { ort: ['1.12', '1.13'], tensorrt: '8.4' },
  { ort: ['1.11'], tensorrt: '8.2' },
  { ort: ['1.9', '1.10'], tensorrt: '8.0' },
];

/** The TensorRT version the official ORT package's TensorRT EP expects, if the table has the release. */
export function ortTrtEpVersion(ortVersion: string): string | undefined {
  const [maj, min] = ortVersion.split('.');
  const line = `${Number(maj)}.${Number(min)}`;
  return ORT_TRT_EP.find((r) => r.ort.includes(line))?.tensorrt;
}
