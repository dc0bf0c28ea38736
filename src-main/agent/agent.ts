/**
 * `fleetpack agent`: the device side. It asks the platform's facade what to run, and trusts the
 * answer only as far as signed TUF metadata backs it: the release's targets must be in signed
 * metadata, its release counter must not go below what is installed (no downgrade), and the
 * model's needs (from the signed manifest) must fit this device's own facts — the device checks
 * with fleet/'s rules itself. Then: download (verified as it streams), check the publisher's
 * `model.sig` against the key in the signed metadata when the release is signed, unpack into a new slot,
 * persist `pending`, switch `current` atomically, restart the runtime, run the health check with a
 * timeout; commit on success, otherwise switch back, report `rolled-back` with the reason and never
 * retry that release. Status reports are queued and retried with backoff; the current model keeps
 * running whatever the network does.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { TargetFile } from '@tufjs/models';
import { AgentError, CancelledError, FleetpackError, messageOf } from '../errors.js';
import { sleep } from '../sleep.js';
import {
  type Catalog,
  defaultCatalog,
  type DeviceFacts,
  evaluate,
  mergeFacts,
  modelNeeds,
  normalizeArch,
  validateFacts,
} from '../fleet/index.js';
import { decodeUtf8 } from '../json.js';
import { MANIFEST_FILE, parseManifestText, SIGNATURE_FILE } from '../manifest/index.js';
import { collectSlots, currentPath, pointCurrent, readCurrent, slotExists, unpackSlot } from './slots.js';
import { type AgentState, type Installed, loadState, releaseKey, saveState, type StatusMessage } from './state.js';
import { runCommand, Runtime } from './process.js';
import { publisherClaim, publisherSignatureProblem, signatureTarget, signatureTargetProblem } from './publisher.js';
import { type FetchLike, isNetworkFault, TufClient } from './tuf.js';

/** Attempts of one update (agent starts while it was pending) before it is rolled back. */
export const MAX_ATTEMPTS = 2;

export interface AgentOptions {
  platform: string;
  token: string;
  /** Provisioned root.json. */
  root: string;
  dataDir: string;
  healthCheck: string;
  healthTimeoutMs: number;
  run?: string;
  /** Facts file: `{profile?, facts?}` or a facts object (inventory fact names). */
  factsFile?: string;
  intervalMs: number;
  log: (line: string) => void;
  /** Test hook: called at each step of an update (fault injection kills the process there). */
  onStep?: (step: UpdateStep) => void;
  catalog?: Catalog;
  /** A fetch to use instead of the global one (tests: an in-memory repository and facade). */
  fetch?: FetchLike;
}

export type UpdateStep = 'download' | 'unpack' | 'swap' | 'health' | 'commit';

interface Assignment {
  rolloutId: string;
  model: string;
  version: string;
  releaseCounter: number;
  targets: string[];
  manifestTarget: string;
}

export interface CycleResult {
  /** What happened: nothing to do, installed, refused, rolled back, or offline. */
  outcome: 'idle' | 'installed' | 'refused' | 'rolled-back' | 'offline' | 'declined';
  detail?: string;
}

/** Facts the agent can see for itself (CPU, cores, memory), under what the facts file states. */
export function readDeviceFacts(file: string | undefined, catalog: Catalog): { profile?: string; facts: DeviceFacts } {
  const own: DeviceFacts = {
    cpu: {
      isa: normalizeArch(process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : process.arch),
      cores: cpus().length,
    },
    memoryMiB: Math.floor(totalmem() / 1048576),
  };
  if (!file) return { facts: own };
  let doc: { profile?: unknown; facts?: unknown };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
  } catch (e) {
    throw new AgentError('FACTS_UNREADABLE', `Cannot read the facts file (${messageOf(e)})`, {
      where: file,
      hint: 'Give a JSON object: {"profile": "...", "facts": {...}} with the inventory fact names.',
    });
  }
  const stated = (doc.facts ?? (doc.profile === undefined ? doc : {})) as DeviceFacts;
  const problems = validateFacts(stated);
  if (problems.length)
    throw new AgentError('FACTS_INVALID', `The facts file is not valid: ${problems.slice(0, 3).join('; ')}`, {
      where: file,
      hint: 'Use the fact names of the inventory format (README "fleetpack compat").',
    });
  const profile = typeof doc.profile === 'string' ? doc.profile : undefined;
  const base = profile ? catalog.resolve(profile).facts : own;
  return { ...(profile ? { profile } : {}), facts: mergeFacts(base, stated) };
}

/** A small JSON client for the facade, with the device token. */
class Facade {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly doFetch: FetchLike = (url, init) => fetch(url, init),
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.doFetch(new URL(path, this.base).toString(), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new AgentError('PLATFORM_UNREACHABLE', `Cannot reach the platform (${messageOf(e)})`, {
        hint: 'The agent retries with backoff and keeps running the current model.',
        cause: e,
      });
    }
    const text = await res.text();
    if (!res.ok) {
      let err: { code?: string; message?: string; hint?: string } = {};
      try {
        err = (JSON.parse(text) as { error?: typeof err }).error ?? {};
      } catch {
        // not JSON
      }
      throw new AgentError(err.code ?? `HTTP_${res.status}`, err.message ?? `${method} ${path}: HTTP ${res.status}`, {
        ...(err.hint ? { hint: err.hint } : {}),
      });
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export class Agent {
  private state: AgentState;
  private readonly tuf: TufClient;
  private readonly facade: Facade;
  private readonly runtime: Runtime;
  private readonly catalog: Catalog;
  private readonly device: { profile?: string; facts: DeviceFacts };
  private backoffMs = 0;
  private factsSent = false;

  constructor(readonly opts: AgentOptions) {
    mkdirSync(join(opts.dataDir, 'store'), { recursive: true });
    mkdirSync(join(opts.dataDir, 'slots'), { recursive: true });
    this.catalog = opts.catalog ?? defaultCatalog();
    this.device = readDeviceFacts(opts.factsFile, this.catalog);
    this.state = loadState(opts.dataDir);
    const base = opts.platform.replace(/\/+$/, '');
    this.tuf = new TufClient({
      metadataDir: join(opts.dataDir, 'tuf'),
      rootFile: opts.root,
      metadataUrl: `${base}/device/v1/tuf/`,
      targetUrl: `${base}/device/v1/targets/`,
      token: opts.token,
      partialDir: join(opts.dataDir, 'store', 'partial'),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.facade = new Facade(base, opts.token, opts.fetch);
    this.runtime = new Runtime(opts.run, join(opts.dataDir, 'run.pid'));
  }

  get current(): Installed | undefined {
    return this.state.current;
  }

  private save(): void {
    saveState(this.opts.dataDir, this.state);
  }

  private env(install: Installed | undefined): NodeJS.ProcessEnv {
    return {
      ...process.env,
      FLEETPACK_MODEL_DIR: currentPath(this.opts.dataDir),
      ...(install ? { FLEETPACK_MODEL: install.model, FLEETPACK_MODEL_VERSION: install.version } : {}),
    };
  }

  private report(msg: StatusMessage): void {
    // Retries while offline say "downloading" again and again: queued once.
    const last = this.state.outbox.at(-1);
    if (last && last.rolloutId === msg.rolloutId && last.state === msg.state && last.reason === msg.reason) return;
    this.state.outbox.push(msg);
    this.save();
    this.opts.log(`status ${msg.rolloutId} ${msg.state}${msg.reason ? `: ${msg.reason}` : ''}`);
  }

  private installedReport() {
    const c = this.state.current;
    return c ? { [c.model]: { version: c.version, releaseCounter: c.releaseCounter, digest: c.digest } } : {};
  }

  private flushing: Promise<boolean> | undefined;

  /** Sends queued reports (and the facts once); false when the platform is unreachable. */
  flush(): Promise<boolean> {
    this.flushing ??= this.flushNow().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushNow(): Promise<boolean> {
    try {
      if (!this.factsSent) {
        await this.facade.call('POST', '/device/v1/status', {
          facts: this.device.facts,
          ...(this.device.profile ? { profile: this.device.profile } : {}),
          installed: this.installedReport(),
        });
        this.factsSent = true;
      }
      while (this.state.outbox.length) {
        const msg = this.state.outbox[0]!;
        try {
          await this.facade.call('POST', '/device/v1/status', msg);
        } catch (e) {
          // A report the platform refuses (rollout gone) is dropped; an unreachable platform is retried.
          if (e instanceof AgentError && (e.code === 'PLATFORM_UNREACHABLE' || /^HTTP_5|DATABASE/.test(e.code)))
            throw e;
          this.opts.log(`status report dropped (${messageOf(e)})`);
        }
        this.state.outbox.shift();
        this.save();
      }
      await this.facade.call('POST', '/device/v1/status', { installed: this.installedReport() });
      return true;
    } catch (e) {
      this.opts.log(`platform unreachable: ${messageOf(e)}`);
      return false;
    }
  }

  /**
   * At start: finish or undo an update a crash interrupted, make `current` agree with the state
   * file, clear leftovers, and (re)start the runtime on the current model.
   */
  async recover(): Promise<void> {
    this.runtime.stopLeftover();
    const p = this.state.pending;
    if (p) {
      p.attempts++;
      this.save();
      if (p.attempts > MAX_ATTEMPTS || !slotExists(this.opts.dataDir, p.install.slot)) {
        await this.rollBack(
          p.install,
          p.previous,
          `the update was interrupted ${p.attempts - 1} time(s) (crash or power loss) before it was healthy`,
        );
      } else {
        this.opts.log(
          `resuming the interrupted update to ${p.install.model}@${p.install.version} (attempt ${p.attempts})`,
        );
        await this.switchAndCheck(p.install, p.previous);
      }
    } else {
      const want = this.state.current?.slot;
      if (readCurrent(this.opts.dataDir) !== want) {
        pointCurrent(this.opts.dataDir, want && slotExists(this.opts.dataDir, want) ? want : undefined);
      }
      await this.runtime.restart(this.env(this.state.current), this.opts.dataDir);
    }
    collectSlots(this.opts.dataDir, [
      this.state.current?.slot,
      this.state.previous?.slot,
      this.state.pending?.install.slot,
    ]);
  }

  /** One poll: report, ask for the assignment, install it when it is new and trusted. */
  async cycle(): Promise<CycleResult> {
    const online = await this.flush();
    if (!online) return { outcome: 'offline' };
    let answer: { assignment: Assignment | null; declined: { rolloutId: string }[] };
    try {
      answer = await this.facade.call('GET', '/device/v1/assignment');
    } catch (e) {
      this.opts.log(`cannot read the assignment: ${messageOf(e)}`);
      return { outcome: 'offline' };
    }
    const a = answer.assignment;
    if (!a) return { outcome: answer.declined.length ? 'declined' : 'idle' };
    const c = this.state.current;
    if (c && c.model === a.model && c.version === a.version) return { outcome: 'idle' };
    if (this.state.refused[releaseKey(a.model, a.version)]) return { outcome: 'idle' };
    return this.install(a);
  }

  /** Refuses a release for good: reported, remembered, never retried. */
  private refuse(a: Assignment, reason: string, digest?: string): CycleResult {
    this.state.refused[releaseKey(a.model, a.version)] = {
      reason,
      ...(digest ? { digest } : {}),
      at: new Date().toISOString(),
    };
    this.report({ rolloutId: a.rolloutId, state: 'failed', reason });
    this.opts.log(`refused ${a.model}@${a.version}: ${reason}`);
    return { outcome: 'refused', detail: reason };
  }

  /**
   * An attempt that threw, retried later either way (unlike `refuse`). A network fault is no verdict
   * on the release: nothing is reported but "downloading", the agent backs off (outcome offline) and
   * resumes a cut download where it stopped. Anything else (metadata or bytes that do not verify,
   * maybe an attack) is reported as failed; the current model is kept.
   */
  private attemptFailed(a: Assignment, what: string, e: unknown): CycleResult {
    const why = messageOf(e);
    if (isNetworkFault(e)) {
      this.opts.log(`${what} of ${a.model}@${a.version} interrupted (${why}); it resumes at the next attempt`);
      return { outcome: 'offline', detail: why };
    }
    this.report({ rolloutId: a.rolloutId, state: 'failed', reason: why });
    this.opts.log(`${what} of ${a.model}@${a.version} failed: ${why}`);
    return { outcome: 'refused', detail: why };
  }

  private step(s: UpdateStep): void {
    this.opts.onStep?.(s);
  }

  /** Verifies everything against signed metadata, downloads, unpacks, then switches and checks health. */
  async install(a: Assignment): Promise<CycleResult> {
    this.report({ rolloutId: a.rolloutId, state: 'downloading' });
    void this.flush();
    const prefix = `models/${a.model}/${a.version}/`;
    let infos: TargetFile[];
    try {
      await this.tuf.refresh();
      infos = [];
      for (const t of new Set([a.manifestTarget, ...a.targets])) {
        if (!t.startsWith(prefix)) return this.refuse(a, `the assignment names ${t}, outside ${prefix}`);
        const info = await this.tuf.targetInfo(t);
        if (!info) return this.refuse(a, `${t} is not in the signed update metadata`);
        infos.push(info);
      }
    } catch (e) {
      return this.attemptFailed(a, 'the metadata refresh', e);
    }
    const model = infos.find((i) => i.custom.role === 'model');
    const manifestInfo = infos.find((i) => i.path === a.manifestTarget);
    if (!model || !manifestInfo) return this.refuse(a, 'the signed metadata names no model file for this release');
    const counter = model.custom.releaseCounter;
    if (typeof counter !== 'number' || infos.some((i) => i.custom.releaseCounter !== counter))
      return this.refuse(a, 'the files of the release do not carry one signed release counter');
    const digest = model.hashes.sha256!;
    const installed = this.state.current;
    if (
      installed &&
      installed.model === a.model &&
      counter < installed.releaseCounter &&
      model.custom.rollback !== true
    )
      return this.refuse(
        a,
        `release counter ${counter} is lower than the installed ${installed.releaseCounter} (${installed.version}): no downgrade without a signed rollback release`,
        digest,
      );
    // The same weights under a new version are still a new release (its manifest differs): installed like any other,
    // never skipped, or the agent would report "downloading" at every poll and the rollout would never complete.

    // A publisher-signed release: model.sig must be a signed target of the release, whatever the assignment lists.
    const claim = publisherClaim(model);
    if (typeof claim === 'string') return this.refuse(a, claim, digest);
    if (claim) {
      const path = signatureTarget(prefix);
      let sigInfo = infos.find((i) => i.path === path);
      if (!sigInfo) {
        try {
          sigInfo = await this.tuf.targetInfo(path);
        } catch (e) {
          return this.attemptFailed(a, 'the metadata refresh', e);
        }
        if (sigInfo) infos.push(sigInfo);
      }
      const problem = signatureTargetProblem(sigInfo, claim);
      if (problem) return this.refuse(a, problem, digest);
    }

    // The signed manifest: its digest must be the one the model's target names, and it must fit this device.
    const store = join(this.opts.dataDir, 'store');
    const local = (i: TargetFile) => join(store, `${i.hashes.sha256}`);
    this.step('download');
    let files: { path: string; from: string }[];
    try {
      const mf = await this.tuf.download(manifestInfo, local(manifestInfo));
      if (`sha256:${manifestInfo.hashes.sha256}` !== model.custom.manifest)
        return this.refuse(a, 'the manifest is not the one the signed model target names', digest);
      const manifest = parseManifestText(decodeUtf8(readFileSync(mf), MANIFEST_FILE), MANIFEST_FILE);
      const verdict = evaluate(modelNeeds(manifest, this.catalog), this.device.facts);
      if (verdict.verdict === 'declined') {
        const why = verdict.reasons
          .filter((r) => r.severity === 'declined')
          .map((r) => `${r.code}: ${r.message}`)
          .join('; ');
        return this.refuse(a, `this device does not fit the model: ${why}`, digest);
      }
      const listed = new Set(infos.map((i) => i.path.slice(prefix.length)));
      const missing = manifest.artifact.files.map((f) => f.path).filter((p) => !listed.has(p));
      if (missing.length) return this.refuse(a, `the release lacks signed targets for ${missing.join(', ')}`, digest);
      files = [];
      for (const i of infos)
        files.push({ path: i.path.slice(prefix.length), from: await this.tuf.download(i, local(i)) });
    } catch (e) {
      return this.attemptFailed(a, 'download', e);
    }
    // Every file is now in the store with the length and hash TUF signs: check the publisher signed exactly those.
    if (claim) {
      const sig = files.find((f) => f.path === SIGNATURE_FILE)!;
      const problem = publisherSignatureProblem(
        readFileSync(sig.from, 'utf8'),
        claim,
        infos.map((i) => ({ name: i.path.slice(prefix.length), digest: i.hashes.sha256! })),
      );
      if (problem) return this.refuse(a, problem, digest);
    }

    this.report({ rolloutId: a.rolloutId, state: 'installing' });
    this.step('unpack');
    const install: Installed = {
      model: a.model,
      version: a.version,
      releaseCounter: counter,
      digest,
      slot: `${counter}-${digest.slice(0, 16)}`,
      rolloutId: a.rolloutId,
    };
    unpackSlot(this.opts.dataDir, install.slot, files);
    const previous = this.state.current;
    this.state.pending = { install, ...(previous ? { previous } : {}), attempts: 1, since: new Date().toISOString() };
    this.save();
    return this.switchAndCheck(install, previous);
  }

  /** Switch `current`, restart the runtime, health check; commit or roll back. */
  private async switchAndCheck(install: Installed, previous: Installed | undefined): Promise<CycleResult> {
    this.step('swap');
    pointCurrent(this.opts.dataDir, install.slot);
    await this.runtime.restart(this.env(install), this.opts.dataDir);
    this.report({ rolloutId: install.rolloutId, state: 'installed' });
    this.step('health');
    const health = await runCommand(this.opts.healthCheck, {
      timeoutMs: this.opts.healthTimeoutMs,
      env: this.env(install),
      cwd: this.opts.dataDir,
    });
    if (!health.ok) {
      const why = health.timedOut
        ? `the health check did not finish within ${Math.round(this.opts.healthTimeoutMs / 1000)} s`
        : `the health check failed (exit ${health.code ?? health.signal})${health.output.trim() ? `: ${health.output.trim().slice(-300)}` : ''}`;
      await this.rollBack(install, previous, why);
      return { outcome: 'rolled-back', detail: why };
    }
    this.step('commit');
    this.state.previous = previous;
    this.state.current = install;
    delete this.state.pending;
    this.report({ rolloutId: install.rolloutId, state: 'healthy' });
    collectSlots(this.opts.dataDir, [install.slot, previous?.slot]);
    this.opts.log(`installed ${install.model}@${install.version} (healthy)`);
    return { outcome: 'installed' };
  }

  private async rollBack(install: Installed, previous: Installed | undefined, reason: string): Promise<void> {
    const back = previous && slotExists(this.opts.dataDir, previous.slot) ? previous : undefined;
    pointCurrent(this.opts.dataDir, back?.slot);
    await this.runtime.restart(this.env(back), this.opts.dataDir);
    this.state.current = back;
    delete this.state.pending;
    this.state.refused[releaseKey(install.model, install.version)] = {
      reason,
      digest: install.digest,
      at: new Date().toISOString(),
    };
    this.report({ rolloutId: install.rolloutId, state: 'rolled-back', reason });
    collectSlots(this.opts.dataDir, [back?.slot, this.state.previous?.slot]);
    this.opts.log(`rolled back ${install.model}@${install.version}: ${reason}`);
  }

  /** Polls until the signal aborts; offline → exponential backoff (up to 5 min), the model keeps running. */
  async runForever(signal: AbortSignal): Promise<void> {
    await this.recover();
    while (!signal.aborted) {
      let r: CycleResult;
      try {
        r = await this.cycle();
      } catch (e) {
        if (!(e instanceof FleetpackError)) throw e;
        this.opts.log(`error: ${e.message}`);
        r = { outcome: 'offline' };
      }
      let wait = this.opts.intervalMs;
      if (r.outcome === 'offline') {
        this.backoffMs = Math.min(300_000, Math.max(1000, this.backoffMs * 2));
        wait = this.backoffMs * (0.75 + Math.random() * 0.5);
      } else this.backoffMs = 0;
      // Stopping ends the wait early; the loop condition then ends the agent.
      await sleep(wait, signal).catch((e: unknown) => {
        if (!(e instanceof CancelledError)) throw e;
      });
    }
    await this.flush();
    await this.runtime.stop();
  }

  async stopRuntime(): Promise<void> {
    await this.runtime.stop();
  }
}
