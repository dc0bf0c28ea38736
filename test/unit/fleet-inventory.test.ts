import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, defaultCatalog, importInventory, parseInventory } from '../../src-main/fleet/index.js';
import { tempDir } from '../fixtures/temp.js';

const catalog = defaultCatalog();
const dir = tempDir('fleet-inv-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CSV = [
  'id,channel,profile,arch,memory_mib,accelerators,onnxruntime,execution_providers,tensorrt,tflite,delegates,libedgetpu,hailort,labels',
  'jet-1,stable,nvidia-jetson-orin-nx-16gb-jp6.2,,,,1.18.1,TensorrtExecutionProvider;CUDAExecutionProvider;CPUExecutionProvider,,,,,,site=a;rack 3',
  'jet-2,stable,nvidia-jetson-orin-nx-16gb-jp6.2,,,,1.18.1,TensorrtExecutionProvider;CUDAExecutionProvider;CPUExecutionProvider,,,,,,',
  '',
  '# a comment line',
  'pi-1,beta,raspberrypi-4-4gb,armv7l,,edgetpu,none,,,2.16.1,xnnpack,16.0,,',
  'bad-1,stable,no-such-profile,,,,,,,,,,,',
  'bad-2,stable,,x86_64,lots,,,,,,,,,',
  'bad-3,stable,,,,,,,,',
  'jet-1,stable,x86-64-server,,,,,,,,,,,',
  'srv-1,stable,,x86_64,65536,gpu,1.20.1,,10.3.0.30,,,,,"quoted, label"',
  'bad-4,stable,,,,warp-drive,,,,,,,,',
  'bad-5,stable,,,,,,,,,,,,"unterminated',
  ',stable,x86-64-server,,,,,,,,,,,',
].join('\n');

describe('CSV inventory', () => {
  const inv = parseInventory(CSV, 'csv', catalog, 'fleet.csv');

  it('keeps every row with an id as a device; facts that cannot be read are listed by line and field', () => {
    expect(inv.devices.map((d) => [d.id, d.line])).toEqual([
      ['jet-1', 2],
      ['jet-2', 3],
      ['pi-1', 6],
      ['bad-1', 7],
      ['bad-2', 8],
      ['bad-3', 9],
      ['srv-1', 11],
      ['bad-4', 12],
      ['bad-5', 13],
    ]);
    expect(inv.unreadable).toEqual([
      { line: 7, id: 'bad-1', field: 'profile', message: 'unknown hardware profile "no-such-profile"' },
      { line: 8, id: 'bad-2', field: 'memory_mib', message: 'memory_mib "lots" is not a whole number' },
      { line: 9, id: 'bad-3', field: 'row', message: 'expected 14 cells, found 10' },
      {
        line: 12,
        id: 'bad-4',
        field: 'accelerators',
        message: expect.stringContaining('unknown accelerator "warp-drive"'),
      },
      { line: 13, id: 'bad-5', field: 'labels', message: 'unterminated quoted field' },
    ]);
    expect(inv.unreadableDevices).toBe(5);
    for (const id of ['bad-1', 'bad-2', 'bad-3', 'bad-4', 'bad-5'])
      expect(inv.devices.find((d) => d.id === id)!.facts.unreadable, id).toHaveLength(1);
  });

  it('skips only rows without an id (and repeats of an id), and counts them', () => {
    expect(inv.errors).toEqual([
      { line: 10, message: 'duplicate device id "jet-1" (first occurrence kept)' },
      { line: 14, message: 'missing device id' },
    ]);
    expect(inv.skippedRows).toBe(2);
    expect(inv.rows).toBe(inv.devices.length + inv.errors.length);
  });

  it('makes a fact that cannot be read unknown, even where the profile knows it', () => {
    const bad2 = inv.devices.find((d) => d.id === 'bad-2')!;
    expect(bad2.facts.memoryMiB).toBeUndefined();
    expect(bad2.facts.cpu?.abi).toBe('x86_64');
    const one = parseInventory(
      'id,profile,onnxruntime,execution_providers\nj1,nvidia-jetson-orin-nx-16gb-jp6.2,1.x,\nj2,nvidia-jetson-orin-nx-16gb-jp6.2,,CUDAExecutionProvider\n',
      'csv',
      catalog,
    ).devices;
    expect(one[0]!.facts.runtimes?.onnxruntime).toBeUndefined();
    expect(one[0]!.facts.runtimes?.tensorrt?.version).toBe('10.3.0.30');
    // Providers without any ONNX Runtime version (the row's or the profile's) cannot be placed.
    expect(one[1]!.facts.unreadable).toEqual([
      { field: 'execution_providers', message: 'execution_providers given without an onnxruntime version' },
    ]);
  });

  it('merges explicit facts over the profile (explicit wins)', () => {
    const pi = inv.devices.find((d) => d.id === 'pi-1')!;
    expect(pi.facts.cpu).toMatchObject({ isa: 'aarch64', abi: 'armv7l', model: 'cortex-a72' });
    expect(pi.facts.memoryMiB).toBe(4096);
    expect(pi.facts.accelerators).toEqual([expect.objectContaining({ kind: 'edgetpu' })]);
    expect(pi.facts.runtimes).toEqual({
      onnxruntime: null,
      tflite: { version: '2.16.1', delegates: ['xnnpack'] },
      libedgetpu: { version: '16.0' },
    });
    const jet = inv.devices.find((d) => d.id === 'jet-1')!;
    expect(jet.facts.runtimes?.tensorrt?.version).toBe('10.3.0.30'); // from JetPack 6.2
    expect(jet.facts.runtimes?.onnxruntime?.executionProviders).toContain('TensorrtExecutionProvider');
    expect(jet.labels).toEqual(['site=a', 'rack 3']);
    const srv = inv.devices.find((d) => d.id === 'srv-1')!;
    expect(srv.facts).toMatchObject({
      cpu: { abi: 'x86_64' },
      memoryMiB: 65536,
      accelerators: [{ kind: 'gpu' }],
      runtimes: { tensorrt: { version: '10.3.0.30' } },
    });
    expect(srv.labels).toEqual(['quoted, label']);
  });

  it('shares one facts object between devices with the same profile and facts', () => {
    const [a, b] = inv.devices;
    expect(a!.facts).toBe(b!.facts);
    expect(a!.factsKey).toBe(b!.factsKey);
    expect(inv.devices[2]!.factsKey).not.toBe(a!.factsKey);
  });

  it('rejects a header with an unknown column or without id', () => {
    expect(() => parseInventory('id,colour\nx,red\n', 'csv', catalog)).toThrow(
      expect.objectContaining({ code: 'INVENTORY_BAD_HEADER', hint: expect.stringContaining(CSV_COLUMNS.join(',')) }),
    );
    expect(() => parseInventory('channel,profile\nstable,x86-64-server\n', 'csv', catalog)).toThrow(/no "id" column/);
  });

  it('gives compute capability, GPU model and DLA cores columns to profile-less devices', () => {
    const inv2 = parseInventory(
      'id,arch,compute_capability,gpu_model,dla_cores,tensorrt\nd1,aarch64,8.7,Orin NX (nvgpu),2,10.3.0.30\nd2,aarch64,87,,,\n',
      'csv',
      catalog,
    );
    expect(inv2.devices[0]!.facts.accelerators).toEqual([
      { kind: 'gpu', vendor: 'nvidia', computeCapability: '8.7', model: 'Orin NX (nvgpu)' },
      { kind: 'dla', vendor: 'nvidia', count: 2 },
    ]);
    expect(inv2.errors).toEqual([]);
    expect(inv2.unreadable).toEqual([
      { line: 3, id: 'd2', field: 'compute_capability', message: 'compute_capability "87" must look like 8.7' },
    ]);
  });
});

describe('NDJSON inventory', () => {
  const text = [
    '{"id":"a","channel":"stable","profile":"raspberrypi-5-8gb","tflite":"2.16.1","labels":{"site":"berlin"}}',
    '{"id":"b","profile":"raspberrypi-5-8gb","facts":{"runtimes":{"tflite":{"version":"2.14.0","delegates":["xnnpack"]}}}}',
    '{"id":"c", "profile": ',
    '[1,2]',
    '{"id":"d","colour":"red"}',
    '',
    '{"id":"e","onnxruntime":"1.17.0","executionProviders":["CPUExecutionProvider"],"memoryMiB":2048}',
    '{"id":"f","onnxruntime":"latest"}',
  ].join('\n');
  const inv = parseInventory(text, 'ndjson', catalog);

  it('keeps every line with an id; skips only lines without one', () => {
    expect(inv.devices.map((d) => [d.id, d.line])).toEqual([
      ['a', 1],
      ['b', 2],
      ['d', 5],
      ['e', 7],
      ['f', 8],
    ]);
    expect(inv.errors.map((e) => e.line)).toEqual([3, 4]);
    expect(inv.errors[0]!.message).toMatch(/not valid JSON/);
    expect(inv.errors[1]!.message).toMatch(/must be a JSON object/);
    expect(inv.unreadable).toEqual([
      { line: 5, id: 'd', field: 'colour', message: 'unknown field "colour" (not an inventory column)' },
      {
        line: 8,
        id: 'f',
        field: 'onnxruntime',
        message: expect.stringMatching(/onnxruntime "latest" is not a version/),
      },
    ]);
  });

  it('accepts camelCase keys, label objects and a nested facts object', () => {
    expect(inv.devices[0]!.labels).toEqual(['site=berlin']);
    expect(inv.devices[1]!.facts.runtimes?.tflite).toEqual({ version: '2.14.0', delegates: ['xnnpack'] });
    expect(inv.devices[1]!.facts.cpu?.model).toBe('cortex-a76');
    expect(inv.devices[3]!.facts).toEqual({
      memoryMiB: 2048,
      runtimes: { onnxruntime: { version: '1.17.0', executionProviders: ['CPUExecutionProvider'] } },
    });
  });
});

describe('JSON inventory', () => {
  it('reads an array and reports bad elements at the line where they start', () => {
    const text = `[
  {"id": "a", "profile": "x86-64-server", "onnxruntime": "1.17.0"},
  {
    "id": "b",
    "profile": "nope"
  },
  {"id": "c", "labels": ["x", "y"]},
  "not a device"
]`;
    const inv = parseInventory(text, 'json', catalog);
    expect(inv.devices.map((d) => [d.id, d.line])).toEqual([
      ['a', 2],
      ['b', 3],
      ['c', 7],
    ]);
    expect(inv.errors).toEqual([{ line: 8, message: 'a device must be a JSON object' }]);
    expect(inv.unreadable).toEqual([
      { line: 3, id: 'b', field: 'profile', message: 'unknown hardware profile "nope"' },
    ]);
  });

  it('reads {"devices": [...]} and refuses other shapes with a typed error', () => {
    const inv = parseInventory(
      '{"exportedAt": "2026-01-01", "tags": ["q"],\n "devices": [\n {"id": "a"},\n {"id": 5}\n]}',
      'json',
      catalog,
    );
    expect(inv.devices.map((d) => [d.id, d.line])).toEqual([
      ['a', 3],
      ['5', 4],
    ]);
    expect(() => parseInventory('{"machines": []}', 'json', catalog)).toThrow(
      expect.objectContaining({ code: 'INVENTORY_SHAPE' }),
    );
    expect(() => parseInventory('[{"id": "a"},', 'json', catalog)).toThrow(
      expect.objectContaining({ code: 'INVENTORY_NOT_JSON' }),
    );
  });
});

describe('importInventory (files)', () => {
  it('streams CSV and NDJSON files and picks the format from the extension or content', async () => {
    const csv = join(dir, 'fleet.csv');
    writeFileSync(csv, CSV + '\n');
    const a = await importInventory(csv, catalog);
    expect(a.format).toBe('csv');
    expect(a.devices).toHaveLength(9);
    expect(a.errors).toHaveLength(2);
    expect(a.unreadable).toHaveLength(5);

    const nd = join(dir, 'fleet.export');
    writeFileSync(nd, '{"id":"a","profile":"x86-64-server-hailo-8"}\n{"id":"b"\n{"id":"c"}'); // no trailing newline
    const b = await importInventory(nd, catalog);
    expect(b.format).toBe('ndjson');
    expect(b.devices.map((d) => d.id)).toEqual(['a', 'c']);
    expect(b.errors).toEqual([{ line: 2, message: expect.stringMatching(/not valid JSON/) }]);

    const js = join(dir, 'fleet.json');
    writeFileSync(js, JSON.stringify([{ id: 'a', channel: 'stable' }], null, 2));
    const c = await importInventory(js, catalog);
    expect(c).toMatchObject({ format: 'json', devices: [{ id: 'a', channel: 'stable', line: 2 }] });
  });

  it('reports a missing file as a typed error', async () => {
    await expect(importInventory(join(dir, 'missing.csv'), catalog)).rejects.toMatchObject({
      code: 'INVENTORY_UNREADABLE',
    });
    await expect(importInventory(dir, catalog)).rejects.toMatchObject({ code: 'INVENTORY_UNREADABLE' });
  });

  it('handles lines split across read chunks (2 MiB file)', async () => {
    const p = join(dir, 'big.ndjson');
    const lines: string[] = [];
    for (let i = 0; i < 30000; i++)
      lines.push(
        JSON.stringify({
          id: `dev-${i}`,
          channel: i % 2 ? 'beta' : 'stable',
          profile: 'raspberrypi-4-4gb',
          tflite: '2.16.1',
        }),
      );
    writeFileSync(p, lines.join('\n'));
    const inv = await importInventory(p, catalog);
    expect(inv.errors).toEqual([]);
    expect(inv.devices).toHaveLength(30000);
    expect(inv.devices[29999]!.line).toBe(30000);
    expect(new Set(inv.devices.map((d) => d.facts)).size).toBe(1);
  });
});

describe('explicit facts objects', () => {
  it('are checked against the facts schema; a bad one is unreadable, not a lost device', () => {
    const inv = parseInventory(
      [
        '{"id":"a","facts":{"accelerators":5}}',
        '{"id":"b","facts":{"memoryMiB":"lots"}}',
        '{"id":"c","facts":{"runtimes":{"onnxruntime":{"version":"1.17.0","executionProviders":["CPUExecutionProvider"]}}}}',
        '{"id":"d","facts":{"cpu":{"abi":"sparc"}}}',
      ].join('\n'),
      'ndjson',
      catalog,
    );
    expect(inv.devices.map((d) => d.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(inv.errors).toEqual([]);
    expect(inv.unreadable.map((e) => [e.line, e.field, e.message])).toEqual([
      [1, 'facts', 'facts/accelerators must be array'],
      [2, 'facts', 'facts/memoryMiB must be integer'],
      [4, 'facts', 'facts/cpu/abi must be equal to one of the allowed values'],
    ]);
  });
});

describe('JSON inventories across read chunks', () => {
  it('reads pretty-printed devices that straddle 1 MiB chunks exactly as when read whole', async () => {
    const devices = [];
    for (let i = 0; i < 24000; i++)
      devices.push({
        id: `dev-${i}`,
        channel: i % 3 ? 'stable' : 'beta',
        profile: i % 5 ? 'raspberrypi-4-4gb' : 'nvidia-jetson-orin-nx-16gb-jp6.2',
        onnxruntime: i % 7 ? '1.17.0' : 'latest',
        labels: `site=${i % 11}`,
        ...(i % 13 ? {} : { facts: { memoryMiB: 2048 } }),
      });
    const text = JSON.stringify({ exportedAt: '2026-01-01', devices }, null, 2);
    expect(text.length).toBeGreaterThan(3 * 1024 * 1024);
    const p = join(dir, 'big.json');
    writeFileSync(p, text);
    const streamed = await importInventory(p, catalog);
    const whole = parseInventory(text, 'json', catalog);
    expect(streamed.size).toBe(24000);
    expect(streamed.devices).toEqual(whole.devices);
    expect(streamed.unreadable).toEqual(whole.unreadable);
    expect(streamed.devices[23999]!.line).toBe(text.split('\n').findIndex((l) => l.includes('"dev-23999"')));
    expect(streamed.unreadable.filter((u) => u.field === 'onnxruntime')).toHaveLength(Math.ceil(24000 / 7));
  });
});

describe('repeated device ids', () => {
  it('are found among many (hash buckets shared by chance are compared, not trusted)', () => {
    const rows = ['id,profile'];
    for (let i = 0; i < 200_000; i++) rows.push(`d${i},raspberrypi-4-4gb`);
    rows.push('d17,raspberrypi-4-4gb', 'd199999,raspberrypi-4-4gb', 'd17,raspberrypi-4-4gb');
    const inv = parseInventory(rows.join('\n'), 'csv', catalog);
    expect(inv.size).toBe(200_000);
    expect(inv.errors).toEqual([
      { line: 200_002, message: 'duplicate device id "d17" (first occurrence kept)' },
      { line: 200_003, message: 'duplicate device id "d199999" (first occurrence kept)' },
      { line: 200_004, message: 'duplicate device id "d17" (first occurrence kept)' },
    ]);
    expect(inv.id(199_999)).toBe('d199999');
    expect(inv.line(199_999)).toBe(200_001);
  });
});
