/**
 * Rollouts on the platform (in-process, on SQLite and on PostgreSQL): declines from the compatibility preview with the
 * rule's reason, phases that start when the previous phase is healthy enough, an automatic halt
 * past the failure threshold, pause / resume / abort, and the refusals (release not on the
 * channel, nothing in scope, bad phases); the read-only preview of a manifest over HTTP.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src-main/manifest/index.js';
import { PlatformClient, type RolloutStatus } from '../../src-main/platform/index.js';
import { startServer, type RunningServer } from '../../src-main/server/index.js';
import { newTestPlatform, packageDir, type TestPlatform } from '../fixtures/platform.js';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres.js';
import { tempDir } from '../fixtures/temp.js';

const actor = { name: 'ops', role: 'admin' as const };
const ORT = {
  onnxruntime: { version: '1.18.0', executionProviders: ['CUDAExecutionProvider', 'CPUExecutionProvider'] },
};
const CPU = {
  cpu: { isa: 'x86_64', abi: 'x86_64' },
  memoryMiB: 8192,
  accelerators: [],
  runtimes: { onnxruntime: { version: '1.18.0', executionProviders: ['CPUExecutionProvider'] } },
};

// The same suite on both databases: the bulk inserts (device import, rollout devices) differ by dialect.
describe.each(['sqlite', 'postgres'] as const)('on %s', (backend) => {
  let tp: TestPlatform;
  let server: RunningServer;
  let work: string;
  let pg: PostgresCluster | undefined;

  beforeAll(async () => {
    if (backend === 'postgres') pg = await startPostgres();
    tp = await newTestPlatform({
      tag: 'rollouts',
      ...(pg ? { database: { postgres: pg.createDatabase() } } : {}),
    });
    server = await startServer(tp.platform);
    work = tempDir('fleetpack-rollouts-');
    const client = new PlatformClient(server.url, tp.publisher);
    for (const v of ['2.0.0', '2.1.0', '2.2.0', '2.3.0'])
      await client.publishDir(await packageDir(work, { version: v }), { channel: 'stable' });
    await client.publishDir(await packageDir(work, { version: '2.4.0' }), { channel: 'beta' });
    // 90 Jetsons that fit and 10 CPU boxes that do not, on stable; 5 Jetsons on beta.
    const devices = [
      ...Array.from({ length: 90 }, (_, i) => ({
        id: `jet-${String(i).padStart(3, '0')}`,
        channel: 'stable',
        profile: 'nvidia-jetson-orin-nx-16gb',
        labels: [i < 45 ? 'site=a' : 'site=b'],
        facts: { runtimes: ORT },
      })),
      ...Array.from({ length: 10 }, (_, i) => ({ id: `cpu-${i}`, channel: 'stable', facts: CPU })),
      ...Array.from({ length: 5 }, (_, i) => ({
        id: `beta-${i}`,
        channel: 'beta',
        profile: 'nvidia-jetson-orin-nx-16gb',
        facts: { runtimes: ORT },
      })),
    ];
    const file = join(work, 'fleet.json');
    writeFileSync(file, JSON.stringify(devices));
    const admin = new PlatformClient(server.url, tp.admin);
    expect((await admin.importDevices(file)).imported).toBe(105);
    // Importing again replaces the devices (upsert), it does not add any.
    expect((await admin.importDevices(file)).imported).toBe(105);
    const listed = await admin.devices({ channel: 'stable', limit: 1000 });
    expect(listed.total).toBe(100);
    expect(listed.devices.find((d) => d.id === 'jet-050')).toMatchObject({
      profile: 'nvidia-jetson-orin-nx-16gb',
      labels: ['site=b'],
      source: 'import',
    });
  }, 120_000);

  afterAll(async () => {
    await (server as RunningServer | undefined)?.close();
    await (tp as TestPlatform | undefined)?.close();
    pg?.remove();
  });

  const stateOf = (r: RolloutStatus) => Object.fromEntries(r.devices.map((d) => [d.id, d.state]));
  const inPhase = (r: RolloutStatus, p: number) => r.devices.filter((d) => d.phase === p).map((d) => d.id);
  const report = async (ids: string[], rolloutId: string, state: string) => {
    for (const id of ids)
      await tp.platform.reportStatus(id, {
        rolloutId,
        state,
        ...(state === 'rolled-back' ? { reason: 'health check failed' } : {}),
      });
  };

  describe('rollouts', () => {
    it('declines misfits with the reason, spreads the rest over phases, advances on health', async () => {
      await tp.platform.setChannel(actor, 'person-detector', '2.0.0', 'stable');
      const r = await tp.platform.createRollout(actor, {
        model: 'person-detector',
        version: '2.0.0',
        channel: 'stable',
        phases: [10, 50, 100],
        advanceAt: 90,
      });
      expect(r.report.scope.devices).toBe(100);
      expect(r.report.totals).toEqual({ compatible: 90, warning: 0, declined: 10 });
      expect(r.report.groups.every((g) => g.sample.length <= 5)).toBe(true);
      const declined = r.devices.filter((d) => d.state === 'declined');
      expect(declined.map((d) => d.id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `cpu-${i}`));
      expect(JSON.stringify(declined[0]!.reason)).toContain('EP_MISSING');
      expect(r.phases.map((p) => p.devices)).toEqual([9, 36, 45]);
      expect(r.phase).toBe(0);

      // Only the first phase is assigned; a declined device is told why and gets nothing.
      const first = inPhase(r, 0);
      const later = inPhase(r, 1)[0]!;
      expect((await tp.platform.assignment(first[0]!)).assignment?.version).toBe('2.0.0');
      expect((await tp.platform.assignment(later)).assignment).toBeNull();
      const cpu = await tp.platform.assignment('cpu-0');
      expect(cpu.assignment).toBeNull();
      expect(JSON.stringify(cpu.declined)).toContain('EP_MISSING');

      // 8 of 9 healthy (89 %) is below 90 %: no advance; the 9th makes it.
      await report(first.slice(0, 8), r.id, 'healthy');
      expect((await tp.platform.rollout(r.id)).phase).toBe(0);
      await report(first.slice(8), r.id, 'healthy');
      const p1 = await tp.platform.rollout(r.id);
      expect(p1.phase).toBe(1);
      expect((await tp.platform.assignment(later)).assignment?.version).toBe('2.0.0');
      await report(inPhase(r, 1), r.id, 'healthy');
      await report(inPhase(r, 2), r.id, 'healthy');
      const done = await tp.platform.rollout(r.id);
      expect(done.state).toBe('completed');
      expect(done.counts).toEqual({ declined: 10, healthy: 90 });
    });

    it('halts past the failure threshold; resume accepts those failures; pause and abort stop assignments', async () => {
      await tp.platform.setChannel(actor, 'person-detector', '2.1.0', 'stable');
      const r = await tp.platform.createRollout(actor, {
        model: 'person-detector',
        version: '2.1.0',
        channel: 'stable',
        devices: 'label=site=a',
        phases: [20, 100],
        maxFailures: 25,
      });
      expect(r.report.scope.devices).toBe(45);
      const first = inPhase(r, 0);
      expect(first).toHaveLength(9);
      await report(first.slice(0, 2), r.id, 'rolled-back'); // 2/9 = 22 %: under 25 %
      expect((await tp.platform.rollout(r.id)).state).toBe('active');
      await report(first.slice(2, 3), r.id, 'failed'); // 3/9 = 33 %: halt
      const halted = await tp.platform.rollout(r.id);
      expect(halted.state).toBe('halted');
      expect(halted.stateReason).toContain('3 of 9 started devices failed');
      expect((await tp.platform.assignment(first[5]!)).assignment).toBeNull();
      // A device never falls back to an older release while the newest rollout is halted.
      expect((await tp.platform.assignment(first[5]!)).assignment).toBeNull();

      const resumed = await tp.platform.setRolloutState(actor, r.id, 'resume');
      expect(resumed.state).toBe('active');
      expect((await tp.platform.assignment(first[5]!)).assignment?.version).toBe('2.1.0');
      const paused = await tp.platform.setRolloutState(actor, r.id, 'pause');
      expect(paused.state).toBe('paused');
      expect((await tp.platform.assignment(first[5]!)).assignment).toBeNull();
      await expect(tp.platform.setRolloutState(actor, r.id, 'pause')).rejects.toMatchObject({ code: 'ROLLOUT_STATE' });
      await tp.platform.setRolloutState(actor, r.id, 'resume');
      const aborted = await tp.platform.setRolloutState(actor, r.id, 'abort');
      expect(aborted.state).toBe('aborted');
      expect((await tp.platform.assignment(first[5]!)).assignment).toBeNull();
      await expect(tp.platform.setRolloutState(actor, r.id, 'resume')).rejects.toMatchObject({ code: 'ROLLOUT_STATE' });
      const audit = await tp.platform.audit({ action: 'rollout.abort' });
      expect(audit.map((a) => a.subject)).toContain(`rollout:${r.id}`);
    });

    it('warnings decline unless allowed; only what the channel points at ships; an empty scope is refused', async () => {
      // Facts that cannot be read for one device: "cannot tell" → declined without --allow-warnings.
      const unknown = await tp.platform.addDevice(actor, { id: 'mystery', channel: 'beta' });
      expect(unknown.device.facts).toEqual({});
      const strict = await tp.platform.createRollout(actor, {
        model: 'person-detector',
        version: '2.4.0',
        channel: 'beta',
      });
      expect(stateOf(strict).mystery).toBe('declined');
      expect(strict.report.totals.warning).toBe(1);
      const lenient = await tp.platform.createRollout(actor, {
        model: 'person-detector',
        version: '2.4.0',
        channel: 'beta',
        allowWarnings: true,
      });
      expect(stateOf(lenient).mystery).toBe('pending');

      await expect(
        tp.platform.createRollout(actor, { model: 'person-detector', version: '2.4.0', channel: 'stable' }),
      ).rejects.toMatchObject({ code: 'ROLLOUT_NOT_ON_CHANNEL' });
      await expect(
        tp.platform.createRollout(actor, { model: 'person-detector', version: '9.9.9', channel: 'stable' }),
      ).rejects.toMatchObject({ code: 'RELEASE_NOT_FOUND' });
      await tp.platform.setChannel(actor, 'person-detector', '2.3.0', 'stable');
      await expect(
        tp.platform.createRollout(actor, {
          model: 'person-detector',
          version: '2.3.0',
          channel: 'stable',
          devices: 'label=site=nowhere',
        }),
      ).rejects.toMatchObject({ code: 'ROLLOUT_NO_DEVICES' });
      await expect(
        tp.platform.createRollout(actor, {
          model: 'person-detector',
          version: '2.3.0',
          channel: 'stable',
          phases: [50, 10, 100],
        }),
      ).rejects.toMatchObject({ code: 'ROLLOUT_INVALID' });
      await expect(
        tp.platform.createRollout(actor, {
          model: 'person-detector',
          version: '2.3.0',
          channel: 'stable',
          devices: 'color=red',
        }),
      ).rejects.toMatchObject({ code: 'SELECTOR_INVALID' });
    });

    it('previews a manifest over HTTP without creating a rollout: the same declines; no device is not a pass', async () => {
      const client = new PlatformClient(server.url, tp.publisher);
      const dir = await packageDir(work, { version: '3.0.0' });
      const manifest = JSON.parse(readFileSync(join(dir, 'fleetpack.json'), 'utf8')) as Manifest;
      const before = (await client.rollouts()).length;
      const p = await client.previewRollout({ manifest, channel: 'stable' });
      expect(p?.scope.devices).toBe(100);
      expect(p?.totals).toEqual({ compatible: 90, warning: 0, declined: 10 });
      expect(p?.ok).toBe(false);
      expect(p?.byReason.map((x) => x.code)).toContain('EP_MISSING');
      // The same preview as a rollout over the same devices ran: the same reasons.
      const onStable = (await client.rollouts()).find((r) => r.channel === 'stable' && r.selector === '')!;
      const last = await client.rollout(onStable.id);
      expect(last.report.byReason.map((x) => x.code)).toEqual(p?.byReason.map((x) => x.code));
      expect((await client.rollouts()).length).toBe(before);
      // Narrowed by the selector, as rollout create is.
      expect((await client.previewRollout({ manifest, channel: 'stable', devices: 'label=site=a' }))?.totals).toEqual({
        compatible: 45,
        warning: 0,
        declined: 0,
      });
      // No device in scope: an empty report that is not ok, never "no declines".
      const empty = await client.previewRollout({ manifest, channel: 'canary' });
      expect(empty?.scope.devices).toBe(0);
      expect(empty?.ok).toBe(false);
      // An invalid manifest is refused with where it is wrong.
      await expect(
        client.previewRollout({ manifest: { name: 'x' } as Manifest, channel: 'stable' }),
      ).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
      // Devices of a rollout filtered by state (the Studio lists failures and rollbacks).
      const declinedOnly = await client.rollout(last.id, 50, ['declined']);
      expect(declinedOnly.devices.length).toBeGreaterThan(0);
      expect(declinedOnly.devices.every((d) => d.state === 'declined')).toBe(true);
      await expect(client.rollout(last.id, 50, ['sleeping' as never])).rejects.toMatchObject({ code: 'STATE_INVALID' });
    });

    it('bad device input is a typed error', async () => {
      await expect(tp.platform.addDevice(actor, { id: '../etc' })).rejects.toMatchObject({ code: 'DEVICE_ID_INVALID' });
      await expect(
        tp.platform.addDevice(actor, { id: 'x1', facts: { memoryMiB: 'lots' } as never }),
      ).rejects.toMatchObject({ code: 'DEVICE_FACTS_INVALID' });
      await expect(tp.platform.addDevice(actor, { id: 'x2', profile: 'no-such-board' })).rejects.toMatchObject({
        code: 'UNKNOWN_PROFILE',
      });
      await expect(tp.platform.addDevice(actor, { id: 'x3', channel: 'Not A Channel' })).rejects.toMatchObject({
        code: 'CHANNEL_INVALID',
      });
    });
  });
});
