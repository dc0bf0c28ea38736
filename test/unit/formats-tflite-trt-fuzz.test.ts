/**
 * Fuzz: bounded, seeded mutations of the TFLite and TensorRT fixtures (and Triton configs). Every
 * mutant must give a ModelInfo or a FormatError — never another exception, a hang or a slow read.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src-main/errors.js';
import { inspect } from '../../src-main/formats/inspect.js';
import { parseTritonConfig } from '../../src-main/formats/triton-config.js';
import { TFLITE_FIXTURES, tfliteFixture, type TfliteFixtureName } from '../fixtures/tflite-fixtures.js';
import {
  TRITON_NOBATCH_CONFIG,
  TRITON_TRT_CONFIG,
  engineBytes,
  legacyEngineBytes,
  withUltralyticsPrefix,
} from '../fixtures/tensorrt-fixtures.js';
import { rng } from '../fixtures/rng.js';
import { tempDir } from '../fixtures/temp.js';

const SEED = 0x5eed;
const TFLITE_MUTANTS = 200;
const TRT_MUTANTS = 120;
const TEXT_MUTANTS = 300;
/** Per-mutant ceiling; a healthy read takes a few milliseconds. */

function mutate(src: Buffer, r: () => number): { bytes: Buffer; how: string } {
  const int = (n: number) => Math.floor(r() * n);
  const b = Buffer.from(src);
  const at = int(b.length);
  const interesting = [
    0,
    1,
    2,
    4,
    8,
    0x7f,
    0x80,
    0xff,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    b.length,
    b.length - 4,
    int(0x100000000),
  ];
  switch (int(6)) {
    case 0: {
      const flips = 1 + int(8);
      for (let i = 0; i < flips; i++) {
        const p = int(b.length);
        b[p]! ^= 1 << int(8);
      }
      return { bytes: b, how: `flip ${flips} bits` };
    }
    case 1: {
      const p = Math.min(at & ~3, b.length - 4);
      const v = interesting[int(interesting.length)]! >>> 0;
      if (p >= 0) b.writeUInt32LE(v, p);
      return { bytes: b, how: `u32 ${v} at ${p}` };
    }
    case 2: {
      const p = Math.min(at & ~1, b.length - 2);
      const v = [0, 2, 4, 6, 0x7fff, 0xfffe, 0xffff, int(0x10000)][int(8)]!;
      if (p >= 0) b.writeUInt16LE(v, p);
      return { bytes: b, how: `u16 ${v} at ${p}` };
    }
    case 3:
      return { bytes: b.subarray(0, int(b.length)), how: `truncate to ${at}` };
    case 4: {
      const len = 1 + int(64);
      b.fill(int(2) ? 0 : 0xff, at, Math.min(b.length, at + len));
      return { bytes: b, how: `fill ${len} at ${at}` };
    }
    default: {
      // Copy a slice elsewhere: plausible-looking structure in the wrong place.
      const from = int(b.length);
      const len = 4 + int(60);
      b.copy(b, at, from, Math.min(b.length, from + len));
      return { bytes: b, how: `copy ${len} from ${from} to ${at}` };
    }
  }
}

const dir = tempDir('fp-fuzz-');

async function fuzzFile(
  name: string,
  original: Buffer,
  count: number,
  seed: number,
): Promise<{ ok: number; errors: Record<string, number> }> {
  const r = rng(seed);
  const path = join(dir, `${name}.bin`);
  const errors: Record<string, number> = {};
  let ok = 0;
  for (let i = 0; i < count; i++) {
    const { bytes, how } = mutate(original, r);
    writeFileSync(path, bytes);
    try {
      const info = await inspect(path);
      expect(Array.isArray(info.inputs) && Array.isArray(info.outputs), `${name} #${i} (${how})`).toBe(true);
      ok++;
    } catch (e) {
      if (!(e instanceof FormatError))
        throw new Error(`${name} mutant #${i} (${how}) threw ${String(e)}`, { cause: e });
      expect(e.code, `${name} #${i}`).toMatch(/^[A-Z_]+$/);
      errors[e.code] = (errors[e.code] ?? 0) + 1;
    }
  }
  return { ok, errors };
}

describe('fuzz: TFLite fixtures', () => {
  for (const [k, name] of (Object.keys(TFLITE_FIXTURES) as TfliteFixtureName[]).entries()) {
    it(`${name}: ${TFLITE_MUTANTS} mutants each read or fail with FormatError`, async () => {
      const res = await fuzzFile(`tflite-${name}`, tfliteFixture(name), TFLITE_MUTANTS, SEED + k);
      // Both outcomes must occur, or the mutations are not reaching the parser.
      expect(res.ok).toBeGreaterThan(0);
      expect(Object.values(res.errors).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
  }
});

describe('fuzz: TensorRT engines', () => {
  const engines: Record<string, Buffer> = {
    plain: engineBytes({ bodyBytes: 256 }),
    legacy: legacyEngineBytes(),
    ultralytics: withUltralyticsPrefix(engineBytes({ bodyBytes: 256 })),
  };
  for (const [k, [name, bytes]] of Object.entries(engines).entries()) {
    it(`${name}: ${TRT_MUTANTS} mutants each read or fail with FormatError`, async () => {
      const res = await fuzzFile(`trt-${name}`, bytes, TRT_MUTANTS, SEED + 100 + k);
      expect(res.ok).toBeGreaterThan(0);
    });
  }
});

describe('fuzz: Triton config.pbtxt', () => {
  it(`${TEXT_MUTANTS} text mutants parse or fail with FormatError`, () => {
    const r = rng(SEED + 200);
    const alphabet = '{}[]<>:,;"\'#-.0123456789 \nabcTYPE_FP32dims';
    let ok = 0;
    for (let i = 0; i < TEXT_MUTANTS; i++) {
      const src = i % 2 ? TRITON_TRT_CONFIG : TRITON_NOBATCH_CONFIG;
      const chars = src.split(''); // ASCII config text: code units are characters
      const edits = 1 + Math.floor(r() * 4);
      for (let e = 0; e < edits; e++) {
        const p = Math.floor(r() * chars.length);
        const op = Math.floor(r() * 3);
        if (op === 0) chars.splice(p, 1);
        else if (op === 1) chars.splice(p, 0, alphabet[Math.floor(r() * alphabet.length)]!);
        else chars[p] = alphabet[Math.floor(r() * alphabet.length)]!;
      }
      try {
        parseTritonConfig(chars.join(''));
        ok++;
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`text mutant #${i} threw ${String(e)}`, { cause: e });
      }
    }
    expect(ok).toBeGreaterThan(0);
  });
});
