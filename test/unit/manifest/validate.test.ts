import { rm, writeFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareWithModel, validateDocument, type Manifest } from '../../../src-main/manifest/index.js';
import { clone, completeManifest, onnxInfo, tfliteInfo, trtInfo } from './helpers.js';
import { tempDir } from '../../fixtures/temp.js';
import { validatePackage } from '../../../src-main/package/index.js';

type Rule = [
  code: string,
  level: 'error' | 'warning',
  pointer: string,
  mutate: (m: Manifest & Record<string, any>) => void,
];

/** Each rule: a mutation of the complete manifest that must produce exactly that finding. */
const rules: Rule[] = [
  ['MISSING_FIELD', 'error', '/name', (m) => delete (m as any).name],
  ['MISSING_FIELD', 'error', '/artifact/files/0/sha256', (m) => delete (m.artifact.files[0] as any).sha256],
  ['WRONG_TYPE', 'error', '/inputs/0/dtype', (m) => ((m.inputs[0] as any).dtype = 3)],
  ['WRONG_TYPE', 'error', '/metrics/0/value', (m) => ((m.metrics![0] as any).value = true)],
  ['UNKNOWN_FIELD', 'warning', '/chanel', (m) => (m.chanel = 'beta')],
  [
    'UNKNOWN_FIELD',
    'warning',
    '/inputs/0/preprocessing/colour',
    (m) => ((m.inputs[0]!.preprocessing as any).colour = 'RGB'),
  ],
  ['INVALID_VERSION', 'error', '/version', (m) => (m.version = '1.4')],
  ['UNSUPPORTED_SCHEMA_VERSION', 'error', '/schemaVersion', (m) => (m.schemaVersion = '2.0')],
  ['INVALID_NAME', 'error', '/name', (m) => (m.name = 'person detector!')],
  ['INVALID_CHANNEL', 'error', '/channel', (m) => (m.channel = 'Beta')],
  ['CHANNEL_TYPO', 'warning', '/channel', (m) => (m.channel = 'stabel')],
  ['PRERELEASE_ON_STABLE', 'warning', '/version', (m) => (m.version = '1.4.0-rc.1')],
  ['INVALID_DIGEST', 'error', '/artifact/files/0/sha256', (m) => (m.artifact.files[0]!.sha256 = 'ABC')],
  ['UNSAFE_PATH', 'error', '/artifact/files/1/path', (m) => (m.artifact.files[1]!.path = '../weights.bin')],
  ['UNSAFE_PATH', 'error', '/artifact/files/1/path', (m) => (m.artifact.files[1]!.path = '/abs/weights.bin')],
  ['INVALID_VALUE', 'error', '/artifact/files/1/role', (m) => ((m.artifact.files[1] as any).role = 'weights')],
  ['INVALID_SHAPE', 'error', '/inputs/0/shape/0', (m) => ((m.inputs[0] as any).shape[0] = -1)],
  ['INVALID_SHAPE', 'error', '/outputs/0/shape', (m) => ((m.outputs[0] as any).shape = 'batch')],
  ['OUT_OF_RANGE', 'error', '/inputs/0/preprocessing/std/0', (m) => (m.inputs[0]!.preprocessing!.std![0] = 0)],
  [
    'WRONG_LENGTH',
    'error',
    '/inputs/0/preprocessing/valueRange',
    (m) => ((m.inputs[0]!.preprocessing as any).valueRange = [0]),
  ],
  ['INVALID_VALUE', 'error', '/authors/0/email', (m) => (m.authors![0]!.email = 'not-an-email')],
  [
    'INVALID_VALUE',
    'error',
    '/licenseRef/0',
    (m) => ((m.license = 'LicenseRef-acme'), (m.licenseRef = [{ id: 'LicenseRef-acme' }])),
  ],
  ['FRAMEWORK_MISMATCH', 'error', '/framework/tflite', (m) => (m.framework.tflite = { edgetpu: false })],
  ['FRAMEWORK_DETAILS_MISSING', 'warning', '/framework/onnx', (m) => delete m.framework.onnx],
  [
    'DUPLICATE_OPSET',
    'error',
    '/framework/onnx/opsets/1',
    (m) => m.framework.onnx!.opsets.push({ domain: 'ai.onnx', version: 18 }),
  ],
  [
    'INVALID_RANGE',
    'error',
    '/target/requirements/runtimes/onnxruntime',
    (m) => (m.target!.requirements!.runtimes!.onnxruntime = 'newest'),
  ],
  ['DUPLICATE_FILE', 'error', '/artifact/files/1/path', (m) => (m.artifact.files[1]!.path = 'Model.onnx')],
  ['RESERVED_FILE', 'error', '/artifact/files/1/path', (m) => (m.artifact.files[1]!.path = 'model.sig')],
  ['MODEL_FILE_COUNT', 'error', '/artifact/files', (m) => (m.artifact.files[1]!.role = 'model')],
  ['ARTIFACT_FILE_NOT_LISTED', 'error', '/artifact/file', (m) => (m.artifact.file = 'other.onnx')],
  ['DUPLICATE_TENSOR', 'error', '/inputs/1/name', (m) => m.inputs.push(clone(m.inputs[0]!))],
  [
    'QUANTIZATION_MISMATCH',
    'error',
    '/outputs/0/quantization',
    (m) => (m.outputs[0]!.quantization = { scale: [1, 2], zeroPoint: [0] }),
  ],
  ['LAYOUT_RANK', 'error', '/inputs/0/preprocessing/layout', (m) => (m.inputs[0]!.preprocessing!.layout = 'NCW')],
  [
    'COLOR_CHANNELS',
    'error',
    '/inputs/0/preprocessing/colorOrder',
    (m) => (m.inputs[0]!.preprocessing!.colorOrder = 'GRAY'),
  ],
  [
    'NORMALIZATION_LENGTH',
    'error',
    '/inputs/0/preprocessing/mean',
    (m) => (m.inputs[0]!.preprocessing!.mean = [0.5, 0.5]),
  ],
  [
    'VALUE_RANGE',
    'error',
    '/inputs/0/preprocessing/valueRange',
    (m) => (m.inputs[0]!.preprocessing!.valueRange = [1, 0]),
  ],
  [
    'RESIZE_MISMATCH',
    'error',
    '/inputs/0/preprocessing/resize/width',
    (m) => (m.inputs[0]!.preprocessing!.resize!.width = 320),
  ],
  ['NO_INPUTS', 'warning', '/inputs', (m) => (m.inputs = [])],
  ['METRICS_MISSING', 'warning', '/metrics', (m) => delete m.metrics],
  ['DUPLICATE_METRIC', 'warning', '/metrics/2', (m) => m.metrics!.push(clone(m.metrics![0]!))],
  ['TARGET_MISSING', 'warning', '/target', (m) => delete m.target],
  ['LICENSE_MISSING', 'warning', '/license', (m) => delete m.license],
  ['LICENSE_INVALID', 'error', '/license', (m) => (m.license = 'Apache 2')],
  ['TODO_OPEN', 'warning', '/description', (m) => ((m.description = ''), (m.todo = ['/description']))],
  [
    'GUESS_UNCONFIRMED',
    'warning',
    '/inputs/0/preprocessing/guessed',
    (m) => ((m.inputs[0]!.preprocessing!.guessed = ['layout']), (m.todo = ['/inputs/0/preprocessing/guessed'])),
  ],
  [
    'COMPUTE_CAPABILITY_MISSING',
    'warning',
    '/framework/tensorrt/computeCapability',
    (m) => (m.framework = { format: 'tensorrt', tensorrt: { version: '10.3.0.30' } }),
  ],
  [
    'COMPUTE_CAPABILITY_CONFLICT',
    'error',
    '/target/requirements/computeCapability',
    (m) => (
      (m.framework = { format: 'tensorrt', tensorrt: { version: '10.3.0.30', computeCapability: '8.7' } }),
      (m.target!.requirements!.computeCapability = '7.2')
    ),
  ],
  [
    'ACCELERATOR_MISSING',
    'warning',
    '/target/requirements/accelerators',
    (m) => (m.framework = { format: 'tflite', tflite: { edgetpu: true } }),
  ],
];

describe('validateDocument', () => {
  it('finds nothing wrong with the complete manifest (the passing case of every rule)', () => {
    expect(validateDocument(completeManifest())).toEqual({ valid: true, errors: [], warnings: [] });
  });
  it.each(rules)('%s (%s) at %s', (code, level, pointer, mutate) => {
    const m = completeManifest() as Manifest & Record<string, any>;
    mutate(m);
    const r = validateDocument(m);
    const list = level === 'error' ? r.errors : r.warnings;
    expect(list).toContainEqual(expect.objectContaining({ code, pointer }));
    expect(r.valid).toBe(level !== 'error');
    for (const x of [...r.errors, ...r.warnings]) {
      expect(x.message.length).toBeGreaterThan(5);
      expect(typeof x.hint).toBe('string');
    }
  });
  it('leaves out the artifact digests still being computed (digestsPending), and nothing else', async () => {
    const m = completeManifest() as Manifest & Record<string, any>;
    m.artifact.files[0]!.sha256 = '';
    m.version = 'v1';
    const now = await validatePackage(m);
    expect(now.errors.map((e) => e.pointer)).toEqual(expect.arrayContaining(['/artifact/files/0/sha256', '/version']));
    const pending = await validatePackage(m, { digestsPending: true });
    expect(pending.errors.map((e) => e.pointer)).not.toContain('/artifact/files/0/sha256');
    expect(pending.errors.map((e) => e.pointer)).toContain('/version');
  });
  it('reports every problem at once, with a did-you-mean for a typo', () => {
    const m = completeManifest() as any;
    m.version = 'v1';
    m.licence = 'MIT';
    m.inputs[0].dtype = 7;
    m.metrics[0].value = null;
    const r = validateDocument(m);
    expect(r.errors.map((e) => e.code).sort()).toEqual(['INVALID_VERSION', 'WRONG_TYPE', 'WRONG_TYPE']);
    expect(r.warnings).toContainEqual(
      expect.objectContaining({ code: 'UNKNOWN_FIELD', pointer: '/licence', hint: 'Did you mean "license"?' }),
    );
    expect(r.errors.find((e) => e.code === 'INVALID_VERSION')!.hint).toMatch(/1\.0\.0/);
  });
  it('keeps unknown x- fields silently and never drops unknown ones', () => {
    const m = completeManifest() as any;
    m['x-team'] = { owner: 'a' };
    expect(validateDocument(m).warnings).toEqual([]);
  });
  it('turns non-objects into one clear error, without crashing on hostile types', () => {
    expect(validateDocument([]).errors[0]).toMatchObject({ code: 'WRONG_TYPE', pointer: '/' });
    const weird = {
      schemaVersion: 1,
      name: {},
      version: [],
      framework: 'onnx',
      artifact: { files: 'x' },
      inputs: {},
      outputs: null,
      metrics: 3,
      target: [],
      license: 5,
      licenseRef: 'x',
      todo: {},
    };
    const r = validateDocument(weird);
    expect(r.valid).toBe(false);
    expect(r.errors.length).toBeGreaterThan(8);
  });
});

describe('compareWithModel', () => {
  const m = () => {
    const x = completeManifest();
    return x;
  };
  it('passes when the manifest matches the header, and a pinned dynamic dimension is fine', () => {
    const x = m();
    x.inputs[0]!.shape = [1, 3, 640, 640];
    const info = onnxInfo({ opsets: [{ domain: '', version: 17 }] });
    expect(compareWithModel(x, info).errors).toEqual([]);
    expect(compareWithModel(x, info).warnings).toEqual([]);
  });
  it('reports dtype, rank, dimension, missing and unknown tensors as errors', () => {
    const x = m();
    x.inputs[0]!.dtype = 'float16';
    x.inputs[0]!.shape = ['batch', 3, 320, 640];
    x.outputs[0]!.shape = ['batch', 84];
    x.outputs.push({ name: 'extra', dtype: 'float32', shape: [1] });
    const info = onnxInfo({
      opsets: [{ domain: '', version: 17 }],
      inputs: [...onnxInfo().inputs, { name: 'mask', dtype: 'bool', shape: [1] }],
    });
    const codes = compareWithModel(x, info).errors.map((e) => `${e.code} ${e.pointer}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'DTYPE_MISMATCH /inputs/0/dtype',
        'SHAPE_MISMATCH /inputs/0/shape/2',
        'IO_MISSING /inputs',
        'SHAPE_MISMATCH /outputs/0/shape',
        'IO_UNKNOWN /outputs/1/name',
      ]),
    );
  });
  it('warns when the manifest loosens a fixed dimension', () => {
    const x = m();
    x.inputs[0]!.shape = ['batch', 3, 'h', 640];
    expect(compareWithModel(x, onnxInfo({ opsets: [{ domain: '', version: 17 }] })).warnings).toContainEqual(
      expect.objectContaining({ code: 'SHAPE_LOOSER', pointer: '/inputs/0/shape/2' }),
    );
  });
  it('reports format, IR/opset, TFLite runtime/custom-op and TensorRT version contradictions', () => {
    expect(compareWithModel(m(), tfliteInfo()).errors[0]!.code).toBe('FORMAT_MISMATCH');
    const onnx = compareWithModel(m(), onnxInfo({ formatVersion: '9' })).errors.map((e) => e.pointer);
    expect(onnx).toEqual(expect.arrayContaining(['/framework/onnx/irVersion', '/framework/onnx/opsets']));
    const t = m();
    t.framework = { format: 'tflite', tflite: { minRuntimeVersion: '2.10.0', customOps: [] } };
    expect(compareWithModel(t, tfliteInfo()).errors.map((e) => e.pointer)).toEqual(
      expect.arrayContaining(['/framework/tflite/minRuntimeVersion', '/framework/tflite/customOps']),
    );
    t.framework = { format: 'tensorrt', tensorrt: { version: '8.6.1.6' } };
    expect(compareWithModel(t, trtInfo()).errors).toContainEqual(
      expect.objectContaining({ pointer: '/framework/tensorrt/version' }),
    );
    // I/O of an engine without a companion is unknown: not compared.
    expect(compareWithModel(t, trtInfo()).errors.some((e) => e.code.startsWith('IO_'))).toBe(false);
  });
});

describe('validate with the package folder', () => {
  let dir: string;
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  beforeEach(async () => {
    dir = tempDir('fp-val-');
    await writeFile(join(dir, 'model.onnx'), 'MODL');
    await writeFile(join(dir, 'weights.bin'), 'WEIGHTS!');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));
  const pkg = () => {
    const m = completeManifest();
    m.artifact.files[0]!.sha256 = sha('MODL');
    m.artifact.files[1]!.sha256 = sha('WEIGHTS!');
    return m;
  };
  const model = onnxInfo({ opsets: [{ domain: '', version: 17 }] });

  it('passes when files exist with matching sizes and digests', async () => {
    expect(await validatePackage(pkg(), { dir, model })).toEqual({ valid: true, errors: [], warnings: [] });
  });
  it('reports missing files, size and digest mismatches, symlinks and unlisted files', async () => {
    const m = pkg();
    m.artifact.files[1]!.sha256 = sha('other');
    m.artifact.files.push({ path: 'gone.bin', size: 1, sha256: 'd'.repeat(64), role: 'external-data' });
    m.artifact.files.push({ path: 'link.bin', size: 4, sha256: 'e'.repeat(64), role: 'companion' });
    await symlink(join(dir, 'model.onnx'), join(dir, 'link.bin'));
    await writeFile(join(dir, 'notes.txt'), 'hi');
    const r = await validatePackage(m, { dir, model });
    expect(r.errors.map((e) => `${e.code} ${e.pointer}`)).toEqual([
      'ARTIFACT_DIGEST_MISMATCH /artifact/files/1/sha256',
      'ARTIFACT_MISSING /artifact/files/2/path',
      'ARTIFACT_NOT_FILE /artifact/files/3/path',
    ]);
    expect(r.warnings).toContainEqual(
      expect.objectContaining({ code: 'UNLISTED_FILE', message: expect.stringContaining('notes.txt') }),
    );
    m.artifact.files[0]!.size = 5;
    expect((await validatePackage(m, { dir, model })).errors).toContainEqual(
      expect.objectContaining({ code: 'ARTIFACT_SIZE_MISMATCH', pointer: '/artifact/files/0/size' }),
    );
  });
  it('checks the SBOM reference', async () => {
    const m = pkg();
    m.sbom = { file: 'sbom.cdx.json', format: 'cyclonedx', specVersion: '1.6', sha256: sha('{}') };
    expect((await validatePackage(m, { dir, model })).errors).toContainEqual(
      expect.objectContaining({ code: 'SBOM_MISSING' }),
    );
    await writeFile(join(dir, 'sbom.cdx.json'), '{ }');
    expect((await validatePackage(m, { dir, model })).errors).toContainEqual(
      expect.objectContaining({ code: 'SBOM_DIGEST_MISMATCH' }),
    );
    await writeFile(join(dir, 'sbom.cdx.json'), '{}');
    expect((await validatePackage(m, { dir, model })).errors).toEqual([]);
  });
  it('reports a model the readers cannot open as an error with the reader message', async () => {
    const r = await validatePackage(pkg(), { dir });
    expect(r.errors).toContainEqual(expect.objectContaining({ code: 'MODEL_UNREADABLE', pointer: '/artifact/file' }));
  });
});
