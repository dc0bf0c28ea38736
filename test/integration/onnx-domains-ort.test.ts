/**
 * Why the fleet rules check an unused import of a standard domain but not of others: what
 * onnxruntime-node does when it loads a model. ONNX Runtime validates every opset import of a
 * domain in its registry (model_load_utils.h ValidateOpsetForDomain), used by a node or not, and
 * ignores an import of a domain it does not know when no node uses it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeModel, node, T, tensorType, unusedImportsModel, valueInfo } from '../fixtures/onnx-models.js';
import { tempDir } from '../fixtures/temp.js';

const dir = tempDir('fleetpack-ort-domains-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reluWithImport(domain: string, version: number): string {
  const path = join(dir, `${domain}-${version}.onnx`);
  writeFileSync(
    path,
    encodeModel({
      irVersion: 8,
      opsetImport: [
        { domain: '', version: 17 },
        { domain, version },
      ],
      graph: {
        name: 'g',
        node: [node('Relu', ['x'], ['y'])],
        input: [valueInfo('x', tensorType(T.FLOAT, [1]))],
        output: [valueInfo('y', tensorType(T.FLOAT, [1]))],
      },
    }),
  );
  return path;
}

async function loads(path: string): Promise<true | string> {
  try {
    const s = await ort.InferenceSession.create(path, { logSeverityLevel: 4 });
    await s.release();
    return true;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('onnxruntime-node and opset imports no node uses', () => {
  it('refuses an unused import of a standard domain above what it implements', async () => {
    expect(await loads(reluWithImport('ai.onnx.ml', 99))).toMatch(/Opset 99 is under development/);
  });
  it('refuses the same for its own domains (com.microsoft)', async () => {
    expect(await loads(reluWithImport('com.microsoft', 99))).toMatch(/Opset 99 is under development/);
  });
  it('loads a model whose unused imports name domains it does not know', async () => {
    expect(await loads(reluWithImport('org.pytorch.aten', 1))).toBe(true);
    expect(await loads(reluWithImport('my.custom.ops', 7))).toBe(true);
  });
  it('loads the Silero-like model whose imports no node uses', async () => {
    const path = join(dir, 'vad.onnx');
    writeFileSync(path, unusedImportsModel(false));
    expect(await loads(path)).toBe(true);
  });
});
