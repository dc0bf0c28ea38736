import { describe, expect, it } from 'vitest';
import { changeRows, diffManifests, type Manifest } from '../../../src-main/manifest/index.js';
import { renderDiff } from '../../../src-main/cli/commands/diff.js';
import { clone, completeManifest } from './helpers.js';

function pair(mutate: (b: Manifest) => void): ReturnType<typeof diffManifests> {
  const a = completeManifest();
  const b = clone(a);
  mutate(b);
  return diffManifests(a, b);
}
const find = (d: ReturnType<typeof diffManifests>, pointerPrefix: string) =>
  d.changes.filter((c) => c.pointer.startsWith(pointerPrefix));

describe('diffManifests', () => {
  it('finds no changes between identical manifests', () => {
    const d = pair(() => {});
    expect(d.changes).toEqual([]);
    expect(d.versionBump).toBe('none');
    expect(d.notes).toEqual([]);
  });
  it('classifies the version bump and flags a breaking change without a major bump', () => {
    const d = pair((b) => {
      b.version = '1.5.0';
      b.inputs[0]!.dtype = 'float16';
    });
    expect(d.versionBump).toBe('minor');
    expect(find(d, '/inputs/0/dtype')[0]).toMatchObject({ effect: 'breaking', before: 'float32', after: 'float16' });
    expect(d.notes[0]).toMatch(/breaking.*minor.*major/);
    expect(pair((b) => (b.version = '2.0.0')).versionBump).toBe('major');
    expect(pair((b) => (b.version = '1.3.9')).notes).toContain('The version goes down.');
    expect(pair((b) => (b.description = 'x')).notes).toContain('The content changed but the version did not.');
  });
  it('reports inputs/outputs added, removed, reshaped and preprocessing changes', () => {
    const d = pair((b) => {
      b.outputs.push({ name: 'scores', dtype: 'float32', shape: [1, 80] });
      b.inputs[0]!.shape = ['batch', 3, 320, 320];
      b.inputs[0]!.preprocessing!.colorOrder = 'BGR';
    });
    expect(
      d.changes
        .filter((c) => c.effect === 'breaking')
        .map((c) => c.code)
        .sort(),
    ).toEqual(['ADDED', 'PREPROCESSING_CHANGED', 'SHAPE_CHANGED']);
    expect(find(d, '/inputs/0/preprocessing')[0]!.message).toMatch(/colorOrder RGB → BGR/);
    const removed = pair((b) => b.outputs.pop());
    expect(removed.changes[0]).toMatchObject({
      code: 'REMOVED',
      effect: 'breaking',
      message: 'output "boxes" removed',
    });
    expect(pair((b) => (b.inputs[0]!.shape = [null, 3, 640, 640])).changes[0]!.effect).toBe('changed');
    const freed = pair((b) => (b.inputs[0]!.shape = ['batch', 3, 'h', 'w']));
    expect(freed.changes[0]!.effect).toBe('loosened');
  });
  it('says whether requirements tightened or loosened', () => {
    const d = pair((b) => {
      b.framework.onnx!.opsets[0]!.version = 18;
      b.framework.onnx!.irVersion = 9;
      b.target!.requirements!.minMemoryMiB = 1024;
      b.target!.requirements!.runtimes!.onnxruntime = '>=1.18';
      b.target!.requirements!.accelerators = ['gpu'];
    });
    const effects = Object.fromEntries(d.changes.map((c) => [c.pointer, c.effect]));
    expect(effects).toEqual({
      '/framework/onnx/irVersion': 'tightened',
      '/framework/onnx/opsets': 'tightened',
      '/target/requirements/minMemoryMiB': 'tightened',
      '/target/requirements/accelerators': 'tightened',
      '/target/requirements/runtimes/onnxruntime': 'tightened',
    });
    expect(find(d, '/target/requirements/minMemoryMiB')[0]!.delta).toBe(512);
    const loose = pair((b) => {
      b.target!.requirements!.runtimes!.onnxruntime = '>=1.16';
      b.target!.requirements!.minMemoryMiB = 256;
      b.target!.requirements!.executionProviders = [];
    });
    expect(loose.changes.map((c) => c.effect)).toEqual(['loosened', 'loosened', 'loosened']);
    const tfl = diffManifests(
      { ...completeManifest(), framework: { format: 'tflite', tflite: { minRuntimeVersion: '2.9.0', customOps: [] } } },
      {
        ...completeManifest(),
        framework: {
          format: 'tflite',
          tflite: { minRuntimeVersion: '2.14.0', customOps: ['edgetpu-custom-op'], edgetpu: true },
        },
      },
    );
    expect(tfl.changes.map((c) => `${c.pointer} ${c.effect}`)).toEqual([
      '/framework/tflite/minRuntimeVersion tightened',
      '/framework/tflite/customOps tightened',
      '/framework/tflite/edgetpu tightened',
    ]);
  });
  it('moves metrics with deltas, knowing that lower latency is better', () => {
    const d = pair((b) => {
      b.metrics![0]!.value = 0.5;
      b.metrics![1]!.value = 10;
      b.metrics!.push({ name: 'fps', value: 30 });
    });
    expect(d.changes.map((c) => [c.effect, c.delta !== undefined ? +c.delta.toFixed(4) : undefined])).toEqual([
      ['regressed', -0.02],
      ['improved', -2.5],
      ['changed', undefined],
    ]);
    expect(d.changes[0]!.message).toMatch(/mAP@0\.5 \[coco\/val2017\] 0\.52 → 0\.5/);
    expect(pair((b) => b.metrics!.pop()).changes[0]).toMatchObject({ code: 'REMOVED', section: 'metrics' });
  });
  it('reports license, artifact digest, SBOM and other field changes', () => {
    const d = pair((b) => {
      b.license = 'MIT';
      b.artifact.files[0]!.sha256 = 'f'.repeat(64);
      b.artifact.files[0]!.size = 10;
      b.sbom = { file: 'sbom.cdx.json', format: 'cyclonedx', specVersion: '1.6', sha256: 'e'.repeat(64) };
      (b as unknown as Record<string, unknown>)['x-owner'] = 'team';
    });
    expect(d.changes.map((c) => c.code)).toEqual(['DIGEST_CHANGED', 'LICENSE_CHANGED', 'SBOM_CHANGED', 'CHANGED']);
    expect(d.changes[0]!.delta).toBe(6);
  });
  it('does not crash on malformed manifests', () => {
    const junk = { name: 3, inputs: 'x', framework: null, target: [], metrics: {} } as unknown as Manifest;
    expect(() => diffManifests(junk, completeManifest())).not.toThrow();
    expect(diffManifests(junk, completeManifest()).versionBump).toBe('unknown');
  });
  it('renders a reviewer summary grouped by effect', () => {
    const text = renderDiff(
      pair((b) => {
        b.version = '1.5.0';
        b.inputs[0]!.dtype = 'float16';
        b.framework.onnx!.opsets[0]!.version = 18;
      }),
    );
    expect(text).toMatch(/^person-detector 1\.4\.0 → 1\.5\.0 \(minor bump\)/);
    expect(text.indexOf('Breaking')).toBeLessThan(text.indexOf('Requirements tightened'));
    expect(text).toMatch(/input "images" dtype float32 → float16/);
    expect(text).toMatch(/! 1 breaking change/);
    expect(renderDiff(pair(() => {}))).toMatch(/No changes/);
  });
});

describe('changeRows (the diff for people)', () => {
  it('splits an object change into fields, says added/removed, shows no JSON or null', () => {
    const a = completeManifest();
    const b = clone(a);
    b.inputs[0]!.preprocessing = { ...b.inputs[0]!.preprocessing, colorOrder: 'BGR', std: [0.5, 0.5, 0.5] };
    b.outputs.push({ name: 'masks', dtype: 'float32', shape: ['batch', null, 4] });
    const rows = diffManifests(a, b).changes.flatMap((c) => changeRows(c, a, b));
    for (const r of rows) expect(`${r.before} ${r.after}`).not.toMatch(/null|[{}"]/);
    const name = a.inputs[0]!.name;
    expect(rows).toContainEqual(
      expect.objectContaining({ field: `input ${name} › preprocessing › color order`, kind: 'changed', after: 'BGR' }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({ field: 'output masks', kind: 'added', before: '—', after: 'float32 [batch, ?, 4]' }),
    );
  });
});
