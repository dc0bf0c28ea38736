import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src-main/cli/index.js';
import { makeManifest } from '../fixtures/fleet.js';
import { tempDir } from '../fixtures/temp.js';

const dir = tempDir('fleet-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd: dir, env: {} },
  };
}

// A TensorRT engine built on Xavier NX / JetPack 5.1, in a package folder.
const pkg = join(dir, 'detector-1.0.0');
mkdirSync(pkg);
writeFileSync(
  join(pkg, 'fleetpack.json'),
  JSON.stringify(
    makeManifest(
      { format: 'tensorrt', tensorrt: { computeCapability: '7.2' } },
      { name: 'detector', target: { profiles: ['nvidia-jetson-xavier-nx-jp5.1'] } },
    ),
    null,
    2,
  ),
);
writeFileSync(join(pkg, 'broken.json'), JSON.stringify({ schemaVersion: '1.0', name: 'x' }));
writeFileSync(
  join(dir, 'fleet.csv'),
  [
    'id,channel,profile,tensorrt',
    'xnx-1,stable,nvidia-jetson-xavier-nx-8gb-jp5.1,',
    'xnx-2,stable,nvidia-jetson-xavier-nx-16gb-jp5.1.2,',
    'orin-1,beta,nvidia-jetson-orin-nx-16gb-jp6.2,',
    'bad-1,stable,not-a-profile,',
  ].join('\n'),
);
writeFileSync(join(dir, 'bad-header.csv'), 'id,colour\nx,red\n');

describe('fleetpack compat', () => {
  it('exits 1 when a device in scope would decline, naming the reason and the fix', async () => {
    const t = io();
    expect(await run(['compat', 'detector-1.0.0', '--fleet', 'fleet.csv'], t.io)).toBe(1);
    const text = t.out.join('');
    expect(text).toMatch(/compatible\s+2/);
    expect(text).toMatch(/declined\s+1/);
    expect(text).toMatch(/TRT_CC_MISMATCH — 1 device/);
    expect(text).toMatch(/fix: Build an engine on a compute capability 8\.7 device/);
    expect(text).toMatch(
      /4 devices in scope \(all channels\); 1 device with facts that cannot be read \(cannot tell\)/,
    );
    expect(text).toMatch(/line 5 \(bad-1\), profile: unknown hardware profile "not-a-profile"/);
    expect(text).toMatch(/FACTS_UNREADABLE — 1 device/);
    expect(text).toMatch(/DECLINED: 1 device/);
  });

  it('exits 0 when every device in the channel is compatible, and prints one JSON document', async () => {
    const t = io();
    expect(
      await run(['compat', join(pkg, 'fleetpack.json'), '--fleet', 'fleet.csv', '--channel', 'stable', '--json'], t.io),
    ).toBe(0);
    const doc = JSON.parse(t.out.join(''));
    // The row with an unknown profile is still a device on "stable": cannot tell, never dropped.
    expect(doc).toMatchObject({
      ok: true,
      totals: { compatible: 2, warning: 1, declined: 0 },
      scope: { channel: 'stable', devices: 3, outOfScope: 1 },
      inventory: { rows: 4, skippedRows: 0, unreadableDevices: 1 },
    });
    expect(doc.inventoryErrors).toEqual([]);
    expect(doc.inventoryUnreadable).toEqual([
      { line: 5, id: 'bad-1', field: 'profile', message: 'unknown hardware profile "not-a-profile"' },
    ]);
  });

  it('exits 2 on usage and input errors', async () => {
    const cases: [string[], string][] = [
      [['compat', 'detector-1.0.0'], 'BAD_ARGUMENTS'],
      [['compat', '--fleet', 'fleet.csv'], 'BAD_ARGUMENTS'],
      [['compat', 'detector-1.0.0', '--fleet', 'fleet.csv', '--sample', 'many'], 'BAD_ARGUMENTS'],
      [['compat', 'detector-1.0.0', '--fleet', 'fleet.csv', '--format', 'xml'], 'BAD_ARGUMENTS'],
      [['compat', 'detector-1.0.0', '--fleet', 'missing.csv'], 'INVENTORY_UNREADABLE'],
      [['compat', 'detector-1.0.0', '--fleet', 'bad-header.csv'], 'INVENTORY_BAD_HEADER'],
      [['compat', 'no-such-dir', '--fleet', 'fleet.csv'], 'NOT_FOUND'],
      [['compat', join(pkg, 'broken.json'), '--fleet', 'fleet.csv'], 'MANIFEST_INVALID'],
    ];
    for (const [argv, code] of cases) {
      const t = io();
      expect(await run([...argv, '--json'], t.io), argv.join(' ')).toBe(2);
      expect(JSON.parse(t.out.join('')), argv.join(' ')).toMatchObject({ ok: false, error: { code } });
    }
  });

  it('does not pass when no device is in scope (e.g. a mistyped channel)', async () => {
    const t = io();
    expect(await run(['compat', 'detector-1.0.0', '--fleet', 'fleet.csv', '--channel', 'stabel'], t.io)).toBe(1);
    expect(t.err.join('')).toMatch(
      /no device in scope on channel "stabel", so nothing was checked; the inventory's channels: stable, beta/,
    );
    expect(t.out.join('')).toMatch(/NOT CHECKED: no device in scope/);
  });

  it('counts rows with unreadable facts as devices and says which rows were skipped (33 of 310)', async () => {
    const rows = ['id,channel,profile,onnxruntime,execution_providers'];
    for (let i = 0; i < 310; i++) {
      if (i % 100 === 99)
        rows.push(`,stable,raspberrypi-5-8gb,1.17.0,`); // no id: skipped
      else if (i % 9 === 0)
        rows.push(`pi-${i},stable,raspberrypi-5-8gb,,CPUExecutionProvider`); // no ORT version
      else rows.push(`pi-${i},stable,raspberrypi-5-8gb,1.17.0,CPUExecutionProvider`);
    }
    writeFileSync(join(dir, 'pis.csv'), rows.join('\n'));
    const onnx = join(dir, 'onnx-pkg');
    mkdirSync(onnx, { recursive: true });
    writeFileSync(
      join(onnx, 'fleetpack.json'),
      JSON.stringify(makeManifest({ format: 'onnx', onnx: { irVersion: 8, opsets: [{ domain: '', version: 13 }] } })),
    );
    const t = io();
    expect(await run(['compat', 'onnx-pkg', '--fleet', 'pis.csv', '--json'], t.io)).toBe(0);
    const doc = JSON.parse(t.out.join(''));
    expect(doc.scope.devices).toBe(307);
    expect(doc.inventory).toEqual({ rows: 310, skippedRows: 3, unreadableDevices: 34 });
    expect(doc.totals.warning).toBe(34);
    expect(doc.totals.compatible).toBe(273);
    expect(doc.inventoryUnreadable[0]).toEqual({
      line: 2,
      id: 'pi-0',
      field: 'execution_providers',
      message: 'execution_providers given without an onnxruntime version',
    });
    const h = io();
    await run(['compat', 'onnx-pkg', '--fleet', 'pis.csv'], h.io);
    expect(h.out.join('')).toMatch(
      /307 devices in scope .*3 rows without a device id skipped; 34 devices with facts that cannot be read/,
    );
    expect(h.out.join('')).toMatch(/OK, WITH WARNINGS/);
  });

  it('exits 1 from a real process too (CI gate)', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(process.cwd(), 'src-main/cli/fleetpack.ts'),
        'compat',
        pkg,
        '--fleet',
        join(dir, 'fleet.csv'),
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, totals: { declined: 1 } });
  });

  it('lists the catalog profiles', async () => {
    const t = io();
    expect(await run(['compat', '--list-profiles', '--json'], t.io)).toBe(0);
    const doc = JSON.parse(t.out.join(''));
    expect(doc.profiles.map((p: { id: string }) => p.id)).toContain('nvidia-jetson-orin-nano-8gb-jp6.2');
  });
});
