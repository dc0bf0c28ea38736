/**
 * OCI push and pull of a 2 GiB package (one 2 GiB weights file + model, manifest, SBOM, signature)
 * to a local docker-registry 2.8.2, against `skopeo copy` of the same content in the same run:
 * push = `fleetpack push DIR docker-ref` vs `skopeo copy oci:LAYOUT docker://…` (the layout holds
 * the identical artifact, written by `fleetpack push DIR oci:…`); pull = `fleetpack pull REF DIR` vs
 * `skopeo copy docker://… oci:DIR`. Every push goes to a fresh registry, so every byte is sent.
 * Then a second push of the same package to the same repository (HEAD dedupe: nothing uploaded),
 * beside the bare CLI start (`fleetpack --version`) as the floor any command pays on this machine.
 * Runs alternate (skopeo, ours) ROUNDS times; the median is reported with the load average.
 * Goals: ours ≤ 1.0× skopeo's time, peak RSS ≤ 150 MB, second push < 1 s with 0 bytes uploaded.
 * Run: `npm run bench -- oci` (ROUNDS=n, default 3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { makeOciPackage } from '../fixtures/oci-package.js';
import { startRegistry } from '../fixtures/registry.js';
import { BENCH_DATA, buildCli, measureCpu, type MeasuredCpu, writeReport } from './lib.js';

const GiB = 1024 * 1024 * 1024;
const CLI = resolve('out/cli/fleetpack.mjs');
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 3));
const PKG = resolve(BENCH_DATA, 'oci-2g', 'person-detector-1.4.0');
const LAYOUT = resolve(BENCH_DATA, 'oci-2g', 'layout');
const SCRATCH = resolve(BENCH_DATA, 'oci-2g', 'scratch');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number) => Number((ms / 1000).toFixed(2));

async function preparePackage(): Promise<number> {
  const weights = join(PKG, 'weights.bin');
  if (!existsSync(join(PKG, 'model.sig')) || !existsSync(weights) || statSync(weights).size !== 2 * GiB) {
    rmSync(resolve(PKG, '..'), { recursive: true, force: true });
    mkdirSync(resolve(PKG, '..'), { recursive: true });
    console.log('generating the 2 GiB package (once; kept in .bench-data)…');
    await makeOciPackage(PKG, { weightBytes: 2 * GiB, seed: 2026 });
  }
  let total = 0;
  for (const f of ['model.onnx', 'weights.bin', 'fleetpack.json', 'sbom.cdx.json', 'model.sig'])
    total += statSync(join(PKG, f)).size;
  return total;
}

function fleetpack(args: string[]): [string, string[]] {
  return [process.execPath, [CLI, ...args]];
}

const run = ([cmd, args]: [string, string[]]) => measureCpu(cmd, args);

async function main(): Promise<void> {
  buildCli();
  const bytes = await preparePackage();
  // The skopeo source: the same artifact as an OCI layout.
  rmSync(LAYOUT, { recursive: true, force: true });
  const w = spawnSync(process.execPath, [CLI, 'push', PKG, `oci:${LAYOUT}:1.4.0`, '--json'], { encoding: 'utf8' });
  if (w.status !== 0) throw new Error(`writing the layout failed: ${w.stdout}${w.stderr}`);
  const layoutDigest = JSON.parse(w.stdout).digest as string;

  const rows = {
    skopeoPush: [] as MeasuredCpu[],
    oursPush: [] as MeasuredCpu[],
    skopeoPull: [] as MeasuredCpu[],
    oursPull: [] as MeasuredCpu[],
  };
  const load = loadavg()[0]!;
  let second: MeasuredCpu | undefined;
  let startup = NaN;
  mkdirSync(SCRATCH, { recursive: true });
  try {
    for (let i = 0; i < ROUNDS; i++) {
      // Fresh registries each round, one per pusher: nothing is there yet for either tool, and
      // skopeo's blob-info cache (which remembers where blobs live, by host:port) knows none of them.
      const forSkopeo = await startRegistry();
      const forUs = await startRegistry();
      try {
        const skopeoRef = `${forSkopeo.host}/bench/pd:1.4.0`;
        const ref = `${forUs.host}/bench/pd:1.4.0`;
        rows.skopeoPush.push(
          await run([
            'skopeo',
            ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${LAYOUT}:1.4.0`, `docker://${skopeoRef}`],
          ]),
        );
        const ours = await run(fleetpack(['push', PKG, ref, '--plain-http', '--json']));
        const doc = JSON.parse(ours.stdout);
        if (doc.digest !== layoutDigest || doc.uploadedBytes < bytes)
          throw new Error(`unexpected push: ${ours.stdout.slice(0, 400)}`);
        rows.oursPush.push(ours);

        const skopeoOut = join(SCRATCH, `skopeo-${i}`);
        const oursOut = join(SCRATCH, `fleetpack-${i}`);
        rows.skopeoPull.push(
          await run([
            'skopeo',
            ['--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${skopeoOut}:1.4.0`],
          ]),
        );
        rmSync(skopeoOut, { recursive: true, force: true });
        const pulled = await run(fleetpack(['pull', ref, oursOut, '--plain-http', '--json']));
        if (JSON.parse(pulled.stdout).digest !== layoutDigest) throw new Error('pulled another digest');
        if (statSync(join(oursOut, 'weights.bin')).size !== 2 * GiB)
          throw new Error('pulled weights have the wrong size');
        rows.oursPull.push(pulled);
        rmSync(oursOut, { recursive: true, force: true });
        console.log(
          `round ${i + 1}: push skopeo ${secs(rows.skopeoPush.at(-1)!.ms)} s, fleetpack ${secs(ours.ms)} s; ` +
            `pull skopeo ${secs(rows.skopeoPull.at(-1)!.ms)} s, fleetpack ${secs(pulled.ms)} s`,
        );
        if (i === ROUNDS - 1) {
          second = await run(fleetpack(['push', PKG, ref, '--plain-http', '--json']));
          // The floor under any CLI command on this machine right now: start Node, load the bundle, exit.
          const startupRuns: number[] = [];
          for (let k = 0; k < 3; k++) startupRuns.push((await run(fleetpack(['--version']))).ms);
          startup = median(startupRuns);
        }
      } finally {
        await forSkopeo.stop();
        await forUs.stop();
      }
    }
    const secondDoc = JSON.parse(second!.stdout);

    const m = (k: keyof typeof rows) => median(rows[k].map((r) => r.ms));
    const cpu = (k: keyof typeof rows) => Number(median(rows[k].map((r) => r.cpuS)).toFixed(2));
    /** Each round's two runs back to back: their ratio drifts less with the machine's load than the medians. */
    const paired = (ours: keyof typeof rows, peer: keyof typeof rows) =>
      Number(median(rows[ours].map((r, i) => r.ms / rows[peer][i]!.ms)).toFixed(2));
    const peak = (k: keyof typeof rows) => Math.round(Math.max(...rows[k].map((r) => r.peakMB)));
    const report = {
      bytes,
      cores: availableParallelism(),
      loadAverage: { start: Number(load.toFixed(1)), end: Number(loadavg()[0]!.toFixed(1)) },
      rounds: ROUNDS,
      perRound: rows.oursPush.map((_, i) => ({
        pushS: { skopeo: secs(rows.skopeoPush[i]!.ms), fleetpack: secs(rows.oursPush[i]!.ms) },
        pullS: { skopeo: secs(rows.skopeoPull[i]!.ms), fleetpack: secs(rows.oursPull[i]!.ms) },
      })),
      push: {
        skopeoS: secs(m('skopeoPush')),
        fleetpackS: secs(m('oursPush')),
        ratio: Number((m('oursPush') / m('skopeoPush')).toFixed(2)),
        pairedRatio: paired('oursPush', 'skopeoPush'),
        cpuS: { fleetpack: cpu('oursPush'), skopeo: cpu('skopeoPush') },
        fleetpackMBps: Math.round(bytes / 1e6 / (m('oursPush') / 1000)),
        peakRssMB: { fleetpack: peak('oursPush'), skopeo: peak('skopeoPush') },
      },
      pull: {
        skopeoS: secs(m('skopeoPull')),
        fleetpackS: secs(m('oursPull')),
        ratio: Number((m('oursPull') / m('skopeoPull')).toFixed(2)),
        pairedRatio: paired('oursPull', 'skopeoPull'),
        cpuS: { fleetpack: cpu('oursPull'), skopeo: cpu('skopeoPull') },
        fleetpackMBps: Math.round(bytes / 1e6 / (m('oursPull') / 1000)),
        peakRssMB: { fleetpack: peak('oursPull'), skopeo: peak('skopeoPull') },
      },
      secondPush: {
        seconds: secs(second!.ms),
        cliStartupS: secs(startup),
        uploadedBytes: secondDoc.uploadedBytes as number,
        layersSkipped: (secondDoc.layers as { result: string }[]).filter((l) => l.result === 'exists').length,
        peakRssMB: Math.round(second!.peakMB),
      },
      goals: { ratioMax: 1.0, peakRssMBMax: 150, secondPushSMax: 1 },
    };
    writeReport('oci', report);
    console.log(JSON.stringify(report, null, 2));
    const ok =
      report.push.ratio <= 1 &&
      report.pull.ratio <= 1 &&
      report.push.peakRssMB.fleetpack <= 150 &&
      report.pull.peakRssMB.fleetpack <= 150 &&
      report.secondPush.seconds < 1 &&
      report.secondPush.uploadedBytes === 0;
    console.log(ok ? 'all goals met' : 'GOAL MISSED (see the figures above)');
  } finally {
    rmSync(SCRATCH, { recursive: true, force: true });
  }
}

await main();
