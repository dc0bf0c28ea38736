import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src-main/cli/index.js';
import { basicModel } from '../fixtures/onnx-models.js';
import { tempDir } from '../fixtures/temp.js';

/** The CLI flow a lab runs: init a package from a real ONNX file, generate + attach its ML-BOM, validate, report. */
describe('sbom in the package flow', () => {
  it('init → sbom generate → sbom attach → validate → sbom report', async () => {
    const root = tempDir('sbom-flow-');
    writeFileSync(join(root, 'det.onnx'), basicModel());
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), cwd: root, env: {} };
    expect(
      await run(
        ['init', 'det.onnx', '--out', 'pkg', '--name', 'det', '--version', '1.0.0', '--license', 'apache-2.0'],
        io,
      ),
    ).toBe(0);
    expect(await run(['sbom', 'generate', 'pkg', '--out', 'bom.json'], io)).toBe(0);
    expect(await run(['sbom', 'attach', 'pkg', 'bom.json'], io)).toBe(0);
    // the manifest domain accepts what attach recorded (file present, digest matches)
    expect(await run(['validate', 'pkg'], io)).toBe(0);
    out.length = 0;
    expect(await run(['sbom', 'report', 'pkg', '--json'], io)).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(report).toMatchObject({ total: 1, counted: 1, coverage: 1 });
    // init leaves authors to the engineer, so the model has no supplier yet: counted, not NTIA-complete
    expect(report.packages[0].compliant).toBe(false);
    expect(report.packages[0].reasons).toContain('NTIA: det lacks supplier');
  });
});
