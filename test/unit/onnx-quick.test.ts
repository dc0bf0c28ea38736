/**
 * Quick ONNX reads (ReadOptions.quick): the graph's inputs/outputs found from its end without
 * walking the initializers (onnx-tail.ts). Whenever a quick read says it skipped the weights, its
 * I/O must be what the full walk finds; when it cannot be sure it must fall back to the full walk.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src-main/errors.js';
import { inspect, type ModelInfo } from '../../src-main/formats/index.js';
import { writeLargeOnnx } from '../fixtures/onnx-large.js';
import { ATTR, encodeModel, ir3Model, node, onnx, T, tensorType, valueInfo } from '../fixtures/onnx-models.js';
import { rng } from '../fixtures/rng.js';
import { tempDir } from '../fixtures/temp.js';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = tempDir('fleetpack-onnx-quick-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(bytes: Uint8Array): string {
  const p = join(dir, `m${n++}.onnx`);
  writeFileSync(p, bytes);
  return p;
}

const ANY_SIZE = { quick: { minSkipBytes: 0 } };

/** A chain of Add nodes over random-byte initializers, with random I/O shapes and extras. */
function randomModel(seed: number): Buffer {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const weights = int(1, 24);
  const inputs = Array.from({ length: int(1, 4) }, (_, i) => `in_${i}_${seed}`);
  const initializer = Array.from({ length: weights }, (_, i) => {
    const raw = new Uint8Array(int(0, 40_000));
    for (let k = 0; k < raw.length; k++) raw[k] = Math.floor(r() * 256);
    return { name: `w${i}`, dataType: T.FLOAT, dims: [raw.length >> 2], rawData: raw.subarray(0, raw.length & ~3) };
  });
  const nodes = [];
  let prev = inputs[0]!;
  for (let i = 0; i < weights; i++) {
    const out = `h${i}`;
    nodes.push(node('Add', [prev, `w${i}`, ...(i === 0 ? inputs.slice(1) : [])], [out]));
    prev = out;
  }
  const outputs = [prev, ...(r() < 0.3 ? [inputs[0]!] : [])]; // sometimes an input passes straight through
  const dims = () => Array.from({ length: int(0, 4) }, () => (r() < 0.3 ? 'batch' : int(1, 512)));
  return encodeModel({
    irVersion: int(4, 10),
    producerName: 'quick-test',
    opsetImport: [{ domain: '', version: 17 }],
    ...(r() < 0.3 ? { metadataProps: [{ key: 'k', value: 'v' }] } : {}),
    graph: {
      name: 'g',
      node: nodes,
      initializer,
      ...(r() < 0.3 ? { docString: 'graph doc' } : {}),
      input: [
        ...inputs.map((x) => valueInfo(x, tensorType(T.FLOAT, dims()))),
        ...(r() < 0.2 ? [valueInfo('w0', tensorType(T.FLOAT, null))] : []),
      ],
      output: outputs.map((x) => valueInfo(x, tensorType(T.FLOAT, dims()))),
      valueInfo: Array.from({ length: int(0, 30) }, (_, i) => valueInfo(`h${i}`, tensorType(T.FLOAT, dims()))),
    },
  });
}

/** A read's facts, without its I/O statistics (a fallen-back quick read also read the tail). */
const facts = (m: ModelInfo) => ({ ...m, details: { ...m.details, bytesRead: undefined } });

/** The quick read's I/O must be the full read's, with the initializers-as-inputs still listed. */
function expectSameIo(quick: ModelInfo, full: ModelInfo): void {
  const fullInputs = [
    ...full.inputs.map((t) => t.name),
    ...((full.details?.initializerInputs as string[] | undefined) ?? []),
  ];
  expect(quick.inputs.map((t) => t.name).sort()).toEqual(fullInputs.sort());
  for (const t of full.inputs) expect(quick.inputs.find((q) => q.name === t.name)).toEqual(t);
  expect(quick.outputs).toEqual(full.outputs);
  expect(quick.operators).toEqual(full.operators);
  expect(quick.opsets).toEqual(full.opsets);
  expect(quick.metadata).toEqual(full.metadata);
  expect(quick.producer).toEqual(full.producer);
  expect(quick.details?.graphDocString).toEqual(full.details?.graphDocString);
}

describe('quick ONNX read', () => {
  it('finds the I/O of a 16 MB model from its end, reading about 1 MiB', async () => {
    const path = join(dir, 'large.onnx');
    writeLargeOnnx(path, { count: 64, rows: 256, cols: 256 });
    const full = await inspect(path);
    const quick = await inspect(path, { quick: true });
    expect(quick.partial?.skippedBytes).toBeGreaterThan(16_000_000);
    expect(quick.partial?.unknown.join(' ')).toMatch(/initializer/);
    expect(quick.details?.initializerCount).toBeUndefined();
    expect(full.details?.initializerCount).toBe(64);
    expectSameIo(quick, full);
    expect(quick.details?.bytesRead as number).toBeLessThan(1.2 * 1024 * 1024);
  });

  it('reads fully (no partial) when the skip would save less than minSkipBytes', async () => {
    const path = join(dir, 'small.onnx');
    writeLargeOnnx(path, { count: 8, rows: 64, cols: 64 });
    const quick = await inspect(path, { quick: true });
    expect(quick.partial).toBeUndefined();
    expect(facts(quick)).toEqual(facts(await inspect(path)));
  });

  it('agrees with the full walk on 200 random models with random weight bytes', { timeout: 60_000 }, async () => {
    let skipped = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const path = file(randomModel(seed));
      const full = await inspect(path);
      const quick = await inspect(path, ANY_SIZE);
      if (quick.partial) {
        skipped++;
        expectSameIo(quick, full);
      } else expect(facts(quick)).toEqual(facts(full));
    }
    // The shortcut must actually be taken: only a window too short to be sure forbids it.
    expect(skipped).toBeGreaterThanOrEqual(190);
  });

  it('walks the initializers of an IR 3 model (there every initializer is also an input)', async () => {
    const path = file(ir3Model());
    const quick = await inspect(path, ANY_SIZE);
    expect(quick.partial).toBeUndefined();
    expect(facts(quick)).toEqual(facts(await inspect(path)));
  });

  it('falls back to the full walk when the I/O run is longer than any window', async () => {
    // 70,000 value_info entries (~4.5 MB) after the outputs: the window cannot reach the run's start.
    const bytes = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        node: [node('Add', ['x', 'w'], ['y'])],
        initializer: [{ name: 'w', dataType: T.FLOAT, dims: [4], rawData: new Uint8Array(16) }],
        input: [valueInfo('x', tensorType(T.FLOAT, [4]))],
        output: [valueInfo('y', tensorType(T.FLOAT, [4]))],
        valueInfo: Array.from({ length: 70_000 }, (_, i) =>
          valueInfo(`intermediate_tensor_name_${i}`, tensorType(T.FLOAT, ['batch', 3, 224, 224])),
        ),
      },
    });
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
    const path = file(bytes);
    const quick = await inspect(path, ANY_SIZE);
    expect(quick.partial).toBeUndefined();
    expect(facts(quick)).toEqual(facts(await inspect(path)));
  });

  it('keeps inputs that only a subgraph consumes', async () => {
    const body = {
      name: 'then',
      node: [node('Identity', ['side'], ['t'])],
      output: [valueInfo('t', tensorType(T.FLOAT, [1]))],
    };
    const bytes = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        node: [
          node('If', ['cond'], ['y'], {
            attribute: [
              { name: 'then_branch', type: ATTR.GRAPH, g: body },
              { name: 'else_branch', type: ATTR.GRAPH, g: body },
            ],
          }),
          node('Add', ['y', 'w'], ['z']),
        ],
        initializer: [{ name: 'w', dataType: T.FLOAT, dims: [1], rawData: new Uint8Array(4) }],
        input: [valueInfo('cond', tensorType(T.BOOL, [])), valueInfo('side', tensorType(T.FLOAT, [1]))],
        output: [valueInfo('z', tensorType(T.FLOAT, [1]))],
      },
    });
    const path = file(bytes);
    const quick = await inspect(path, ANY_SIZE);
    expect(quick.partial).toBeDefined();
    expectSameIo(quick, await inspect(path));
  });

  it(
    'never fails differently from the full walk on corrupted tails (fuzz, 300 mutants)',
    { timeout: 60_000 },
    async () => {
      const r = rng(99);
      const base = randomModel(7);
      let quickFailed = 0;
      let bothRead = 0;
      for (let i = 0; i < 300; i++) {
        const bytes = Buffer.from(base);
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++)
          bytes[bytes.length - 1 - Math.floor(r() * 2048)] = Math.floor(r() * 256);
        const path = file(bytes);
        const full = await inspect(path).catch((e: unknown) => e);
        const quick = await inspect(path, ANY_SIZE).catch((e: unknown) => e);
        if (quick instanceof Error) {
          // The quick read fails only where the full walk fails too, and in the same way.
          expect(quick).toBeInstanceOf(FormatError);
          expect(full).toBeInstanceOf(FormatError);
          expect((quick as unknown as { code: string }).code).toBe((full as { code: string }).code);
          quickFailed++;
          continue;
        }
        expect(quick).toHaveProperty('format', 'onnx');
        if (full instanceof Error) {
          // Only a provisional read may succeed where the full walk fails: it skipped the bad bytes.
          expect(full).toBeInstanceOf(FormatError);
          expect((quick as ModelInfo).partial).toBeDefined();
          continue;
        }
        // Both read the file: the same I/O (a corrupt tail must not produce I/O the nodes do not use);
        // a quick read that fell back to the full walk says exactly what the full walk says.
        if ((quick as ModelInfo).partial) expectSameIo(quick as ModelInfo, full as ModelInfo);
        else expect(facts(quick as ModelInfo)).toEqual(facts(full as ModelInfo));
        bothRead++;
      }
      // The mutants reach both outcomes, so each branch above was exercised.
      expect(quickFailed).toBeGreaterThan(0);
      expect(bothRead).toBeGreaterThan(0);
    },
  );
});

// Sanity: the fixture encoder writes GraphProto fields in field-number order, as ONNX writers do.
it('fixture encoder orders graph fields by number', () => {
  const g = onnx.GraphProto.encode({
    output: [valueInfo('y')],
    initializer: [{ name: 'w' }],
    node: [node('Relu', ['x'], ['y'])],
  }).finish();
  expect(g[0]).toBe(0x0a); // node (1) first
});
