/**
 * The Studio follows the rules the CLI follows, from the same owners: a model card's license is
 * recorded as `fleetpack init --metrics` records it (licenseFromInputs), and the fleet preview
 * refuses an invalid manifest as `fleetpack compat` does (checkedPreview).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { licenseFromInputs } from '../../src-main/manifest/index.js';
import { StudioSession } from '../../src-main/studio/index.js';
import { EXAMPLE_NAME } from '../fixtures/example.js';
import { tempDir } from '../fixtures/temp.js';

function value<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

const card = (front: string) => `---\n${front}\nmodel-index:
- name: person-detector
  results:
  - task:
      type: image-classification
    dataset:
      type: coco
      name: COCO 2017
      split: val
    metrics:
    - type: accuracy
      value: 0.91
---
# person-detector
`;

let session: StudioSession;
let dir: string;
beforeEach(async () => {
  session = await StudioSession.create();
  dir = tempDir('studio-session-');
});
afterEach(() => session.dispose());

/** Opens the shipped example model and loads its fleet; returns the example's handles. */
async function openExampleModel() {
  const api = session.studioApi;
  const ex = value(await api.openExample({ name: EXAMPLE_NAME }));
  value(await api.openModel({ file: ex.model.handle }));
  return ex;
}

async function importCard(front: string) {
  const path = join(dir, 'README.md');
  writeFileSync(path, card(front));
  const ref = await session.files.addFile(path);
  return value(await session.studioApi.importMetrics({ file: ref.handle }));
}

describe('model card import in the Studio', () => {
  it('records a hub license id as the CLI does (its LicenseRef and link), with the same notes', async () => {
    await openExampleModel();
    const r = await importCard('license: llama2');
    const cli = licenseFromInputs({ card: { id: 'llama2' } });
    expect(cli.license).toMatch(/^LicenseRef-/);
    expect(r.manifest.manifest.license).toBe(cli.license);
    expect(r.manifest.manifest.licenseRef).toEqual(cli.licenseRef);
    expect(r.warnings).toEqual(expect.arrayContaining(cli.notes));
    expect(r.metrics).toHaveLength(1);
  });

  it('records an unmapped card license with a link as LicenseRef-<name>', async () => {
    await openExampleModel();
    const r = await importCard('license: other\nlicense_name: acme-eval\nlicense_link: https://acme.example/license');
    expect(r.manifest.manifest.license).toBe('LicenseRef-acme-eval');
    expect(r.manifest.manifest.licenseRef).toEqual([
      { id: 'LicenseRef-acme-eval', url: 'https://acme.example/license', name: 'acme-eval' },
    ]);
  });

  it('says where to set a card license it cannot use, in the Studio’s words', async () => {
    await openExampleModel();
    const r = await importCard('license: other');
    expect(r.manifest.manifest.license).toBeUndefined();
    expect(r.warnings).toContain('the model card\'s license "other" is not usable as-is; set the License field');
  });

  it('keeps the license the engineer already set (it wins, as --license does)', async () => {
    await openExampleModel();
    const m = value(await session.studioApi.getManifest({})).manifest;
    value(await session.studioApi.updateManifest({ manifest: { ...m, license: 'MIT' } }));
    const r = await importCard('license: apache-2.0');
    expect(r.manifest.manifest.license).toBe('MIT');
    expect(r.warnings.join(' ')).toContain('the License field keeps MIT');
  });
});

describe('fleet preview in the Studio', () => {
  it('refuses an invalid draft (MANIFEST_INVALID) before looking at any device, as compat does', async () => {
    const ex = await openExampleModel();
    value(await session.studioApi.loadInventory({ file: ex.inventory.handle }));
    // Valid: previewed (after the digest, so the sha256 being computed is no error).
    expect(value(await session.studioApi.preview({ subject: 'draft' })).total).toBe(20);
    const m = value(await session.studioApi.getManifest({})).manifest;
    value(await session.studioApi.updateManifest({ manifest: { ...m, version: 'one point two' } }));
    const r = await session.studioApi.preview({ subject: 'draft' });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'MANIFEST_INVALID', where: 'the draft manifest', hint: expect.stringContaining('Manifest step') },
    });
  });
});
