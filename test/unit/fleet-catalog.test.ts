import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Catalog, defaultCatalog, validateCatalogDocument } from '../../src-main/fleet/index.js';
import { resourcePath } from '../../src-main/resources.js';

const raw = () => JSON.parse(readFileSync(resourcePath('hardware', 'profiles.json'), 'utf8'));

/** Leaf fact paths, accelerators addressed by kind (the catalog's source-map convention). */
function leafPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => leafPaths(x, `${prefix}.${(x as { kind?: string }).kind ?? '?'}`));
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([k]) => !(prefix.startsWith('.accelerators') && k === 'kind'));
    if (entries.length === 0) return [prefix.slice(1)];
    return entries.flatMap(([k, x]) => leafPaths(x, `${prefix}.${k}`));
  }
  return [prefix.slice(1)];
}

describe('hardware profile catalog', () => {
  const catalog = defaultCatalog();

  it('matches its JSON Schema', () => {
    expect(validateCatalogDocument(raw())).toEqual([]);
  });

  it('the schema rejects a bad fact (compute capability without a dot, unknown arch)', () => {
    const doc = raw();
    doc.profiles[0].facts.accelerators[0].computeCapability = '87';
    doc.profiles[0].facts.cpu.isa = 'sparc';
    const errors = validateCatalogDocument(doc);
    expect(errors.join('\n')).toMatch(/computeCapability/);
    expect(errors.join('\n')).toMatch(/cpu\/isa/);
  });

  it('every fact of every profile has a source, and every source is described', () => {
    const doc = raw();
    for (const p of catalog.ids().map((id) => catalog.resolve(id))) {
      for (const path of leafPaths(p.facts)) {
        const covered = Object.keys(p.sources).some((k) => path === k || path.startsWith(`${k}.`));
        expect(covered, `${p.id}: ${path}`).toBe(true);
      }
      for (const ids of Object.values(p.sources)) for (const id of ids) expect(doc.sources[id], id).toBeDefined();
    }
  });

  it('covers the required hardware', () => {
    for (const id of [
      'nvidia-jetson-nano-4gb-jp4.6.1',
      'nvidia-jetson-tx2-8gb-jp4.6.4',
      'nvidia-jetson-xavier-nx-8gb-jp5.1.2',
      'nvidia-jetson-agx-xavier-32gb-jp5.1.2',
      'nvidia-jetson-orin-nano-8gb-jp6.2',
      'nvidia-jetson-orin-nx-16gb-jp6.1',
      'nvidia-jetson-agx-orin-64gb-jp6.0',
      'nvidia-t4',
      'nvidia-a100-80gb',
      'nvidia-l4',
      'nvidia-h100-80gb',
      'raspberrypi-4-4gb',
      'raspberrypi-5-8gb',
      'coral-usb-accelerator',
      'coral-dev-board',
      'hailo-8',
      'hailo-8l',
      'x86-64-server',
    ])
      expect(catalog.has(id), id).toBe(true);
  });

  it('resolves Xavier NX on JetPack 5.1 to SM 7.2, TensorRT 8.5.2.2, two generation-1 DLAs', () => {
    const f = catalog.resolve('nvidia-jetson-xavier-nx-8gb-jp5.1').facts;
    expect(f.accelerators).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'gpu', computeCapability: '7.2' }),
        expect.objectContaining({ kind: 'dla', generation: 1, count: 2 }),
      ]),
    );
    expect(f.runtimes?.tensorrt?.version).toBe('8.5.2.2');
    expect(f.platform).toMatchObject({ l4t: '35.2.1', jetpack: '5.1' });
    expect(f.memoryMiB).toBe(8192);
  });

  it('knows the Orin Nano has no DLA and the Orin NX 8GB has one', () => {
    expect(catalog.resolve('nvidia-jetson-orin-nano-8gb').facts.accelerators!.filter((a) => a.kind === 'dla')).toEqual(
      [],
    );
    expect(catalog.resolve('nvidia-jetson-orin-nx-8gb').facts.accelerators!.find((a) => a.kind === 'dla')?.count).toBe(
      1,
    );
  });

  it('only combines JetPack releases with the modules they support', () => {
    expect(catalog.has('nvidia-jetson-nano-4gb-jp4.6.1')).toBe(true);
    expect(catalog.has('nvidia-jetson-nano-4gb-jp5.1.2')).toBe(false); // Nano is capped at JetPack 4.6.x
    expect(catalog.has('nvidia-jetson-xavier-nx-8gb-jp6.2')).toBe(false); // Xavier is capped at 5.1.x
    expect(catalog.has('nvidia-jetson-orin-nano-8gb-jp4.6')).toBe(false);
    expect(catalog.resolve('nvidia-jetson-orin-nano-8gb-jp6.2').facts.runtimes?.tensorrt?.version).toBe('10.3.0.30');
  });

  it('composes accessories: a Pi 5 with the AI Kit has a Hailo-8L, a 32-bit Pi 4 has an armv7l userland', () => {
    expect(catalog.resolve('raspberrypi-5-8gb-ai-kit').facts.accelerators).toEqual([
      expect.objectContaining({ kind: 'npu', arch: 'hailo8l' }),
    ]);
    expect(catalog.resolve('raspberrypi-4-4gb-32bit').facts.cpu).toMatchObject({ isa: 'aarch64', abi: 'armv7l' });
  });

  it('freezes resolved facts (devices share them)', () => {
    const f = catalog.resolve('raspberrypi-4-4gb').facts;
    expect(Object.isFrozen(f)).toBe(true);
    expect(Object.isFrozen(f.cpu)).toBe(true);
  });

  it('rejects an unknown id with close matches as the hint', () => {
    expect(() => catalog.resolve('nvidia-jetson-orin-nanoo')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_PROFILE', hint: expect.stringContaining('nvidia-jetson-orin-nano') }),
    );
  });

  it('rejects cycles, unknown parents and unknown source ids', () => {
    const base = { catalogVersion: '1', sources: { s: { title: 't', url: 'u', grade: 'src' as const } }, stacks: [] };
    const p = (id: string, ext: string[], src = 's') => ({
      id,
      name: id,
      kind: 'hardware' as const,
      extends: ext,
      facts: {},
      sources: { memoryMiB: [src] },
    });
    expect(() => new Catalog({ ...base, profiles: [p('a', ['b']), p('b', ['a'])] })).toThrow(/extends itself/);
    expect(() => new Catalog({ ...base, profiles: [p('a', ['zzz'])] })).toThrow(/unknown profile "zzz"/);
    expect(() => new Catalog({ ...base, profiles: [p('a', [], 'nope')] })).toThrow(/Unknown source id "nope"/);
  });
});
