import type { ModelInfo } from '../../../src-main/formats/index.js';
import type { Manifest } from '../../../src-main/manifest/index.js';

const base = { customOps: [], externalData: [], metadata: {}, preprocessingHints: [], warnings: [], size: 1000 };

/** Hand-built headers, shaped like the format readers' output (the readers land on other branches). */
export function onnxInfo(over: Partial<ModelInfo> = {}): ModelInfo {
  return {
    ...base,
    format: 'onnx',
    formatVersion: '8',
    opsets: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    operators: [
      { domain: '', opType: 'Conv', count: 3 },
      { domain: 'com.microsoft', opType: 'FusedConv', count: 1 },
    ],
    inputs: [{ name: 'images', dtype: 'float32', shape: ['batch', 3, 640, 640] }],
    outputs: [{ name: 'boxes', dtype: 'float32', shape: ['batch', 84, 8400] }],
    ioSource: 'header',
    externalData: [{ location: 'weights.bin', tensors: ['w'], declaredBytes: 16 }],
    path: '/models/yolo.onnx',
    ...over,
  };
}

export function tfliteInfo(over: Partial<ModelInfo> = {}): ModelInfo {
  return {
    ...base,
    format: 'tflite',
    formatVersion: '3',
    runtime: { tfliteMinRuntimeVersion: '2.14.0' },
    inputs: [
      {
        name: 'input',
        dtype: 'uint8',
        shape: [1, 224, 224, 3],
        quantization: { scale: [0.0078125], zeroPoint: [128] },
      },
    ],
    outputs: [{ name: 'scores', dtype: 'uint8', shape: [1, 1001] }],
    ioSource: 'header',
    customOps: ['edgetpu-custom-op'],
    preprocessingHints: [{ input: 'input', mean: [127.5], std: [127.5], colorSpace: 'RGB', source: 'metadata' }],
    quantization: 'uint8 (full integer)',
    path: '/models/mobilenet_edgetpu.tflite',
    ...over,
  };
}

export function trtInfo(over: Partial<ModelInfo> = {}): ModelInfo {
  return {
    ...base,
    format: 'tensorrt',
    formatVersion: '239',
    runtime: {
      tensorrtVersion: '10.3.0.30',
      tensorrtSerializationVersion: 239,
      tensorrtVersionCompatible: false,
      tensorrtHardwareCompatibility: 'kNONE',
    },
    inputs: [],
    outputs: [],
    ioSource: 'unknown',
    unknowns: ['computeCapability'],
    path: '/models/detector.engine',
    ...over,
  };
}

const SHA = (c: string) => c.repeat(64);

/** A complete manifest with no errors and no warnings, for mutation tests. */
export function completeManifest(): Manifest {
  return {
    schemaVersion: '1.0',
    name: 'person-detector',
    version: '1.4.0',
    description: 'Detects people.',
    authors: [{ name: 'Vision Team', email: 'vision@example.com' }],
    channel: 'stable',
    framework: { format: 'onnx', onnx: { irVersion: 8, opsets: [{ domain: '', version: 17 }] }, precision: 'fp32' },
    artifact: {
      file: 'model.onnx',
      files: [
        { path: 'model.onnx', size: 4, sha256: SHA('a'), role: 'model' },
        { path: 'weights.bin', size: 8, sha256: SHA('b'), role: 'external-data' },
      ],
    },
    inputs: [
      {
        name: 'images',
        dtype: 'float32',
        shape: ['batch', 3, 640, 640],
        preprocessing: {
          layout: 'NCHW',
          colorOrder: 'RGB',
          resize: { width: 640, height: 640 },
          scale: 1 / 255,
          mean: [0.485, 0.456, 0.406],
          std: [0.229, 0.224, 0.225],
          valueRange: [0, 1],
        },
      },
    ],
    outputs: [{ name: 'boxes', dtype: 'float32', shape: ['batch', 84, 8400] }],
    metrics: [
      { name: 'mAP@0.5', value: 0.52, unit: 'ratio', dataset: 'coco', split: 'val2017' },
      { name: 'latency-p50', value: 12.5, unit: 'ms', hardware: 'nvidia-jetson-orin-nx-16gb' },
    ],
    target: {
      profiles: ['nvidia-jetson-orin-nx-16gb'],
      requirements: {
        minMemoryMiB: 512,
        runtimes: { onnxruntime: '>=1.17' },
        executionProviders: ['CUDAExecutionProvider'],
      },
    },
    license: 'Apache-2.0',
  };
}

export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
