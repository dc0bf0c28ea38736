import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.js';
import { type Manifest } from '../../src-main/manifest/index.js';
import { writeOnnxFixtures } from '../fixtures/onnx-models.js';
import { writeTfliteFixtures } from '../fixtures/tflite-fixtures.js';
import { engineBytes, TRITON_TRT_CONFIG } from '../fixtures/tensorrt-fixtures.js';
import { tempDir } from '../fixtures/temp.js';
import { validatePackage } from '../../src-main/package/index.js';

let dir: string;
let onnx: ReturnType<typeof writeOnnxFixtures>;
let tflite: ReturnType<typeof writeTfliteFixtures>;

beforeAll(() => {
  dir = tempDir('fp-cli-manifest-');
  onnx = writeOnnxFixtures(join(dir, 'models'));
  tflite = writeTfliteFixtures(join(dir, 'models'));
  writeFileSync(join(dir, 'models', 'detector.engine'), engineBytes());
  writeFileSync(join(dir, 'models', 'config.pbtxt'), TRITON_TRT_CONFIG);
  writeFileSync(
    join(dir, 'results.csv'),
    'name,value,unit,dataset,split\ntop1,76.1,%,imagenet,val\nlatency-p50,12.5,ms,,\n',
  );
  writeFileSync(
    join(dir, 'README.md'),
    '---\nlicense: gemma\nmodel-index:\n- name: m\n  results:\n  - task: {type: image-classification}\n    dataset: {type: imagenet-1k, name: ImageNet, split: validation}\n    metrics:\n    - {type: accuracy, value: 0.8}\n---\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(dir, argv);
const manifestOf = (pkg: string) => JSON.parse(readFileSync(join(dir, pkg, 'fleetpack.json'), 'utf8')) as Manifest;

describe('fleetpack init', () => {
  it('creates an ONNX package with the options filled in and reports what is missing', async () => {
    const r = await cli(
      'init',
      'models/basic.onnx',
      '--out',
      'pkg-basic',
      '--name',
      'classifier',
      '--version',
      '1.0.0',
      '--license',
      'apache-2.0',
      '--target',
      'nvidia-jetson-orin-nx-16gb',
      '--metrics',
      'results.csv',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Created .*pkg-basic/);
    expect(r.out).toMatch(/recorded in canonical form as "Apache-2.0"/);
    expect(r.out).toMatch(/Still to fill in: description/);
    expect(readdirSync(join(dir, 'pkg-basic')).sort()).toEqual(['basic.onnx', 'fleetpack.json']);
    const m = manifestOf('pkg-basic');
    expect(m).toMatchObject({
      name: 'classifier',
      version: '1.0.0',
      license: 'Apache-2.0',
      target: { profiles: ['nvidia-jetson-orin-nx-16gb'] },
      framework: { format: 'onnx', onnx: { irVersion: 8, customDomains: ['com.example'] } },
    });
    expect(m.metrics).toEqual([
      { name: 'top1', value: 76.1, unit: '%', dataset: 'imagenet', split: 'val' },
      { name: 'latency-p50', value: 12.5, unit: 'ms' },
    ]);
    expect(m.inputs.map((t) => t.name)).toEqual(['image', 'mask', 'scale', 'anything']);
    expect(m.todo).toEqual(expect.arrayContaining(['/description', '/authors']));
    expect((await cli('validate', 'pkg-basic')).code).toBe(0);
  });
  it('copies external-data files and records them', async () => {
    const r = await cli('init', 'models/external.onnx', '--out', 'pkg-ext', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.manifest.artifact.files.map((f: { path: string; role: string }) => `${f.path}:${f.role}`)).toEqual([
      'external.onnx:model',
      'const.bin:external-data',
      'weights.bin:external-data',
    ]);
    expect(doc.notes).toContain('version defaulted to 0.1.0 (set it with --version)');
    expect(readdirSync(join(dir, 'pkg-ext')).sort()).toEqual([
      'const.bin',
      'external.onnx',
      'fleetpack.json',
      'weights.bin',
    ]);
  });
  it('TFLite: Edge TPU requirement and TFLite normalization metadata, license and metrics from a model card', async () => {
    expect((await cli('init', 'models/edgeTpu.tflite', '--out', 'pkg-tpu')).code).toBe(0);
    expect(manifestOf('pkg-tpu')).toMatchObject({
      framework: { tflite: { edgetpu: true } },
      target: { requirements: { accelerators: ['edgetpu'] } },
    });
    const r = await cli('init', 'models/float.tflite', '--out', 'pkg-float', '--metrics', 'README.md');
    expect(r.code).toBe(0);
    const m = manifestOf('pkg-float');
    expect(m.inputs[0]!.preprocessing).toMatchObject({ mean: [127.5], std: [127.5], colorOrder: 'RGB' });
    expect(m.framework.tflite!.minRuntimeVersion).toBe('2.3.0');
    expect(m.license).toBe('LicenseRef-gemma');
    expect(m.licenseRef).toEqual([
      { id: 'LicenseRef-gemma', name: 'Gemma Terms of Use', url: 'https://ai.google.dev/gemma/terms' },
    ]);
    expect(r.out).toMatch(/taken from the model card/);
    expect(m.metrics).toEqual([{ name: 'accuracy', value: 0.8, dataset: 'ImageNet', split: 'validation' }]);
  });
  it('TensorRT: the version from the header, the Triton companion copied in, compute capability asked for', async () => {
    const r = await cli(
      'init',
      'models/detector.engine',
      '--io-from',
      'models/config.pbtxt',
      '--out',
      'pkg-trt',
      '--json',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.manifest.framework.tensorrt.version).toBe('10.3.0.26');
    expect(doc.todo).toContain('/framework/tensorrt/computeCapability');
    expect(doc.warnings.map((w: { code: string }) => w.code)).toContain('COMPUTE_CAPABILITY_MISSING');
    expect(readdirSync(join(dir, 'pkg-trt')).sort()).toEqual(['config.pbtxt', 'detector.engine', 'fleetpack.json']);
    expect(doc.manifest.inputs.length).toBeGreaterThan(0);
    expect((await cli('validate', 'pkg-trt')).code).toBe(0);
  });
  it('never clobbers an existing folder without --force, and --force replaces it whole', async () => {
    await cli('init', 'models/ir3.onnx', '--out', 'pkg-nc', '--version', '1.0.0');
    const before = readFileSync(join(dir, 'pkg-nc', 'fleetpack.json'), 'utf8');
    const r = await cli('init', 'models/basic.onnx', '--out', 'pkg-nc');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already exists[\s\S]*--force/);
    expect(readFileSync(join(dir, 'pkg-nc', 'fleetpack.json'), 'utf8')).toBe(before);
    // A bad option with --force still leaves the old folder untouched.
    expect((await cli('init', 'models/basic.onnx', '--out', 'pkg-nc', '--force', '--version', '1.0')).code).toBe(2);
    expect(readFileSync(join(dir, 'pkg-nc', 'fleetpack.json'), 'utf8')).toBe(before);
    expect((await cli('init', 'models/basic.onnx', '--out', 'pkg-nc', '--force')).code).toBe(0);
    expect(readdirSync(join(dir, 'pkg-nc')).sort()).toEqual(['basic.onnx', 'fleetpack.json']);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
  it('refuses a bad license or version before creating anything', async () => {
    const r = await cli('init', 'models/basic.onnx', '--out', 'pkg-bad', '--license', 'openrail++ OR banana', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error).toMatchObject({
      code: 'LICENSE_INVALID',
      message: expect.stringContaining('banana'),
    });
    const v = await cli('init', 'models/basic.onnx', '--out', 'pkg-bad', '--version', 'one');
    expect(v.code).toBe(2);
    expect(v.err).toMatch(/not a semantic version/);
    expect(existsSync(join(dir, 'pkg-bad'))).toBe(false);
  });
  it('maps a model-hub license id visibly', async () => {
    const r = await cli('init', 'models/ir3.onnx', '--out', 'pkg-llama', '--license', 'llama2');
    expect(r.out).toMatch(
      /"llama2" \(Llama 2 Community License Agreement\) is not an SPDX id; recorded as LicenseRef-llama2/,
    );
    expect(manifestOf('pkg-llama')).toMatchObject({
      license: 'LicenseRef-llama2',
      licenseRef: [{ id: 'LicenseRef-llama2', url: 'https://ai.meta.com/llama/license/' }],
    });
  });
  it('reports an unreadable model as a usage/input error', async () => {
    writeFileSync(join(dir, 'junk.onnx'), 'not a model');
    const r = await cli('init', 'junk.onnx', '--out', 'pkg-junk');
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'pkg-junk'))).toBe(false);
  });
});

describe('fleetpack validate', () => {
  it('exit 1 with the full list when the artifact was tampered with or the I/O contradicts the model', async () => {
    await cli('init', 'models/basic.onnx', '--out', 'pkg-tamper', '--license', 'MIT');
    const path = join(dir, 'pkg-tamper', 'fleetpack.json');
    const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    m.inputs[0]!.dtype = 'float16';
    m.outputs[0]!.shape = ['batch', 10];
    writeFileSync(path, JSON.stringify(m));
    const model = join(dir, 'pkg-tamper', 'basic.onnx');
    const bytes = readFileSync(model);
    writeFileSync(model, bytes);
    let r = await cli('validate', 'pkg-tamper', '--json');
    expect(r.code).toBe(1);
    expect(
      JSON.parse(r.out)
        .errors.map((e: { code: string }) => e.code)
        .sort(),
    ).toEqual(['DTYPE_MISMATCH', 'SHAPE_MISMATCH']);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(model, bytes);
    r = await cli('validate', 'pkg-tamper');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/ARTIFACT_DIGEST_MISMATCH|SHA-256/);
  });
  it('malformed JSON: exit 1 with line and column; a missing path: exit 2', async () => {
    writeFileSync(join(dir, 'broken.json'), '{\n  "name": "x",\n  "version" "1.0.0"\n}\n');
    const r = await cli('validate', 'broken.json');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/line 3, column 13/);
    expect((await cli('validate', 'nowhere')).code).toBe(2);
  });
  it('huge or deeply nested documents are refused with a clear message', async () => {
    writeFileSync(join(dir, 'deep.json'), '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}');
    const deep = await cli('validate', 'deep.json', '--json');
    expect(deep.code).toBe(1);
    expect(JSON.parse(deep.out).errors[0].code).toBe('JSON_TOO_DEEP');
    writeFileSync(join(dir, 'huge.json'), '{"description": "' + 'x'.repeat(5 * 1024 * 1024) + '"}');
    const huge = await cli('validate', 'huge.json', '--json');
    expect(huge.code).toBe(1);
    expect(JSON.parse(huge.out).errors[0].code).toBe('MANIFEST_TOO_LARGE');
  });
  it('--schema-only skips the disk checks', async () => {
    writeFileSync(join(dir, 'loose.json'), readFileSync(join(dir, 'pkg-basic', 'fleetpack.json')));
    expect((await cli('validate', 'loose.json')).code).toBe(1);
    expect((await cli('validate', 'loose.json', '--schema-only')).code).toBe(0);
  });
});

describe('fleetpack diff', () => {
  it('compares two packages; --fail-on gates CI; --json is one document', async () => {
    await cli('init', 'models/basic.onnx', '--out', 'pkg-d1', '--version', '1.0.0');
    await cli('init', 'models/basic.onnx', '--out', 'pkg-d2', '--version', '1.1.0');
    const p2 = join(dir, 'pkg-d2', 'fleetpack.json');
    const m = JSON.parse(readFileSync(p2, 'utf8')) as Manifest;
    m.inputs.pop();
    m.framework.onnx!.opsets[0]!.version = 18;
    writeFileSync(p2, JSON.stringify(m));
    const r = await cli('diff', 'pkg-d1', 'pkg-d2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1\.0\.0 → 1\.1\.0 \(minor bump\)/);
    expect(r.out).toMatch(/input "anything" removed/);
    expect(r.out).toMatch(/ONNX opset ai\.onnx 17 → 18/);
    expect((await cli('diff', 'pkg-d1', 'pkg-d2', '--fail-on', 'breaking')).code).toBe(1);
    expect((await cli('diff', 'pkg-d1', 'pkg-d1', '--fail-on', 'breaking')).code).toBe(0);
    const j = JSON.parse((await cli('diff', 'pkg-d1', join('pkg-d2', 'fleetpack.json'), '--json')).out);
    expect(j.summary).toMatchObject({ breaking: 1, tightened: 1 });
    expect((await cli('diff', 'pkg-d1', 'pkg-d2', '--fail-on', 'worse')).code).toBe(2);
    expect((await cli('diff', 'pkg-d1')).code).toBe(2);
  });
});

describe('help', () => {
  it('lists init, validate and diff', async () => {
    const r = await cli('help');
    expect(r.out).toMatch(/init[\s\S]*validate[\s\S]*diff/);
  });
});

describe('prefill against the real readers', () => {
  it('a TFLite model whose external buffer file is missing is refused, nothing created', async () => {
    const r = await cli('init', tflite.externalGroups, '--out', 'pkg-missing-weights', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('EXTERNAL_DATA_MISSING');
    expect(existsSync(join(dir, 'pkg-missing-weights'))).toBe(false);
  });
  it('every ONNX and TFLite fixture prefills a manifest that validates against its own header', async () => {
    writeFileSync(join(dir, 'models', 'model.weights.bin'), Buffer.alloc(80, 3));
    for (const [name, path] of [...Object.entries(onnx), ...Object.entries(tflite)]) {
      const r = await cli(
        'init',
        path,
        '--out',
        `pkg-all-${name}-${path.endsWith('.onnx') ? 'onnx' : 'tflite'}`,
        '--json',
      );
      const doc = JSON.parse(r.out);
      expect(doc.errors ?? doc.error, name).toEqual([]);
      const again = await validatePackage(doc.manifest, { dir: doc.dir });
      expect(again.errors, name).toEqual([]);
    }
  });
});

describe('cancellation', () => {
  it('an aborted init leaves no folder and no temp folder behind', async () => {
    const { initPackage } = await import('../../src-main/package/index.js');
    const ac = new AbortController();
    ac.abort();
    await expect(initPackage(onnx.external, { cwd: dir, out: 'pkg-cancel', signal: ac.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(existsSync(join(dir, 'pkg-cancel'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('pkg-cancel'))).toEqual([]);
  });
  it('a validate that skips digests still checks sizes', async () => {
    const m = manifestOf('pkg-basic');
    m.artifact.files[0]!.sha256 = '0'.repeat(64);
    expect((await validatePackage(m, { dir: join(dir, 'pkg-basic'), skipDigests: true })).errors).toEqual([]);
    m.artifact.files[0]!.size += 1;
    expect((await validatePackage(m, { dir: join(dir, 'pkg-basic'), skipDigests: true })).errors[0]!.code).toBe(
      'ARTIFACT_SIZE_MISMATCH',
    );
  });
});
