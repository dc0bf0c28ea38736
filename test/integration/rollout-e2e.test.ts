/**
 * A rollout end to end with real processes: `platform serve` on a throwaway PostgreSQL, three
 * `fleetpack-agent` processes in temp folders with different facts. The device without the GPU
 * execution provider is declined before anything ships and never downloads; the device whose
 * health check fails for the new release rolls back and keeps running the previous model. The
 * test reads `current` on each device.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformClient, type RolloutStatus } from '../../src-main/platform/index.js';
import { currentModel, startAgent, storedFiles, waitUntil, type AgentProcess } from '../fixtures/agent-process.js';
import { packageDir, PASSPHRASE, publisherKeyPair, writeText } from '../fixtures/platform.js';
import { tempDir } from '../fixtures/temp.js';
import { fleetpack, serve, type ServeProcess } from '../fixtures/platform-process.js';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres.js';

const ORT_CUDA = {
  onnxruntime: { version: '1.18.0', executionProviders: ['CUDAExecutionProvider', 'CPUExecutionProvider'] },
};
/** Fits the test package (ONNX Runtime ≥ 1.17 with the CUDA execution provider). */
const JETSON = { profile: 'nvidia-jetson-orin-nx-16gb', facts: { runtimes: ORT_CUDA } };
/** No GPU, CPU-only ONNX Runtime: the CUDA execution provider is missing. */
const CPU_BOX = {
  facts: {
    cpu: { isa: 'x86_64', abi: 'x86_64', cores: 4 },
    memoryMiB: 8192,
    accelerators: [],
    runtimes: { onnxruntime: { version: '1.18.0', executionProviders: ['CPUExecutionProvider'] } },
  },
};

let pg: PostgresCluster | undefined;
let server: ServeProcess | undefined;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  for (const a of agents) await a.stop('SIGTERM');
  await server?.kill('SIGTERM');
  pg?.remove();
});

describe('rollout with three agents on PostgreSQL', () => {
  it('installs on the matching device, declines the misfit before shipping, rolls back the unhealthy one', async () => {
    const work = tempDir('fleetpack-e2e-');
    const env = { FLEETPACK_PLATFORM_PASSPHRASE: PASSPHRASE };
    const db = ['--database', pg!.createDatabase()];
    const init = await fleetpack(['platform', 'init', '--bins', '16', '--json', ...db], { cwd: work, env });
    expect(init.code, init.err).toBe(0);
    const root = (JSON.parse(init.out) as { rootFile: string }).rootFile;
    const admin = (
      await fleetpack(['platform', 'token', 'create', 'ops', '--role', 'admin', ...db], { cwd: work, env })
    ).out.trim();
    const deviceToken = async (id: string, extra: string[]) => {
      const r = await fleetpack(['platform', 'device', 'add', id, '--channel', 'stable', ...extra, ...db], {
        cwd: work,
        env,
      });
      expect(r.code, r.err).toBe(0);
      return r.out.trim();
    };
    const tokens = {
      fit: await deviceToken('jetson-fit', ['--profile', 'nvidia-jetson-orin-nx-16gb', '--label', 'site=a']),
      cpu: await deviceToken('cpu-box', []),
      sick: await deviceToken('jetson-sick', ['--profile', 'nvidia-jetson-orin-nx-16gb']),
    };
    // The publisher ("ops", the admin token's name) signs its packages; the agents verify model.sig themselves.
    const publisher = publisherKeyPair();
    const added = await fleetpack(
      ['platform', 'publisher', 'add-key', 'ops', writeText(join(work, 'ops.pub.pem'), publisher.publicKeyPem), ...db],
      { cwd: work, env },
    );
    expect(added.code, added.err).toBe(0);
    server = await serve(db, { cwd: work, env });
    const url = server.url;
    const cli = (args: string[]) =>
      fleetpack([...args, '--platform', url], { cwd: work, env: { ...env, FLEETPACK_TOKEN: admin } });
    const client = new PlatformClient(url, admin);

    // Release 1.0.0 on stable, rolled out first: the two Jetsons install it, the CPU box is declined.
    const v1 = await packageDir(work, { version: '1.0.0', signWith: publisher.privateKeyPem });
    const published1 = await cli(['publish', v1, '--channel', 'stable', '--json']);
    expect(published1.code, published1.err).toBe(0);
    expect((JSON.parse(published1.out) as { release: { signature: unknown } }).release.signature).toEqual({
      status: 'verified',
      keyId: publisher.keyId,
    });

    const spec = (name: string, token: string, facts: unknown, healthCheck: string) => ({
      dir: join(work, name),
      platform: url,
      token,
      root,
      facts,
      healthCheck,
      run: 'sleep 1000',
    });
    // The unhealthy device: its check passes only for 1.0.0 (it reads the manifest through `current`).
    const sickCheck = `grep -q '"version": "1.0.0"' "$FLEETPACK_MODEL_DIR/fleetpack.json"`;
    const fit = startAgent(spec('fit', tokens.fit, JETSON, 'test -f "$FLEETPACK_MODEL_DIR/model.onnx"'));
    const cpu = startAgent(spec('cpu', tokens.cpu, CPU_BOX, 'true'));
    const sick = startAgent(spec('sick', tokens.sick, JETSON, sickCheck));
    agents.push(fit, cpu, sick);

    // The agents report their facts at start; the rollout's preview reads them.
    await waitUntil('the agents to report their facts', async () => {
      const { devices } = await client.devices({ channel: 'stable' });
      return devices.length === 3 && devices.every((d) => d.source === 'agent') ? devices : undefined;
    });

    const created1 = await cli(['rollout', 'create', 'person-detector@1.0.0', '--channel', 'stable', '--json']);
    expect(created1.code, created1.err + created1.out).toBe(0);
    const r1 = JSON.parse(created1.out) as RolloutStatus;
    // The report has the shape of `fleetpack compat --json`.
    expect(r1.report.totals).toEqual({ compatible: 2, warning: 0, declined: 1 });
    expect(r1.report.byReason.map((x) => x.code)).toContain('EP_MISSING');
    const declined = r1.devices.find((d) => d.id === 'cpu-box')!;
    expect(declined.state).toBe('declined');
    expect(JSON.stringify(declined.reason)).toContain('EP_MISSING');

    const done1 = await waitUntil('rollout 1 to complete', async () => {
      const s = await client.rollout(r1.id);
      return s.state === 'completed' ? s : undefined;
    });
    expect(Object.fromEntries(done1.devices.map((d) => [d.id, d.state]))).toEqual({
      'cpu-box': 'declined',
      'jetson-fit': 'healthy',
      'jetson-sick': 'healthy',
    });
    expect(currentModel(fit.dataDir)?.version).toBe('1.0.0');
    expect(currentModel(sick.dataDir)?.version).toBe('1.0.0');
    const sickV1Slot = currentModel(sick.dataDir)!.slot;

    // Release 1.1.0: the fit device installs it; the sick one's check fails → rolled back to 1.0.0.
    const v2 = await packageDir(work, { version: '1.1.0', signWith: publisher.privateKeyPem });
    expect((await cli(['publish', v2, '--channel', 'stable'])).code).toBe(0);
    const created2 = await cli(['rollout', 'create', 'person-detector@1.1.0', '--channel', 'stable', '--json']);
    expect(created2.code, created2.err + created2.out).toBe(0);
    const r2 = JSON.parse(created2.out) as RolloutStatus;
    const done2 = await waitUntil('rollout 2 to finish', async () => {
      const s = await client.rollout(r2.id);
      return s.state === 'completed' ? s : undefined;
    });
    const states = Object.fromEntries(done2.devices.map((d) => [d.id, d]));
    expect(states['jetson-fit']!.state).toBe('healthy');
    expect(states['cpu-box']!.state).toBe('declined');
    expect(states['jetson-sick']!.state).toBe('rolled-back');
    expect(String(states['jetson-sick']!.reason)).toContain('health check failed');

    // What each device runs now, read from its `current` link.
    expect(currentModel(fit.dataDir)?.version).toBe('1.1.0');
    expect(existsSync(join(fit.dataDir, 'current', 'model.sig'))).toBe(true);
    expect(fit.log()).not.toContain('refused');
    expect(currentModel(sick.dataDir)).toEqual({ slot: sickV1Slot, version: '1.0.0' });
    expect(currentModel(cpu.dataDir)).toBeUndefined();
    // Declined before shipping: the CPU box never downloaded a byte of either release.
    expect(storedFiles(cpu.dataDir)).toEqual([]);
    expect(cpu.log()).not.toContain('downloading');

    // The platform knows what each device runs (reported by the agents).
    const fitInfo = await waitUntil('the fit device to report 1.1.0', async () => {
      const { devices } = await client.devices({ channel: 'stable' });
      const d = devices.find((x) => x.id === 'jetson-fit');
      return d?.installed['person-detector']?.version === '1.1.0' ? d : undefined;
    });
    expect(fitInfo.installed['person-detector']!.releaseCounter).toBe(2);

    // The human status view names every state and the decline's reason and fix.
    const status = await cli(['rollout', 'status', r2.id]);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/cpu-box +- +declined — EP_MISSING/);
    expect(status.out).toMatch(/jetson-sick +1 +rolled-back — the health check failed/);
    expect(status.out).toContain('fix:');

    // The sick device never retries 1.1.0 (its state file remembers why).
    const state = JSON.parse(readFileSync(join(sick.dataDir, 'state.json'), 'utf8')) as {
      refused: Record<string, { reason: string }>;
    };
    expect(state.refused['person-detector@1.1.0']?.reason).toContain('health check failed');
  }, 300_000);
});
