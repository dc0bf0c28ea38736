import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src-main/cli/index.js';

import {
  attachSbom,
  complianceReport,
  detectJson,
  generateSbom,
  mlBomFromManifest,
  parseSbom,
  validateParsed,
  validateSbomFile,
} from '../../src-main/sbom/index.js';
import { mlBom, mlBomXml, spdx23, spdx23TagValue } from '../fixtures/sbom-docs.js';
import { makePackage } from '../fixtures/sbom-package.js';
import { tempDir } from '../fixtures/temp.js';
import { readManifest } from '../../src-main/manifest/index.js';

let root: string;
beforeEach(() => {
  root = tempDir('sbom-pkg-');
});

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd: root, env: {} },
  };
}

/** A valid SBOM that names this package's model digest. */
function boundBom(sha: string) {
  const doc = mlBom();
  doc.metadata.component.hashes = [{ alg: 'SHA-256', content: sha }];
  return doc;
}

describe('generate: CycloneDX 1.6 ML-BOM from the manifest', () => {
  it('round trip: the generated BOM validates with the same validator and meets NTIA', async () => {
    const pkg = await makePackage(join(root, 'p'));
    const g = await generateSbom(pkg.dir, { now: new Date('2025-05-01T12:00:00.123Z') });
    expect(g.validation.issues.filter((i) => i.severity !== 'info')).toEqual([]);
    expect(g.validation.valid).toBe(true);
    expect(g.validation.ntia).toMatchObject({ meetsMinimum: true, score: 1 });
    // and re-parsed from its text, as a user would read it
    const again = validateParsed(parseSbom(g.text));
    expect(again.valid).toBe(true);
    expect(again.kind).toEqual({ format: 'cyclonedx', encoding: 'json', specVersion: '1.6' });
  });

  it('model component: hashes, license, model card with string metrics and slices, runtime dependency', async () => {
    const pkg = await makePackage(join(root, 'p'));
    const bom = mlBomFromManifest(pkg.manifest, new Date('2025-05-01T12:00:00Z')) as any;
    const model = bom.metadata.component;
    expect(model.type).toBe('machine-learning-model');
    expect(model.hashes).toEqual([{ alg: 'SHA-256', content: pkg.modelSha256 }]);
    expect(model.licenses).toEqual([{ license: { id: 'Apache-2.0' } }]);
    expect(model.supplier).toEqual({ name: 'Example Labs' });
    expect(model.modelCard.modelParameters.inputs).toEqual([
      { format: 'images: tensor float32 [batch,3,640,640] NCHW' },
    ]);
    expect(model.modelCard.modelParameters.outputs).toEqual([{ format: 'boxes: tensor float32 [batch,84,8400]' }]);
    expect(model.modelCard.quantitativeAnalysis.performanceMetrics).toEqual([
      { type: 'mAP@0.5 (ratio)', value: '0.52', slice: 'coco/val2017' },
      { type: 'latency-p50 (ms)', value: '12.5', slice: 'on nvidia-jetson-orin-nx-16gb' },
    ]);
    const ort = bom.components.find((c: any) => c['bom-ref'] === 'runtime-onnxruntime');
    expect(ort).toMatchObject({
      type: 'framework',
      name: 'onnxruntime',
      version: '>=1.17',
      purl: 'pkg:pypi/onnxruntime',
      supplier: { name: 'Microsoft' },
    });
    expect(bom.dependencies[0]).toEqual({ ref: 'model', dependsOn: ['file-weights.bin', 'runtime-onnxruntime'] });
    expect(bom.metadata.timestamp).toBe('2025-05-01T12:00:00Z');
    // same manifest → same serial number
    expect((mlBomFromManifest(pkg.manifest, new Date()) as any).serialNumber).toBe(bom.serialNumber);
  });

  it('TensorRT and TFLite runtimes by version; LicenseRef licenses as named licenses or expressions', async () => {
    const pkg = await makePackage(join(root, 'p'));
    const trt = mlBomFromManifest(
      {
        ...pkg.manifest,
        framework: { format: 'tensorrt', tensorrt: { version: '10.3.0.30' } },
        target: {},
        license: 'LicenseRef-llama2',
        licenseRef: [{ id: 'LicenseRef-llama2', name: 'Llama 2 Community License', url: 'https://example.com/l' }],
      },
      new Date(),
    ) as any;
    expect(trt.components.at(-1)).toMatchObject({
      name: 'tensorrt',
      version: '10.3.0.30',
      purl: 'pkg:generic/nvidia/tensorrt@10.3.0.30',
    });
    expect(trt.metadata.component.licenses).toEqual([
      { license: { name: 'Llama 2 Community License', url: 'https://example.com/l' } },
    ]);
    expect(validateParsed(detectJson(trt)).valid).toBe(true);
    const tfl = mlBomFromManifest(
      {
        ...pkg.manifest,
        framework: { format: 'tflite', tflite: { minRuntimeVersion: '2.14.0' } },
        target: {},
        license: 'MIT OR Apache-2.0',
      },
      new Date(),
    ) as any;
    expect(tfl.components.at(-1)).toMatchObject({ name: 'tensorflow-lite', version: '>=2.14.0' });
    expect(tfl.metadata.component.licenses).toEqual([{ expression: 'MIT OR Apache-2.0' }]);
    expect(validateParsed(detectJson(tfl)).valid).toBe(true);
  });

  it('CLI: sbom generate --out writes the file; without --out prints the BOM', async () => {
    await makePackage(join(root, 'p'));
    const t = cli();
    expect(await run(['sbom', 'generate', 'p', '--out', 'bom.json'], t.io)).toBe(0);
    expect(t.out.join('')).toMatch(/Wrote .*bom\.json: CycloneDX 1\.6 ML-BOM, valid, NTIA 100%/);
    expect(JSON.parse(readFileSync(join(root, 'bom.json'), 'utf8')).bomFormat).toBe('CycloneDX');
    const t2 = cli();
    expect(await run(['sbom', 'generate', 'p'], t2.io)).toBe(0);
    expect(JSON.parse(t2.out.join('')).specVersion).toBe('1.6');
  });
});

describe('attach', () => {
  it('validates, copies, records format/version/digest in the manifest', async () => {
    const pkg = await makePackage(join(root, 'p'));
    const file = join(root, 'in.json');
    writeFileSync(file, JSON.stringify(boundBom(pkg.modelSha256)));
    const r = await attachSbom(pkg.dir, file);
    expect(r.attached).toBe(true);
    expect(r.warnings).toEqual([]);
    const bytes = readFileSync(join(pkg.dir, 'sbom.cdx.json'));
    expect(bytes.equals(readFileSync(file))).toBe(true);
    const m = await readManifest(pkg.dir);
    expect(m.sbom).toEqual({
      file: 'sbom.cdx.json',
      format: 'cyclonedx',
      specVersion: '1.6',
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(readdirSync(pkg.dir).filter((f) => f.includes('.tmp') || f.includes('.bak'))).toEqual([]);
  });

  it('refuses an invalid SBOM with its error list and leaves the package untouched', async () => {
    const pkg = await makePackage(join(root, 'p'));
    const before = Object.fromEntries(readdirSync(pkg.dir).map((f) => [f, readFileSync(join(pkg.dir, f), 'utf8')]));
    const bad = boundBom(pkg.modelSha256);
    bad.components[1]['bom-ref'] = 'dataset-coco';
    bad.components[0].type = 'gadget';
    writeFileSync(join(root, 'bad.json'), JSON.stringify(bad));
    const r = await attachSbom(pkg.dir, join(root, 'bad.json'));
    expect(r.attached).toBe(false);
    expect(r.validation.issues.map((i) => i.code)).toEqual(expect.arrayContaining(['SCHEMA', 'DUPLICATE_BOM_REF']));
    const after = Object.fromEntries(readdirSync(pkg.dir).map((f) => [f, readFileSync(join(pkg.dir, f), 'utf8')]));
    expect(after).toEqual(before);
    // CLI: exit 1, errors listed, still untouched
    const t = cli();
    expect(await run(['sbom', 'attach', 'p', 'bad.json'], t.io)).toBe(1);
    expect(t.err.join('')).toMatch(/Refused: .*not changed[\s\S]*DUPLICATE_BOM_REF \/components\/1\/bom-ref/);
    expect(readdirSync(pkg.dir).sort()).toEqual(Object.keys(before).sort());
  });

  it('warns that a signed package must be signed again, and when the SBOM does not name the model digest', async () => {
    const pkg = await makePackage(join(root, 'p'));
    writeFileSync(join(pkg.dir, 'model.sig'), '{}');
    writeFileSync(join(root, 'other.json'), JSON.stringify(mlBom()));
    const r = await attachSbom(pkg.dir, join(root, 'other.json'));
    expect(r.attached).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/does not name the model's SHA-256[\s\S]*sign the package again/);
    const t = cli();
    expect(await run(['sbom', 'attach', 'p', 'other.json', '--json'], t.io)).toBe(0);
    expect(JSON.parse(t.out.join(''))).toMatchObject({ ok: true, sbom: { file: 'sbom.cdx.json' } });
  });

  it('stores XML and tag-value SBOMs under their own names', async () => {
    const pkg = await makePackage(join(root, 'p'));
    writeFileSync(
      join(root, 'bom.xml'),
      mlBomXml('1.6').replace('a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef', pkg.modelSha256),
    );
    const x = await attachSbom(pkg.dir, join(root, 'bom.xml'));
    expect(x).toMatchObject({
      attached: true,
      warnings: [],
      sbom: { file: 'sbom.cdx.xml', format: 'cyclonedx', specVersion: '1.6' },
    });
    writeFileSync(join(root, 'bom.spdx'), spdx23TagValue());
    const t = await attachSbom(pkg.dir, join(root, 'bom.spdx'));
    expect(t.sbom).toMatchObject({ file: 'sbom.spdx', format: 'spdx', specVersion: '2.3' });
    expect(readdirSync(pkg.dir).filter((f) => f.startsWith('sbom.'))).toEqual(['sbom.spdx']);
  });

  it('cancelling leaves the package untouched', async () => {
    const pkg = await makePackage(join(root, 'p'));
    writeFileSync(join(root, 'in.json'), JSON.stringify(boundBom(pkg.modelSha256)));
    const before = readFileSync(join(pkg.dir, 'fleetpack.json'), 'utf8');
    const ac = new AbortController();
    ac.abort();
    await expect(attachSbom(pkg.dir, join(root, 'in.json'), { signal: ac.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    await expect(validateSbomFile(join(root, 'in.json'), { signal: ac.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    await expect(complianceReport([pkg.dir], { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(readFileSync(join(pkg.dir, 'fleetpack.json'), 'utf8')).toBe(before);
    expect(readdirSync(pkg.dir)).not.toContain('sbom.cdx.json');
  });

  it('replacing a CycloneDX SBOM with an SPDX one removes the old file', async () => {
    const pkg = await makePackage(join(root, 'p'));
    writeFileSync(join(root, 'a.json'), JSON.stringify(boundBom(pkg.modelSha256)));
    await attachSbom(pkg.dir, join(root, 'a.json'));
    const spdx = spdx23();
    spdx.packages[0].checksums = [{ algorithm: 'SHA256', checksumValue: pkg.modelSha256 }];
    writeFileSync(join(root, 'b.spdx.json'), JSON.stringify(spdx));
    const r = await attachSbom(pkg.dir, join(root, 'b.spdx.json'));
    expect(r.sbom).toMatchObject({ file: 'sbom.spdx.json', format: 'spdx', specVersion: '2.3' });
    expect(readdirSync(pkg.dir)).not.toContain('sbom.cdx.json');
  });
});

describe('compliance report', () => {
  it('coverage and NTIA compliance over a release folder, with per-package reasons', async () => {
    const rel = join(root, 'release');
    const good = await makePackage(join(rel, 'a-good'), {}, 'a');
    const gen = await generateSbom(good.dir);
    writeFileSync(join(root, 'a.json'), gen.text);
    await attachSbom(good.dir, join(root, 'a.json'));

    const gaps = await makePackage(join(rel, 'b-gaps'), { name: 'b' }, 'b');
    const partial = boundBom(gaps.modelSha256);
    delete partial.components[1].supplier;
    writeFileSync(join(root, 'b.json'), JSON.stringify(partial));
    await attachSbom(gaps.dir, join(root, 'b.json'));

    const unbound = await makePackage(join(rel, 'c-unbound'), { name: 'c' }, 'c');
    writeFileSync(join(root, 'c.json'), JSON.stringify(mlBom()));
    await attachSbom(unbound.dir, join(root, 'c.json'));

    await makePackage(join(rel, 'd-none'), { name: 'd' }, 'd');

    const tampered = await makePackage(join(rel, 'e-tampered'), { name: 'e' }, 'e');
    writeFileSync(join(root, 'e.json'), JSON.stringify(boundBom(tampered.modelSha256)));
    await attachSbom(tampered.dir, join(root, 'e.json'));
    writeFileSync(
      join(tampered.dir, 'sbom.cdx.json'),
      JSON.stringify({
        ...boundBom(tampered.modelSha256),
        serialNumber: 'urn:uuid:00000000-0000-4000-8000-000000000000',
      }),
    );

    const r = await complianceReport([rel]);
    expect(r.total).toBe(5);
    expect(r.counted).toBe(2);
    expect(r.compliant).toBe(1);
    expect(r.coverage).toBeCloseTo(0.4);
    expect(r.compliance).toBeCloseTo(0.2);
    const by = Object.fromEntries(r.packages.map((p) => [p.name, p]));
    expect(by['person-detector']).toMatchObject({ counted: true, compliant: true, reasons: [] });
    expect(by.b).toMatchObject({ counted: true, compliant: false });
    expect(by.b!.reasons).toEqual(['NTIA: onnxruntime lacks supplier']);
    expect(by.c!.reasons.join()).toMatch(/does not name the artifact digest/);
    expect(by.d!.reasons).toEqual(['no SBOM attached']);
    expect(by.e!.reasons.join()).toMatch(/changed since it was attached/);

    const t = cli();
    expect(await run(['sbom', 'report', 'release'], t.io)).toBe(0);
    const text = t.out.join('');
    expect(text).toMatch(/SBOM coverage: +2\/5 packages \(40%\)/);
    expect(text).toMatch(/NTIA compliance: 1\/5 packages \(20%\)/);
    expect(text).toMatch(/d: not counted\n {2}- no SBOM attached/);
    const tj = cli();
    expect(await run(['sbom', 'report', 'release/a-good', 'release/d-none', '--json'], tj.io)).toBe(0);
    expect(JSON.parse(tj.out.join(''))).toMatchObject({ total: 2, counted: 1, compliant: 1, coverage: 0.5 });
  });

  it('a folder that is not a package is reported, not skipped', async () => {
    const r = await complianceReport([join(root, 'nothing-here')]);
    expect(r).toMatchObject({ total: 1, counted: 0, coverage: 0 });
    expect(r.packages[0]!.reasons[0]).toMatch(/no readable manifest/);
  });
});

describe('CLI sbom validate', () => {
  it('exit 0 on a valid SBOM, 1 on an invalid one (with pointers), 2 on a non-SBOM', async () => {
    writeFileSync(join(root, 'ok.json'), JSON.stringify(mlBom()));
    const bad = mlBom();
    bad.dependencies.push({ ref: 'ghost' });
    writeFileSync(join(root, 'bad.json'), JSON.stringify(bad));
    writeFileSync(join(root, 'pkg.json'), '{"name":"x","version":"1.0.0"}');
    const a = cli();
    expect(await run(['sbom', 'validate', 'ok.json'], a.io)).toBe(0);
    expect(a.out.join('')).toMatch(/ok\.json: CycloneDX 1\.6 \(json\) — valid[\s\S]*NTIA minimum elements: 100%/);
    const b = cli();
    expect(await run(['sbom', 'validate', 'bad.json', '--json'], b.io)).toBe(1);
    const doc = JSON.parse(b.out.join(''));
    expect(doc).toMatchObject({ ok: false, valid: false, kind: { format: 'cyclonedx' } });
    expect(doc.issues).toContainEqual(
      expect.objectContaining({ code: 'DANGLING_REF', pointer: '/dependencies/3/ref' }),
    );
    const c = cli();
    expect(await run(['sbom', 'validate', 'pkg.json'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(
      /JSON object without bomFormat\/spdxVersion\/@context \(top-level keys: name, version\)/,
    );
    const d = cli();
    expect(await run(['sbom', 'frob'], d.io)).toBe(2);
    expect(await run(['sbom'], d.io)).toBe(2);
  });
});
