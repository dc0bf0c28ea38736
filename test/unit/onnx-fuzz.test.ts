/**
 * Fuzz: a fixed, seeded set of mutations of every ONNX fixture — byte flips, truncations,
 * corrupted length prefixes, splices. Each must give a ModelInfo or a FormatError, fast.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src-main/errors.js';
import { inspect } from '../../src-main/formats/index.js';
import { scanFields } from '../../src-main/formats/proto-cursor.js';
import { ONNX_FIXTURES } from '../fixtures/onnx-models.js';
import { rng } from '../fixtures/rng.js';

/** Bounded in the suite; raise FLEETPACK_FUZZ_N for a longer local run. */
const MUTATIONS_PER_FIXTURE = Number(process.env.FLEETPACK_FUZZ_N ?? 80);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetpack-onnx-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Offsets of length prefixes in the message tree, found by walking nested payloads that parse. */
function lengthPrefixes(buf: Buffer, base = 0, depth = 0, out: number[] = []): number[] {
  if (depth > 4) return out;
  scanFields(buf, (_field, wire, value, start) => {
    if (wire === 2) {
      // The prefix starts right after the tag; find it by re-encoding the length.
      const lenBytes = protobuf.Writer.create().uint32(value).finish().length;
      out.push(base + start - lenBytes);
      if (start + value <= buf.length) lengthPrefixes(buf.subarray(start, start + value), base + start, depth + 1, out);
    }
    return true;
  });
  return out;
}

function mutate(src: Buffer, r: () => number): Buffer {
  const b = Buffer.from(src);
  const at = () => Math.floor(r() * b.length);
  switch (Math.floor(r() * 6)) {
    case 0: // flip a few bytes
      for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) b[at()] = Math.floor(r() * 256);
      return b;
    case 1: // truncate
      return b.subarray(0, at());
    case 2: {
      // corrupt a length prefix with a huge, zero or off-by-some value
      const prefixes = lengthPrefixes(src);
      const p = prefixes[Math.floor(r() * prefixes.length)] ?? at();
      const values = [0xffffffff, 0x7fffffff, b.length * 2, 0, Math.floor(r() * 300)];
      const v = protobuf.Writer.create()
        .uint32(values[Math.floor(r() * values.length)]!)
        .finish();
      return Buffer.concat([b.subarray(0, p), Buffer.from(v), b.subarray(p + 1)]);
    }
    case 3: {
      // duplicate a slice (repeated / interleaved fields, misaligned data)
      const s = at();
      const e = Math.min(b.length, s + 1 + Math.floor(r() * 64));
      const d = at();
      return Buffer.concat([b.subarray(0, d), b.subarray(s, e), b.subarray(d)]);
    }
    case 4: {
      // delete a slice
      const s = at();
      return Buffer.concat([b.subarray(0, s), b.subarray(Math.min(b.length, s + 1 + Math.floor(r() * 16)))]);
    }
    default: // set continuation bits: runaway varints
      for (let i = 0, p = at(), n = 1 + Math.floor(r() * 12); i < n && p + i < b.length; i++) b[p + i]! |= 0x80;
      return b;
  }
}

describe('ONNX reader fuzz', () => {
  it(
    `${Object.keys(ONNX_FIXTURES).length} fixtures × ${MUTATIONS_PER_FIXTURE} mutations: a ModelInfo or a FormatError, never anything else`,
    { timeout: 60_000 },
    async () => {
      const r = rng(20261126);
      const failures: string[] = [];
      let infos = 0;
      let errors = 0;
      let slowest = 0;
      let n = 0;
      for (const [name, build] of Object.entries(ONNX_FIXTURES)) {
        const src = build();
        for (let i = 0; i < MUTATIONS_PER_FIXTURE; i++) {
          const bytes = mutate(src, r);
          const p = join(dir, `f${n++}.onnx`);
          writeFileSync(p, bytes);
          const t0 = performance.now();
          try {
            const info = await inspect(p);
            expect(Array.isArray(info.inputs) && Array.isArray(info.outputs)).toBe(true);
            JSON.stringify(info);
            infos++;
          } catch (e) {
            if (e instanceof FormatError && typeof e.code === 'string' && e.hint) errors++;
            else failures.push(`${name} #${i}: ${(e as Error).constructor.name} ${(e as Error).message}`);
          }
          slowest = Math.max(slowest, performance.now() - t0);
        }
      }
      expect(failures).toEqual([]);
      expect(infos + errors).toBe(n);
      // Both outcomes occur, so the mutations reach past detection into the reader.
      expect(infos).toBeGreaterThan(0);
      expect(errors).toBeGreaterThan(0);
      expect(slowest).toBeLessThan(1000);
    },
  );
});
