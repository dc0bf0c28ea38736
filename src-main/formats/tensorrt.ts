/**
 * TensorRT serialized engines (.engine / .plan). Without the TensorRT runtime and a GPU only the
 * header can be read: the plan tag `ftrt`, the serialization version and, for serialization
 * version 0 (TensorRT 8.6 on), the TensorRT version at bytes 24..27 (as trtexec
 * --getPlanVersionOnly does). An Ultralytics-style prefix (uint32 LE length + JSON) may precede
 * the engine. Inputs and outputs come from a companion the engineer has: the source ONNX model or
 * a Triton config.pbtxt (`ioFrom`).
 */
import { FormatError, throwIfAborted } from '../errors.js';
import { cliWords, nextStep } from '../next-steps.js';
import { collectWarnings } from './warnings.js';
import { MAX_WINDOW, withModelFile, type ModelFile } from './file.js';
import type { FormatReader, IoCompanion, ReadOptions } from './reader.js';
import { parseTritonConfig } from './triton-config.js';
import type { ModelInfo, ModelWarning, PreprocessingHint, TensorSpec } from './types.js';

/** uint32 LE 0x74727466: the bytes `ftrt`, the "plan file tag" trtexec checks. */
export const TRT_MAGIC = 'ftrt';
/** Also accepted by Netron; layout after it is undocumented. */
export const TRT_MAGIC_ALT = 'ptrt';
/** Header bytes read: tag, serialization version, …, version bytes 24..27. */
const HEADER = 28;
/** A Triton config.pbtxt larger than this is not a config. */
const MAX_TRITON_CONFIG = 1024 * 1024;

export interface UltralyticsPrefix {
  /** Bytes before the engine: 4 + JSON length. */
  engineOffset: number;
  json: Record<string, unknown> | null;
  /** Set when the JSON did not parse. */
  error?: string;
}

function isMagic(b: Buffer, at: number): boolean {
  if (at + 4 > b.length) return false;
  const tag = b.toString('latin1', at, at + 4);
  return tag === TRT_MAGIC || tag === TRT_MAGIC_ALT;
}

/** The JSON length of an Ultralytics prefix if `head` starts with one (length, then `{`). */
function prefixLength(head: Buffer): number | null {
  if (head.length < 5 || head[4] !== 0x7b /* { */) return null;
  const len = head.readUInt32LE(0);
  if (len < 2 || len > MAX_WINDOW) return null;
  return len;
}

function matches(head: Buffer): boolean {
  if (isMagic(head, 0)) return true;
  const len = prefixLength(head);
  return len !== null && isMagic(head, 4 + len);
}

/** The step that fills in a TensorRT engine's inputs and outputs: a companion ONNX model or config.pbtxt. */
const DESCRIBE_IO = nextStep('ADD_IO_COMPANION');

/** Text (a config.pbtxt) rather than a binary model: valid UTF-8 and no control bytes. */
function looksLikeText(head: Buffer): boolean {
  for (const b of head) if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) return false;
  try {
    // stream: a head cut inside a multi-byte character is still text.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads an I/O companion: a Triton config.pbtxt here, an ONNX model through `inspectModel` (the
 * caller's inspect, passed in so this module does not import inspect.ts, which imports it).
 */
export async function readCompanion(
  path: string,
  inspectModel: (path: string) => Promise<ModelInfo>,
): Promise<IoCompanion> {
  const head = await withModelFile(path, async (f) => {
    const h = await f.readUpTo(0, 64 * 1024);
    if (h.length === 0) {
      throw new FormatError('BAD_COMPANION', `The I/O companion ${path} is empty`, {
        file: path,
        offset: 0,
        hint: 'Pass the ONNX model or the Triton config.pbtxt.',
      });
    }
    if (!looksLikeText(h)) return null;
    if (f.size > MAX_TRITON_CONFIG) {
      throw new FormatError(
        'BAD_COMPANION',
        `The I/O companion ${path} is a ${f.size}-byte text file, too large for a Triton config.pbtxt`,
        {
          file: path,
          hint: "Pass the model's config.pbtxt (a few KB) or the source ONNX model.",
        },
      );
    }
    return f.size > h.length ? await f.read(0, f.size, 'config.pbtxt') : h;
  });
  if (head !== null) {
    const cfg = parseTritonConfig(head.toString('utf8'), path);
    const warnings: ModelWarning[] = [];
    const runtime = cfg.platform ?? cfg.backend;
    if (runtime && !/tensorrt/i.test(runtime)) {
      warnings.push({
        code: 'COMPANION_PLATFORM',
        message: `The Triton config is for ${runtime}, not TensorRT; its I/O may differ from the engine's`,
      });
    }
    const details: Record<string, unknown> = { path, maxBatchSize: cfg.maxBatchSize };
    if (cfg.name !== undefined) details.name = cfg.name;
    if (cfg.platform !== undefined) details.platform = cfg.platform;
    if (cfg.backend !== undefined) details.backend = cfg.backend;
    if (cfg.defaultModelFilename !== undefined) details.defaultModelFilename = cfg.defaultModelFilename;
    if (Object.keys(cfg.computeCapabilities).length) details.ccModelFilenames = cfg.computeCapabilities;
    return {
      source: 'companion-triton',
      inputs: cfg.inputs,
      outputs: cfg.outputs,
      hints: cfg.preprocessingHints,
      details,
      warnings,
    };
  }
  const onnx = await inspectModel(path);
  if (onnx.format !== 'onnx') {
    throw new FormatError(
      'BAD_COMPANION',
      `The I/O companion ${path} is a ${onnx.format} model, not ONNX or a Triton config.pbtxt`,
      {
        file: path,
        hint: 'Pass the ONNX file the engine was built from, or the Triton config.pbtxt that serves it.',
      },
    );
  }
  return {
    source: 'companion-onnx',
    inputs: onnx.inputs,
    outputs: onnx.outputs,
    hints: onnx.preprocessingHints.map((h) => ({ ...h, source: 'companion-onnx' as const })),
    details: { path, formatVersion: onnx.formatVersion, ...(onnx.producer ? { producer: onnx.producer } : {}) },
    warnings: [
      {
        code: 'COMPANION_ONNX_SHAPES',
        message:
          "Inputs and outputs are taken from the ONNX model: dynamic dims are fixed by the engine's optimization profiles (not readable here), and TensorRT before 10 runs int64 tensors as int32",
      },
    ],
  };
}

/** Reads the Ultralytics JSON prefix; a prefix that is not valid JSON is kept as an error note. */
async function readPrefix(file: ModelFile, len: number): Promise<UltralyticsPrefix> {
  const text = (await file.read(4, len, 'Ultralytics metadata prefix')).toString('utf8');
  try {
    const json: unknown = JSON.parse(text);
    if (json && typeof json === 'object' && !Array.isArray(json))
      return { engineOffset: 4 + len, json: json as Record<string, unknown> };
    return { engineOffset: 4 + len, json: null, error: 'the prefix is JSON but not an object' };
  } catch (e) {
    return { engineOffset: 4 + len, json: null, error: (e as Error).message };
  }
}

const flat = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function positiveInts(v: unknown, max = 1 << 20): number[] | null {
  const list = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : null;
  if (!list || list.length === 0 || list.length > 2) return null;
  if (!list.every((x): x is number => Number.isInteger(x) && x > 0 && x <= max)) return null;
  return list.length === 1 ? [list[0]!, list[0]!] : list;
}

async function readTensorrt(file: ModelFile, options: ReadOptions): Promise<ModelInfo> {
  const head = await file.readUpTo(0, 64 * 1024);
  let prefix: UltralyticsPrefix | undefined;
  if (!isMagic(head, 0)) {
    const len = prefixLength(head);
    if (len === null) {
      throw new FormatError(
        'BAD_MAGIC',
        `Not a TensorRT engine: no '${TRT_MAGIC}' tag at byte 0 and no Ultralytics metadata prefix`,
        {
          file: file.path,
          offset: 0,
          hint: 'Serialize the engine with TensorRT (trtexec --saveEngine) and pass that file.',
        },
      );
    }
    prefix = await readPrefix(file, len);
  }
  const start = prefix?.engineOffset ?? 0;
  const header = await file.read(start, HEADER, 'TensorRT engine header');
  const tag = header.toString('latin1', 0, 4);
  if (tag !== TRT_MAGIC && tag !== TRT_MAGIC_ALT) {
    throw new FormatError(
      'BAD_MAGIC',
      `No TensorRT plan tag after the ${start - 4}-byte metadata prefix (found ${JSON.stringify(tag)})`,
      {
        file: file.path,
        offset: start,
        hint: 'The metadata length prefix does not match the file; re-export the engine.',
      },
    );
  }
  throwIfAborted(options.signal);

  const warnings: ModelWarning[] = [];
  const unknowns: string[] = [];
  const serializationVersion = header.readUInt32LE(4);
  let tensorrtVersion: string | undefined;
  if (tag === TRT_MAGIC && serializationVersion === 0) {
    const [major, minor, patch, build] = [header[24]!, header[25]!, header[26]!, header[27]!];
    if (major >= 8 && major < 100) tensorrtVersion = `${major}.${minor}.${patch}.${build}`;
    else
      warnings.push({
        code: 'TRT_VERSION_UNREADABLE',
        message: `Version bytes 24..27 hold ${major}.${minor}.${patch}.${build}, not a TensorRT 8.6+ version`,
      });
  } else {
    warnings.push({
      code: 'TRT_VERSION_UNKNOWN',
      message: `Serialization version ${serializationVersion}${tag === TRT_MAGIC_ALT ? ` with tag ${tag}` : ''}: the TensorRT version is recorded only by engines from TensorRT 8.6 on (serialization version 0)`,
    });
  }
  if (!tensorrtVersion) unknowns.push('TensorRT version that built the engine (enter it in the manifest)');

  const metadata: Record<string, string> = {};
  const details: Record<string, unknown> = {
    magic: tag,
    serializationVersion,
    engineOffset: start,
    engineBytes: file.size - start,
  };
  let producer: ModelInfo['producer'];
  let inputs: TensorSpec[] = [];
  let outputs: TensorSpec[] = [];
  let ioSource: ModelInfo['ioSource'] = 'unknown';
  const hints: PreprocessingHint[] = [];
  let precisionKnown = false;

  if (prefix) {
    if (prefix.json) {
      const u = prefix.json;
      details.ultralytics = u;
      for (const key of [
        'description',
        'author',
        'date',
        'version',
        'license',
        'docs',
        'task',
        'stride',
        'batch',
        'imgsz',
        'channels',
        'dla',
      ]) {
        if (u[key] !== undefined) metadata[`ultralytics.${key}`] = flat(u[key]);
      }
      if (u.names && typeof u.names === 'object') {
        const names = Object.values(u.names as Record<string, unknown>).filter(
          (n): n is string => typeof n === 'string',
        );
        metadata['ultralytics.classes'] = String(names.length);
        details.labels = names;
      }
      producer = { name: 'Ultralytics', ...(typeof u.version === 'string' ? { version: u.version } : {}) };
      const args = u.args && typeof u.args === 'object' ? (u.args as Record<string, unknown>) : {};
      if (typeof args.half === 'boolean' || typeof args.int8 === 'boolean') {
        details.precision = args.int8 ? 'int8' : args.half ? 'float16' : 'float32';
        metadata['ultralytics.precision'] = `${String(details.precision)} (export args)`;
        precisionKnown = true;
      }
      const size = positiveInts(u.imgsz);
      if (size) {
        const [h, w] = size as [number, number];
        hints.push({
          input: 'images',
          width: w,
          height: h,
          layout: 'NCHW',
          colorSpace: 'RGB',
          valueRange: [0, 1],
          source: 'guess',
        });
        const batch =
          args.dynamic === true ? null : Number.isInteger(u.batch) && (u.batch as number) > 0 ? (u.batch as number) : 1;
        const channels = Number.isInteger(u.channels) && (u.channels as number) > 0 ? (u.channels as number) : 3;
        // Ultralytics exports name the image input `images`; outputs depend on the task.
        inputs = [{ name: 'images', dtype: 'float32', shape: [batch, channels, h, w] }];
        ioSource = 'guess';
      }
    } else {
      warnings.push({
        code: 'ULTRALYTICS_METADATA_UNREADABLE',
        message: `The ${start - 4}-byte metadata prefix is not a JSON object (${prefix.error ?? 'unknown error'})`,
      });
    }
  }
  if (tensorrtVersion) producer ??= { name: 'TensorRT', version: tensorrtVersion };

  const c = options.companion;
  if (c) {
    inputs = c.inputs;
    outputs = c.outputs;
    ioSource = c.source;
    hints.push(...c.hints);
    details.ioCompanion = c.details;
    warnings.push(...c.warnings);
    if (c.details.ccModelFilenames) details.computeCapabilitiesFromTriton = c.details.ccModelFilenames;
  } else if (ioSource === 'guess') {
    warnings.push({
      code: 'IO_GUESSED',
      message: 'The input is inferred from Ultralytics metadata (imgsz, batch) and the outputs are unknown.',
      hint: cliWords(DESCRIBE_IO),
      next: DESCRIBE_IO,
    });
    unknowns.push('output tensors (names, dtypes, shapes)');
  } else {
    warnings.push({
      code: 'NO_IO_COMPANION',
      message: 'A TensorRT engine does not reveal its inputs and outputs without the TensorRT runtime and a GPU.',
      hint: cliWords(DESCRIBE_IO),
      next: DESCRIBE_IO,
    });
    unknowns.push('input and output tensors (names, dtypes, shapes)');
  }

  unknowns.push(
    'GPU compute capability / architecture the engine was built for (not recorded in the engine header)',
    'GPU model the engine was built on',
  );
  if (!precisionKnown) unknowns.push('precision the engine was built with (FP32 / FP16 / INT8 / FP8)');
  unknowns.push(
    'optimization profiles (min / opt / max input shapes)',
    'version- and hardware-compatibility build flags',
    'operating system the engine was built on (engines are not portable across Linux / Windows)',
  );

  const info: ModelInfo = {
    format: 'tensorrt',
    formatVersion: String(serializationVersion),
    runtime: { tensorrtSerializationVersion: serializationVersion, ...(tensorrtVersion ? { tensorrtVersion } : {}) },
    inputs,
    outputs,
    ioSource,
    customOps: [],
    externalData: [],
    metadata,
    preprocessingHints: hints,
    details,
    unknowns,
    warnings: collectWarnings(warnings),
    size: file.size,
    path: file.path,
  };
  if (producer) info.producer = producer;
  return info;
}

export const tensorrtReader: FormatReader = {
  format: 'tensorrt',
  title: 'TensorRT engine (plan tag ftrt)',
  matches,
  read: readTensorrt,
};
