/**
 * Needs come from use, not import (issue: Silero VAD imports com.ms.internal.nhwc,
 * com.microsoft.experimental, org.pytorch.aten and ai.onnx.ml 3, but every node is in the
 * default domain). Reader → manifest → fleet rules → diff, on a model built like it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCatalog, evaluate, modelNeeds } from '../../src-main/fleet/index.js';
import { inspect } from '../../src-main/formats/index.js';
import { diffManifests, draftManifest, type Manifest } from '../../src-main/manifest/index.js';
import { ortDevice } from '../fixtures/fleet.js';
import { unusedImportsModel } from '../fixtures/onnx-models.js';
import { tempDir } from '../fixtures/temp.js';

const dir = tempDir('fleetpack-domains-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const catalog = defaultCatalog();

async function manifestOf(uses: boolean): Promise<Manifest> {
  const path = join(dir, `vad-${uses}.onnx`);
  writeFileSync(path, unusedImportsModel(uses));
  const info = await inspect(path);
  return draftManifest(info, { files: [{ path: 'model.onnx', size: 1000, sha256: '0'.repeat(64), role: 'model' }] });
}

describe('ONNX domains: decided on use, not import', () => {
  it('the reader records the domains nodes call: subgraphs and local function bodies included', async () => {
    const plain = await inspect((writeFileSync(join(dir, 'a.onnx'), unusedImportsModel(false)), join(dir, 'a.onnx')));
    expect(plain.usedDomains).toEqual(['ai.onnx']);
    expect(plain.customOps).toEqual([]);
    const uses = await inspect((writeFileSync(join(dir, 'b.onnx'), unusedImportsModel(true)), join(dir, 'b.onnx')));
    // com.microsoft from an If branch, my.ops from the body of local function local.fn.Block;
    // the call to local.fn.Block itself needs nothing.
    expect(uses.usedDomains).toEqual(['ai.onnx', 'com.microsoft', 'my.ops']);
  });

  it('the manifest lists used domains; imports nobody uses are not custom domains', async () => {
    const m = await manifestOf(false);
    expect(m.framework.onnx).toMatchObject({ usedDomains: ['ai.onnx'] });
    expect(m.framework.onnx!.customDomains).toBeUndefined();
    expect(m.framework.onnx!.opsets).toHaveLength(5); // the imports themselves stay, as information
    const u = await manifestOf(true);
    expect(u.framework.onnx!.customDomains).toEqual(['com.microsoft', 'my.ops']);
  });

  it('a device with a recent ONNX Runtime is compatible: no custom-domain warning for unused imports', async () => {
    const needs = modelNeeds(await manifestOf(false), catalog);
    const e = evaluate(needs, ortDevice('1.17.3'));
    expect(e.reasons.filter((r) => r.severity !== 'info')).toEqual([]);
    expect(e.verdict).toBe('compatible');
  });

  it('an ORT (1.11) older than an imported ai.onnx.ml opset still declines, saying no node uses it', async () => {
    // ONNX Runtime checks every import of a domain it knows when loading (see onnx-domains-ort test).
    const e = evaluate(modelNeeds(await manifestOf(false), catalog), ortDevice('1.11.1'));
    expect(e.verdict).toBe('declined');
    const r = e.reasons.find((x) => x.code === 'ORT_OPSET_TOO_NEW')!;
    expect(r.message).toMatch(/ai\.onnx\.ml opset 3 \(no node uses it, but ONNX Runtime checks every import/);
    expect(r.fix).toMatch(/drop the unused import/);
    expect(e.reasons.map((x) => x.code)).not.toContain('ONNX_CUSTOM_DOMAIN');
  });

  it('a used custom domain still warns; an old manifest (no usedDomains) counts every import', async () => {
    const used = evaluate(modelNeeds(await manifestOf(true), catalog), ortDevice('1.17.3'));
    expect(used.reasons.filter((r) => r.code === 'ONNX_CUSTOM_DOMAIN').map((r) => r.message)).toEqual([
      expect.stringContaining('"my.ops"'),
    ]);
    const old = await manifestOf(false);
    delete old.framework.onnx!.usedDomains;
    const e = evaluate(modelNeeds(old, catalog), ortDevice('1.17.3'));
    expect(e.reasons.filter((r) => r.code === 'ONNX_CUSTOM_DOMAIN').map((r) => r.message)).toEqual([
      expect.stringContaining('"org.pytorch.aten"'),
    ]);
    expect(e.verdict).toBe('warning');
  });

  it('diff: dropping imports no node used is information, not "loosened"', async () => {
    const before = await manifestOf(false);
    const after = structuredClone(before);
    after.version = '1.0.1';
    after.framework.onnx!.opsets = after.framework.onnx!.opsets.filter(
      (o) => o.domain === '' || o.domain === 'ai.onnx.ml',
    );
    const d = diffManifests(before, after);
    const opsetRows = d.changes.filter((c) => c.pointer === '/framework/onnx/opsets');
    expect(opsetRows).toHaveLength(3);
    expect(opsetRows.every((c) => c.effect === 'changed' && /no node uses it/.test(c.message))).toBe(true);
    expect(d.summary.loosened).toBe(0);
    // ai.onnx.ml is checked by ONNX Runtime on load even unused: lowering it does loosen.
    after.framework.onnx!.opsets = after.framework.onnx!.opsets.map((o) =>
      o.domain === 'ai.onnx.ml' ? { ...o, version: 2 } : o,
    );
    expect(diffManifests(before, after).changes).toContainEqual(
      expect.objectContaining({ pointer: '/framework/onnx/opsets', effect: 'loosened', before: 3, after: 2 }),
    );
  });
});

describe('fleetpack inspect', () => {
  it('marks the opset imports no node uses', async () => {
    const { run } = await import('../../src-main/cli/index.js');
    const path = join(dir, 'vad-inspect.onnx');
    writeFileSync(path, unusedImportsModel(false));
    const out: string[] = [];
    const code = await run(['inspect', path], { stdout: (t) => out.push(t), stderr: () => {}, cwd: dir, env: {} });
    expect(code).toBe(0);
    expect(out.join('')).toMatch(
      /opsets\s+ai\.onnx 16, com\.ms\.internal\.nhwc 1 \(imported, no node uses it\), .*ai\.onnx\.ml 3 \(imported, no node uses it\)/,
    );
  });
});
