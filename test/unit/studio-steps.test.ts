/**
 * The Studio's step rail (src-renderer/store): a step is ✓ only when what it checks is true now —
 * never for zero devices in scope, a stale SBOM, a draft still to complete, or a package saved
 * before the last change.
 */
import { describe, expect, it } from 'vitest';
import type { ManifestState, PreviewReport } from '../../src-main/studio/contract.js';
import { stepState, useStudio } from '../../src-renderer/store/index.js';
import type { Store } from '../../src-renderer/store/types.js';

const mstate = (over: Partial<ManifestState> = {}): ManifestState => ({
  manifest: {
    schemaVersion: '1.0',
    name: 'm',
    version: '1.0.0',
    framework: { format: 'onnx' },
    artifact: { file: 'm.onnx', files: [] },
    inputs: [],
    outputs: [],
  },
  problems: [],
  valid: true,
  complete: true,
  changedSinceSigning: false,
  sbomStale: false,
  imageInputs: [],
  ...over,
});

const preview = (total: number, declined = 0): PreviewReport => ({
  total,
  totals: { compatible: total - declined, warning: 0, declined },
  byProfile: [],
  reasons: [],
  groups: [],
});

const store = (over: Partial<Store>): Store => ({ ...useStudio.getState(), ...over });

describe('step rail', () => {
  it('compatibility: no device in scope is never done', () => {
    expect(stepState(store({ previews: { draft: preview(0) } }), 'compat')).toBe('attention');
    expect(stepState(store({ previews: { draft: preview(5) } }), 'compat')).toBe('done');
    expect(stepState(store({ previews: { draft: preview(5, 1) } }), 'compat')).toBe('attention');
    // Review's preview never stands in for Build's.
    expect(stepState(store({ previews: { review: preview(5) } }), 'compat')).toBe('todo');
  });

  it('manifest: done only when complete, not merely valid', () => {
    expect(stepState(store({ mstate: mstate({ complete: false }) }), 'manifest')).toBe('attention');
    expect(stepState(store({ mstate: mstate() }), 'manifest')).toBe('done');
  });

  it('SBOM: a stale one needs attention', () => {
    const m = mstate({ sbomStale: true });
    m.manifest.sbom = { file: 'sbom.cdx.json', format: 'cyclonedx', specVersion: '1.6' } as never;
    expect(stepState(store({ mstate: m }), 'sbom')).toBe('attention');
  });

  it('package: saved, then changed after signing or made invalid, is no longer done', () => {
    const saved = { name: 'm', version: '1.0.0', files: [], signed: true };
    expect(stepState(store({ saved, mstate: mstate() }), 'package')).toBe('done');
    expect(stepState(store({ saved, mstate: mstate({ changedSinceSigning: true }) }), 'package')).toBe('attention');
    expect(stepState(store({ saved, mstate: mstate({ valid: false }) }), 'package')).toBe('attention');
  });
});
