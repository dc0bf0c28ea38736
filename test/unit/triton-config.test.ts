import { describe, expect, it } from 'vitest';
import { formatErrorOfSync as errorOf } from '../fixtures/format-error.js';
import { parseTextFormat, parseTritonConfig } from '../../src-main/formats/triton-config.js';
import { TRITON_NOBATCH_CONFIG, TRITON_TRT_CONFIG } from '../fixtures/tensorrt-fixtures.js';

describe('protobuf text format parser', () => {
  it('scalars, nested messages, lists, repeated fields, comments', () => {
    const m = parseTextFormat(`a: 1 b: -2.5e3 c: "x\\"y" d: ENUM_V # comment
      m { k: 'v' n < z: 0x10 > } m { k: "w" }
      l: [1, 2, 3] l: 4 s: "con" "cat"`);
    expect(m.fields.get('a')).toEqual([1]);
    expect(m.fields.get('b')).toEqual([-2500]);
    expect(m.fields.get('c')).toEqual(['x"y']);
    expect(m.fields.get('d')).toEqual(['ENUM_V']);
    expect(m.fields.get('l')).toEqual([1, 2, 3, 4]);
    expect(m.fields.get('s')).toEqual(['concat']);
    const ms = m.fields.get('m')!;
    expect(ms).toHaveLength(2);
    const first = ms[0] as { fields: Map<string, unknown[]> };
    expect(first.fields.get('k')).toEqual(['v']);
    expect((first.fields.get('n')![0] as { fields: Map<string, unknown[]> }).fields.get('z')).toEqual([16]);
  });

  it('errors carry line, column and byte offset', () => {
    const err = errorOf(() => parseTextFormat('a: 1\nb { c: 2\n'));
    expect(err.code).toBe('BAD_TRITON_CONFIG');
    expect(err.message).toMatch(/missing '}'/);
    const err2 = errorOf(() => parseTextFormat('a: 1\n  b: "é" $'));
    expect(err2.message).toMatch(/line 2, column 10/);
    expect(err2.offset).toBe(Buffer.byteLength('a: 1\n  b: "é" '));
    expect(errorOf(() => parseTextFormat('s: "unterminated')).message).toMatch(/unterminated string/);
  });

  it('nesting is capped', () => {
    const deep = 'a { '.repeat(200) + '}'.repeat(200);
    expect(errorOf(() => parseTextFormat(deep)).message).toMatch(/nesting deeper/);
    const deepList = 'a: ' + '['.repeat(200) + ']'.repeat(200);
    expect(errorOf(() => parseTextFormat(deepList)).message).toMatch(/nesting deeper/);
  });
});

describe('Triton ModelConfig', () => {
  it('reads the TensorRT plan config', () => {
    const c = parseTritonConfig(TRITON_TRT_CONFIG);
    expect(c).toMatchObject({ name: 'yolo_trt', platform: 'tensorrt_plan', maxBatchSize: 8 });
    expect(c.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: [null, 3, 640, 640] }]);
    expect(c.outputs.map((o) => o.dtype)).toEqual(['float16', 'int32']);
    expect(c.computeCapabilities).toEqual({ '8.6': 'model_sm86.plan', '8.7': 'model_orin.plan' });
  });

  it('max_batch_size 0 adds no batch dim; backend read', () => {
    const c = parseTritonConfig(TRITON_NOBATCH_CONFIG);
    expect(c.backend).toBe('tensorrt');
    expect(c.inputs[0]!.shape).toEqual([null, 128]);
  });

  it('rejects unknown data types, bad dims, nameless tensors, configs without I/O', () => {
    expect(errorOf(() => parseTritonConfig('input [{ name: "x" data_type: TYPE_FLOAT dims: [1] }]')).message).toMatch(
      /TYPE_FLOAT/,
    );
    expect(errorOf(() => parseTritonConfig('input [{ name: "x" data_type: TYPE_FP32 dims: [-3] }]')).message).toMatch(
      /bad dim/,
    );
    expect(errorOf(() => parseTritonConfig('input [{ data_type: TYPE_FP32 dims: [1] }]')).message).toMatch(/no name/);
    expect(errorOf(() => parseTritonConfig('name: "m" platform: "tensorrt_plan"')).message).toMatch(
      /no input or output/,
    );
    expect(
      errorOf(() => parseTritonConfig('max_batch_size: "x" input [{ name: "x" data_type: TYPE_FP32 dims: [1] }]'))
        .message,
    ).toMatch(/number/);
  });
});
