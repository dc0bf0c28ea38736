/**
 * TUF attacks replayed against the agent's refresh (python-tuf / tuf-conformance scenarios over an
 * in-memory repository): each one is refused, the device keeps running the model it had, and the
 * refusal is reported. Plus the agent's own checks: a lower release counter, a model whose needs do
 * not fit the device, a target not in signed metadata, an assignment outside the release.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Agent, readCurrent } from '../../src-main/agent/index.js';
import { generateOnlineKey } from '../../src-main/platform/tuf/keys.js';
import { generateKey } from '../../src-main/signing/index.js';
import { tempDir } from '../fixtures/temp.js';
import { RepoSim, type SimRelease, simRelease } from '../fixtures/tuf-sim.js';

const JETSON = {
  profile: 'nvidia-jetson-orin-nx-16gb',
  facts: {
    runtimes: {
      onnxruntime: { version: '1.18.0', executionProviders: ['CUDAExecutionProvider', 'CPUExecutionProvider'] },
    },
  },
};

interface Setup {
  sim: RepoSim;
  agent: Agent;
  dataDir: string;
  dir: string;
  base: SimRelease;
  baseSlot: string;
  log: string[];
}

async function installed(): Promise<Setup> {
  const dir = tempDir('fleetpack-attack-');
  const sim = new RepoSim();
  const base = await simRelease(dir, '1.0.0', 2);
  sim.addRelease(base);
  sim.publish();
  sim.assign(base);
  const rootFile = join(dir, 'root.json');
  writeFileSync(rootFile, sim.rootJson);
  const factsFile = join(dir, 'facts.json');
  writeFileSync(factsFile, JSON.stringify(JETSON));
  const dataDir = join(dir, 'data');
  const log: string[] = [];
  const agent = new Agent({
    platform: 'http://platform.invalid',
    token: 'fpt_test',
    root: rootFile,
    dataDir,
    healthCheck: 'test -f "$FLEETPACK_MODEL_DIR/model.onnx"',
    healthTimeoutMs: 20_000,
    factsFile,
    intervalMs: 1000,
    log: (l) => log.push(l),
    fetch: sim.fetch,
  });
  await agent.recover();
  expect((await agent.cycle()).outcome).toBe('installed');
  const baseSlot = readCurrent(dataDir)!;
  expect(baseSlot).toMatch(/^2-[0-9a-f]{16}$/);
  return { sim, agent, dataDir, dir, base, baseSlot, log };
}

/** Runs one cycle against the attacked repository and checks it was refused with `why`, keeping 1.0.0. */
async function expectRefused(s: Setup, why: RegExp): Promise<void> {
  const r = await s.agent.cycle();
  expect(r.outcome).toBe('refused');
  expect(r.detail).toMatch(why);
  expect(readCurrent(s.dataDir)).toBe(s.baseSlot);
  expect(s.agent.current?.version).toBe('1.0.0');
  await s.agent.flush();
  expect(s.sim.reports.some((x) => x.state === 'failed' && typeof x.reason === 'string' && why.test(x.reason))).toBe(
    true,
  );
  await s.agent.stopRuntime();
}

describe('TUF attacks against the agent: refused, the current model kept', () => {
  let s: Setup;
  let next: SimRelease;
  beforeEach(async () => {
    s = await installed();
    next = await simRelease(s.dir, '1.1.0', 3);
    s.sim.addRelease(next);
    s.sim.assign(next);
  });

  it('the honest update installs (control)', async () => {
    s.sim.publish();
    expect((await s.agent.cycle()).outcome).toBe('installed');
    expect(s.agent.current?.version).toBe('1.1.0');
    expect(readCurrent(s.dataDir)).not.toBe(s.baseSlot);
    await s.agent.stopRuntime();
  });

  it('a new release with the same weights installs too (its manifest is new), and completes', async () => {
    const same = await simRelease(s.dir, '1.2.0', 4, {}, undefined, '1.0.0');
    expect(same.files.find((f) => f.role === 'model')!.bytes).toEqual(
      s.base.files.find((f) => f.role === 'model')!.bytes,
    );
    s.sim.addRelease(same);
    s.sim.assign(same);
    s.sim.publish();
    expect((await s.agent.cycle()).outcome).toBe('installed');
    expect(s.agent.current?.version).toBe('1.2.0');
    expect((await s.agent.cycle()).outcome).toBe('idle');
    await s.agent.flush();
    expect(s.sim.reports.some((x) => x.state === 'healthy')).toBe(true);
    await s.agent.stopRuntime();
  });

  it('rollback of the timestamp version', async () => {
    s.sim.publish();
    s.sim.current = 0; // the first timestamp the device saw long ago
    await expectRefused(s, /BadVersionError/);
  });

  it('rollback of the snapshot version (a new timestamp naming an old snapshot)', async () => {
    s.sim.publish();
    s.sim.timestampFor(s.sim.snapshotMeta(1));
    await expectRefused(s, /BadVersionError/);
  });

  it('rollback of a hash bin (targets) version', async () => {
    s.sim.publish();
    const bins = Object.fromEntries([...s.sim.versions.bins.keys()].map((b) => [`${b}.json`, { version: 1 }]));
    const targets = JSON.parse(s.sim.files.get(`${s.sim.versions.snapshot}.snapshot.json`)!) as {
      signed: { meta: Record<string, { version: number; length: number; hashes: { sha256: string } }> };
    };
    const t = targets.signed.meta['targets.json']!;
    s.sim.snapshotWith({ 'targets.json': { version: t.version, length: t.length, sha256: t.hashes.sha256 }, ...bins });
    await expectRefused(s, /BadVersionError|version/);
  });

  it('freeze: an expired timestamp', async () => {
    s.sim.expires.timestamp = new Date(Date.now() - 60_000);
    s.sim.publish();
    await expectRefused(s, /ExpiredMetadataError/);
  });

  it('freeze: an expired snapshot', async () => {
    s.sim.expires.snapshot = new Date(Date.now() - 60_000);
    s.sim.publish();
    await expectRefused(s, /snapshot\.json is expired/);
  });

  it('mix-and-match: a bin whose bytes are not the ones the snapshot pins', async () => {
    s.sim.publish();
    // Serve the bin of the new release with another (validly signed) version's content.
    for (const bin of s.sim.versions.bins.keys()) {
      const v = s.sim.versions.bins.get(bin)!;
      s.sim.files.set(`${v}.${bin}.json`, s.sim.files.get(`1.${bin}.json`)!);
    }
    await expectRefused(s, /LengthOrHashMismatchError|hash|length/i);
  });

  it('arbitrary package: the model file replaced by other bytes of the same length', async () => {
    s.sim.publish();
    const model = next.files.find((f) => f.role === 'model')!;
    const evil = Buffer.from(model.bytes);
    evil[evil.length - 1] = evil[evil.length - 1]! ^ 0xff;
    s.sim.targetOverride.set(sha(model.bytes), evil);
    await expectRefused(s, /LengthOrHashMismatchError|hash/i);
  });

  it('endless data: more bytes than the signed length', async () => {
    s.sim.publish();
    const model = next.files.find((f) => f.role === 'model')!;
    s.sim.targetOverride.set(sha(model.bytes), Buffer.concat([model.bytes, Buffer.alloc(1 << 20, 7)]));
    await expectRefused(s, /DownloadLengthMismatchError|length/i);
  });

  it('metadata the platform cannot serve now (503) is no failure: offline, 1.0.0 kept, then installed', async () => {
    s.sim.publish();
    s.sim.metadataUnavailable = true;
    const r = await s.agent.cycle();
    expect(r.outcome).toBe('offline');
    expect(readCurrent(s.dataDir)).toBe(s.baseSlot);
    await s.agent.flush();
    expect(s.sim.reports.some((x) => x.state === 'failed')).toBe(false);
    s.sim.metadataUnavailable = false;
    expect((await s.agent.cycle()).outcome).toBe('installed');
    await s.agent.stopRuntime();
  });

  it('arbitrary package after a cut download: the resumed whole does not verify, so the next try starts from zero', async () => {
    s.sim.publish();
    const model = next.files.find((f) => f.role === 'model')!;
    const hex = sha(model.bytes);
    const half = Math.floor(model.bytes.length / 2);
    s.sim.cutOnce.set(hex, half);
    // A dropped connection decides nothing: no failure reported, 1.0.0 runs, the bytes so far are kept.
    expect((await s.agent.cycle()).outcome).toBe('offline');
    expect(readCurrent(s.dataDir)).toBe(s.baseSlot);
    await s.agent.flush();
    expect(s.sim.reports.some((x) => x.state === 'failed')).toBe(false);
    expect(readdirSync(join(s.dataDir, 'store', 'partial'))).toHaveLength(1);
    // The rest comes from an attacker: the whole fails its signed hash, and the partial goes with it.
    const evil = Buffer.from(model.bytes);
    evil[evil.length - 1] = evil[evil.length - 1]! ^ 0xff;
    s.sim.targetOverride.set(hex, evil);
    await expectRefused(s, /LengthOrHashMismatchError|hash/i);
    const asked = s.sim.targetRequests.filter((r) => r.hex === hex).map((r) => r.range);
    expect(asked).toEqual([undefined, `bytes=${half}-`]);
    expect(readdirSync(join(s.dataDir, 'store', 'partial'))).toHaveLength(0);
    // Honest bytes again: downloaded whole, from zero, and installed.
    s.sim.targetOverride.delete(hex);
    expect((await s.agent.cycle()).outcome).toBe('installed');
    expect(s.sim.targetRequests.filter((r) => r.hex === hex).at(-1)?.range).toBeUndefined();
    expect(s.agent.current?.version).toBe('1.1.0');
    await s.agent.stopRuntime();
  });

  it('a hash bin signed by the wrong key', async () => {
    s.sim.binSigner = generateOnlineKey().signer;
    s.sim.publish();
    await expectRefused(s, /UnsignedMetadataError|signed by 0\/1/);
  });

  it('a timestamp signed by the wrong key', async () => {
    s.sim.timestampSigner = generateOnlineKey().signer;
    s.sim.publish();
    await expectRefused(s, /UnsignedMetadataError|signed by 0\/1/);
  });

  it('a new root not signed by the trusted root key', async () => {
    const intruder = generateOnlineKey().signer;
    s.sim.publishRoot([intruder], intruder);
    s.sim.publish();
    await expectRefused(s, /UnsignedMetadataError|signed by/);
  });

  it('a lower releaseCounter (no downgrade without a signed rollback release)', async () => {
    const old = await simRelease(s.dir, '0.9.0', 1);
    s.sim.addRelease(old);
    s.sim.assign(old);
    s.sim.publish();
    await expectRefused(s, /release counter 1 is lower than the installed 2/);
  });

  it('a target whose hardware does not fit this device (the device checks on its own)', async () => {
    const trt = await simRelease(s.dir, '1.2.0', 4, {
      target: {
        profiles: ['nvidia-jetson-orin-nx-16gb'],
        requirements: { runtimes: { onnxruntime: '>=1.17' }, executionProviders: ['TensorrtExecutionProvider'] },
      },
    });
    s.sim.addRelease(trt);
    s.sim.assign(trt);
    s.sim.publish();
    await expectRefused(s, /does not fit the model: EP_MISSING/);
  });

  it('an assignment for a release that is not in signed metadata', async () => {
    // 1.1.0 was added to the simulator but never published into metadata.
    await expectRefused(s, /is not in the signed update metadata/);
  });

  it('an assignment naming a file outside the release', async () => {
    s.sim.publish();
    s.sim.assign(next, ['models/person-detector/1.0.0/model.onnx']);
    await expectRefused(s, /outside models\/person-detector\/1\.1\.0\//);
  });

  it('a model target whose signed manifest digest is not the manifest served with it', async () => {
    const swapped = await simRelease(s.dir, '1.3.0', 5);
    s.sim.addRelease(swapped, (f) => (f.role === 'model' ? { manifest: `sha256:${'0'.repeat(64)}` } : {}));
    s.sim.assign(swapped);
    s.sim.publish();
    await expectRefused(s, /manifest is not the one the signed model target names/);
  });
});

describe("the publisher's OMS signature, verified by the agent against the key in signed metadata", () => {
  let s: Setup;
  const publisher = generateKey('P-256');
  const other = generateKey('P-256');
  beforeEach(async () => {
    s = await installed();
  });

  /** Target downloads the agent made so far. */
  const downloads = () => s.sim.requests.filter((r) => r.startsWith('GET /device/v1/targets/')).length;

  /** Refused with `why`, and the release is never tried again (no download at the next poll). */
  async function refusedForGood(why: RegExp): Promise<void> {
    await expectRefused(s, why);
    const before = downloads();
    expect((await s.agent.cycle()).outcome).toBe('idle');
    expect(downloads()).toBe(before);
    expect(readCurrent(s.dataDir)).toBe(s.baseSlot);
    await s.agent.stopRuntime();
  }

  it('a release signed by the publisher key the metadata names installs, model.sig in the slot (control)', async () => {
    const signed = await simRelease(s.dir, '1.1.0', 3, {}, publisher.privateKeyPem);
    s.sim.addRelease(signed);
    s.sim.assign(signed);
    s.sim.publish();
    expect((await s.agent.cycle()).outcome).toBe('installed');
    expect(s.agent.current?.version).toBe('1.1.0');
    expect(existsSync(join(s.dataDir, 'current', 'model.sig'))).toBe(true);
    await s.agent.stopRuntime();
  });

  it('a bin signed by the platform keys whose model.sig was made by another key', async () => {
    const resigned = await simRelease(s.dir, '1.1.0', 3, {}, other.privateKeyPem);
    resigned.signer = { keyId: publisher.keyId, publicKeyPem: publisher.publicKeyPem };
    s.sim.addRelease(resigned);
    s.sim.assign(resigned);
    s.sim.publish();
    await refusedForGood(/model\.sig does not verify against the publisher key .*WRONG_KEY/);
  });

  it('model.sig missing while the metadata says the release is signed', async () => {
    const signed = await simRelease(s.dir, '1.1.0', 3, {}, publisher.privateKeyPem);
    signed.files = signed.files.filter((f) => f.path !== 'model.sig');
    s.sim.addRelease(signed);
    s.sim.assign(signed);
    s.sim.publish();
    await refusedForGood(/its model\.sig is not in the signed metadata/);
  });

  it('model.sig in signed metadata but left out of the assignment: the agent fetches and checks it anyway', async () => {
    const resigned = await simRelease(s.dir, '1.1.0', 3, {}, other.privateKeyPem);
    resigned.signer = { keyId: publisher.keyId, publicKeyPem: publisher.publicKeyPem };
    s.sim.addRelease(resigned);
    s.sim.assign({ ...resigned, files: resigned.files.filter((f) => f.path !== 'model.sig') });
    s.sim.publish();
    await refusedForGood(/WRONG_KEY/);
  });

  it('a file changed after signing, listed with its new hash by validly signed metadata', async () => {
    const signed = await simRelease(s.dir, '1.1.0', 3, {}, publisher.privateKeyPem);
    const weights = signed.files.find((f) => f.path === 'weights.bin')!;
    weights.bytes = Buffer.concat([weights.bytes, Buffer.from('tampered')]);
    s.sim.addRelease(signed);
    s.sim.assign(signed);
    s.sim.publish();
    await refusedForGood(/FILE_MODIFIED: "weights\.bin" was modified after signing/);
  });

  it('a signer named without its public key', async () => {
    const signed = await simRelease(s.dir, '1.1.0', 3, {}, publisher.privateKeyPem);
    s.sim.addRelease(signed, (f) => (f.role === 'model' ? { signerKey: [] } : {}));
    s.sim.assign(signed);
    s.sim.publish();
    await refusedForGood(/does not carry both the key id \(custom\.signer\) and the public key/);
  });
});

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
