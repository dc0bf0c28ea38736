/**
 * Opening a big model while it still arrives from the browser: a quick read (header and end)
 * prefills the manifest at once, the full read follows as a job, and its facts replace the
 * provisional ones the engineer has not edited. The "browser" here answers the session's range
 * requests from the real file and then sends the rest, as src-renderer/api/http.ts does.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResults, Manifest, OpenModelResult } from '../../src-main/studio/contract.js';
import { StudioSession } from '../../src-main/studio/index.js';
import { writeLargeOnnx } from '../fixtures/onnx-large.js';
import { fp16WeightsAsInputsModel } from '../fixtures/onnx-models.js';
import { tempDir } from '../fixtures/temp.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('fleetpack-quick-open-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A page holding `path`: answers range requests (unless held back), then sends everything. */
async function arrive(session: StudioSession, path: string) {
  const bytes = readFileSync(path);
  const ref = await session.files.startArriving('model.onnx', bytes.length, session.maxUploadBytes);
  let held: (() => Promise<void>)[] | undefined;
  let ranges = 0;
  const answer = async (spec: { offset: number; length: number }[]) => {
    ranges++;
    const body = Buffer.concat(spec.map((r) => bytes.subarray(r.offset, r.offset + r.length)));
    await session.files.writeRanges(
      ref.handle,
      spec.map((r) => `${r.offset}:${r.length}`).join(','),
      Readable.from([body]),
    );
  };
  session.files.onRangeRequest((r) => {
    if (r.upload !== ref.handle) return;
    if (held) held.push(() => answer(r.ranges));
    else void answer(r.ranges);
  });
  return {
    handle: ref.handle,
    get ranges() {
      return ranges;
    },
    hold: () => void (held ??= []),
    async release() {
      const queue = held ?? [];
      held = undefined;
      for (const a of queue) await a();
    },
    async sendAll() {
      for (let off = 0; off < bytes.length; off += 4 * 1024 * 1024) {
        await session.files.writeChunk(ref.handle, off, Readable.from([bytes.subarray(off, off + 4 * 1024 * 1024)]));
      }
    },
  };
}

async function job<K extends keyof JobResults>(
  session: StudioSession,
  id: string | undefined,
  _kind: K,
): Promise<JobResults[K]> {
  expect(id).toBeDefined();
  for (;;) {
    const s = await session.call('jobStatus', { jobId: id! });
    if (!s.ok) throw new Error(s.error.message);
    if (s.value.state === 'done') return s.value.result as JobResults[K];
    if (s.value.state !== 'running') throw new Error(`job ${s.value.state}: ${s.value.error?.message}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function open(session: StudioSession, handle: string): Promise<OpenModelResult> {
  const r = await session.call('openModel', { file: handle });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('quick open of an arriving model', () => {
  it(
    'prefills from the header and end, then confirms with the full read and hashes the whole file',
    { timeout: 60_000 },
    async () => {
      const path = join(dir, 'large.onnx');
      writeLargeOnnx(path, { count: 64, rows: 256, cols: 256 });
      const session = await StudioSession.create();
      try {
        const page = await arrive(session, path);
        const opened = await open(session, page.handle);
        expect(opened.model.info.partial?.skippedBytes).toBeGreaterThan(16_000_000);
        expect(opened.manifest.manifest.inputs.map((t) => t.name)).toEqual(['x']);
        expect(opened.manifest.manifest.outputs.map((t) => t.name)).toEqual(['y']);
        // Header and end only: a handful of round trips to the page, not one per weight.
        expect(page.ranges).toBeLessThanOrEqual(4);

        const full = await job(session, opened.inspectJob, 'inspect');
        expect(full.changed).toBe(false);
        expect(full.model.info.partial).toBeUndefined();
        expect(full.model.info.details?.initializerCount).toBe(64);
        await page.sendAll();
        const digest = await job(session, opened.digestJob, 'digest');
        expect(digest.files[0]?.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
        const m = await session.call('getManifest', {});
        expect(m.ok && m.value.manifest.inputs.map((t) => t.name)).toEqual(['x']);
      } finally {
        await session.dispose();
      }
    },
  );

  it('replaces provisional facts the engineer left alone and keeps the edited ones', { timeout: 60_000 }, async () => {
    // Initializers listed as graph inputs (older exporters) and float16 weights: a quick read
    // cannot tell either; the full read can.
    const count = 10;
    const path = join(dir, 'fp16-inputs.onnx');
    writeFileSync(path, fp16WeightsAsInputsModel(count));
    const session = await StudioSession.create();
    try {
      const page = await arrive(session, path);
      const opened = await open(session, page.handle);
      expect(opened.model.info.partial).toBeDefined();
      const provisional = opened.manifest.manifest;
      expect(provisional.inputs).toHaveLength(count + 1);
      expect(provisional.framework.quantization).toBeUndefined();

      // The engineer edits input x while the full read is held back.
      page.hold();
      const edited: Manifest = {
        ...provisional,
        inputs: provisional.inputs.map((t) =>
          t.name === 'x' ? { ...t, description: 'audio frames', preprocessing: { layout: 'NC' } } : t,
        ),
      };
      const afterEdit = await session.call('updateManifest', { manifest: edited });
      expect(afterEdit.ok).toBe(true);
      await page.release();
      const full = await job(session, opened.inspectJob, 'inspect');
      expect(full.changed).toBe(true);
      expect(full.model.info.inputs.map((t) => t.name)).toEqual(['x']);
      expect(full.model.info.details?.initializerInputs).toHaveLength(count);

      const now = await session.call('getManifest', {});
      if (!now.ok) throw new Error(now.error.message);
      expect(now.value.manifest.inputs).toEqual([
        expect.objectContaining({ name: 'x', description: 'audio frames', preprocessing: { layout: 'NC' } }),
      ]);
      expect(now.value.manifest.framework.quantization).toBe('float16');

      // An editor that still holds the provisional inputs (a save in flight) cannot bring them back.
      const stale = await session.call('updateManifest', { manifest: { ...edited, name: 'renamed' } });
      if (!stale.ok) throw new Error(stale.error.message);
      expect(stale.value.manifest.inputs.map((t) => t.name)).toEqual(['x']);
      expect(stale.value.manifest.name).toBe('renamed');
      await page.sendAll();
      await job(session, opened.digestJob, 'digest');
    } finally {
      await session.dispose();
    }
  });

  it('reads small or finished files fully at once (no inspect job)', { timeout: 30_000 }, async () => {
    const path = join(dir, 'small.onnx');
    writeLargeOnnx(path, { count: 4, rows: 16, cols: 16 });
    const session = await StudioSession.create();
    try {
      const page = await arrive(session, path);
      const opened = await open(session, page.handle);
      expect(opened.model.info.partial).toBeUndefined();
      expect(opened.inspectJob).toBeUndefined();
    } finally {
      await session.dispose();
    }
  });
});
