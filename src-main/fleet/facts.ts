/**
 * The device facts model: what a device *is* (CPU, memory, accelerators) and what is *installed*
 * (runtimes). Compatibility is decided on these facts, never on profile names.
 *
 * Unknown versus absent matters: a field that is `undefined` is unknown (a rule must warn
 * "cannot tell"), `null` (runtimes) or an empty list means known to be absent.
 */
import { jsonOrNull } from '../json.js';

export interface Accelerator {
  /** 'gpu' | 'dla' | 'edgetpu' | 'npu' */
  kind: string;
  vendor?: string;
  /** GPU model as the runtime names it, e.g. 'Orin Nano (nvgpu, 1024 cores)', 'NVIDIA T4'. */
  model?: string;
  /** Micro-architecture: 'volta', 'ampere', … or the NPU architecture 'hailo8' | 'hailo8l'. */
  arch?: string;
  /** GPU compute capability (SM), e.g. '8.7'. */
  computeCapability?: string;
  /** True for Jetson iGPUs (memory shared with the CPU). */
  integrated?: boolean;
  /** Dedicated accelerator memory (discrete GPUs). */
  memoryMiB?: number;
  /** DLA generation (Xavier = 1, Orin = 2). */
  generation?: number;
  /** Number of units (DLA cores, Edge TPUs). */
  count?: number;
  /** How it is attached: 'usb' | 'pcie' | 'm.2' | 'devboard' | 'soc'. */
  interface?: string;
}

export interface Runtime {
  version: string;
}

export interface Runtimes {
  tensorrt?: Runtime | null;
  cuda?: Runtime | null;
  cudnn?: Runtime | null;
  onnxruntime?: (Runtime & { executionProviders?: string[] }) | null;
  /** TFLite or LiteRT (same .tflite format and interpreter). */
  tflite?: (Runtime & { flavor?: string; delegates?: string[]; customOps?: string[] }) | null;
  /** Edge TPU runtime version, e.g. '14' or '16.0'. */
  libedgetpu?: Runtime | null;
  hailort?: Runtime | null;
}

export type RuntimeName = keyof Runtimes;
export const RUNTIME_NAMES: readonly RuntimeName[] = [
  'tensorrt',
  'cuda',
  'cudnn',
  'onnxruntime',
  'tflite',
  'libedgetpu',
  'hailort',
];

/** A fact the inventory states for a device but that cannot be read (the column or key, and why). */
export interface UnreadableFact {
  field: string;
  message: string;
}

export interface DeviceFacts {
  cpu?: {
    /** Instruction set of the silicon: 'aarch64' | 'x86_64' | 'armv7l'. */
    isa?: string;
    /** Userland ABI (a 32-bit Raspberry Pi OS on a 64-bit core is 'armv7l'). Rules use this first. */
    abi?: string;
    cores?: number;
    model?: string;
  };
  /** Host RAM. On Jetson it is shared by CPU, GPU and DLA. */
  memoryMiB?: number;
  /** undefined = unknown, [] = none. */
  accelerators?: Accelerator[];
  platform?: { os?: string; distro?: string; l4t?: string; jetpack?: string };
  runtimes?: Runtimes;
  /**
   * Facts the inventory row states but that could not be read. They are unknown (whatever the
   * profile says), and the device's verdict is at best "warning": cannot tell. Set by the importer.
   */
  unreadable?: UnreadableFact[];
}

/** One device of the fleet after import: explicit facts already merged over its profile's. */
export interface Device {
  id: string;
  channel?: string;
  profile?: string;
  labels?: string[];
  facts: DeviceFacts;
  /** Stable key of `facts`; devices with the same key get the same verdict. Set by the importer. */
  factsKey?: string;
  /** 1-based line in the inventory file, for messages. */
  line?: number;
}

const ARCH_ALIASES: Record<string, string> = {
  arm64: 'aarch64',
  armv8: 'aarch64',
  amd64: 'x86_64',
  x64: 'x86_64',
  'x86-64': 'x86_64',
  armhf: 'armv7l',
  armv7: 'armv7l',
  arm: 'armv7l',
};

/** Canonical CPU architecture name (uname -m style). */
export function normalizeArch(arch: string): string {
  const a = arch.trim().toLowerCase();
  return ARCH_ALIASES[a] ?? a;
}

/** The architecture a binary must be built for: the userland ABI, else the ISA. */
export function userlandArch(f: DeviceFacts): string | undefined {
  return f.cpu?.abi ?? f.cpu?.isa;
}

export function findAccelerators(f: DeviceFacts, kind: string): Accelerator[] | undefined {
  return f.accelerators?.filter((a) => a.kind === kind);
}

/** The device's NVIDIA GPU: undefined when unknown, null when known to have none. */
export function nvidiaGpu(f: DeviceFacts): Accelerator | null | undefined {
  if (f.accelerators === undefined) return undefined;
  return f.accelerators.find((a) => a.kind === 'gpu' && (a.vendor === undefined || a.vendor === 'nvidia')) ?? null;
}

/** True when an accelerator token ('gpu', 'dla', 'edgetpu', 'hailo8l', …) names this accelerator. */
export function acceleratorMatches(a: Accelerator, token: string): boolean {
  const t = token.toLowerCase();
  return a.kind === t || a.arch === t || (a.vendor !== undefined && `${a.vendor}-${a.kind}` === t);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep merge of facts: objects merge key by key, arrays and scalars are replaced, `null`
 * replaces (an explicit "not installed"), `undefined` keeps the base.
 */
export function mergeFacts<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeFacts(out[k], v);
  return out as T;
}

/** JSON with sorted keys: equal facts give equal strings whatever the key order. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`).join(',')}}`;
  }
  return jsonOrNull(v);
}

const keyCache = new WeakMap<DeviceFacts, string>();

/** The grouping key of a facts object (cached per object: importers share facts objects). */
export function factsKey(f: DeviceFacts): string {
  let k = keyCache.get(f);
  if (k === undefined) {
    k = stableStringify(f);
    keyCache.set(f, k);
  }
  return k;
}
