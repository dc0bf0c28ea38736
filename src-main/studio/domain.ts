/**
 * The one place the Studio calls into the domain folders (formats, manifest, package, signing,
 * sbom, fleet) through their index.ts, translating their results into the contract's view types.
 * Nothing here decides anything the domain owns.
 */
import { FleetpackError } from '../errors.js';
import { inspect as inspectModel } from '../formats/index.js';
import type { ModelInfo } from '../formats/index.js';
import type { Manifest } from '../manifest/index.js';
import type {
  DiffChange, InventorySummary, KeyInfo, LicenseCheck, Metric, PreviewReport, Problem, ProfileSummary, SbomReport,
  SignResult, VerifyReport,
} from './contract.js';
import type { Progress } from './jobs.js';

export interface Inventory {
  summary: Omit<InventorySummary, 'handle' | 'name'>;
  data: unknown;
}

function notWired(what: string): never {
  throw new FleetpackError('NOT_AVAILABLE', `${what} is not available in this build yet`, {
    hint: 'This part of Fleetpack is still being integrated; use the CLI when it lands.',
  });
}

export const domain = {
  inspect(path: string, opts: { ioFrom?: string; signal?: AbortSignal }): Promise<ModelInfo> {
    return inspectModel(path, opts);
  },
  prefill(_info: ModelInfo): Manifest {
    return notWired('Manifest prefill');
  },
  async validate(_m: Manifest, _opts: { dir?: string } = {}): Promise<Problem[]> {
    return notWired('Manifest validation');
  },
  checkLicense(_expression: string): LicenseCheck {
    return notWired('License checking');
  },
  async importMetrics(_path: string): Promise<{ metrics: Metric[]; warnings: string[] }> {
    return notWired('Metrics import');
  },
  async readManifest(_dir: string): Promise<Manifest> {
    return notWired('Reading a package');
  },
  async writeManifest(_dir: string, _m: Manifest): Promise<void> {
    return notWired('Writing a manifest');
  },
  diff(_before: Manifest, _after: Manifest): DiffChange[] {
    return notWired('Package diff');
  },
  async digest(_paths: string[], _progress: Progress, _signal: AbortSignal): Promise<{ path: string; sha256: string; size: number }[]> {
    return notWired('Hashing');
  },
  async listKeys(): Promise<KeyInfo[]> {
    return notWired('The keychain');
  },
  async createKey(_name: string): Promise<KeyInfo> {
    return notWired('The keychain');
  },
  async exportPublicKey(_name: string): Promise<string> {
    return notWired('The keychain');
  },
  async sign(_dir: string, _key: string, _progress: Progress, _signal: AbortSignal): Promise<SignResult> {
    return notWired('Signing');
  },
  async verify(_dir: string, _publicKeyPem: string | undefined, _progress: Progress, _signal: AbortSignal): Promise<VerifyReport> {
    return notWired('Verification');
  },
  async validateSbom(_path: string): Promise<SbomReport> {
    return notWired('SBOM validation');
  },
  async attachSbom(_dir: string, _path: string): Promise<SbomReport> {
    return notWired('Attaching an SBOM');
  },
  async generateSbom(_dir: string, _signal: AbortSignal): Promise<SbomReport> {
    return notWired('SBOM generation');
  },
  async catalog(): Promise<ProfileSummary[]> {
    return notWired('The hardware catalog');
  },
  async loadInventory(_path: string): Promise<Inventory> {
    return notWired('Inventory import');
  },
  async preview(_m: Manifest, _inv: Inventory, _opts: { channel?: string }): Promise<PreviewReport> {
    return notWired('Compatibility preview');
  },
};

export type Domain = typeof domain;
