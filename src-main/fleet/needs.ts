/**
 * What a model needs from a device, derived from its manifest. The manifest's target profile ids
 * resolve to the *build* facts (a TensorRT engine built on "Xavier NX, JetPack 5.1" was built for
 * SM 7.2 with TensorRT 8.5.2.2); explicit manifest fields win over profile facts.
 */
import { canonicalDomain, type ModelFormat } from '../formats/index.js';
import { assertManifestShape, EDGETPU_CUSTOM_OP, type Manifest } from '../manifest/index.js';
import type { Unchecked } from '../unchecked.js';
import { FleetError } from '../errors.js';
import type { Catalog, ResolvedProfile } from './catalog.js';
import { findAccelerators, nvidiaGpu, normalizeArch } from './facts.js';

export type HardwareCompatibility = 'none' | 'ampere-plus' | 'same-compute-capability';

export interface ModelNeeds {
  name: string;
  version: string;
  format: ModelFormat;
  /** Sum of the artifact files (model + external data), bytes. */
  sizeBytes: number;
  /** Target profile ids the build facts came from. */
  buildProfiles: string[];
  tensorrt?: {
    version?: string;
    versionCompatible: boolean;
    hardwareCompatibility: HardwareCompatibility;
    computeCapability?: string;
    gpuModel?: string;
    dlaCore?: number;
    /** DLA generation of the build device, when the engine uses a DLA core. */
    dlaGeneration?: number;
    /** True when built on a Jetson (integrated GPU): hardware compatibility is not supported there. */
    builtOnJetson?: boolean;
  };
  /**
   * irVersion undefined when the manifest lacks framework.onnx (then it cannot be checked).
   * Domains are canonical ('ai.onnx'); usedDomains undefined when the manifest does not say
   * (written before it was recorded): then every import counts as used.
   */
  onnx?: { irVersion?: number; opsets: { domain: string; version: number }[]; usedDomains?: string[] };
  tflite?: { minRuntimeVersion?: string; customOps: string[]; edgetpu: boolean };
  requires: {
    computeCapability?: string;
    accelerators: string[];
    minMemoryMiB?: number;
    cpuArch: string[];
    runtimes: Record<string, string>;
    executionProviders: string[];
    delegates: string[];
  };
}

const HW_COMPAT: Record<string, HardwareCompatibility> = {
  none: 'none',
  'ampere-plus': 'ampere-plus',
  ampere_plus: 'ampere-plus',
  kampere_plus: 'ampere-plus',
  'same-compute-capability': 'same-compute-capability',
  same_compute_capability: 'same-compute-capability',
  ksame_compute_capability: 'same-compute-capability',
};

/** Derives what the model needs. Throws FleetError for an unknown target profile id. */
export function modelNeeds(m: Unchecked<Manifest>, catalog: Catalog): ModelNeeds {
  assertManifestShape(m);
  const targets: ResolvedProfile[] = (m.target?.profiles ?? []).map((id) => {
    try {
      return catalog.resolve(id);
    } catch (e) {
      throw new FleetError('UNKNOWN_PROFILE', `The manifest's target names unknown hardware profile "${id}"`, {
        where: 'fleetpack.json /target/profiles',
        hint: (e as FleetError).hint ?? 'Use a profile id from the catalog.',
        cause: e,
      });
    }
  });
  const r = m.target?.requirements ?? {};
  const needs: ModelNeeds = {
    name: m.name,
    version: m.version,
    format: m.framework.format,
    sizeBytes: m.artifact.files.reduce((s, f) => s + (Number.isFinite(f.size) ? f.size : 0), 0),
    buildProfiles: targets.map((t) => t.id),
    requires: {
      accelerators: (r.accelerators ?? []).map((a) => a.toLowerCase()),
      cpuArch: (r.cpuArch ?? []).map(normalizeArch),
      runtimes: { ...(r.runtimes ?? {}) },
      executionProviders: r.executionProviders ?? [],
      delegates: (r.delegates ?? []).map((d) => d.toLowerCase()),
      ...(r.computeCapability !== undefined ? { computeCapability: r.computeCapability } : {}),
      ...(r.minMemoryMiB !== undefined ? { minMemoryMiB: r.minMemoryMiB } : {}),
    },
  };
  const fw = m.framework;
  if (fw.format === 'tensorrt') {
    const t = fw.tensorrt ?? {};
    const build = targets.find((p) => nvidiaGpu(p.facts));
    const gpu = build ? nvidiaGpu(build.facts) : undefined;
    const dlaGen = build ? findAccelerators(build.facts, 'dla')?.[0]?.generation : undefined;
    const version = t.version ?? build?.facts.runtimes?.tensorrt?.version;
    const cc = t.computeCapability ?? gpu?.computeCapability ?? r.computeCapability;
    const model = t.gpuModel ?? gpu?.model;
    needs.tensorrt = {
      versionCompatible: t.versionCompatible === true,
      hardwareCompatibility: HW_COMPAT[(t.hardwareCompatibility ?? 'none').toLowerCase()] ?? 'none',
      ...(version !== undefined ? { version } : {}),
      ...(cc !== undefined ? { computeCapability: cc } : {}),
      ...(model !== undefined ? { gpuModel: model } : {}),
      ...(t.dlaCore !== undefined && t.dlaCore >= 0 ? { dlaCore: t.dlaCore } : {}),
      ...(t.dlaCore !== undefined && dlaGen !== undefined ? { dlaGeneration: dlaGen } : {}),
      ...(gpu ? { builtOnJetson: gpu.integrated === true } : {}),
    };
  } else if (fw.format === 'onnx') {
    const o = fw.onnx;
    needs.onnx = {
      ...(typeof o?.irVersion === 'number' ? { irVersion: o.irVersion } : {}),
      opsets: (Array.isArray(o?.opsets) ? o.opsets : []).map((x) => ({
        domain: canonicalDomain(x.domain),
        version: x.version,
      })),
      ...(Array.isArray(o?.usedDomains) ? { usedDomains: o.usedDomains.map(canonicalDomain) } : {}),
    };
  } else {
    const t = fw.tflite ?? {};
    const customOps = t.customOps ?? [];
    needs.tflite = {
      customOps,
      edgetpu: t.edgetpu === true || customOps.includes(EDGETPU_CUSTOM_OP),
      ...(t.minRuntimeVersion ? { minRuntimeVersion: t.minRuntimeVersion } : {}),
    };
  }
  return needs;
}
