/**
 * Cross-check: every model.onnx in Debian's libonnx-testdata, read by our header reader and by
 * onnxruntime-node (InferenceSession inputMetadata / outputMetadata). Names, dtypes and shapes
 * must agree for every model ORT can load. ORT marks an unnamed unknown dim as '' — we say null.
 * A second pass compares header facts with a full onnx-proto decode of each file.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import onnxPkg from 'onnx-proto';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { inspect, type Dim, type TensorSpec } from '../../src-main/formats/index.js';

const { onnx } = onnxPkg;

function testdataModels(): string[] {
  const list = execFileSync('dpkg', ['-L', 'libonnx-testdata'], { encoding: 'utf8' });
  return list.split('\n').filter((f) => f.endsWith('/model.onnx'));
}

type Meta = readonly ort.InferenceSession.ValueMetadata[];

/** One comparable line per value: name, then dtype and shape for tensors, or 'non-tensor'. */
function fromOrt(list: Meta): string[] {
  return list.map((m) =>
    m.isTensor
      ? JSON.stringify([
          m.name,
          m.type,
          m.shape.map((d): Dim => (d === '' || (typeof d === 'number' && d < 0) ? null : d)),
        ])
      : JSON.stringify([m.name, 'non-tensor']),
  );
}

function fromOurs(list: TensorSpec[]): string[] {
  // Our dense tensors have a plain dtype name; seq(...), map(...), optional(...), sparse_tensor(...) are not tensors to ORT.
  return list.map((t) =>
    /^[a-z0-9]+$/.test(t.dtype) ? JSON.stringify([t.name, t.dtype, t.shape]) : JSON.stringify([t.name, 'non-tensor']),
  );
}

describe('ONNX reader vs onnxruntime-node on libonnx-testdata', () => {
  it('agrees on input/output names, dtypes and shapes for every model ORT can load', { timeout: 240_000 }, async () => {
    const files = testdataModels();
    expect(files.length).toBeGreaterThanOrEqual(1000);
    const mismatches: string[] = [];
    const ourErrors: string[] = [];
    let compared = 0;
    let ortCannotLoad = 0;
    for (const f of files) {
      let info;
      try {
        info = await inspect(f);
      } catch (e) {
        ourErrors.push(`${f}: ${(e as Error).message}`);
        continue;
      }
      let session: ort.InferenceSession;
      let inputs: Meta;
      let outputs: Meta;
      try {
        session = await ort.InferenceSession.create(f, { logSeverityLevel: 4, graphOptimizationLevel: 'disabled' });
      } catch {
        ortCannotLoad++;
        continue;
      }
      try {
        inputs = session.inputMetadata;
        outputs = session.outputMetadata;
      } catch {
        // e.g. "Unsupported data type: 16": ORT loads bfloat16 models but cannot describe them.
        ortCannotLoad++;
        await session.release();
        continue;
      }
      compared++;
      for (const [kind, theirs, ours] of [
        ['inputs', fromOrt(inputs), fromOurs(info.inputs)],
        ['outputs', fromOrt(outputs), fromOurs(info.outputs)],
      ] as const) {
        if (JSON.stringify(theirs) !== JSON.stringify(ours))
          mismatches.push(`${f} ${kind}\n  ort:  ${theirs.join(' ')}\n  ours: ${ours.join(' ')}`);
      }
      await session.release();
    }
    console.log(
      `libonnx-testdata: ${files.length} models, ${compared} compared with onnxruntime-node, ${ortCannotLoad} ORT could not load or describe`,
    );
    expect(ourErrors).toEqual([]);
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(900);
  });

  it(
    'agrees with a full onnx-proto decode on every model (also those ORT cannot load)',
    { timeout: 120_000 },
    async () => {
      type Graph = NonNullable<InstanceType<typeof onnx.ModelProto>['graph']>;
      const countOps = (g: Graph | null | undefined, into: Map<string, number>): void => {
        for (const n of g?.node ?? []) {
          const key = `${n.domain === 'ai.onnx' ? '' : (n.domain ?? '')}|${n.opType}`;
          into.set(key, (into.get(key) ?? 0) + 1);
          for (const a of n.attribute ?? []) for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) countOps(sub, into);
        }
      };
      const mismatches: string[] = [];
      const files = testdataModels();
      for (const f of files) {
        const m = onnx.ModelProto.decode(readFileSync(f));
        const info = await inspect(f);
        const inits = new Set([
          ...(m.graph?.initializer ?? []).map((t) => t.name),
          ...(m.graph?.sparseInitializer ?? []).map((t) => t.values?.name),
        ]);
        const ops = new Map<string, number>();
        countOps(m.graph, ops);
        const full = {
          ir: String(Number(m.irVersion)),
          producer: [m.producerName, m.producerVersion],
          opsets: m.opsetImport.map((o) => [o.domain, Number(o.version)]),
          inputs: (m.graph?.input ?? []).filter((v) => !inits.has(v.name)).map((v) => v.name),
          outputs: (m.graph?.output ?? []).map((v) => v.name),
          ops: [...ops].sort(),
        };
        const ours = {
          ir: info.formatVersion,
          producer: [info.producer?.name ?? '', info.producer?.version ?? ''],
          opsets: (info.opsets ?? []).map((o) => [o.domain, o.version]),
          inputs: info.inputs.map((t) => t.name),
          outputs: info.outputs.map((t) => t.name),
          ops: (info.operators ?? []).map((o): [string, number] => [`${o.domain}|${o.opType}`, o.count]).sort(),
        };
        if (JSON.stringify(full) !== JSON.stringify(ours))
          mismatches.push(`${f}\n  full: ${JSON.stringify(full)}\n  ours: ${JSON.stringify(ours)}`);
      }
      expect(mismatches).toEqual([]);
    },
  );
});
