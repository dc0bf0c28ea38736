/**
 * The example behind "Try an example": the committed files are exactly what the generator writes,
 * the model is a real one (ONNX Runtime runs it), and a session opens it by name — handles, never
 * paths, its own copies — through the same operations a chosen model, metrics file and inventory use.
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioSession } from '../../src-main/studio/index.js';
import { openExample } from '../../src-main/studio/examples.js';
import { EXAMPLE_DIR, EXAMPLE_NAME, exampleFiles } from '../fixtures/example.js';
import { tempDir } from '../fixtures/temp.js';

let session: StudioSession;
beforeAll(async () => {
  session = await StudioSession.create();
});
afterAll(() => session.dispose());

function value<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('the shipped example', () => {
  it('is exactly what test/fixtures/example.ts generates (regenerate with `npx tsx test/fixtures/example.ts`)', () => {
    const files = exampleFiles();
    expect(readdirSync(EXAMPLE_DIR).sort()).toEqual(Object.keys(files).sort());
    for (const [name, data] of Object.entries(files)) {
      expect(readFileSync(join(EXAMPLE_DIR, name)).equals(Buffer.from(data)), name).toBe(true);
    }
  });

  it('is a model ONNX Runtime runs: images[n,3,160,160] → scores[n,2] that sum to 1', async () => {
    const ortSession = await ort.InferenceSession.create(join(EXAMPLE_DIR, `${EXAMPLE_NAME}.onnx`));
    const images = new ort.Tensor('float32', new Float32Array(2 * 3 * 160 * 160).fill(0.5), [2, 3, 160, 160]);
    const { scores } = await ortSession.run({ images });
    expect(scores!.dims).toEqual([2, 2]);
    const [a, b] = scores!.data as Float32Array;
    expect(a! + b!).toBeCloseTo(1, 5);
  });

  it('is listed and opened by name: handles to copies, then the usual operations on them', async () => {
    const api = session.studioApi;
    const list = value(await api.listExamples({}));
    expect(list.map((e) => e.name)).toEqual([EXAMPLE_NAME]);

    const ex = value(await api.openExample({ name: EXAMPLE_NAME }));
    // No host path reaches the page: the answer names files by handle and base name only.
    expect(JSON.stringify(ex)).not.toContain(resolve(EXAMPLE_DIR));
    expect(JSON.stringify(ex)).not.toContain(session.workDir);
    expect(ex.model).toMatchObject({
      name: `${EXAMPLE_NAME}.onnx`,
      size: readFileSync(join(EXAMPLE_DIR, `${EXAMPLE_NAME}.onnx`)).length,
    });
    // The session works on its own copies, inside its working folder.
    expect(session.files.file(ex.model.handle).path.startsWith(session.workDir)).toBe(true);

    const opened = value(await api.openModel({ file: ex.model.handle }));
    expect(opened.model.info.inputs).toMatchObject([
      { name: 'images', dtype: 'float32', shape: ['batch', 3, 160, 160] },
    ]);
    expect(opened.model.runtimeNeeds).toContain('ai.onnx opset 17');
    expect(opened.manifest.manifest.inputs[0]?.preprocessing).toMatchObject({ colorOrder: 'RGB', valueRange: [0, 1] });

    const metrics = value(await api.importMetrics({ file: ex.metrics.handle }));
    expect(metrics.metrics.map((m) => m.name)).toEqual(['accuracy', 'f1_person', 'latency_p50']);

    const fleet = value(await api.loadInventory({ file: ex.inventory.handle }));
    expect(fleet).toMatchObject({ devices: 20, badRows: [], channels: ['beta', 'stable'] });
    const preview = value(await api.preview({ subject: 'draft' }));
    // The example shows every verdict: Pi 4s on ONNX Runtime 1.10 decline opset 17, Jetsons cannot tell.
    expect(preview.totals).toEqual({ compatible: 12, warning: 3, declined: 5 });
    expect(preview.reasons.find((r) => r.verdict === 'declined')).toMatchObject({
      code: 'ORT_OPSET_TOO_NEW',
      devices: 5,
    });
    // The fleet domain's groups, as they are: every device in exactly one, members listed by id.
    expect(preview.groups.reduce((n, g) => n + g.devices, 0)).toBe(20);
    for (const g of preview.groups) {
      const members = value(await api.groupDevices({ group: g.id }));
      expect(members).toMatchObject({ total: g.devices, offset: 0 });
      expect(members.ids.slice(0, g.sample.length)).toEqual(g.sample);
    }
    const bad = await session.call('groupDevices', { group: preview.groups[0]!.id, offset: -1 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('refuses a name that is not an example, without naming any path', async () => {
    for (const name of ['../../etc', 'no-such-example', 42]) {
      const r = await session.call('openExample', { name });
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('UNKNOWN_EXAMPLE');
      expect(r.error.hint).toContain(EXAMPLE_NAME);
      expect(JSON.stringify(r.error)).not.toContain(resolve('resources'));
    }
  });

  it('says which part of a damaged example folder is wrong', async () => {
    const root = tempDir('fp-examples-');
    mkdirSync(join(root, 'broken'));
    writeFileSync(
      join(root, 'broken', 'example.json'),
      JSON.stringify({
        name: 'broken',
        title: 'B',
        description: 'd',
        model: 'm.onnx',
        metrics: 'x.json',
        inventory: '../y',
      }),
    );
    await expect(openExample('broken', session.files, 1024, root)).rejects.toMatchObject({
      code: 'EXAMPLE_BROKEN',
      message: 'The example "broken" is incomplete: m.onnx is missing',
    });
    writeFileSync(join(root, 'broken', 'm.onnx'), 'x');
    writeFileSync(join(root, 'broken', 'x.json'), '{}');
    await expect(openExample('broken', session.files, 1024, root)).rejects.toMatchObject({
      message: 'The example "broken" is incomplete: "inventory" must be a file name in the folder',
    });
  });
});
