/**
 * Reader warnings and what readers must not pass over silently: one capped, set-based collector
 * for every reader (a TFLite file with tens of thousands of undeclared external buffers used to
 * stall on a linear duplicate scan), truncated TFLite weights, and normalisations of names.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from '../../src-main/formats/index.js';
import { MAX_WARNINGS, Warnings } from '../../src-main/formats/warnings.js';
import { formatErrorOf } from '../fixtures/format-error.js';
import { encodeModel, node, T, tensorType, valueInfo } from '../fixtures/onnx-models.js';
import { externalGroupsDef, floatModelDef } from '../fixtures/tflite-fixtures.js';
import { tfliteModel, type TfliteModelDef } from '../fixtures/tflite-model.js';
import { tempDir } from '../fixtures/temp.js';

const dir = tempDir('fleetpack-warnings-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(bytes: Buffer, ext: string): string {
  const p = join(dir, `m${n++}.${ext}`);
  writeFileSync(p, bytes);
  return p;
}

describe('the warning collector', () => {
  it('keeps each warning once, lists at most MAX_WARNINGS and says how many more there were', () => {
    const w = new Warnings();
    for (let i = 0; i < 10_000; i++) w.add('X', `problem ${i % 5000}`);
    const list = w.result();
    expect(list).toHaveLength(MAX_WARNINGS + 1);
    expect(list.at(-1)).toEqual({
      code: 'WARNINGS_LEFT_OUT',
      message: expect.stringMatching(/^4900 more warnings not listed/),
    });
    const once = new Warnings();
    once.add('A', 'same');
    once.add('A', 'same');
    expect(once.result()).toEqual([{ code: 'A', message: 'same' }]);
  });

  it('ONNX: a file with hundreds of distinct problems says some were left out', async () => {
    const bytes = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      metadataProps: Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 150}`, value: String(i) })),
      graph: {
        name: 'g',
        node: [node('Relu', ['x'], ['y'])],
        input: [valueInfo('x', tensorType(T.FLOAT, [1]))],
        output: [valueInfo('y', tensorType(T.FLOAT, [1]))],
      },
    });
    const info = await inspect(write(bytes, 'onnx'));
    expect(info.warnings).toHaveLength(MAX_WARNINGS + 1);
    expect(info.warnings.at(-1)!.code).toBe('WARNINGS_LEFT_OUT');
  });

  it('TFLite: tens of thousands of undeclared external buffers are one warning, not one each', async () => {
    const def: TfliteModelDef = externalGroupsDef();
    const tensors = def.subgraphs[0]!.tensors;
    for (let i = 0; i < 20_000; i++)
      tensors.push({ name: `t${i}`, dtype: 'float32', shape: [1], externalBuffer: 1000 + i });
    const info = await inspect(write(tfliteModel(def), 'tflite'));
    const missing = info.warnings.filter((w) => w.code === 'EXTERNAL_BUFFER_MISSING');
    expect(missing).toEqual([
      {
        code: 'EXTERNAL_BUFFER_MISSING',
        message:
          '20000 tensors refer to external buffers that are not declared (first: tensor 4 of subgraph 0 → external buffer 1000)',
      },
    ]);
  });
});

describe('TFLite: every buffer lies inside the file', () => {
  it('a file cut inside its trailing weights is TRUNCATED, naming the buffer', async () => {
    const def = floatModelDef();
    def.buffers![0] = { data: Buffer.alloc(256 * 1024, 0x33) };
    const bytes = tfliteModel(def);
    const start = bytes.indexOf(Buffer.alloc(4096, 0x33));
    expect(start).toBeGreaterThan(0);
    // The tables sit before the weights: without the check, the cut file read without a word.
    const err = await formatErrorOf(inspect(write(bytes.subarray(0, start + 1000), 'tflite')));
    expect(err.code).toBe('TRUNCATED');
    expect(err.message).toMatch(/Model\.buffers\[1\] holds bytes \d+\.\.\d+, past the end of the \d+-byte file/);
  });

  it('a buffer stored after the FlatBuffer (offset/size) that runs past the end is TRUNCATED', async () => {
    const def: TfliteModelDef = {
      ...floatModelDef(),
      buffers: [{ outside: Buffer.alloc(64 * 1024, 7) }],
      metadata: [],
    };
    const bytes = tfliteModel(def);
    const err = await formatErrorOf(inspect(write(bytes.subarray(0, bytes.length - 100), 'tflite')));
    expect(err.code).toBe('TRUNCATED');
    expect(err.message).toMatch(/Model\.buffers\[1\]/);
    expect((await inspect(write(bytes, 'tflite'))).inputs[0]!.name).toBe('input_image');
  });
});

describe('TFLite: names are never changed without a word', () => {
  it('says when a tensor name is not UTF-8 or empty', async () => {
    const def = floatModelDef();
    def.subgraphs[0]!.tensors[0]!.name = 'inpQQ';
    def.subgraphs[0]!.tensors[2]!.name = '';
    const bytes = tfliteModel(def);
    const at = bytes.indexOf('inpQQ');
    bytes[at + 3] = 0xff;
    bytes[at + 4] = 0xfe;
    const info = await inspect(write(bytes, 'tflite'));
    expect(info.inputs[0]!.name).toBe('inp\ufffd\ufffd');
    expect(info.outputs[0]!.name).toBe('');
    const codes = info.warnings.map((w) => w.code);
    expect(codes).toContain('NAME_NOT_UTF8');
    expect(codes).toContain('EMPTY_NAME');
  });
});
