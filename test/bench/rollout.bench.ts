/**
 * Rollouts at fleet scale, on SQLite and on PostgreSQL (a throwaway cluster), against a real
 * `platform serve` process on loopback:
 *
 * 1. Preview and decline: DEVICES (default 100,000) devices imported from an inventory file (20
 *    kinds of hardware, 4 of which do not fit), then `rollout create` over all of them: the
 *    compatibility preview, the per-device declines and phase assignment, stored. Goal < 2 s. Peer:
 *    the same preview alone in this process (what `fleetpack compat` does over the same file).
 * 2. Polling: AGENTS (default 200) simulated agents, each with its own device token, polling the
 *    facade concurrently for DURATION s (default 60): GET /device/v1/assignment and
 *    /device/v1/tuf/timestamp.json about once a second each. Reports requests, errors, p50/p99/max
 *    latency and the server's peak RSS. Goal: no error, RSS ≤ 300 MB.
 *
 * Run: `npm run bench -- rollout` (DEVICES=n, AGENTS=n, DURATION=s, BACKENDS=sqlite,postgres).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultCatalog, importInventory, preview } from '../../src-main/fleet/index.js';
import { readManifest } from '../../src-main/manifest/index.js';
import { PlatformClient } from '../../src-main/platform/index.js';
import { packageDir, PASSPHRASE } from '../fixtures/platform.js';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres.js';
import { BENCH_DATA, buildCli, runCli, servePlatform, writeReport } from './lib.js';

const DEVICES = Number(process.env.DEVICES ?? 100_000);
const AGENTS = Number(process.env.AGENTS ?? 200);
const DURATION = Number(process.env.DURATION ?? 60);
const BACKENDS = (process.env.BACKENDS ?? 'sqlite,postgres').split(',');
const CLI = buildCli();

const run = (args: string[], env: NodeJS.ProcessEnv, cwd: string) => runCli(CLI, args, env, cwd);
const serve = (cwd: string, env: NodeJS.ProcessEnv, dbArgs: string[]) => servePlatform(CLI, cwd, env, dbArgs);

const ORT = (v: string) => ({ version: v, executionProviders: ['CUDAExecutionProvider', 'CPUExecutionProvider'] });
/** 20 kinds of device: 16 Jetsons that fit (memory and ORT versions vary), 4 CPU boxes that do not. */
function kinds() {
  const out: Record<string, unknown>[] = [];
  for (const mem of [8192, 16384])
    for (const v of ['1.17.0', '1.17.3', '1.18.0', '1.18.1', '1.19.0', '1.19.2', '1.20.0', '1.20.1'])
      out.push({ profile: 'nvidia-jetson-orin-nx-16gb', facts: { memoryMiB: mem, runtimes: { onnxruntime: ORT(v) } } });
  for (const v of ['1.16.0', '1.17.0', '1.18.0', '1.19.0'])
    out.push({
      facts: {
        cpu: { isa: 'x86_64', abi: 'x86_64' },
        memoryMiB: 8192,
        accelerators: [],
        runtimes: { onnxruntime: { version: v, executionProviders: ['CPUExecutionProvider'] } },
      },
    });
  return out;
}

function inventory(path: string): void {
  const k = kinds();
  const lines: string[] = [];
  for (let i = 0; i < DEVICES; i++)
    lines.push(JSON.stringify({ id: `dev-${String(i).padStart(6, '0')}`, channel: 'stable', ...k[i % k.length] }));
  writeFileSync(path, lines.join('\n') + '\n');
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : NaN;
}

async function bench(backend: string, pg: PostgresCluster | undefined) {
  const cwd = resolve(BENCH_DATA, 'rollout', backend);
  rmSync(cwd, { recursive: true, force: true });
  mkdirSync(cwd, { recursive: true });
  const env = { FLEETPACK_PLATFORM_PASSPHRASE: PASSPHRASE };
  const db = pg ? ['--database', pg.createDatabase()] : [];
  run(['platform', 'init', '--bins', '64', ...db], env, cwd);
  const token = run(['platform', 'token', 'create', 'bench', '--role', 'admin', ...db], env, cwd).trim();
  const server = await serve(cwd, env, db);
  try {
    const client = new PlatformClient(server.url, token);
    const pkg = await packageDir(cwd, { version: '1.0.0' });
    await client.publishDir(pkg, { channel: 'stable' });
    // The simulated agents' devices, registered with tokens (part of the rollout below).
    const agentTokens: string[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const r = await client.addDevice({
        id: `agent-${i}`,
        channel: 'stable',
        profile: 'nvidia-jetson-orin-nx-16gb',
        facts: { runtimes: { onnxruntime: ORT('1.18.0') } },
      });
      agentTokens.push(r.token);
    }
    const file = join(cwd, 'fleet.ndjson');
    inventory(file);
    let t0 = performance.now();
    const imported = await client.importDevices(file, 'ndjson');
    const importMs = performance.now() - t0;
    const rssBeforeCreate = server.rssMB();
    let cpu0 = server.cpuMs();
    t0 = performance.now();
    const rollout = await client.createRollout({ model: 'person-detector', version: '1.0.0', channel: 'stable' });
    const createMs = performance.now() - t0;
    const createCpuMs = server.cpuMs() - cpu0;
    const rssAfterCreate = server.rssMB();
    // The peer: the same preview alone, in this process, as `fleetpack compat --fleet` runs it.
    const manifest = await readManifest(pkg);
    t0 = performance.now();
    const catalog = defaultCatalog();
    const inv = await importInventory(file, catalog, { format: 'ndjson' });
    const peer = preview(manifest, inv, { catalog, channel: 'stable' });
    const peerMs = performance.now() - t0;
    const scope = rollout.report.scope.devices;
    console.log(
      `[${backend}] ${imported.imported.toLocaleString('en-US')} devices imported in ${(importMs / 1000).toFixed(2)} s; ` +
        `rollout create over ${scope.toLocaleString('en-US')} devices (preview + ${rollout.report.totals.declined.toLocaleString('en-US')} declines + phase assignment, stored): ` +
        `${createMs.toFixed(0)} ms wall, ${createCpuMs} ms server CPU (goal < 2000) [server RSS ${rssBeforeCreate.toFixed(0)} → ${rssAfterCreate.toFixed(0)} MB] vs the preview alone (compat over the same file) ${peerMs.toFixed(0)} ms → ${(createMs / peerMs).toFixed(2)}×`,
    );
    if (peer.totals.declined !== rollout.report.totals.declined) throw new Error('the peer and the rollout disagree');

    // Polling: AGENTS concurrent agents for DURATION s.
    const latencies: number[] = [];
    let errors = 0;
    const end = Date.now() + DURATION * 1000;
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, server.rssMB())), 500);
    const agent = async (tok: string) => {
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      while (Date.now() < end) {
        const started = Date.now();
        for (const path of ['/device/v1/assignment', '/device/v1/tuf/timestamp.json']) {
          const s = performance.now();
          try {
            const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${tok}` } });
            await res.arrayBuffer();
            if (!res.ok) errors++;
          } catch {
            errors++;
          }
          latencies.push(performance.now() - s);
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
      }
    };
    const load0 = loadavg()[0]!;
    cpu0 = server.cpuMs();
    const poll0 = performance.now();
    await Promise.all(agentTokens.map(agent));
    const pollCpuMs = server.cpuMs() - cpu0;
    const pollWallMs = performance.now() - poll0;
    clearInterval(sampler);
    latencies.sort((a, b) => a - b);
    const result = {
      backend,
      devices: imported.imported,
      importMs: Math.round(importMs),
      rolloutCreateMs: Math.round(createMs),
      rolloutCreateServerCpuMs: createCpuMs,
      serverRssAfterCreateMB: Math.round(rssAfterCreate),
      previewPeerMs: Math.round(peerMs),
      declined: rollout.report.totals.declined,
      agents: AGENTS,
      durationS: DURATION,
      requests: latencies.length,
      errors,
      p50Ms: +percentile(latencies, 50).toFixed(1),
      p99Ms: +percentile(latencies, 99).toFixed(1),
      maxMs: +(latencies[latencies.length - 1] ?? NaN).toFixed(1),
      pollingServerCpuMs: pollCpuMs,
      pollingServerCpuShare: +(pollCpuMs / pollWallMs).toFixed(2),
      serverRssPeakMB: Math.round(Math.max(peakRss, server.peakMB())),
      loadavgAtStart: +load0.toFixed(2),
    };
    console.log(
      `[${backend}] ${AGENTS} agents polling ${DURATION} s: ${result.requests.toLocaleString('en-US')} requests, ${errors} errors, ` +
        `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms; server CPU ${pollCpuMs} ms (${Math.round(result.pollingServerCpuShare * 100)}% of a core); server peak RSS ${result.serverRssPeakMB} MB (goal ≤ 300)` +
        ` (load average ${result.loadavgAtStart})`,
    );
    return result;
  } finally {
    await server.stop();
  }
}

const results = [];
let pg: PostgresCluster | undefined;
try {
  for (const b of BACKENDS) {
    if (b === 'postgres') pg ??= await startPostgres();
    results.push(await bench(b, b === 'postgres' ? pg : undefined));
  }
} finally {
  pg?.remove();
}
writeReport('rollout', results);
