import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspect } from '../../src-main/formats/inspect.js';
import { formatErrorOf } from '../fixtures/format-error.js';
import { ModelFile } from '../../src-main/formats/file.js';
import { tfliteReader } from '../../src-main/formats/tflite.js';
import type { FbNode } from '../fixtures/flatbuffer-writer.js';
import {
  writeTfliteFixtures,
  quantizedModelDef,
  floatModelDef,
  type TfliteFixtureName,
} from '../fixtures/tflite-fixtures.js';
import { buildModel, tfliteFromNode, tfliteModel, type TfliteModelDef } from '../fixtures/tflite-model.js';
import { tempDir } from '../fixtures/temp.js';

let paths: Record<TfliteFixtureName, string>;
const dir = tempDir('fp-tflite-unit-');
let n = 0;

function writeTmp(bytes: Buffer): string {
  const p = join(dir, `case-${n++}.tflite`);
  writeFileSync(p, bytes);
  return p;
}

/** Reads with the TFLite reader directly (bypassing detection), for corrupt files. */
async function readDirect(bytes: Buffer) {
  const f = await ModelFile.open(writeTmp(bytes));
  try {
    return await tfliteReader.read(f, {});
  } finally {
    await f.close();
  }
}

function ref(node: FbNode, id: number): FbNode {
  if (node.kind !== 'table') throw new Error('not a table');
  const f = node.fields[id];
  if (!f || !('ref' in f)) throw new Error(`field ${id} is not a reference`);
  return f.ref;
}
function item(node: FbNode, i: number): FbNode {
  if (node.kind !== 'refs') throw new Error('not a vector of references');
  return node.items[i]!;
}

beforeAll(() => {
  paths = writeTfliteFixtures(dir);
});

describe('TFLite reader: fixtures', () => {
  it('float model: I/O, default dtype, operator codes and counts, min_runtime_version, TFLITE_METADATA hints', async () => {
    const info = await inspect(paths.float);
    expect(info.format).toBe('tflite');
    expect(info.formatVersion).toBe('3');
    expect(info.ioSource).toBe('header');
    expect(info.producer).toEqual({ name: 'MLIR Converted.' });
    // The input tensor has no `type` field: the schema default FLOAT32 applies.
    expect(info.inputs).toEqual([{ name: 'input_image', dtype: 'float32', shape: [1, 224, 224, 3] }]);
    expect(info.outputs).toEqual([{ name: 'probs', dtype: 'float32', shape: [1, 1000] }]);
    expect(info.operators).toEqual([
      { domain: '', opType: 'CONV_2D', count: 1 },
      { domain: '', opType: 'FULLY_CONNECTED', count: 2 },
      { domain: '', opType: 'SOFTMAX', count: 1 },
      { domain: '', opType: 'GELU', count: 1 },
    ]);
    expect(info.customOps).toEqual([]);
    expect(info.runtime?.tfliteMinRuntimeVersion).toBe('2.3.0');
    expect(info.metadata).toMatchObject({
      min_runtime_version: '2.3.0',
      TFLITE_METADATA: 'Demo classifier',
      'tflite_metadata.author': 'Fleetpack tests',
      'tflite_metadata.license': 'Apache-2.0',
      'tflite_metadata.version': 'v1',
    });
    expect(info.preprocessingHints).toEqual([
      {
        input: 'input_image',
        source: 'metadata',
        mean: [127.5],
        std: [127.5],
        colorSpace: 'RGB',
        width: 224,
        height: 224,
        valueRange: [-1, 1],
      },
    ]);
    const d = info.details as Record<string, any>;
    expect(d.operatorCodes).toContainEqual({ code: 9, name: 'FULLY_CONNECTED', version: 2 });
    // GELU (150) is above 127: it is read from builtin_code, with deprecated_builtin_code = 127.
    expect(d.operatorCodes).toContainEqual({ code: 150, name: 'GELU', version: 1 });
    expect(d.tfliteMetadata.outputs[0].associatedFiles).toEqual([{ name: 'labels.txt', type: 'TENSOR_AXIS_LABELS' }]);
    expect(d.tfliteMetadata.minParserVersion).toBe('1.0.0');
    expect(d.edgeTpu).toBe(false);
    expect(info.warnings).toEqual([]);
    expect(info.quantization).toBeUndefined();
  });

  it('quantized model: int8/uint8 I/O with scale and zero point, dynamic dims, signature names', async () => {
    const info = await inspect(paths.quantized);
    expect(info.inputs).toHaveLength(1);
    const input = info.inputs[0]!;
    expect(input.name).toBe('dense_input');
    expect(input.description).toBe('tensor serving_default_dense_input:0');
    expect(input.dtype).toBe('int8');
    expect(input.shape).toEqual([null, 1]);
    expect(input.quantization?.zeroPoint).toEqual([-128]);
    expect(input.quantization?.scale[0]).toBeCloseTo(0.02448, 5);
    expect(input.quantization?.axis).toBeUndefined();
    const output = info.outputs[0]!;
    expect(output).toMatchObject({
      name: 'dense_out',
      dtype: 'uint8',
      shape: [null, 1],
      quantization: { scale: [0.00390625], zeroPoint: [0] },
    });
    expect(info.quantization).toBe('int8/uint8 (quantized I/O)');
    expect(info.runtime?.tfliteMinRuntimeVersion).toBe('1.14.0');
    // Binary metadata is listed by size, not dumped as text.
    expect(info.metadata.CONVERSION_METADATA).toBe('(18 bytes)');
    const d = info.details as Record<string, any>;
    expect(d.ioFrom).toBe('signature serving_default (subgraph 0)');
    expect(d.signatureDefs).toHaveLength(1);
    expect(d.signatureDefs[0]).toMatchObject({ key: 'serving_default', subgraphIndex: 0 });
    // TensorMap.tensor_index 0 is not written (default) and must resolve to tensor 0.
    expect(d.signatureDefs[0].inputs[0]).toMatchObject({
      name: 'dense_input',
      tensor: 'serving_default_dense_input:0',
      tensorIndex: 0,
    });
    expect(d.subgraphs[0].inputs[0].name).toBe('serving_default_dense_input:0');
    expect(d.metadataEntries.map((e: { name: string }) => e.name)).toEqual([
      'min_runtime_version',
      'CONVERSION_METADATA',
    ]);
  });

  it('an --io-from companion is ignored for TFLite, with a warning', async () => {
    const info = await inspect(paths.float, { ioFrom: paths.quantized });
    expect(info.inputs[0]!.name).toBe('input_image');
    expect(info.warnings.map((w) => w.code)).toEqual(['IO_FROM_IGNORED']);
  });

  it('per-channel quantization reports the quantized dimension', async () => {
    const def = quantizedModelDef();
    def.subgraphs[0]!.inputs = [1];
    delete def.signatures;
    const info = await readDirect(tfliteModel(def));
    expect(info.inputs[0]!.quantization).toEqual({
      scale: [0.5, 0.25, 0.125, 0.0625],
      zeroPoint: [0, 0, 0, 0],
      axis: 0,
    });
  });

  it('multiple subgraphs: primary I/O from the signature over subgraph 0; all subgraphs and signatures in details', async () => {
    const info = await inspect(paths.multiSubgraph);
    expect(info.inputs.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['ids', 'int32', [null, null]],
      ['attention_mask', 'bool', [null, null]],
    ]);
    expect(info.outputs).toMatchObject([{ name: 'hidden', dtype: 'float16', shape: [null, null, 64] }]);
    const d = info.details as Record<string, any>;
    expect(d.subgraphs.map((s: { name: string }) => s.name)).toEqual(['encode', 'decode']);
    expect(d.subgraphs[1].inputs).toEqual([
      { name: 'h', dtype: 'float16', shape: [1, 64], tensorIndex: 0 },
      { name: 'scalar_temp', dtype: 'float32', shape: [], tensorIndex: 2 },
    ]);
    expect(d.signatureDefs.map((s: { key: string; subgraphIndex: number }) => [s.key, s.subgraphIndex])).toEqual([
      ['decode', 1],
      ['encode', 0],
    ]);
    expect(d.signatureDefs[0].inputs[1]).toMatchObject({ name: 'temperature', tensor: 'scalar_temp' });
    // A pre-3a opcode carries only deprecated_builtin_code.
    expect(d.operatorCodes[0]).toEqual({ code: 9, name: 'FULLY_CONNECTED', version: 1 });
    expect(info.operators).toEqual([
      { domain: '', opType: 'FULLY_CONNECTED', count: 2 },
      { domain: '', opType: 'GELU', count: 1 },
    ]);
  });

  it('Edge TPU model: custom ops listed, edgetpu-custom-op flagged in details and warnings', async () => {
    const info = await inspect(paths.edgeTpu);
    expect(info.customOps).toEqual(['edgetpu-custom-op', 'TFLite_Detection_PostProcess']);
    expect(info.operators).toEqual([
      { domain: 'custom', opType: 'edgetpu-custom-op', count: 1 },
      { domain: 'custom', opType: 'TFLite_Detection_PostProcess', count: 1 },
    ]);
    expect((info.details as Record<string, unknown>).edgeTpu).toBe(true);
    expect(info.warnings.map((w) => w.code)).toContain('EDGETPU_MODEL');
    expect(info.inputs[0]).toMatchObject({
      dtype: 'uint8',
      shape: [1, 300, 300, 3],
      quantization: { scale: [0.0078125], zeroPoint: [128] },
    });
  });

  it('buffers outside the FlatBuffer: metadata read through Buffer.offset/size', async () => {
    const info = await inspect(paths.outsideBuffers);
    expect(info.runtime?.tfliteMinRuntimeVersion).toBe('2.16.0');
    expect(info.metadata.TFLITE_METADATA).toBe('Big model');
    expect(info.preprocessingHints).toEqual([{ input: 'x', source: 'metadata', mean: [0.5, 0.5], std: [0.25, 0.25] }]);
    const entries = (info.details as Record<string, any>).metadataEntries;
    expect(entries).toEqual([
      { name: 'min_runtime_version', buffer: 2, size: 16, outsideFlatbuffer: true },
      expect.objectContaining({ name: 'TFLITE_METADATA', buffer: 3, outsideFlatbuffer: true }),
    ]);
  });

  it('buffers outside the FlatBuffer in a cut-short file: TRUNCATED with the buffer table offset', async () => {
    const full = readFileSync(paths.outsideBuffers);
    const err = await formatErrorOf(readDirect(full.subarray(0, full.length - 200)));
    expect(err.code).toBe('TRUNCATED');
    expect(err.offset).toBeGreaterThan(0);
    expect(err.message).toMatch(/Model\.buffers\[3\]/);
  });

  it('external buffer groups (schema 3d) are reported as external data to ship', async () => {
    const info = await inspect(paths.externalGroups);
    expect(info.externalData).toEqual([{ location: 'model.weights.bin', tensors: ['w', 'b'], declaredBytes: 80 }]);
  });

  it('detection: matches TFL3 at bytes 4..8 only', () => {
    const head = readFileSync(paths.float).subarray(0, 64);
    expect(tfliteReader.matches(head, 64)).toBe(true);
    const other = Buffer.from(head);
    other.write('TFL2', 4, 'latin1');
    expect(tfliteReader.matches(other, 64)).toBe(false);
    // The identifier alone is not enough: the root offset must point inside the file.
    expect(tfliteReader.matches(Buffer.from('TFL3TFL3'), 8)).toBe(false);
  });

  it('reads only a small part of a file with large weights', async () => {
    const def = floatModelDef();
    def.buffers![0] = { data: Buffer.alloc(3 * 1024 * 1024, 3) };
    const bytes = tfliteModel(def);
    const f = await ModelFile.open(writeTmp(bytes));
    let read = 0;
    const orig = f.read.bind(f);
    f.read = async (offset: number, length: number, what?: string) => {
      read += length;
      return orig(offset, length, what);
    };
    try {
      const info = await tfliteReader.read(f, {});
      expect(info.inputs[0]!.name).toBe('input_image');
    } finally {
      await f.close();
    }
    expect(bytes.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(read).toBeLessThan(256 * 1024);
  });
});

describe('TFLite reader: bad input gives FormatError with code and offset', () => {
  it('zero-byte and short files', async () => {
    expect((await formatErrorOf(readDirect(Buffer.alloc(0)))).code).toBe('TRUNCATED');
    expect((await formatErrorOf(readDirect(Buffer.from('1234TFL')))).code).toBe('TRUNCATED');
    expect((await formatErrorOf(inspect(writeTmp(Buffer.alloc(0))))).code).toBe('EMPTY_FILE');
  });

  it('wrong identifier', async () => {
    const bytes = Buffer.from(readFileSync(paths.float));
    bytes.write('ABCD', 4, 'latin1');
    const err = await formatErrorOf(readDirect(bytes));
    expect(err.code).toBe('BAD_MAGIC');
    expect(err.offset).toBe(4);
  });

  it('root offset past the end', async () => {
    const bytes = Buffer.from(readFileSync(paths.float));
    bytes.writeUInt32LE(bytes.length + 100, 0);
    const err = await formatErrorOf(readDirect(bytes));
    expect(err.code).toBe('OFFSET_OUT_OF_RANGE');
    expect(err.where).toContain('at byte');
  });

  it('vtable outside the file', async () => {
    const bytes = Buffer.from(readFileSync(paths.float));
    const root = bytes.readUInt32LE(0);
    bytes.writeInt32LE(-0x7000000, root);
    const err = await formatErrorOf(readDirect(bytes));
    expect(err.code).toBe('BAD_VTABLE');
    expect(err.offset).toBe(root);
  });

  it('absurd tensor count', async () => {
    const root = buildModel(floatModelDef());
    const tensors = ref(item(ref(root, 2), 0), 0);
    (tensors as { declaredLength?: number }).declaredLength = 50_000_000;
    const err = await formatErrorOf(readDirect(tfliteFromNode(root)));
    expect(err.code).toBe('TOO_MANY');
    expect(err.message).toMatch(/tensors claims 50000000 entries/);
  });

  it('vector length running past the end', async () => {
    const root = buildModel(floatModelDef());
    const shape = ref(item(ref(item(ref(root, 2), 0), 0), 0), 0);
    (shape as { declaredLength?: number }).declaredLength = 1000;
    const err = await formatErrorOf(readDirect(tfliteFromNode(root)));
    // 1000 dims are under the rank cap, but 4000 bytes do not fit in the file.
    expect(err.code).toBe('OFFSET_OUT_OF_RANGE');
    expect(err.message).toMatch(/shape/);
  });

  it('string length past the end / absurd', async () => {
    const root = buildModel(floatModelDef());
    const desc = ref(root, 3);
    (desc as { declaredLength?: number }).declaredLength = 0x7fffffff;
    const err = await formatErrorOf(readDirect(tfliteFromNode(root)));
    expect(err.code).toBe('LENGTH_TOO_LARGE');
  });

  it('subgraph input index outside the tensors', async () => {
    const def = floatModelDef();
    def.subgraphs[0]!.inputs = [7];
    const err = await formatErrorOf(readDirect(tfliteModel(def)));
    expect(err.code).toBe('BAD_INDEX');
    expect(err.message).toMatch(/inputs\[0\] = 7/);
  });

  it('operator with an opcode index beyond operator_codes', async () => {
    const def = floatModelDef();
    def.subgraphs[0]!.operators = [0, 9];
    expect((await formatErrorOf(readDirect(tfliteModel(def)))).code).toBe('BAD_INDEX');
  });

  it('signature naming a missing subgraph or tensor', async () => {
    const def = quantizedModelDef();
    def.signatures![0]!.subgraph = 4;
    expect((await formatErrorOf(readDirect(tfliteModel(def)))).code).toBe('BAD_INDEX');
    const def2 = quantizedModelDef();
    def2.signatures![0]!.inputs[0]!.tensor = 99;
    expect((await formatErrorOf(readDirect(tfliteModel(def2)))).code).toBe('BAD_INDEX');
  });

  it('metadata naming a missing buffer', async () => {
    const def: TfliteModelDef = { ...floatModelDef(), metadata: [{ name: 'min_runtime_version', buffer: 40 }] };
    expect((await formatErrorOf(readDirect(tfliteModel(def)))).code).toBe('BAD_INDEX');
  });

  it('no subgraphs', async () => {
    const def: TfliteModelDef = { ...floatModelDef(), subgraphs: [] };
    expect((await formatErrorOf(readDirect(tfliteModel(def)))).code).toBe('NO_SUBGRAPHS');
  });

  it('a corrupt TFLITE_METADATA buffer is a warning, not a failure', async () => {
    const def = floatModelDef();
    const meta = Buffer.from((def.buffers![2] as { data: Buffer }).data);
    meta.write('XXXX', 4, 'latin1');
    def.buffers![2] = { data: meta };
    const info = await readDirect(tfliteModel(def));
    expect(info.inputs[0]!.name).toBe('input_image');
    expect(info.preprocessingHints).toEqual([]);
    expect(info.warnings.map((w) => w.code)).toContain('TFLITE_METADATA_UNREADABLE');
    expect(info.metadata.TFLITE_METADATA).toMatch(/unreadable/);
  });

  it('unknown schema version and unknown tensor type are warnings', async () => {
    const def = floatModelDef();
    def.version = 4;
    const info = await readDirect(tfliteModel(def));
    expect(info.warnings.map((w) => w.code)).toContain('SCHEMA_VERSION');
    const root = buildModel(floatModelDef());
    const t0 = item(ref(item(ref(root, 2), 0), 0), 0);
    if (t0.kind !== 'table') throw new Error('table expected');
    t0.fields[1] = { scalar: 'i8', value: 77 };
    const info2 = await readDirect(tfliteFromNode(root));
    expect(info2.inputs[0]!.dtype).toBe('unknown(77)');
    expect(info2.warnings.map((w) => w.code)).toContain('UNKNOWN_DTYPE');
  });
});
