import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, FormatError } from '../../src-main/errors.js';
import { inspect } from '../../src-main/formats/index.js';
import { looksLikeOnnx } from '../../src-main/formats/onnx.js';
import { ATTR, basicModel, encodeModel, lengthField, node, T, tensorType, valueInfo } from '../fixtures/onnx-models.js';
import { tempDir } from '../fixtures/temp.js';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = tempDir('fleetpack-onnx-bad-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(bytes: Uint8Array): string {
  const p = join(dir, `m${n++}.onnx`);
  writeFileSync(p, bytes);
  return p;
}

async function formatError(bytes: Uint8Array): Promise<FormatError> {
  const e = await inspect(file(bytes)).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FormatError);
  const fe = e as FormatError;
  expect(fe.hint).toBeTruthy();
  expect(typeof fe.offset).toBe('number');
  return fe;
}

const varint = (v: number) => Buffer.from(protobuf.Writer.create().uint32(v).finish());
const irHeader = Buffer.from([0x08, 0x08]); // ir_version 8

describe('ONNX detection', () => {
  it('recognises real ONNX headers, including IR ≥ 11 and graph-first files', () => {
    const m = basicModel();
    expect(looksLikeOnnx(m, m.length)).toBe(true);
    const ir11 = encodeModel({ irVersion: 11, graph: { name: 'g' } });
    expect(looksLikeOnnx(ir11, ir11.length)).toBe(true);
    const graphFirst = lengthField(7, Buffer.from([0x12, 0x01, 0x67]));
    expect(looksLikeOnnx(graphFirst, graphFirst.length)).toBe(true);
  });

  it('does not claim TFLite, TensorRT, text, archives or random bytes', () => {
    const tflite = Buffer.concat([Buffer.from([0x1c, 0, 0, 0]), Buffer.from('TFL3'), Buffer.alloc(64)]);
    const trt = Buffer.concat([Buffer.from('ftrt'), Buffer.from([0, 0, 0, 0]), Buffer.alloc(64)]);
    const ptrt = Buffer.concat([Buffer.from('ptrt'), Buffer.alloc(64)]);
    const ultralytics = Buffer.concat([Buffer.from([0x08, 0x01, 0, 0]), Buffer.from('{"imgsz":[640,640]}')]);
    const text = Buffer.from('ir_version: 8\nproducer_name: "x"\n');
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(60)]);
    const zeros = Buffer.alloc(128);
    for (const b of [tflite, trt, ptrt, ultralytics, text, zip, zeros]) expect(looksLikeOnnx(b, b.length)).toBe(false);
    let seed = 7;
    let claimed = 0;
    for (let i = 0; i < 500; i++) {
      const b = Buffer.alloc(256);
      for (let j = 0; j < b.length; j++) b[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      if (looksLikeOnnx(b, b.length)) claimed++;
    }
    expect(claimed).toBe(0);
  });
});

describe('ONNX bad input gives a FormatError with code and offset, fast', () => {
  it('zero-byte file', async () => {
    const e = await formatError(Buffer.alloc(0));
    expect(e.code).toBe('EMPTY_FILE');
    expect(e.offset).toBe(0);
  });

  it('garbage', async () => {
    const e = await formatError(Buffer.from('this is not a model, just some text\n'.repeat(20)));
    expect(e.code).toBe('UNKNOWN_FORMAT');
    expect(e.hint).toMatch(/ONNX/);
  });

  it('truncated at every cut point of a real model', async () => {
    const m = basicModel();
    const codes = new Set<string>();
    for (let cut = 4; cut < m.length; cut += 37) {
      const e = await formatError(m.subarray(0, cut));
      codes.add(e.code);
      expect(e.offset).toBeLessThanOrEqual(cut);
    }
    expect(codes.has('TRUNCATED')).toBe(true);
    expect(
      [...codes].every((c) => ['TRUNCATED', 'LENGTH_PAST_END', 'ONNX_NO_GRAPH', 'UNKNOWN_FORMAT'].includes(c)),
    ).toBe(true);
  });

  it('a length that points far past the end of the file (4 GB claim in a tiny file)', async () => {
    const bytes = Buffer.concat([irHeader, Buffer.from([0x3a]), varint(0xfffffff0), Buffer.alloc(16)]);
    const e = await formatError(bytes);
    expect(e.code).toBe('TRUNCATED');
    expect(e.offset).toBe(3);
    expect(e.message).toMatch(/past the end of the file/);
  });

  it('a node whose length runs past the end of its graph', async () => {
    const nodeBytes = Buffer.concat([Buffer.from([0x0a]), varint(200), Buffer.alloc(10)]); // node claims 200 B
    const bytes = Buffer.concat([irHeader, lengthField(7, nodeBytes), lengthField(6, Buffer.alloc(300, 0x61))]);
    const e = await formatError(bytes);
    expect(e.code).toBe('LENGTH_PAST_END');
    expect(e.offset).toBe(5);
  });

  it('deeply nested sequence types', async () => {
    let type: ReturnType<typeof tensorType> = tensorType(T.FLOAT, [1]);
    for (let i = 0; i < 40; i++) type = { sequenceType: { elemType: type } };
    const e = await formatError(
      encodeModel({ irVersion: 8, opsetImport: [{ version: 17 }], graph: { input: [valueInfo('x', type)] } }),
    );
    expect(e.code).toBe('TOO_DEEP');
  });

  it('deeply nested subgraphs', async () => {
    let g: { node: ReturnType<typeof node>[] } = { node: [node('Relu', ['a'], ['b'])] };
    for (let i = 0; i < 40; i++)
      g = { node: [node('If', ['c'], ['d'], { attribute: [{ name: 'then_branch', type: ATTR.GRAPH, g }] })] };
    const e = await formatError(encodeModel({ irVersion: 8, opsetImport: [{ version: 17 }], graph: g }));
    expect(e.code).toBe('TOO_DEEP');
  });

  it('an absurd number of graph inputs', async () => {
    const one = lengthField(11, Buffer.from([0x0a, 0x01, 0x78])); // input "x"
    const bytes = Buffer.concat([irHeader, lengthField(7, Buffer.concat(Array.from({ length: 100_001 }, () => one)))]);
    const e = await formatError(bytes);
    expect(e.code).toBe('TOO_MANY');
  });

  it('a graph input too large to be a real ValueInfoProto', async () => {
    const big = Buffer.concat([Buffer.from([0x1a]), varint(300_000), Buffer.alloc(300_000, 0x41)]); // doc_string
    const bytes = Buffer.concat([irHeader, lengthField(7, lengthField(11, big))]);
    const e = await formatError(bytes);
    expect(e.code).toBe('MESSAGE_TOO_LARGE');
  });

  it('a graph input whose type is a (valid, empty) group: ignored as protobuf does, and said', async () => {
    const bytes = Buffer.concat([
      irHeader,
      lengthField(7, lengthField(11, Buffer.from([0x0a, 0x01, 0x78, 0x13, 0x14]))),
    ]);
    const info = await inspect(file(bytes));
    expect(info.inputs).toEqual([{ name: 'x', dtype: 'unknown', shape: null }]);
    expect(info.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['WIRE_TYPE_MISMATCH', 'NO_TYPE']));
  });

  it('a graph input with an unknown wire type (6) is refused', async () => {
    const bytes = Buffer.concat([irHeader, lengthField(7, lengthField(11, Buffer.from([0x0a, 0x01, 0x78, 0x16])))]);
    const e = await formatError(bytes);
    expect(e.code).toBe('BAD_WIRE_TYPE');
  });

  it('group wire types in the graph', async () => {
    const bytes = Buffer.concat([irHeader, lengthField(7, Buffer.from([0x0b, 0x0c]))]);
    const e = await formatError(bytes);
    expect(e.code).toBe('BAD_WIRE_TYPE');
    expect(e.offset).toBe(4);
  });

  it('a model without a graph', async () => {
    const e = await formatError(Buffer.from([0x08, 0x07, 0x12, 0x01, 0x78]));
    expect(e.code).toBe('ONNX_NO_GRAPH');
  });

  it('a huge string field is cut, not loaded', async () => {
    const doc = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const bytes = Buffer.concat([
      irHeader,
      Buffer.from([0x32]),
      varint(doc.length),
      doc,
      lengthField(7, Buffer.from([0x12, 0x01, 0x67])),
    ]);
    const info = await inspect(file(bytes));
    expect((info.details?.docString as string).length).toBe(64 * 1024);
    expect(info.warnings.map((w) => w.code)).toContain('FIELD_TRUNCATED');
    expect(info.details?.bytesRead as number).toBeLessThan(200 * 1024);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(inspect(file(basicModel()), { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});
