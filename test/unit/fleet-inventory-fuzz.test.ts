import { describe, expect, it } from 'vitest';
import { isFleetpackError } from '../../src-main/errors.js';
import { defaultCatalog, parseInventory, type InventoryFormat } from '../../src-main/fleet/index.js';
import { rng } from '../fixtures/rng.js';

const catalog = defaultCatalog();

const SEEDS: Record<InventoryFormat, string> = {
  csv: [
    'id,channel,profile,arch,memory_mib,accelerators,onnxruntime,execution_providers,tensorrt,tflite,delegates,libedgetpu,hailort,labels',
    'a,stable,nvidia-jetson-orin-nx-16gb-jp6.2,,,,1.18.1,TensorrtExecutionProvider;CPUExecutionProvider,,,,,,"x, y"',
    'b,beta,raspberrypi-4-4gb-coral-usb,armv7l,4096,edgetpu,none,,,2.16.1,xnnpack,16.0,,site=a',
    'c,stable,,x86_64,65536,gpu,1.20.1,,10.3.0.30,,,,4.20.0,',
  ].join('\n'),
  ndjson: [
    '{"id":"a","channel":"stable","profile":"raspberrypi-5-8gb-ai-kit","hailort":"4.20.0","labels":{"k":"v"}}',
    '{"id":"b","facts":{"cpu":{"abi":"aarch64"},"runtimes":{"tflite":{"version":"2.16.1","delegates":["xnnpack"]}}}}',
    '{"id":"c","profile":"x86-64-server-t4","tensorrt":"10.3.0.30","memoryMiB":32768}',
  ].join('\n'),
  json: JSON.stringify(
    {
      devices: [
        { id: 'a', profile: 'coral-dev-board', libedgetpu: '14' },
        { id: 'b', onnxruntime: '1.17.0', executionProviders: ['CPUExecutionProvider'] },
      ],
    },
    null,
    2,
  ),
};

const ALPHABET = ',;"{}[]:\n\r\\ 0123456789.-abcnoe';

function mutate(text: string, rand: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (s.length + 1));
    const op = rand();
    if (op < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 5));
    else if (op < 0.8) s = s.slice(0, at) + ALPHABET[Math.floor(rand() * ALPHABET.length)]! + s.slice(at);
    else s = s.slice(0, at) + s.slice(Math.floor(rand() * s.length));
  }
  return s;
}

describe('inventory parsers under mutation (fuzz, bounded)', () => {
  for (const format of Object.keys(SEEDS) as InventoryFormat[]) {
    it(`${format}: 400 mutated inputs give devices + line-numbered errors or a typed error, never a crash`, () => {
      const rand = rng(format.length * 7919);
      let typed = 0;
      for (let i = 0; i < 400; i++) {
        const input = mutate(SEEDS[format], rand);
        try {
          const inv = parseInventory(input, format, catalog);
          expect(inv.rows).toBe(inv.devices.length + inv.errors.length);
          for (const e of inv.errors) {
            expect(e.line).toBeGreaterThanOrEqual(format === 'json' ? 0 : 1);
            expect(e.message.length).toBeGreaterThan(3);
          }
          for (const d of inv.devices) expect(typeof d.id).toBe('string');
        } catch (e) {
          expect(isFleetpackError(e), `${String(e)}\n--- input:\n${input}`).toBe(true);
          typed++;
        }
      }
      if (format === 'csv') expect(typed).toBeLessThan(400); // most mutations keep the header
    });
  }
});

/**
 * The byte-level fast paths (plain CSV cells, flat JSON objects) and the decoding slow path (JSON
 * with escapes) must give the same inventory. Random rows are written four ways and read back.
 */
describe('fast and slow inventory paths agree (differential fuzz)', () => {
  const PICK: Record<string, string[]> = {
    profile: ['', 'raspberrypi-4-4gb', 'nvidia-jetson-orin-nx-16gb-jp6.2', 'x86-64-server-t4', 'no-such-profile'],
    arch: ['', 'aarch64', 'armhf', 'sparc'],
    memory_mib: ['', '4096', '0', 'lots'],
    onnxruntime: ['', '1.17.0', 'none', '1.x', '1.16.3+cu118'],
    execution_providers: ['', 'CPUExecutionProvider', 'TensorrtExecutionProvider;CPUExecutionProvider', 'none'],
    tensorrt: ['', '10.3.0.30', '8.6', 'latest'],
    tflite: ['', '2.16.1', 'none'],
    delegates: ['', 'xnnpack', 'GPU'],
    accelerators: ['', 'gpu', 'edgetpu;gpu', 'warp-drive', 'none'],
    channel: ['', 'stable', 'beta', ' stable '],
    labels: ['', 'site=a', 'a;b'],
  };
  const COLS = ['id', ...Object.keys(PICK)];

  function rows(rand: () => number, n: number): Record<string, string>[] {
    const out: Record<string, string>[] = [];
    for (let i = 0; i < n; i++) {
      const r: Record<string, string> = { id: rand() < 0.05 ? '' : rand() < 0.05 ? 'dup' : `dev-${i}` };
      for (const [k, values] of Object.entries(PICK)) r[k] = values[Math.floor(rand() * values.length)]!;
      out.push(r);
    }
    return out;
  }
  /** A JSON string whose every character is a \u escape: the flat reader must decode it. */
  const escaped = (s: string) =>
    `"${Array.from(s, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`;
  const obj = (r: Record<string, string>, str: (s: string) => string) =>
    `{${COLS.filter((k) => r[k] !== '')
      .map((k) => `"${k}":${str(r[k]!)}`)
      .join(',')}}`;
  const view = (format: InventoryFormat, text: string, lineShift: number) => {
    const inv = parseInventory(text, format, catalog);
    return {
      devices: inv.devices.map((d) => ({ ...d, line: d.line! - lineShift, factsKey: undefined })),
      errors: inv.errors.map((e) => ({ ...e, line: e.line - lineShift })),
      unreadable: inv.unreadable.map((e) => ({ ...e, line: e.line - lineShift })),
      rows: inv.rows,
    };
  };

  it('CSV, NDJSON, escaped NDJSON and a JSON array give the same devices, problems and lines', () => {
    const rand = rng(20260101);
    for (let round = 0; round < 20; round++) {
      const rs = rows(rand, 60);
      // Every other round the columns are shuffled, so fact columns are not always adjacent.
      const cols = round % 2 ? [...COLS].sort(() => rand() - 0.5) : COLS;
      const csv = [cols.join(','), ...rs.map((r) => cols.map((k) => r[k]).join(','))].join('\n');
      const nd = rs.map((r) => obj(r, (s) => JSON.stringify(s))).join('\n');
      const slow = rs.map((r) => obj(r, escaped)).join('\n');
      const json = `[\n${rs.map((r) => obj(r, (s) => JSON.stringify(s))).join(',\n')}\n]`;
      const a = view('csv', csv, 1);
      expect(view('ndjson', nd, 0)).toEqual(a);
      expect(view('ndjson', slow, 0)).toEqual(a);
      expect(view('json', json, 1)).toEqual(a);
      expect(a.devices.length + a.errors.length).toBe(rs.length);
    }
  });
});
