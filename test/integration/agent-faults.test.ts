/**
 * Fault injection on the agent (a real `fleetpack-agent` process against a real server): killed
 * with SIGKILL at each step of an update — download, unpack, swap, health check, commit — and
 * started again, it ends on a consistent, working model every time: `current` names a complete
 * slot whose files match their manifest, nothing is left pending, and the runtime the killed agent
 * left behind is stopped. An update interrupted more often than the limit is rolled back.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformClient } from '../../src-main/platform/index.js';
import { startServer, type RunningServer } from '../../src-main/server/index.js';
import { currentModel, runAgentOnce, type AgentSpec } from '../fixtures/agent-process.js';
import { startFaultProxy } from '../fixtures/fault-proxy.js';
import { newTestPlatform, packageDir, type TestPlatform } from '../fixtures/platform.js';
import { tempDir } from '../fixtures/temp.js';

const JETSON = {
  profile: 'nvidia-jetson-orin-nx-16gb',
  facts: {
    runtimes: {
      onnxruntime: { version: '1.18.0', executionProviders: ['CUDAExecutionProvider', 'CPUExecutionProvider'] },
    },
  },
};
const STEPS = ['download', 'unpack', 'swap', 'health', 'commit'] as const;
const actor = { name: 'ops', role: 'admin' as const };

let tp: TestPlatform;
let server: RunningServer;
let work: string;
const specs = new Map<string, AgentSpec>();

/** The slot `current` names is complete: every artifact file matches the manifest's size and SHA-256. */
function checkSlot(dataDir: string): string {
  const link = join(dataDir, 'current');
  const m = JSON.parse(readFileSync(join(link, 'fleetpack.json'), 'utf8')) as {
    version: string;
    artifact: { files: { path: string; size: number; sha256: string }[] };
  };
  for (const f of m.artifact.files) {
    const bytes = readFileSync(join(link, f.path));
    expect(bytes.length).toBe(f.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
  }
  return m.version;
}

/** Running (a zombie waiting for a reaper that is not us counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

beforeAll(async () => {
  tp = await newTestPlatform({ tag: 'faults' });
  server = await startServer(tp.platform);
  work = tempDir('fleetpack-faults-');
  const ids = [...STEPS.map((s) => `dev-${s}`), 'dev-twice', 'dev-resume'];
  for (const id of ids) {
    const { token } = await tp.platform.addDevice(actor, { id, channel: 'stable', ...JETSON });
    specs.set(id, {
      dir: join(work, id),
      platform: server.url,
      token: token.token,
      root: join(work, 'root.json'),
      facts: JETSON,
      healthCheck: 'test -f "$FLEETPACK_MODEL_DIR/model.onnx"',
      run: 'sleep 600',
    });
  }
  writeFileSync(join(work, 'root.json'), tp.init.root);
  for (const version of ['1.0.0', '1.1.0']) {
    // Different weights per version, so the update downloads them (and a cut download has bytes to resume).
    const dir = await packageDir(work, { version, weightsBytes: version === '1.0.0' ? 300_000 : 300_001 });
    await new PlatformClient(server.url, tp.publisher).publishDir(dir, { channel: 'stable' });
    await tp.platform.createRollout(actor, { model: 'person-detector', version, channel: 'stable' });
    if (version === '1.0.0') {
      for (const id of ids) {
        const r = await runAgentOnce(specs.get(id)!);
        expect(r.code, r.log).toBe(0);
        expect(currentModel(join(specs.get(id)!.dir, 'data'))?.version).toBe('1.0.0');
      }
    }
  }
}, 240_000);

afterAll(async () => {
  await (server as RunningServer | undefined)?.close();
  await (tp as TestPlatform | undefined)?.close();
});

describe('the agent killed at each step of an update', () => {
  for (const step of STEPS) {
    it(`killed at ${step}: a restart ends on a consistent, working model`, async () => {
      const spec = specs.get(`dev-${step}`)!;
      const dataDir = join(spec.dir, 'data');
      const killed = await runAgentOnce({ ...spec, env: { FLEETPACK_AGENT_FAULT: `kill-at=${step}` } });
      expect(killed.signal, killed.log).toBe('SIGKILL');
      expect(killed.log).toContain(`fault: killed at ${step}`);
      // Right after the crash, `current` is a complete model: the old one, or (after the swap) the new one.
      const mid = checkSlot(dataDir);
      expect(['1.0.0', '1.1.0']).toContain(mid);
      const leftover = ['swap', 'health', 'commit'].includes(step)
        ? Number(readFileSync(join(dataDir, 'run.pid'), 'utf8'))
        : undefined;
      if (leftover) expect(alive(leftover)).toBe(true);

      const again = await runAgentOnce(spec);
      expect(again.code, again.log).toBe(0);
      expect(checkSlot(dataDir)).toBe('1.1.0');
      const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as {
        pending?: unknown;
        current: { version: string };
        previous?: { version: string };
      };
      expect(state.pending).toBeUndefined();
      expect(state.current.version).toBe('1.1.0');
      // Only current and previous slots remain.
      expect(readdirSync(join(dataDir, 'slots')).length).toBeLessThanOrEqual(2);
      // The runtime the killed agent left running was stopped (its whole process group).
      if (leftover) expect(alive(leftover)).toBe(false);
      const rollout = (await tp.platform.rollouts())[0]!;
      const status = await tp.platform.rollout(rollout.id);
      expect(status.devices.find((d) => d.id === `dev-${step}`)?.state).toBe('healthy');
    });
  }

  it('an update interrupted more often than the limit is rolled back to the previous model', async () => {
    const spec = specs.get('dev-twice')!;
    const dataDir = join(spec.dir, 'data');
    for (let i = 0; i < 2; i++) {
      const killed = await runAgentOnce({ ...spec, env: { FLEETPACK_AGENT_FAULT: 'kill-at=health' } });
      expect(killed.signal, killed.log).toBe('SIGKILL');
    }
    const again = await runAgentOnce(spec);
    expect(again.log).toContain('rolled back person-detector@1.1.0: the update was interrupted 2 time(s)');
    expect(checkSlot(dataDir)).toBe('1.0.0');
    const status = await tp.platform.rollout((await tp.platform.rollouts())[0]!.id);
    expect(status.devices.find((d) => d.id === 'dev-twice')?.state).toBe('rolled-back');
    // And it never tries 1.1.0 again.
    const later = await runAgentOnce(spec);
    expect(later.code).toBe(0);
    expect(later.log).not.toContain('downloading');
    expect(checkSlot(dataDir)).toBe('1.0.0');
  });

  it('a download cut mid-file is no failure: the next attempt asks only for the rest (Range) and installs', async () => {
    const spec = specs.get('dev-resume')!;
    const dataDir = join(spec.dir, 'data');
    const proxy = await startFaultProxy(server.url);
    try {
      let cuts = 0;
      proxy.setRule((req) =>
        req.method === 'GET' && /^\/device\/v1\/targets\/.*weights\.bin$/.test(req.url ?? '') && cuts++ === 0
          ? { kind: 'cut-after', bytes: 120_000 }
          : { kind: 'pass' },
      );
      const cut = await runAgentOnce({ ...spec, platform: proxy.url });
      // Nothing was decided: `--once` says offline and exits 1; the device still runs 1.0.0 and is "downloading".
      expect(cut.code, cut.log).toBe(1);
      expect(cut.log).toMatch(/download of person-detector@1\.1\.0 interrupted .*resumes at the next attempt/);
      expect(checkSlot(dataDir)).toBe('1.0.0');
      const rolloutId = (await tp.platform.rollouts())[0]!.id;
      const during = await tp.platform.rollout(rolloutId);
      expect(during.devices.find((d) => d.id === 'dev-resume')?.state).toBe('downloading');
      const partials = readdirSync(join(dataDir, 'store', 'partial'));
      expect(partials).toHaveLength(1);

      const again = await runAgentOnce({ ...spec, platform: proxy.url });
      expect(again.code, again.log).toBe(0);
      expect(checkSlot(dataDir)).toBe('1.1.0');
      const gets = proxy.seen.filter((s) => s.method === 'GET' && s.path.endsWith('weights.bin'));
      expect(gets).toHaveLength(2);
      expect(gets[0]!.range).toBeUndefined();
      const from = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? '')?.[1]);
      expect(from).toBeGreaterThan(0);
      expect(from).toBeLessThanOrEqual(120_000);
      expect(readdirSync(join(dataDir, 'store', 'partial'))).toHaveLength(0);
      const after = await tp.platform.rollout(rolloutId);
      expect(after.devices.find((d) => d.id === 'dev-resume')?.state).toBe('healthy');
    } finally {
      await proxy.stop();
    }
  });
});
