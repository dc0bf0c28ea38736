/**
 * End to end through `fleetpack inspect` (in-process run()): TFLite files, and TensorRT engines
 * whose I/O comes from a companion ONNX model (read by the ONNX reader) or a Triton config.pbtxt.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.js';
import { inspect } from '../../src-main/formats/index.js';
import { basicModel } from '../fixtures/onnx-models.js';
import { TRITON_TRT_CONFIG, engineBytes, withUltralyticsPrefix } from '../fixtures/tensorrt-fixtures.js';
import { writeTfliteFixtures } from '../fixtures/tflite-fixtures.js';
import { tempDir } from '../fixtures/temp.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('fleetpack-tflite-trt-');
  writeTfliteFixtures(dir);
  writeFileSync(join(dir, 'model.onnx'), basicModel());
  writeFileSync(join(dir, 'model.engine'), engineBytes({ version: [10, 3, 0, 26] }));
  writeFileSync(join(dir, 'yolo.engine'), withUltralyticsPrefix(engineBytes({ version: [8, 6, 1, 6] })));
  writeFileSync(join(dir, 'config.pbtxt'), TRITON_TRT_CONFIG);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(dir, argv);

describe('fleetpack inspect: TFLite', () => {
  it('--json has format, inputs and outputs with dtype and shape', async () => {
    const r = await cli('inspect', 'quantized.tflite', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.format).toBe('tflite');
    expect(j.inputs).toEqual([expect.objectContaining({ name: 'dense_input', dtype: 'int8', shape: [null, 1] })]);
    expect(j.outputs).toEqual([expect.objectContaining({ name: 'dense_out', dtype: 'uint8', shape: [null, 1] })]);
  });

  it('readable summary shows schema version, min runtime, Edge TPU custom op and hints', async () => {
    const r = await cli('inspect', 'float.tflite');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/TFLite \(schema version 3\)/);
    expect(r.out).toMatch(/min runtime\s+TFLite 2\.3\.0/);
    expect(r.out).toMatch(/input_image: RGB, 224×224, range -1\.\.1, mean 127\.5, std 127\.5\s+\[metadata\]/);
    const e = await cli('inspect', 'edgeTpu.tflite');
    expect(e.out).toMatch(/Custom ops: edgetpu-custom-op, TFLite_Detection_PostProcess/);
    expect(e.out).toMatch(/Edge TPU/);
  });

  it('a corrupt TFLite exits 2 with a JSON error naming code and byte offset', async () => {
    const bytes = Buffer.alloc(64);
    bytes.writeUInt32LE(1_000_000, 0);
    bytes.write('TFL3', 4, 'latin1');
    writeFileSync(join(dir, 'bad.tflite'), bytes);
    const r = await cli('inspect', 'bad.tflite', '--json');
    expect(r.code).toBe(2);
    // The root offset points past the end: not recognised as TFLite, or rejected by the reader.
    const j = JSON.parse(r.out || r.err);
    expect(j.ok).toBe(false);
    expect(j.error.code).toMatch(/UNKNOWN_FORMAT|OFFSET_OUT_OF_RANGE/);
    expect(j.error.where).toMatch(/at byte \d+/);
  });
});

describe('fleetpack inspect: TensorRT with an I/O companion', () => {
  it('without a companion: TensorRT version, empty I/O, and plain words about what is missing', async () => {
    const r = await cli('inspect', 'model.engine');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/TensorRT\s+10\.3\.0\.26/);
    expect(r.out).toMatch(/--io-from/);
    expect(r.out).toMatch(/Not in the file:[\s\S]*compute capability/);
  });

  it('--io-from model.onnx: I/O equal to what the ONNX reader reports for that file', async () => {
    const r = await cli('inspect', 'model.engine', '--io-from', 'model.onnx', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const onnx = await inspect(join(dir, 'model.onnx'));
    expect(j.ioSource).toBe('companion-onnx');
    expect(j.inputs).toEqual(JSON.parse(JSON.stringify(onnx.inputs)));
    expect(j.outputs).toEqual(JSON.parse(JSON.stringify(onnx.outputs)));
    expect(j.inputs[0]).toMatchObject({ name: 'image', dtype: 'float32', shape: ['batch', 3, 224, 224] });
    expect(j.runtime.tensorrtVersion).toBe('10.3.0.26');
    expect(j.warnings.map((w: { code: string }) => w.code)).toContain('COMPANION_ONNX_SHAPES');
  });

  it('--io-from config.pbtxt on an Ultralytics engine: Triton I/O, Ultralytics metadata kept', async () => {
    const r = await cli('inspect', 'yolo.engine', '--io-from', 'config.pbtxt', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ioSource).toBe('companion-triton');
    expect(j.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: [null, 3, 640, 640] }]);
    expect(j.metadata['ultralytics.task']).toBe('detect');
    expect(j.runtime.tensorrtVersion).toBe('8.6.1.6');
  });
});
