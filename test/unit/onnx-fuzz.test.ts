/**
 * Fuzz: a fixed, seeded set of mutations of every ONNX fixture — byte flips, truncations,
 * corrupted length prefixes, splices. Each must give a ModelInfo or a FormatError, fast.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src-main/errors.js';
import { inspect } from '../../src-main/formats/index.js';
import { scanFields } from '../../src-main/formats/proto-cursor.js';
import { lengthField, ONNX_FIXTURES, onnx, T, tensorType } from '../fixtures/onnx-models.js';
import { rng } from '../fixtures/rng.js';
import { tempDir } from '../fixtures/temp.js';

/** Bounded in the suite; raise FLEETPACK_FUZZ_N for a longer local run. */
const MUTATIONS_PER_FIXTURE = Number(process.env.FLEETPACK_FUZZ_N ?? 80);

let dir: string;
beforeAll(() => {
  dir = tempDir('fleetpack-onnx-fuzz-');
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
      let n = 0;
      for (const [name, build] of Object.entries(ONNX_FIXTURES)) {
        const src = build();
        for (let i = 0; i < MUTATIONS_PER_FIXTURE; i++) {
          const bytes = mutate(src, r);
          const p = join(dir, `f${n++}.onnx`);
          writeFileSync(p, bytes);
          try {
            const info = await inspect(p);
            expect(Array.isArray(info.inputs) && Array.isArray(info.outputs)).toBe(true);
            JSON.stringify(info);
            infos++;
          } catch (e) {
            if (e instanceof FormatError && typeof e.code === 'string' && e.hint) errors++;
            else failures.push(`${name} #${i}: ${(e as Error).constructor.name} ${(e as Error).message}`);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(infos + errors).toBe(n);
      // Both outcomes occur, so the mutations reach past detection into the reader.
      expect(infos).toBeGreaterThan(0);
      expect(errors).toBeGreaterThan(0);
    },
  );
});

/**
 * Mutants of graph inputs that onnx's C++ protobuf reads differently from protobufjs (issue:
 * "ONNX graph inputs/outputs decode loosely"): a known field given another wire type, and a
 * nested length running past its enclosing message. Each must be refused (FormatError) or read
 * with a warning that says what was ignored — never accepted silently.
 */
describe('ONNX graph input mutants (wire types, nested lengths)', () => {
  /** onnx.proto fields of the messages inside a ValueInfoProto: field → [wire type, message it holds]. */
  const SCHEMA: Record<string, Record<number, [number, string?]>> = {
    ValueInfo: { 1: [2], 2: [2, 'Type'], 3: [2] },
    Type: { 1: [2, 'Tensor'], 4: [2, 'Elem'], 5: [2, 'Map'], 6: [2], 8: [2, 'Tensor'], 9: [2, 'Elem'] },
    Tensor: { 1: [0], 2: [2, 'Shape'] },
    Shape: { 1: [2, 'Dim'] },
    Dim: { 1: [0], 2: [2], 3: [2] },
    Elem: { 1: [2, 'Type'] },
    Map: { 1: [0], 2: [2, 'Type'] },
  };
  interface Field {
    tagAt: number;
    wire: number;
    /** For length-delimited fields: where the (one-byte) length is, and the parent's end. */
    lenAt?: number;
    parentEnd: number;
    end: number;
  }
  /** Every known field of a ValueInfoProto's tree (one-byte tags and lengths, as these fixtures have). */
  function fields(buf: Buffer, msg = 'ValueInfo', from = 0, to = buf.length, out: Field[] = []): Field[] {
    let p = from;
    while (p < to) {
      const tag = buf[p]!;
      const [wire, child] = SCHEMA[msg]?.[tag >>> 3] ?? [-1];
      if (wire === 0) {
        let q = p + 1;
        while (buf[q]! & 0x80) q++;
        out.push({ tagAt: p, wire, parentEnd: to, end: q + 1 });
        p = q + 1;
      } else if (wire === 2) {
        const len = buf[p + 1]!;
        out.push({ tagAt: p, wire, lenAt: p + 1, parentEnd: to, end: p + 2 + len });
        if (child) fields(buf, child, p + 2, p + 2 + len, out);
        p += 2 + len;
      } else return out;
    }
    return out;
  }
  const samples = [
    onnx.ValueInfoProto.encode({ name: 'images', type: tensorType(T.FLOAT, ['batch', 3, 224, 224], 'IMAGE') }).finish(),
    onnx.ValueInfoProto.encode({
      name: 'scores',
      docString: 'per class',
      type: { sequenceType: { elemType: { mapType: { keyType: T.INT64, valueType: tensorType(T.FLOAT, [1]) } } } },
    }).finish(),
  ].map((b) => Buffer.from(b));

  function model(vi: Buffer): Buffer {
    const out = onnx.ValueInfoProto.encode({ name: 'y', type: tensorType(T.FLOAT, [1]) }).finish();
    return Buffer.concat([
      Buffer.from([0x08, 0x08]),
      lengthField(8, Buffer.from([0x0a, 0x00, 0x10, 0x11])),
      lengthField(7, Buffer.concat([lengthField(11, vi), lengthField(12, out)])),
    ]);
  }

  it('every wire-type change and every nested over-long length is refused or warned about', async () => {
    const r = rng(8);
    const silent: string[] = [];
    let refused = 0;
    let warned = 0;
    let m = 0;
    for (const src of samples) {
      const fs = fields(src);
      for (const f of fs) {
        const variants: [string, Buffer][] = [];
        for (const wire of [0, 1, 2, 5]) {
          if (wire === f.wire) continue;
          const b = Buffer.from(src);
          b[f.tagAt] = (b[f.tagAt]! & ~7) | wire;
          variants.push([`tag@${f.tagAt} wire ${f.wire}→${wire}`, b]);
        }
        if (f.lenAt !== undefined && f.parentEnd - f.end > 0 && f.parentEnd < src.length) {
          // Longer than its parent allows, yet inside the ValueInfoProto: only a strict reader notices.
          const b = Buffer.from(src);
          const extra = 1 + Math.floor(r() * (src.length - f.parentEnd));
          if (b[f.lenAt]! + (f.parentEnd - f.end) + extra < 0x80) {
            b[f.lenAt] = b[f.lenAt]! + (f.parentEnd - f.end) + extra;
            variants.push([`len@${f.lenAt} past parent end`, b]);
          }
        }
        for (const [what, b] of variants) {
          const p = join(dir, `vi${m++}.onnx`);
          writeFileSync(p, model(b));
          try {
            const info = await inspect(p);
            if (info.warnings.length === 0) silent.push(`${what}: ${JSON.stringify(info.inputs)}`);
            else warned++;
          } catch (e) {
            if (!(e instanceof FormatError)) throw e;
            refused++;
          }
        }
      }
    }
    expect(silent).toEqual([]);
    expect(refused).toBeGreaterThan(0);
    expect(warned).toBeGreaterThan(0);
    expect(m).toBeGreaterThan(40);
  });
});
