/**
 * Graph inputs and outputs decode as onnx's C++ protobuf reads them, not as loosely as
 * protobufjs: a nested length past its enclosing message is refused; a known field with the
 * wrong wire type is ignored (as protobuf does) and said; what the contract cannot carry
 * (a name that is not UTF-8, an empty name, a dim past 2^53) is said too.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src-main/errors.js';
import { inspect, type ModelInfo } from '../../src-main/formats/index.js';
import { lengthField, onnx, T, tensorType } from '../fixtures/onnx-models.js';
import { tempDir } from '../fixtures/temp.js';

const dir = tempDir('fleetpack-valueinfo-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A model whose only graph input is these ValueInfoProto bytes (and one output "y"). */
async function read(valueInfo: Uint8Array): Promise<ModelInfo | FormatError> {
  const out = onnx.ValueInfoProto.encode({ name: 'y', type: tensorType(T.FLOAT, [1]) }).finish();
  const graph = Buffer.concat([lengthField(2, Buffer.from('g')), lengthField(11, valueInfo), lengthField(12, out)]);
  const bytes = Buffer.concat([
    Buffer.from([0x08, 0x08]),
    lengthField(8, Buffer.from([0x0a, 0x00, 0x10, 0x11])), // opset_import: '' 17
    lengthField(7, graph),
  ]);
  const p = join(dir, `v${n++}.onnx`);
  writeFileSync(p, bytes);
  return inspect(p).catch((e: unknown) => {
    if (e instanceof FormatError) return e;
    throw e;
  });
}

const codes = (r: ModelInfo | FormatError) => (r instanceof FormatError ? r.code : r.warnings.map((w) => w.code));
const tensorX = (dims: (number | string)[]) =>
  Buffer.from(onnx.ValueInfoProto.encode({ name: 'x', type: tensorType(T.FLOAT, dims) }).finish());

describe('strict ValueInfoProto decoding', () => {
  it('reads a well-formed input exactly', async () => {
    const r = (await read(tensorX(['batch', 3]))) as ModelInfo;
    expect(r.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 3] }]);
    expect(r.warnings).toEqual([]);
  });

  it('refuses a TypeProto whose tensor_type runs past the end of the TypeProto', async () => {
    // type { tensor_type (len 6) { elem_type 1, shape {} } } with the TypeProto's length cut to 4.
    const vi = Buffer.from([0x0a, 0x01, 0x78, 0x12, 0x04, 0x0a, 0x06, 0x08, 0x01, 0x12, 0x00, 0x00, 0x00]);
    const r = await read(vi);
    expect(r).toBeInstanceOf(FormatError);
    expect(codes(r)).toBe('LENGTH_PAST_END');
  });

  it('refuses a dim whose length runs past its shape', async () => {
    const good = tensorX([7]);
    // Find the dim's length prefix (tag 0x0a inside the shape) and make it claim one byte more.
    const at = good.lastIndexOf(0x0a) + 1;
    const bad = Buffer.from(good);
    bad[at] = bad[at]! + 1;
    expect(codes(await read(bad))).toBe('LENGTH_PAST_END');
  });

  it('a name written as a varint is ignored (as protobuf does) and said: no name, a warning', async () => {
    const type = onnx.TypeProto.encode(tensorType(T.FLOAT, [2])).finish();
    const vi = Buffer.concat([Buffer.from([0x08, 0x05]), lengthField(2, type)]);
    const r = (await read(vi)) as ModelInfo;
    expect(r.inputs).toEqual([{ name: '', dtype: 'float32', shape: [2] }]);
    expect(codes(r)).toEqual(expect.arrayContaining(['WIRE_TYPE_MISMATCH', 'EMPTY_NAME']));
    expect(r.warnings.find((w) => w.code === 'WIRE_TYPE_MISMATCH')!.message).toMatch(
      /graph input #1: field 1 \(name\) holds a varint value where onnx\.proto has length-delimited/,
    );
  });

  it('a dim_value written length-delimited is ignored and said', async () => {
    // shape { dim { dim_value as LEN "ab" } }
    const vi = Buffer.from([
      0x0a, 0x01, 0x78, 0x12, 0x0b, 0x0a, 0x09, 0x08, 0x01, 0x12, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0x61,
    ]);
    const r = (await read(vi)) as ModelInfo;
    expect(r.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [null] }]);
    expect(codes(r)).toContain('WIRE_TYPE_MISMATCH');
  });

  it('says so when a name is not UTF-8, a dim is past 2^53, or a name is empty', async () => {
    const badName = Buffer.concat([
      lengthField(1, Buffer.from([0x78, 0xff, 0xfe])),
      lengthField(2, onnx.TypeProto.encode(tensorType(T.FLOAT, [1])).finish()),
    ]);
    const r1 = (await read(badName)) as ModelInfo;
    expect(r1.inputs[0]!.name).toBe('x\ufffd\ufffd');
    expect(codes(r1)).toContain('NAME_NOT_UTF8');
    const huge = (await read(tensorX([2 ** 60]))) as ModelInfo;
    expect(huge.inputs[0]!.shape).toEqual([null]);
    expect(huge.warnings.find((w) => w.code === 'DIM_TOO_LARGE')!.message).toMatch(/"x" dim 0 is past 2\^53/);
    const empty = (await read(
      Buffer.from(onnx.ValueInfoProto.encode({ name: '', type: tensorType(T.FLOAT, [1]) }).finish()),
    )) as ModelInfo;
    expect(codes(empty)).toContain('EMPTY_NAME');
  });

  it('merges a repeated type as protobuf does (dims appended)', async () => {
    const t1 = onnx.TypeProto.encode(tensorType(T.FLOAT, [1])).finish();
    const t2 = onnx.TypeProto.encode(tensorType(T.FLOAT, [2])).finish();
    const vi = Buffer.concat([lengthField(1, Buffer.from('x')), lengthField(2, t1), lengthField(2, t2)]);
    const r = (await read(vi)) as ModelInfo;
    expect(r.inputs[0]!.shape).toEqual([1, 2]);
  });
});
