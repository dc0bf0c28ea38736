import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxDtype } from '../../src-main/formats/dtype.js';
import { detect, inspect, ModelFile } from '../../src-main/formats/index.js';
import { type OnnxFixtureName, writeOnnxFixtures } from '../fixtures/onnx-models.js';
import { tempDir } from '../fixtures/temp.js';

let dir: string;
let paths: Record<OnnxFixtureName, string>;
beforeAll(() => {
  dir = tempDir('fleetpack-onnx-');
  paths = writeOnnxFixtures(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ONNX reader', () => {
  it('is picked by content for every fixture', async () => {
    for (const p of Object.values(paths)) {
      const f = await ModelFile.open(p);
      try {
        expect((await detect(f)).format).toBe('onnx');
      } finally {
        await f.close();
      }
    }
  });

  it('reads header facts: IR, producer, opsets, model version, doc string, metadata', async () => {
    const info = await inspect(paths.basic);
    expect(info.format).toBe('onnx');
    expect(info.formatVersion).toBe('8');
    expect(info.producer).toEqual({ name: 'fleetpack-test', version: '1.0' });
    expect(info.opsets).toEqual([
      { domain: '', version: 17 },
      { domain: 'com.example', version: 1 },
    ]);
    expect(info.details).toMatchObject({
      modelVersion: 3,
      docString: 'A test classifier',
      domain: 'com.fleetpack.test',
      graphName: 'classifier',
      nodeCount: 5,
      initializerCount: 2,
    });
    expect(info.metadata).toEqual({
      model_author: 'Fleetpack tests',
      model_license: 'Apache-2.0',
      'Image.BitmapPixelFormat': 'Rgb8',
      'Image.NominalPixelRange': 'Normalized_0_1',
    });
    expect(info.ioSource).toBe('header');
    expect(info.warnings).toEqual([]);
  });

  it('reports dims as numbers, symbolic names, null, scalars and unknown rank', async () => {
    const info = await inspect(paths.basic);
    expect(info.inputs.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['image', 'float32', ['batch', 3, 224, 224]],
      ['mask', 'uint8', [null, 16]],
      ['scale', 'int64', []],
      ['anything', 'float16', null],
    ]);
    expect(info.inputs[0]).toMatchObject({ description: 'RGB image', denotation: 'IMAGE' });
    expect(info.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: ['batch', 1000] }]);
  });

  it('counts operators by domain and lists custom-domain ops', async () => {
    const info = await inspect(paths.basic);
    expect(info.operators).toEqual([
      { domain: '', opType: 'Conv', count: 1 },
      { domain: '', opType: 'Flatten', count: 1 },
      { domain: '', opType: 'Relu', count: 2 },
      { domain: 'com.example', opType: 'MyOp', count: 1 },
    ]);
    expect(info.customOps).toEqual(['com.example.MyOp']);
  });

  it('derives preprocessing hints from image metadata and the IMAGE denotation', async () => {
    const info = await inspect(paths.basic);
    expect(info.preprocessingHints).toEqual([
      {
        source: 'metadata',
        input: 'image',
        colorSpace: 'RGB',
        valueRange: [0, 1],
        layout: 'NCHW',
        width: 224,
        height: 224,
      },
    ]);
  });

  it('drops initializers listed as inputs (IR 3) and reports them as overridable constants', async () => {
    const info = await inspect(paths.ir3);
    expect(info.formatVersion).toBe('3');
    expect(info.inputs.map((t) => t.name)).toEqual(['0']);
    expect(info.details?.initializerInputs).toEqual(['1', '2']);
    expect(info.details?.weightElements).toEqual({ float32: 4 * 3 * 3 * 3 + 4 });
  });

  it('lists external data files from initializers and node attribute tensors, with declared lengths', async () => {
    const info = await inspect(paths.external);
    expect(info.externalData).toEqual([
      { location: 'const.bin', tensors: ['k_value'], declaredBytes: 64 },
      { location: 'weights.bin', tensors: ['W1', 'W2'], declaredBytes: 2048 },
    ]);
    expect(info.inputs.map((t) => t.name)).toEqual(['x']);
  });

  it('hints quantization from QDQ / QLinear ops and the integer weight type', async () => {
    const info = await inspect(paths.quantized);
    expect(info.quantization).toBe('int8 (QOperator)');
    expect(info.details?.weightElements).toMatchObject({ int8: 8 * 3 * 3 * 3 + 2 });
    const plain = await inspect(paths.basic);
    expect(plain.quantization).toBeUndefined();
  });

  it('describes sequence, map, optional, sparse and unusual element types', async () => {
    const info = await inspect(paths.types);
    const byName = Object.fromEntries(info.inputs.map((t) => [t.name, [t.dtype, t.shape]]));
    expect(byName).toEqual({
      seq: ['seq(tensor(float32))', null],
      seqseq: ['seq(seq(tensor(int64)))', null],
      opt: ['optional(tensor(int32))', null],
      sparse: ['sparse_tensor(float32)', [100, 100]],
      neg: ['float32', [null, 3]],
      bf: ['bfloat16', [4]],
      future: ['unknown(99)', [1]],
      untyped: ['unknown', null],
      text: ['string', [1]],
    });
    expect(info.outputs.map((t) => t.dtype)).toEqual(['seq(tensor(float32))', 'seq(map(string,tensor(float32)))']);
    expect(info.warnings.map((w) => w.code).sort()).toEqual(['NO_TYPE', 'UNKNOWN_DTYPE']);
    expect(info.customOps).toEqual([]); // ai.onnx.ml is a standard domain
  });

  it('counts ops inside If branches without treating branch I/O as model I/O', async () => {
    const info = await inspect(paths.subgraph);
    expect(info.details).toMatchObject({ nodeCount: 3, subgraphCount: 2 });
    expect(info.operators?.map((o) => o.opType)).toEqual(['If', 'Relu', 'Sigmoid']);
    expect(info.outputs.map((t) => t.name)).toEqual(['y']);
  });

  it('does not call model-local functions custom ops', async () => {
    const info = await inspect(paths.function);
    expect(info.operators).toEqual([{ domain: 'local.fn', opType: 'Twice', count: 1 }]);
    expect(info.customOps).toEqual([]);
    expect(info.details?.functions).toEqual(['local.fn.Twice']);
  });

  it('accepts fields in any order (opsets first, ir_version last, inputs before initializers)', async () => {
    const info = await inspect(paths.unusualOrder);
    expect(info.formatVersion).toBe('7');
    expect(info.producer).toEqual({ name: 'reorderer', version: '2.0' });
    expect(info.opsets).toEqual([{ domain: '', version: 13 }]);
    expect(info.metadata).toEqual({ order: 'unusual' });
    expect(info.inputs.map((t) => t.name)).toEqual(['x']);
    expect(info.details?.initializerInputs).toEqual(['w']);
    expect(info.details?.graphName).toBe('reordered');
  });
});

describe('ONNX dtype table', () => {
  it('maps elem types to numpy-style names and keeps unknown values visible', () => {
    expect([1, 2, 3, 7, 9, 10, 11, 16, 21, 22, 26].map(onnxDtype)).toEqual([
      'float32',
      'uint8',
      'int8',
      'int64',
      'bool',
      'float16',
      'float64',
      'bfloat16',
      'uint4',
      'int4',
      'int2',
    ]);
    expect(onnxDtype(0)).toBe('undefined');
    expect(onnxDtype(1234)).toBe('unknown(1234)');
  });
});

describe('large-model generator (bench fixture), in miniature', () => {
  it('streams a valid model whose header the reader and a full decode agree on', async () => {
    const { writeLargeOnnx } = await import('../fixtures/onnx-large.js');
    const { onnx } = await import('../fixtures/onnx-models.js');
    const { readFileSync } = await import('node:fs');
    const p = join(dir, 'large-mini.onnx');
    const size = writeLargeOnnx(p, { count: 12, rows: 4, cols: 8 });
    const full = onnx.ModelProto.decode(readFileSync(p));
    expect(full.graph?.initializer?.length).toBe(12);
    expect(full.graph?.node?.length).toBe(12);
    const info = await inspect(p);
    expect(info.size).toBe(size);
    expect(info.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 4] }]);
    expect(info.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: ['batch', 4] }]);
    expect(info.details).toMatchObject({ initializerCount: 12, nodeCount: 12, weightElements: { float32: 12 * 32 } });
    expect(info.opsets).toEqual([{ domain: '', version: 17 }]);
  });

  it('skips weights by seeking: an 8 MB model is inspected reading a few KB', async () => {
    const { writeLargeOnnx } = await import('../fixtures/onnx-large.js');
    const p = join(dir, 'weights-8mb.onnx');
    const size = writeLargeOnnx(p, { count: 8, rows: 256, cols: 1024 }); // 1 MiB of raw_data each
    const info = await inspect(p);
    expect(size).toBeGreaterThan(8 * 1024 * 1024);
    expect(info.details?.initializerCount).toBe(8);
    expect(info.details?.bytesRead as number).toBeLessThan(64 * 1024);
  });
});
