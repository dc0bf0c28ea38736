import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src-main/formats/inspect.js';
import { formatErrorOf } from '../fixtures/format-error.js';
import { tensorrtReader } from '../../src-main/formats/tensorrt.js';
import {
  TRITON_NOBATCH_CONFIG,
  TRITON_ONNX_CONFIG,
  TRITON_TRT_CONFIG,
  engineBytes,
  legacyEngineBytes,
  ultralyticsMetadata,
  withUltralyticsPrefix,
} from '../fixtures/tensorrt-fixtures.js';
import { tfliteFixture } from '../fixtures/tflite-fixtures.js';
import { tempDir } from '../fixtures/temp.js';

const dir = tempDir('fp-trt-unit-');
let n = 0;
function file(bytes: Buffer | string, ext = 'engine'): string {
  const p = join(dir, `case-${n++}.${ext}`);
  writeFileSync(p, bytes);
  return p;
}

describe('TensorRT engine header', () => {
  it('8.6+ engine: serialization version 0 and the TensorRT version from bytes 24..27; no I/O without a companion', async () => {
    const info = await inspect(file(engineBytes({ version: [10, 3, 0, 26] })));
    expect(info.format).toBe('tensorrt');
    expect(info.formatVersion).toBe('0');
    expect(info.runtime).toEqual({ tensorrtSerializationVersion: 0, tensorrtVersion: '10.3.0.26' });
    expect(info.producer).toEqual({ name: 'TensorRT', version: '10.3.0.26' });
    expect(info.inputs).toEqual([]);
    expect(info.outputs).toEqual([]);
    expect(info.ioSource).toBe('unknown');
    const warning = info.warnings.find((w) => w.code === 'NO_IO_COMPANION');
    expect(warning?.hint).toMatch(/--io-from/);
    expect(warning?.next).toEqual({ code: 'ADD_IO_COMPANION' });
    expect(info.unknowns).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/input and output tensors/),
        expect.stringMatching(/compute capability/),
        expect.stringMatching(/precision/),
      ]),
    );
    expect(info.details).toMatchObject({ magic: 'ftrt', serializationVersion: 0, engineOffset: 0 });
  });

  it('8.6.1 engine', async () => {
    const info = await inspect(file(engineBytes({ version: [8, 6, 1, 6] })));
    expect(info.runtime?.tensorrtVersion).toBe('8.6.1.6');
  });

  it('older engine (serialization version ≠ 0): version unknown, said plainly', async () => {
    const info = await inspect(file(legacyEngineBytes()));
    expect(info.formatVersion).toBe(String(0x57));
    expect(info.runtime).toEqual({ tensorrtSerializationVersion: 0x57 });
    expect(info.producer).toBeUndefined();
    expect(info.warnings.map((w) => w.code)).toContain('TRT_VERSION_UNKNOWN');
    expect(info.unknowns).toEqual(expect.arrayContaining([expect.stringMatching(/TensorRT version/)]));
  });

  it('ptrt tag is accepted, version unknown', async () => {
    const info = await inspect(file(engineBytes({ tag: 'ptrt' })));
    expect(info.details).toMatchObject({ magic: 'ptrt' });
    expect(info.runtime?.tensorrtVersion).toBeUndefined();
  });

  it('Ultralytics prefix: metadata, labels, precision, a guessed image input', async () => {
    const bytes = withUltralyticsPrefix(engineBytes({ version: [10, 0, 1, 6] }));
    const info = await inspect(file(bytes));
    expect(info.format).toBe('tensorrt');
    expect(info.runtime?.tensorrtVersion).toBe('10.0.1.6');
    expect(info.producer).toEqual({ name: 'Ultralytics', version: '8.3.40' });
    expect(info.metadata).toMatchObject({
      'ultralytics.task': 'detect',
      'ultralytics.imgsz': '[640,480]',
      'ultralytics.classes': '3',
      'ultralytics.stride': '32',
    });
    const d = info.details as Record<string, unknown>;
    expect(d.labels).toEqual(['person', 'bicycle', 'car']);
    expect(d.precision).toBe('float16');
    expect(info.metadata['ultralytics.precision']).toBe('float16 (export args)');
    expect(d.engineOffset).toBe(bytes.readUInt32LE(0) + 4);
    expect(info.ioSource).toBe('guess');
    expect(info.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 480] }]);
    expect(info.outputs).toEqual([]);
    expect(info.preprocessingHints).toEqual([
      {
        input: 'images',
        width: 480,
        height: 640,
        layout: 'NCHW',
        colorSpace: 'RGB',
        valueRange: [0, 1],
        source: 'guess',
      },
    ]);
    expect(info.warnings.map((w) => w.code)).toContain('IO_GUESSED');
    expect(info.unknowns?.some((u) => /precision/.test(u))).toBe(false);
  });

  it('Ultralytics prefix with dynamic batch gives a null batch dim', async () => {
    const meta = ultralyticsMetadata({ imgsz: 320, args: { dynamic: true, half: false, int8: true } });
    const info = await inspect(file(withUltralyticsPrefix(engineBytes(), meta)));
    expect(info.inputs[0]!.shape).toEqual([null, 3, 320, 320]);
    expect((info.details as Record<string, unknown>).precision).toBe('int8');
  });

  it('Ultralytics prefix holding invalid JSON: warning, header still read', async () => {
    const info = await inspect(file(withUltralyticsPrefix(engineBytes(), '{"task": "detect", oops}')));
    expect(info.runtime?.tensorrtVersion).toBe('10.3.0.26');
    expect(info.warnings.map((w) => w.code)).toContain('ULTRALYTICS_METADATA_UNREADABLE');
    expect(info.ioSource).toBe('unknown');
  });

  it('detection: ftrt at 0, or after the Ultralytics prefix; not elsewhere', () => {
    const e = engineBytes();
    expect(tensorrtReader.matches(e.subarray(0, 64), e.length)).toBe(true);
    const p = withUltralyticsPrefix(e);
    expect(tensorrtReader.matches(p.subarray(0, 4096), p.length)).toBe(true);
    // A JSON prefix not followed by the tag is not an engine.
    const notEngine = withUltralyticsPrefix(Buffer.alloc(64, 1));
    expect(tensorrtReader.matches(notEngine, notEngine.length)).toBe(false);
    expect(tensorrtReader.matches(Buffer.from('xxftrt'), 6)).toBe(false);
  });
});

describe('TensorRT I/O companion', () => {
  it('Triton config.pbtxt: dtypes, dims with batch dim, platform, compute capabilities, layout hint', async () => {
    const info = await inspect(file(engineBytes()), { ioFrom: file(TRITON_TRT_CONFIG, 'pbtxt') });
    expect(info.ioSource).toBe('companion-triton');
    expect(info.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: [null, 3, 640, 640] }]);
    expect(info.outputs).toEqual([
      { name: 'output0', dtype: 'float16', shape: [null, 84, null] },
      { name: 'num_dets', dtype: 'int32', shape: [null, 1] },
    ]);
    expect(info.preprocessingHints).toEqual([{ input: 'images', layout: 'NCHW', source: 'companion-triton' }]);
    const d = info.details as Record<string, any>;
    expect(d.ioCompanion).toMatchObject({ name: 'yolo_trt', platform: 'tensorrt_plan', maxBatchSize: 8 });
    expect(d.computeCapabilitiesFromTriton).toEqual({ '8.6': 'model_sm86.plan', '8.7': 'model_orin.plan' });
    expect(info.warnings.map((w) => w.code)).not.toContain('NO_IO_COMPANION');
    expect(info.unknowns?.some((u) => /input and output tensors/.test(u))).toBe(false);
  });

  it('Triton config without batching', async () => {
    const info = await inspect(file(engineBytes()), { ioFrom: file(TRITON_NOBATCH_CONFIG, 'pbtxt') });
    expect(info.inputs).toEqual([
      { name: 'input_ids', dtype: 'int32', shape: [null, 128] },
      { name: 'attention_mask', dtype: 'bool', shape: [null, 128] },
    ]);
    expect(info.outputs).toEqual([{ name: 'logits', dtype: 'bfloat16', shape: [null, 2] }]);
  });

  it('a companion Triton config for another platform is used, with a warning', async () => {
    const info = await inspect(file(engineBytes()), { ioFrom: file(TRITON_ONNX_CONFIG, 'pbtxt') });
    expect(info.inputs).toEqual([{ name: 'x', dtype: 'uint8', shape: [null, 224, 224, 3] }]);
    expect(info.warnings.map((w) => w.code)).toContain('COMPANION_PLATFORM');
  });

  it('companion overrides the Ultralytics guess', async () => {
    const info = await inspect(file(withUltralyticsPrefix(engineBytes())), {
      ioFrom: file(TRITON_TRT_CONFIG, 'pbtxt'),
    });
    expect(info.ioSource).toBe('companion-triton');
    expect(info.inputs[0]!.shape).toEqual([null, 3, 640, 640]);
    expect(info.warnings.map((w) => w.code)).not.toContain('IO_GUESSED');
  });

  it('a TFLite model is not a valid companion', async () => {
    const err = await formatErrorOf(inspect(file(engineBytes()), { ioFrom: file(tfliteFixture('float'), 'tflite') }));
    expect(err.code).toBe('BAD_COMPANION');
  });

  it('bad companions: missing, empty, broken text', async () => {
    expect((await formatErrorOf(inspect(file(engineBytes()), { ioFrom: join(dir, 'nope.pbtxt') }))).code).toBe(
      'FILE_NOT_FOUND',
    );
    expect((await formatErrorOf(inspect(file(engineBytes()), { ioFrom: file('', 'pbtxt') }))).code).toBe(
      'BAD_COMPANION',
    );
    const err = await formatErrorOf(
      inspect(file(engineBytes()), { ioFrom: file('input [ { name: "x" data_type: TYPE_FP32 dims: [1, 2 }', 'pbtxt') }),
    );
    expect(err.code).toBe('BAD_TRITON_CONFIG');
    expect(err.message).toMatch(/line 1/);
  });
});

describe('TensorRT bad input', () => {
  it('truncated header', async () => {
    const err = await formatErrorOf(inspect(file(engineBytes().subarray(0, 20))));
    expect(err.code).toBe('TRUNCATED');
    expect(err.offset).toBe(0);
    expect(err.message).toMatch(/TensorRT engine header/);
  });

  it('truncated after an Ultralytics prefix', async () => {
    const full = withUltralyticsPrefix(engineBytes());
    const len = full.readUInt32LE(0);
    const f = file(full.subarray(0, 4 + len + 10));
    const { ModelFile } = await import('../../src-main/formats/file.js');
    const mf = await ModelFile.open(f);
    try {
      const err = await formatErrorOf(tensorrtReader.read(mf, {}));
      expect(err.code).toBe('TRUNCATED');
      expect(err.offset).toBe(4 + len);
    } finally {
      await mf.close();
    }
  });

  it('prefix length that does not lead to the tag', async () => {
    const full = withUltralyticsPrefix(engineBytes());
    full.writeUInt32LE(full.readUInt32LE(0) - 3, 0);
    const { ModelFile } = await import('../../src-main/formats/file.js');
    const mf = await ModelFile.open(file(full));
    try {
      const err = await formatErrorOf(tensorrtReader.read(mf, {}));
      expect(err.code).toBe('BAD_MAGIC');
    } finally {
      await mf.close();
    }
  });
});
