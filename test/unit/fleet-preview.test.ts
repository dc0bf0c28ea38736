import { describe, expect, it } from 'vitest';
import {
  type Device,
  channelsOf,
  checkedPreview,
  defaultCatalog,
  groupMembers,
  parseInventory,
  preview,
} from '../../src-main/fleet/index.js';
import { makeManifest } from '../fixtures/fleet.js';

const catalog = defaultCatalog();
// A Xavier NX / JetPack 5.1 TensorRT engine using DLA core 0.
const engine = makeManifest(
  { format: 'tensorrt', tensorrt: { dlaCore: 0 } },
  { target: { profiles: ['nvidia-jetson-xavier-nx-jp5.1'] }, sizeBytes: 40 * 1024 * 1024 },
);

function fleet(): string {
  const rows = ['id,channel,profile,tensorrt'];
  for (let i = 0; i < 7; i++) rows.push(`xnx-${i},stable,nvidia-jetson-xavier-nx-8gb-jp5.1,`);
  for (let i = 0; i < 3; i++) rows.push(`agx-${i},stable,nvidia-jetson-agx-xavier-32gb-jp5.1.2,`); // same SM and TRT, other GPU model → warning
  for (let i = 0; i < 4; i++) rows.push(`orin-${i},stable,nvidia-jetson-orin-nx-16gb-jp6.2,`);
  for (let i = 0; i < 2; i++) rows.push(`nano-${i},beta,nvidia-jetson-orin-nano-8gb-jp5.1.2,`);
  rows.push('pi-0,stable,raspberrypi-5-8gb,');
  rows.push('old-0,stable,nvidia-jetson-xavier-nx-8gb-jp5.0.2,');
  rows.push('bad,stable,nope,');
  return rows.join('\n');
}

describe('preview', () => {
  const inv = parseInventory(fleet(), 'csv', catalog);
  const r = preview(engine, inv, { sample: 3 });

  it('totals devices by verdict and fails when any device declines', () => {
    expect(r.scope).toEqual({ channel: null, devices: 19, outOfScope: 0 });
    expect(r.totals).toEqual({ compatible: 7, warning: 4, declined: 8 });
    expect(r.ok).toBe(false);
  });

  it('keeps a device whose facts cannot be read in scope, as "cannot tell"', () => {
    expect(r.inventoryErrors).toEqual([]);
    expect(r.inventoryUnreadable).toEqual([
      { line: 20, id: 'bad', field: 'profile', message: 'unknown hardware profile "nope"' },
    ]);
    expect(r.inventory).toEqual({ rows: 19, skippedRows: 0, unreadableDevices: 1 });
    const bad = r.groups.find((g) => g.sample.includes('bad'))!;
    expect(bad.verdict).toBe('warning');
    expect(bad.reasons[0]).toMatchObject({ code: 'FACTS_UNREADABLE', severity: 'warning' });
    expect(bad.reasons[0]!.message).toContain('unknown hardware profile "nope"');
  });

  it('totals by profile', () => {
    const by = Object.fromEntries(r.byProfile.map((p) => [p.profile, p]));
    expect(by['nvidia-jetson-xavier-nx-8gb-jp5.1']).toEqual({
      profile: 'nvidia-jetson-xavier-nx-8gb-jp5.1',
      total: 7,
      compatible: 7,
      warning: 0,
      declined: 0,
    });
    expect(by['nvidia-jetson-agx-xavier-32gb-jp5.1.2']).toMatchObject({ total: 3, warning: 3 });
    expect(by['nvidia-jetson-orin-nx-16gb-jp6.2']).toMatchObject({ total: 4, declined: 4 });
    expect(r.byProfile[0]!.profile).toBe('nvidia-jetson-xavier-nx-8gb-jp5.1'); // biggest first
  });

  it('totals by reason, counting each device once per code', () => {
    const by = Object.fromEntries(r.byReason.map((x) => [x.code, x]));
    expect(by.TRT_CC_MISMATCH).toMatchObject({ severity: 'declined', devices: 6, rule: 'trt-gpu' });
    expect(by.TRT_VERSION_MISMATCH!.devices).toBe(5); // Orin JP6.2 (10.3) + Xavier JP5.0.2 (8.4.1)
    expect(by.TRT_DLA_MISSING!.devices).toBe(3); // Orin Nano ×2 and the Pi
    expect(by.TRT_NO_GPU!.devices).toBe(1);
    expect(by.TRT_GPU_MODEL_DIFFERS).toMatchObject({ severity: 'warning', devices: 3 });
    expect(r.byReason[0]!.severity).toBe('declined');
    expect(r.byReason.at(-1)!.severity).not.toBe('declined');
  });

  it('lists groups, declined first, with the first devices of each', () => {
    expect(r.groups.map((g) => g.verdict)).toEqual(
      [...r.groups.map((g) => g.verdict)].sort(
        (a, b) => ['declined', 'warning', 'compatible'].indexOf(a) - ['declined', 'warning', 'compatible'].indexOf(b),
      ),
    );
    const xnx = r.groups.find((g) => g.profile === 'nvidia-jetson-xavier-nx-8gb-jp5.1')!;
    expect(xnx).toMatchObject({ verdict: 'compatible', devices: 7, sample: ['xnx-0', 'xnx-1', 'xnx-2'] });
    expect(xnx.id).toMatch(/^[0-9a-f]{8}$/);
    expect(new Set(r.groups.map((g) => g.id)).size).toBe(r.groups.length);
    const old = r.groups.find((g) => g.profile === 'nvidia-jetson-xavier-nx-8gb-jp5.0.2')!;
    expect(old.reasons.map((x) => x.code)).toEqual(['TRT_VERSION_MISMATCH']);
    expect(old.reasons[0]!.message).toContain('8.4.1.5');
  });

  it('lists the channels of an inventory', () => {
    expect(channelsOf(inv)).toEqual([
      { channel: 'stable', devices: 17 },
      { channel: 'beta', devices: 2 },
    ]);
  });

  it('limits the scope to a channel', () => {
    const beta = preview(engine, inv, { channel: 'beta' });
    expect(beta.scope).toEqual({ channel: 'beta', devices: 2, outOfScope: 17 });
    expect(beta.totals).toEqual({ compatible: 0, warning: 0, declined: 2 });
    const none = preview(engine, inv, { channel: 'canary' });
    expect(none.totals).toEqual({ compatible: 0, warning: 0, declined: 0 });
    expect(none.ok).toBe(false); // nothing in scope was checked: not a pass
  });

  it('gives the same answer per device as grouped, and is plain JSON', () => {
    const naive = preview(engine, inv, { sample: 3, strategy: 'per-device' });
    expect(naive).toEqual(r);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it("lists a group's members by its id, a page at a time, per channel, for inventories and device lists", () => {
    for (const g of r.groups) {
      const all = groupMembers(inv, g.id, { limit: 1000 });
      expect(all.total).toBe(g.devices);
      expect(all.ids.slice(0, 3)).toEqual(g.sample);
      expect(groupMembers(inv, g.id, { offset: 1, limit: 2 }).ids).toEqual(all.ids.slice(1, 3));
      expect(groupMembers(inv.devices, g.id, { limit: 1000 })).toEqual(all);
    }
    const beta = preview(engine, inv, { channel: 'beta' });
    const nano = beta.groups[0]!;
    expect(groupMembers(inv, nano.id, { channel: 'beta' })).toEqual({ ids: ['nano-0', 'nano-1'], total: 2 });
    expect(groupMembers(inv, nano.id, { channel: 'stable' }).total).toBe(0);
    expect(groupMembers(inv, 'no-such-group')).toEqual({ ids: [], total: 0 });
  });

  it('groups devices built in memory by equal facts, not by object identity', () => {
    const devices: Device[] = [
      { id: 'a', facts: { memoryMiB: 4096, cpu: { abi: 'aarch64' } } },
      { id: 'b', facts: { cpu: { abi: 'aarch64' }, memoryMiB: 4096 } },
      { id: 'c', facts: {} },
    ];
    const onnx = makeManifest({ format: 'onnx', onnx: { irVersion: 8, opsets: [{ domain: '', version: 13 }] } });
    const p = preview(onnx, devices);
    expect(p.groups).toHaveLength(2);
    expect(p.groups.map((g) => g.devices).sort()).toEqual([1, 2]);
    expect(p.totals.warning).toBe(3); // ONNX Runtime unknown everywhere: never a silent pass
    expect(p.byReason.find((x) => x.code === 'ORT_UNKNOWN')!.devices).toBe(3);
  });
});

// issue 13: `compat` refused an invalid manifest in the CLI but the Studio previewed it anyway; the
// refusal is the domain's now, for both.
describe('checkedPreview', () => {
  const inv = parseInventory(fleet(), 'csv', catalog);
  it('refuses an invalid manifest before looking at any device, naming the first errors', () => {
    const invalid = { ...engine, version: 'not-semver', name: '' };
    expect(() => checkedPreview(invalid, inv, { where: 'pkg' })).toThrow(
      expect.objectContaining({ name: 'ManifestError', code: 'MANIFEST_INVALID', where: 'pkg' }),
    );
  });
  it('previews a valid manifest exactly as preview() does', () => {
    expect(checkedPreview(engine, inv, { sample: 3 })).toEqual(preview(engine, inv, { sample: 3 }));
  });
});
