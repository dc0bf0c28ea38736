/**
 * The one place the Studio calls into the domain folders (formats, manifest, package, signing,
 * sbom, fleet) through their index.ts, translating their results into the contract's view types.
 * Nothing here decides anything the domain owns.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetError, ManifestError, throwIfAborted } from '../errors.js';
import {
  channelsOf,
  defaultCatalog,
  importInventory,
  checkedPreview,
  groupMembers,
  type Inventory as FleetInventory,
  type PreviewResult,
  type ResolvedProfile,
  type RuntimeName,
  userlandArch,
} from '../fleet/index.js';
import { formatLabel, inspect as inspectModel, operatorList, runtimeNeeds, type ModelInfo } from '../formats/index.js';
import {
  analyzeLicense,
  artifactSources,
  canBeImage,
  changeRows,
  diffManifests,
  importMetrics,
  licenseFromInputs,
  manifestVocabulary,
  mergeMetrics,
  refreshTodo,
  suggestLicense,
  type ArtifactSource,
  type Manifest,
  type ValidationReport,
  SIGNATURE_FILE,
  readManifest,
  writeManifest,
} from '../manifest/index.js';
import { attachSbom, generateSbom, noteText, validateSbomFile, type SbomValidation } from '../sbom/index.js';
import { studioWords, type NextStep } from '../next-steps.js';
import { hashFiles, prefill as prefillManifest, validatePackage } from '../package/index.js';
import { Keystore, signModel, verifyModel, type StoredKey } from '../signing/index.js';
import type {
  DiffChange,
  GroupDevices,
  InventorySummary,
  KeyInfo,
  LicenseCheck,
  Metric,
  PreviewReport,
  Problem,
  ProfileSummary,
  Reason,
  SbomReport,
  SignResult,
  Verdict,
  VerifyReport,
} from './contract.js';
import type { Progress } from './jobs.js';

export interface Inventory {
  summary: Omit<InventorySummary, 'handle' | 'name'>;
  data: FleetInventory;
}

/** What inspect needs of a file still arriving (arriving.ts). */
export interface Arriving {
  ensure(offset: number, length: number, signal?: AbortSignal): Promise<void>;
}

export interface Draft {
  manifest: Manifest;
  /** The files that make up the artifact (model, external data, companions), to hash and package. */
  sources: ArtifactSource[];
}

let keystore: Keystore | undefined;
const keys = (): Keystore => (keystore ??= new Keystore());

/** A hint in the Studio's words: a named step as the Studio says it, else the domain's own words. */
function studioHint(x: { hint?: string; next?: NextStep }): { hint?: string } {
  const hint = x.next ? studioWords(x.next) : x.hint;
  return hint ? { hint } : {};
}

function toProblems(r: ValidationReport): Problem[] {
  const problem = (severity: Problem['severity'], f: ValidationReport['errors'][number]): Problem => ({
    severity,
    pointer: f.pointer,
    message: f.message,
    code: f.code,
    ...studioHint(f),
  });
  return [...r.errors.map((f) => problem('error', f)), ...r.warnings.map((f) => problem('warning', f))];
}

/** The model as the Studio shows it: its warnings' steps in the Studio's words. */
function studioInfo(info: Omit<ModelInfo, 'path'>): Omit<ModelInfo, 'path'> {
  return {
    ...info,
    warnings: info.warnings.map(({ hint: _hint, next, ...w }) =>
      next ? { ...w, message: `${w.message} ${studioWords(next)}` } : w,
    ),
  };
}

function toKey(k: StoredKey): KeyInfo {
  return {
    name: k.name,
    keyId: k.keyId,
    algorithm: `ECDSA ${k.curve}`,
    publicKeyPem: k.publicKeyPem,
    createdAt: k.created,
  };
}

/** One line of facts for the profile picker: CPU, memory, accelerators, runtimes. */
function factsLine(p: ResolvedProfile): string {
  const f = p.facts;
  const parts: string[] = [];
  const arch = userlandArch(f);
  if (arch) parts.push(arch);
  if (f.memoryMiB) parts.push(f.memoryMiB >= 1024 ? `${Math.round(f.memoryMiB / 1024)} GB` : `${f.memoryMiB} MB`);
  for (const a of f.accelerators ?? [])
    parts.push([a.kind, a.computeCapability ? `CC ${a.computeCapability}` : undefined].filter(Boolean).join(' '));
  for (const name of Object.keys(f.runtimes ?? {}) as RuntimeName[]) {
    const version = f.runtimes?.[name]?.version;
    if (version) parts.push(`${name} ${version}`);
  }
  return parts.join(' · ');
}

function sbomReport(v: SbomValidation, attached: boolean, notes: string[]): SbomReport {
  return {
    attached,
    valid: v.valid,
    format: v.kind.format === 'cyclonedx' ? 'CycloneDX' : 'SPDX',
    specVersion: v.kind.specVersion,
    components: v.ntia.components,
    errors: v.issues.filter((i) => i.severity === 'error').map((i) => ({ pointer: i.pointer, message: i.message })),
    warnings: [
      ...v.issues.filter((i) => i.severity !== 'error').map((i) => ({ pointer: i.pointer, message: i.message })),
      ...notes.map((message) => ({ message })),
    ],
    ntia: { score: v.ntia.score, gaps: v.ntia.gaps.map((g) => ({ component: g.component, missing: [...g.missing] })) },
    resignNeeded: false,
  };
}

/** Warnings that mean "not finished yet" (the manifest is valid, but the engineer still has work). */
const INCOMPLETE = new Set(['LICENSE_MISSING', 'TODO_OPEN', 'GUESS_UNCONFIRMED']);

const VERDICT_OF: Record<string, Verdict> = { info: 'compatible', warning: 'warning', declined: 'declined' };
/** Device ids listed per group of identical devices (the counts are always exact). */
const GROUP_SAMPLE = 100;
/** Device ids per page when a group's devices are listed on demand. */
const GROUP_PAGE = 500;

export const domain = {
  formatLabel,
  runtimeNeeds,
  operatorList,
  studioInfo,
  vocabulary: manifestVocabulary,
  async inspect(
    path: string,
    opts: { ioFrom?: string; signal?: AbortSignal; arriving?: Arriving; quick?: boolean },
  ): Promise<ModelInfo> {
    const { arriving, ...options } = opts;
    // A file still arriving from the browser: its reads first wait for their bytes.
    return inspectModel(path, {
      ...options,
      ...(arriving ? { beforeRead: (pos: number, len: number) => arriving.ensure(pos, len, opts.signal) } : {}),
    });
  },

  /** A draft without hashing (the digest runs as a job): sizes now, sha256 filled in when known. */
  async prefill(info: ModelInfo, companions: string[] = []): Promise<Draft> {
    return {
      manifest: await prefillManifest(info, { companions, hash: false }),
      sources: artifactSources(info, companions),
    };
  },

  /** The inputs image preprocessing applies to (the manifest domain's rule, as for prefill). */
  imageInputs: (m: Manifest): string[] => m.inputs.filter(canBeImage).map((t) => t.name),

  /** Drops `todo` entries the engineer has filled in. */
  refresh: (m: Manifest): Manifest => refreshTodo(m),

  /** No error, a license, and nothing prefill left to fill in or confirm. */
  complete: (problems: Problem[]): boolean =>
    !problems.some((p) => p.severity === 'error' || (p.code !== undefined && INCOMPLETE.has(p.code))),

  async validate(
    m: Manifest,
    opts: { dir?: string; signal?: AbortSignal; digestsPending?: boolean } = {},
  ): Promise<Problem[]> {
    return toProblems(await validatePackage(m, opts));
  },

  checkLicense(expression: string): LicenseCheck {
    const a = analyzeLicense(expression);
    const suggestion = a.valid ? undefined : suggestLicense(expression);
    const hint =
      a.problem?.hint ??
      (suggestion ? `Did you mean ${suggestion.license}? ${suggestion.notes.join(' ')}`.trim() : undefined);
    return {
      expression,
      valid: a.valid,
      ...(a.normalized ? { normalized: a.normalized } : {}),
      ...(a.problem ? { message: a.problem.message } : {}),
      ...(hint ? { hint } : {}),
      ...(a.refs.length ? { needsReference: a.refs } : {}),
      ...(suggestion
        ? { suggestion: { license: suggestion.license, licenseRef: suggestion.licenseRef, notes: suggestion.notes } }
        : {}),
    };
  },

  /**
   * Metrics from a file; a model card's license is recorded as the CLI's `init --metrics` records
   * it (licenseFromInputs) unless the draft already has one, which wins.
   */
  async importMetrics(
    path: string,
    current: Pick<Manifest, 'license'>,
  ): Promise<{ metrics: Metric[]; warnings: string[]; license?: Pick<Manifest, 'license' | 'licenseRef'> }> {
    const r = await importMetrics(path);
    const warnings: string[] = [];
    let license: Pick<Manifest, 'license' | 'licenseRef'> | undefined;
    if (r.license && current.license) {
      if (r.license.id && r.license.id !== current.license)
        warnings.push(`the model card names the license "${r.license.id}"; the License field keeps ${current.license}`);
    } else if (r.license) {
      const choice = licenseFromInputs({ card: r.license, givenAt: 'the License field' });
      warnings.push(...choice.notes);
      if (choice.license)
        license = { license: choice.license, ...(choice.licenseRef.length ? { licenseRef: choice.licenseRef } : {}) };
    }
    if (r.metrics.length === 0) warnings.push('no metrics found in the file');
    return { metrics: r.metrics, warnings, ...(license ? { license } : {}) };
  },
  mergeMetrics: (existing: Metric[] | undefined, incoming: Metric[]): Metric[] => mergeMetrics(existing, incoming),

  readManifest: (dir: string): Promise<Manifest> => readManifest(dir),
  async writeManifest(dir: string, m: Manifest): Promise<void> {
    await writeManifest(dir, m);
  },

  diff(before: Manifest, after: Manifest): { changes: DiffChange[]; notes: string[]; versionBump: string } {
    const d = diffManifests(before, after);
    return {
      changes: d.changes.map((c) => ({ ...c, rows: changeRows(c, before, after) })),
      notes: d.notes,
      versionBump: d.versionBump,
    };
  },

  async digest(
    sources: ArtifactSource[],
    progress: Progress,
    signal: AbortSignal,
  ): Promise<{ path: string; sha256: string; size: number }[]> {
    const files = await Promise.all(
      sources.map(async (s) => ({ name: s.path, path: s.source, size: (await stat(s.source)).size })),
    );
    const out = await hashFiles(files, {
      algorithm: 'sha256',
      signal,
      onProgress: (p) => progress(p.bytesDone, p.bytesTotal, 'hashing'),
    });
    return out.map((d) => ({ path: d.name, sha256: d.digest, size: d.size }));
  },

  listKeys: async (): Promise<KeyInfo[]> => (await keys().list()).map(toKey),
  createKey: async (name: string): Promise<KeyInfo> => toKey(await keys().create(name)),
  exportPublicKey: (name: string): Promise<string> => keys().exportPublicKey(name),

  async sign(dir: string, key: string, progress: Progress, signal: AbortSignal): Promise<SignResult> {
    // The keychain lookup overlaps the hashing; signModel waits for it before signing.
    const r = await signModel(dir, keys().signer(key), {
      signal,
      onProgress: (p) => progress(p.bytesDone, p.bytesTotal, p.phase),
    });
    return { keyName: key, keyId: r.keyId, files: r.files.length, signedAt: new Date().toISOString() };
  },

  async verify(
    dir: string,
    publicKeyPem: string | undefined,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<VerifyReport> {
    if (!publicKeyPem) {
      return {
        verified: false,
        files: 0,
        problems: [
          {
            code: 'NO_PUBLIC_KEY',
            message:
              'No public key for this signature: the signing key is not in this keychain. Ask the signer for their public key.',
          },
        ],
      };
    }
    const r = await verifyModel(dir, {
      publicKeyPem,
      signal,
      onProgress: (p) => progress(p.bytesDone, p.bytesTotal, 'hashing'),
    });
    return {
      verified: r.verified,
      keyId: r.keyId,
      files: r.files.length,
      problems: r.problems.map((p) => ({ code: p.code, message: p.message, ...(p.file ? { file: p.file } : {}) })),
    };
  },

  /** The key id (OMS public-key hint) a package's signature names, if it can be read. */
  async signatureKeyId(dir: string): Promise<string | undefined> {
    try {
      const bundle = JSON.parse(await readFile(join(dir, SIGNATURE_FILE), 'utf8')) as {
        verificationMaterial?: { publicKey?: { hint?: unknown } };
      };
      const hint = bundle.verificationMaterial?.publicKey?.hint;
      return typeof hint === 'string' ? hint : undefined;
    } catch {
      return undefined;
    }
  },

  async validateSbom(path: string): Promise<SbomReport> {
    return sbomReport(await validateSbomFile(path), false, []);
  },
  async attachSbom(dir: string, path: string): Promise<SbomReport> {
    const r = await attachSbom(dir, path);
    return sbomReport(
      r.validation,
      r.attached,
      r.notes.map((n) => noteText(n, studioWords)),
    );
  },
  /** Generates the ML-BOM from the staged manifest and attaches it (validated like any other SBOM). */
  async generateSbom(dir: string, signal: AbortSignal): Promise<SbomReport> {
    const tmp = await mkdtemp(join(tmpdir(), 'fleetpack-sbom-'));
    try {
      const out = join(tmp, 'sbom.cdx.json');
      await generateSbom(dir, { out });
      throwIfAborted(signal);
      const r = await attachSbom(dir, out);
      return sbomReport(
        r.validation,
        r.attached,
        r.notes.map((n) => noteText(n, studioWords)),
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  },

  catalog(): ProfileSummary[] {
    const c = defaultCatalog();
    return c.ids().map((id) => {
      const p = c.resolve(id);
      return { id, name: p.name, family: p.family, facts: factsLine(p) };
    });
  },

  async loadInventory(path: string): Promise<Inventory> {
    const inv = await importInventory(path, defaultCatalog());
    const channels = channelsOf(inv)
      .map((c) => c.channel)
      .filter((c): c is string => c !== null)
      .sort();
    return {
      data: inv,
      summary: {
        devices: inv.size,
        badRows: inv.errors.map((e) => ({ line: e.line, message: e.message })),
        skippedRows: inv.skippedRows,
        unreadable: inv.unreadable.map((u) => ({ line: u.line, id: u.id, field: u.field, message: u.message })),
        unreadableDevices: inv.unreadableDevices,
        channels,
      },
    };
  },

  /**
   * The fleet preview as `fleetpack compat` runs it: an invalid manifest is refused
   * (MANIFEST_INVALID, `where` = `opts.where`, with `opts.fix` as what to do) before any device is looked at.
   */
  preview(m: Manifest, inv: Inventory, opts: { channel?: string; where: string; fix: string }): PreviewReport {
    // A channel this inventory does not have would put no device in scope: refused, never "all clear".
    if (opts.channel !== undefined && !inv.summary.channels.includes(opts.channel)) {
      throw new FleetError('UNKNOWN_CHANNEL', `The inventory has no device on channel "${opts.channel}"`, {
        hint: inv.summary.channels.length
          ? `Its channels: ${inv.summary.channels.join(', ')}.`
          : 'Its devices name no channel; preview all channels.',
      });
    }
    let r: PreviewResult;
    try {
      r = checkedPreview(m, inv.data, {
        ...(opts.channel ? { channel: opts.channel } : {}),
        sample: GROUP_SAMPLE,
        where: opts.where,
      });
    } catch (e) {
      // The rule is the domain's; the words of what to do are the Studio's (no CLI command to run).
      if (e instanceof ManifestError && e.code === 'MANIFEST_INVALID')
        throw new ManifestError(e.code, e.message, { where: opts.where, hint: opts.fix, cause: e });
      throw e;
    }
    return previewReport(r);
  },

  /** A page of one preview group's device ids (the fleet domain's groups, listed, not regrouped). */
  groupDevices(inv: Inventory, group: string, opts: { channel?: string; offset: number }): GroupDevices {
    const r = groupMembers(inv.data, group, { ...opts, limit: GROUP_PAGE });
    return { ids: r.ids, total: r.total, offset: opts.offset };
  },
};

export type Domain = typeof domain;

/** fleet/'s preview as the Studio shows it (the Compatibility step, and the platform's own preview in Publish). */
export function previewReport(r: PreviewResult): PreviewReport {
  const reason = (x: { code: string; severity: string; message: string; fix: string; next?: NextStep }): Reason => ({
    code: x.code,
    verdict: VERDICT_OF[x.severity] ?? 'warning',
    message: x.message,
    ...studioHint({ hint: x.fix, ...(x.next ? { next: x.next } : {}) }),
  });
  return {
    total: r.scope.devices,
    totals: { ...r.totals },
    byProfile: r.byProfile.map((p) => ({
      profile: p.profile ?? '(no profile)',
      compatible: p.compatible,
      warning: p.warning,
      declined: p.declined,
    })),
    reasons: r.byReason.map((x) => ({ ...reason(x), devices: x.devices })),
    // The fleet domain's groups as they are (one group per profile + identical facts): never regrouped here.
    groups: r.groups.map((g) => ({
      id: g.id,
      profile: g.profile ?? '(no profile)',
      verdict: g.verdict,
      reasons: g.reasons.map(reason),
      devices: g.devices,
      sample: g.sample,
    })),
  };
}
