import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.js';
import { type OnnxFixtureName, writeOnnxFixtures } from '../fixtures/onnx-models.js';
import { tempDir } from '../fixtures/temp.js';

let dir: string;
let paths: Record<OnnxFixtureName, string>;
beforeAll(() => {
  dir = tempDir('fleetpack-cli-inspect-');
  paths = writeOnnxFixtures(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(dir, argv);

describe('fleetpack inspect', () => {
  it('prints a readable summary: format, producer, opsets, I/O table, custom ops, metadata', async () => {
    const r = await cli('inspect', 'basic.onnx');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/format\s+ONNX \(IR version 8\)/);
    expect(r.out).toMatch(/producer\s+fleetpack-test 1\.0/);
    expect(r.out).toMatch(/opsets\s+ai\.onnx 17, com\.example 1/);
    expect(r.out).toMatch(/Inputs \(4\)\n\s+name\s+dtype\s+shape\n\s+image\s+float32\s+\[batch, 3, 224, 224\]/);
    expect(r.out).toMatch(/mask\s+uint8\s+\[\?, 16\]/);
    expect(r.out).toMatch(/scale\s+int64\s+\[\]/);
    expect(r.out).toMatch(/anything\s+float16\s+\(unknown rank\)/);
    expect(r.out).toMatch(/Outputs \(1\)[\s\S]*logits\s+float32\s+\[batch, 1000\]/);
    expect(r.out).toMatch(/Custom ops: com\.example\.MyOp/);
    expect(r.out).toMatch(/model_license = Apache-2\.0/);
    expect(r.out).toMatch(/Not in the file:/);
    expect(r.out).not.toMatch(/^\s*[{[]/); // not JSON
  });

  it('shows external data, quantization and warnings', async () => {
    expect((await cli('inspect', paths.external)).out).toMatch(
      /External data \(must ship with the model\):\n\s+const\.bin\s+\(1 tensor, 64 B declared\)\n\s+weights\.bin\s+\(2 tensors, 2\.0 KB declared\)/,
    );
    expect((await cli('inspect', paths.quantized)).out).toMatch(/quantization\s+int8 \(QOperator\)/);
    expect((await cli('inspect', paths.types)).out).toMatch(/Warnings \(2\):[\s\S]*\[UNKNOWN_DTYPE\]/);
  });

  it('--json prints one ModelInfo document with format, inputs and outputs', async () => {
    const r = await cli('inspect', 'ir3.onnx', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({
      format: 'onnx',
      formatVersion: '3',
      inputs: [{ name: '0', dtype: 'float32', shape: [2, 3, 7, 5] }],
      outputs: [{ name: '3', dtype: 'float32', shape: [2, 4, 5, 4] }],
    });
  });

  it('bad input exits 2 with what, where and a hint; --json gives {ok:false,error}', async () => {
    writeFileSync(join(dir, 'empty.onnx'), '');
    const r = await cli('inspect', 'empty.onnx');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error: The file is empty[\s\S]*where: .*empty\.onnx at byte 0[\s\S]*hint:/);
    writeFileSync(join(dir, 'notes.txt'), 'hello, not a model');
    const j = await cli('inspect', 'notes.txt', '--json');
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_FORMAT' } });
    expect((await cli('inspect', 'missing.onnx')).err).toMatch(/No such file/);
  });
});
