import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  artifactSources,
  canBeImage,
  draftManifest,
  guessLayout,
  refreshTodo,
  validateDocument,
} from '../../../src-main/manifest/index.js';
import { onnxInfo, tfliteInfo, trtInfo } from './helpers.js';
import { tempDir } from '../../fixtures/temp.js';
import { prefill } from '../../../src-main/package/index.js';

const files = (name: string) => [{ path: name, size: 1000, sha256: 'c'.repeat(64), role: 'model' as const }];

describe('canBeImage', () => {
  it.each([
    ['float32', [1, 3, 224, 224]],
    ['uint8', ['batch', 224, 224, 3]],
    ['float16', [3, 'H', 'W']],
    ['float32', ['N', 'C', 'H', 'W']],
  ])('%s %j can be an image', (dtype, shape) => expect(canBeImage({ dtype, shape })).toBe(true));
  it.each([
    ['int64', []], // silero VAD's sample rate
    ['float32', [2, 'batch', 128]], // an LSTM state
    ['float32', ['batch', 576]],
    ['int64', [1, 3, 224, 224]],
    ['float32', null],
    ['float32', ['batch', 'seq', 80]],
  ])('%s %j cannot', (dtype, shape) => expect(canBeImage({ dtype, shape })).toBe(false));
  it('prefill offers no image preprocessing for an int64 input shaped like an image', () => {
    const info = onnxInfo();
    info.inputs = [{ name: 'ids', dtype: 'int64', shape: [1, 3, 224, 224] }];
    const m = draftManifest(info, { files: files('m.onnx') });
    expect(m.inputs[0]!.preprocessing).toBeUndefined();
  });
});

describe('guessLayout', () => {
  it.each([
    [[1, 3, 224, 224], 'NCHW'],
    [['N', 3, 'H', 'W'], 'NCHW'],
    [[1, 224, 224, 3], 'NHWC'],
    [[null, null, null, 1], 'NHWC'],
    [[3, 224, 224], 'CHW'],
    [[224, 224, 3], 'HWC'],
  ])('%j → %s', (shape, layout) => expect(guessLayout(shape)).toBe(layout));
  it.each([[[1, 3, 3, 3]], [[1, 1000]], [[1, 64, 64, 64]], [null], [[1, 2, 3, 4, 5]]])('%j → no guess', (shape) =>
    expect(guessLayout(shape)).toBeUndefined(),
  );
});

describe('draftManifest', () => {
  it('ONNX: IR version, opsets, custom domains, I/O, a marked layout guess, engineer fields in todo', () => {
    const m = draftManifest(onnxInfo(), { files: files('yolo.onnx') });
    expect(m.framework).toEqual({
      format: 'onnx',
      onnx: {
        irVersion: 8,
        opsets: [
          { domain: '', version: 17 },
          { domain: 'com.microsoft', version: 1 },
        ],
        usedDomains: ['ai.onnx', 'com.microsoft'],
        customDomains: ['com.microsoft'],
      },
    });
    expect(m.name).toBe('yolo');
    expect(m.inputs[0]).toMatchObject({
      name: 'images',
      dtype: 'float32',
      shape: ['batch', 3, 640, 640],
      preprocessing: { layout: 'NCHW', resize: { width: 640, height: 640 }, guessed: ['layout', 'resize'] },
    });
    expect(m.outputs[0]!.preprocessing).toBeUndefined();
    expect(m.version).toBe('0.1.0');
    expect(m.todo).toEqual(
      expect.arrayContaining([
        '/license',
        '/metrics',
        '/target/profiles',
        '/inputs/0/preprocessing/mean',
        '/inputs/0/preprocessing/guessed',
      ]),
    );
    expect(m.license).toBeUndefined();
    expect(validateDocument(m).errors).toEqual([]);
  });
  it('TFLite: min runtime, custom ops, Edge TPU flag and requirement, normalization from metadata (not a guess)', () => {
    const m = draftManifest(tfliteInfo(), {
      files: files('m.tflite'),
      name: 'mobilenet',
      version: '2.0.0',
      license: 'Apache-2.0',
      targets: ['coral-usb'],
    });
    expect(m.framework).toMatchObject({
      format: 'tflite',
      tflite: { schemaVersion: 3, minRuntimeVersion: '2.14.0', customOps: ['edgetpu-custom-op'], edgetpu: true },
      precision: 'int8',
      quantization: 'uint8 (full integer)',
    });
    expect(m.target).toEqual({
      profiles: ['coral-usb'],
      requirements: { accelerators: ['edgetpu'], delegates: ['edgetpu'] },
    });
    expect(m.inputs[0]!.preprocessing).toEqual({
      layout: 'NHWC',
      colorOrder: 'RGB',
      mean: [127.5],
      std: [127.5],
      resize: { width: 224, height: 224 },
      guessed: ['layout', 'resize'],
    });
    expect(m.inputs[0]!.quantization).toEqual({ scale: [0.0078125], zeroPoint: [128] });
    expect(m.todo).not.toContain('/license');
    expect(m.todo).not.toContain('/inputs/0/preprocessing/mean');
    expect(validateDocument(m).errors).toEqual([]);
  });
  it('TensorRT: version from the header, asks for the compute capability, GPU required', () => {
    const m = draftManifest(trtInfo(), { files: files('detector.engine') });
    expect(m.framework).toEqual({
      format: 'tensorrt',
      tensorrt: {
        version: '10.3.0.30',
        serializationVersion: 239,
        versionCompatible: false,
        hardwareCompatibility: 'none',
      },
    });
    expect(m.todo).toEqual(expect.arrayContaining(['/framework/tensorrt/computeCapability', '/inputs', '/outputs']));
    expect(m.target?.requirements?.accelerators).toEqual(['gpu']);
    const r = validateDocument(m);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toContain('COMPUTE_CAPABILITY_MISSING');
  });
  it('drops filled todo entries on refresh', () => {
    const m = draftManifest(onnxInfo(), { files: files('yolo.onnx') });
    m.license = 'MIT';
    m.inputs[0]!.preprocessing!.guessed = [];
    const r = refreshTodo(m);
    expect(r.todo).not.toContain('/license');
    expect(r.todo).not.toContain('/inputs/0/preprocessing/guessed');
    expect(r.todo).toContain('/metrics');
  });
});

describe('prefill from files', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('fp-prefill-');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('hashes the model and its external-data file', async () => {
    await writeFile(join(dir, 'yolo.onnx'), 'model-bytes');
    await writeFile(join(dir, 'weights.bin'), 'weights');
    const m = await prefill(onnxInfo({ path: join(dir, 'yolo.onnx') }), { name: 'yolo', version: '1.0.0' });
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(m.artifact).toEqual({
      file: 'yolo.onnx',
      files: [
        { path: 'yolo.onnx', size: 11, sha256: sha('model-bytes'), role: 'model' },
        { path: 'weights.bin', size: 7, sha256: sha('weights'), role: 'external-data' },
      ],
    });
  });
  it('reports a missing external-data file', async () => {
    await writeFile(join(dir, 'yolo.onnx'), 'x');
    await expect(prefill(onnxInfo({ path: join(dir, 'yolo.onnx') }))).rejects.toMatchObject({
      code: 'EXTERNAL_DATA_MISSING',
    });
  });
  it.each(['/etc/passwd', '../secret.bin', 'a/../../b', 'C:\\x.bin'])(
    'refuses external data outside the model folder: %s',
    (location) => {
      expect(() => artifactSources(onnxInfo({ externalData: [{ location, tensors: [] }] }))).toThrow(
        expect.objectContaining({ code: 'EXTERNAL_DATA_OUTSIDE' }),
      );
    },
  );
  it('keeps external data in a subfolder and lists a TensorRT companion', () => {
    expect(
      artifactSources(onnxInfo({ externalData: [{ location: 'data/w.bin', tensors: [] }] })).map((s) => [
        s.path,
        s.role,
      ]),
    ).toEqual([
      ['yolo.onnx', 'model'],
      ['data/w.bin', 'external-data'],
    ]);
    expect(artifactSources(trtInfo(), ['/models/detector.onnx']).map((s) => [s.path, s.role])).toEqual([
      ['detector.engine', 'model'],
      ['detector.onnx', 'companion'],
    ]);
  });
});
