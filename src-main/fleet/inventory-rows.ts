/**
 * What one inventory row means: its cells (CSV columns, or JSON keys) → a device kind (profile
 * facts merged with the explicit facts). This is the one place the cell rules live; the fast
 * byte-level readers (inventory-scan.ts) call it once per distinct combination of cells.
 *
 * Cells: empty = not stated (the profile's fact, else unknown); `none` = known not installed.
 * A cell that cannot be read never drops the device: that fact becomes unknown and is listed in
 * `facts.unreadable`, so the rules say "cannot tell" for it (rules/inventory.ts).
 */
import { type Catalog, validateFacts } from './catalog.js';
import {
  type Accelerator,
  type DeviceFacts,
  type Runtimes,
  type UnreadableFact,
  acceleratorMatches,
  factsKey,
  mergeFacts,
  normalizeArch,
} from './facts.js';
import { parseDotted } from '../manifest/index.js';

/** CSV columns, in the documented order. Lists inside a cell are ';' separated. */
export const CSV_COLUMNS = [
  'id',
  'channel',
  'profile',
  'arch',
  'memory_mib',
  'accelerators',
  'compute_capability',
  'gpu_model',
  'dla_cores',
  'onnxruntime',
  'execution_providers',
  'tensorrt',
  'cuda',
  'cudnn',
  'tflite',
  'delegates',
  'tflite_custom_ops',
  'libedgetpu',
  'hailort',
  'labels',
] as const;
export type Column = (typeof CSV_COLUMNS)[number];

/** JSON / NDJSON may also use camelCase keys. */
export const KEY_ALIASES: Readonly<Record<string, Column>> = {
  memoryMiB: 'memory_mib',
  memory: 'memory_mib',
  computeCapability: 'compute_capability',
  gpuModel: 'gpu_model',
  dlaCores: 'dla_cores',
  executionProviders: 'execution_providers',
  tfliteCustomOps: 'tflite_custom_ops',
  litert: 'tflite',
  deviceId: 'id',
  device_id: 'id',
};

const COLUMN_SET: ReadonlySet<string> = new Set(CSV_COLUMNS);

/** The column a CSV header cell or JSON key names, or undefined. */
export function columnOf(name: string): Column | undefined {
  return COLUMN_SET.has(name) ? (name as Column) : KEY_ALIASES[name];
}

/** Columns that are about the device itself, not its facts: they never split a group. */
export const IDENTITY_COLUMNS: ReadonlySet<Column> = new Set(['id', 'channel', 'labels']);

/** Same list as the facts schema's cpu.abi enum. */
const KNOWN_ARCHES = new Set(['aarch64', 'x86_64', 'armv7l', 'armv6l', 'i686', 'riscv64']);
const ACCELERATOR_TOKENS: Record<string, Accelerator> = {
  gpu: { kind: 'gpu', vendor: 'nvidia' },
  dla: { kind: 'dla', vendor: 'nvidia', count: 1 },
  edgetpu: { kind: 'edgetpu', vendor: 'google', count: 1 },
  hailo8: { kind: 'npu', vendor: 'hailo', arch: 'hailo8' },
  hailo8l: { kind: 'npu', vendor: 'hailo', arch: 'hailo8l' },
  hailo10h: { kind: 'npu', vendor: 'hailo', arch: 'hailo10h' },
};
const NONE = new Set(['none', 'no', 'absent']);

/** A cell that cannot be read; `field` is the column (or `facts`, `profile`, `row`). */
export class CellError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export type Cells = Partial<Record<Column, unknown>> & { facts?: unknown };

/** The facts every device with the same profile and fact cells shares. */
export interface DeviceKind {
  profile: string | undefined;
  facts: DeviceFacts;
  factsKey: string;
}

/** Text of a cell (numbers as text), trimmed; undefined when empty. */
export function cellText(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new CellError(what, `${what} must be text`);
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

function list(v: unknown, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => cellText(x, what) ?? '').filter((x) => x !== '');
  const s = cellText(v, what);
  if (s === undefined) return undefined;
  if (NONE.has(s.toLowerCase())) return [];
  return s
    .split(';')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function version(v: unknown, what: string): { version: string } | null | undefined {
  const s = cellText(v, what);
  if (s === undefined) return undefined;
  if (NONE.has(s.toLowerCase())) return null;
  if (!parseDotted(s)) throw new CellError(what, `${what} "${s}" is not a version (expected e.g. 1.17.3, or none)`);
  return { version: s };
}

function wholeNumber(v: unknown, what: string): number | undefined {
  const s = cellText(v, what);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new CellError(what, `${what} "${s}" is not a whole number`);
  return n;
}

/** The labels cell: `a;b`, a list, or an object ({k: v} → 'k=v'). Unreadable labels are dropped. */
export function labelsOf(v: unknown): string[] {
  if (v && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v).map(([k, x]) => `${k}=${String(x)}`);
  try {
    return list(v, 'labels') ?? [];
  } catch {
    return [];
  }
}

/** Explicit facts of one row; each cell that cannot be read is recorded and left out. */
interface Explicit {
  facts: DeviceFacts;
  /** Accelerator tokens from the accelerators cell, merged with the profile's details. */
  accelerators?: string[];
  gpu?: { computeCapability?: string; model?: string };
  dlaCores?: number;
  /** Facts the row states but that cannot be read: unknown, whatever the profile says. */
  unreadable: UnreadableFact[];
}

/** Runs `read`; a CellError is recorded as unreadable instead of thrown. */
function attempt<T>(e: Explicit, read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof CellError)) throw err;
    e.unreadable.push({ field: err.field, message: err.message });
    return undefined;
  }
}

const SIMPLE_RUNTIMES: [keyof Runtimes, Column][] = [
  ['tensorrt', 'tensorrt'],
  ['cuda', 'cuda'],
  ['cudnn', 'cudnn'],
  ['libedgetpu', 'libedgetpu'],
  ['hailort', 'hailort'],
];

function explicitFacts(c: Cells, base: DeviceFacts): Explicit {
  const facts: DeviceFacts = {};
  const e: Explicit = { facts, unreadable: [] };
  attempt(e, () => {
    const arch = cellText(c.arch, 'arch');
    if (arch === undefined) return;
    const a = normalizeArch(arch);
    if (!KNOWN_ARCHES.has(a))
      throw new CellError('arch', `arch "${arch}" is not a CPU architecture (aarch64, x86_64, armv7l, …)`);
    facts.cpu = { abi: a };
  });
  attempt(e, () => {
    const mem = wholeNumber(c.memory_mib, 'memory_mib');
    if (mem === 0) throw new CellError('memory_mib', 'memory_mib must be greater than 0');
    if (mem !== undefined) facts.memoryMiB = mem;
  });
  const runtimes: Runtimes = {};
  for (const [name, col] of SIMPLE_RUNTIMES) {
    const v = attempt(e, () => version(c[col], col));
    if (v !== undefined) runtimes[name] = v;
  }
  const ort = attempt(e, () => version(c.onnxruntime, 'onnxruntime'));
  const eps = attempt(e, () => list(c.execution_providers, 'execution_providers'));
  // The version the providers belong to: this row's, else the profile's. When the row's version
  // cannot be read, ONNX Runtime is unknown already and the providers are not checked on their own.
  const ortUnreadable = e.unreadable.some((u) => u.field === 'onnxruntime');
  const ortBase = ort === undefined && !ortUnreadable ? base.runtimes?.onnxruntime : ort;
  if (!ortUnreadable && eps !== undefined) {
    if (ortBase === null && eps.length)
      e.unreadable.push({ field: 'execution_providers', message: 'execution_providers given but onnxruntime is none' });
    else if (ortBase === undefined)
      e.unreadable.push({
        field: 'execution_providers',
        message: 'execution_providers given without an onnxruntime version',
      });
  }
  if (ort !== undefined)
    runtimes.onnxruntime = ort === null ? null : { ...ort, ...(eps ? { executionProviders: eps } : {}) };
  else if (eps !== undefined && ortBase) runtimes.onnxruntime = { ...ortBase, executionProviders: eps };
  const tfl = attempt(e, () => version(c.tflite, 'tflite'));
  const delegates = attempt(e, () => list(c.delegates, 'delegates')?.map((d) => d.toLowerCase()));
  const customOps = attempt(e, () => list(c.tflite_custom_ops, 'tflite_custom_ops'));
  const tflBase = tfl === undefined && !e.unreadable.some((u) => u.field === 'tflite') ? base.runtimes?.tflite : tfl;
  if (tfl !== undefined)
    runtimes.tflite =
      tfl === null ? null : { ...tfl, ...(delegates ? { delegates } : {}), ...(customOps ? { customOps } : {}) };
  else if ((delegates || customOps) && tflBase)
    runtimes.tflite = { ...tflBase, ...(delegates ? { delegates } : {}), ...(customOps ? { customOps } : {}) };
  else if (delegates || customOps)
    e.unreadable.push({
      field: delegates ? 'delegates' : 'tflite_custom_ops',
      message: 'delegates / tflite_custom_ops given without a tflite version',
    });
  if (Object.keys(runtimes).length) facts.runtimes = runtimes;
  attempt(e, () => {
    const acc = list(c.accelerators, 'accelerators');
    if (!acc) return;
    const bad = acc.filter((t) => !(t.toLowerCase() in ACCELERATOR_TOKENS));
    if (bad.length)
      throw new CellError(
        'accelerators',
        `unknown accelerator "${bad[0]}" (use ${Object.keys(ACCELERATOR_TOKENS).join(', ')})`,
      );
    e.accelerators = acc.map((t) => t.toLowerCase());
  });
  const cc = attempt(e, () => {
    const s = cellText(c.compute_capability, 'compute_capability');
    if (s !== undefined && !/^\d+\.\d+$/.test(s))
      throw new CellError('compute_capability', `compute_capability "${s}" must look like 8.7`);
    return s;
  });
  const model = attempt(e, () => cellText(c.gpu_model, 'gpu_model'));
  if (cc !== undefined || model !== undefined)
    e.gpu = { ...(cc ? { computeCapability: cc } : {}), ...(model ? { model } : {}) };
  const dla = attempt(e, () => wholeNumber(c.dla_cores, 'dla_cores'));
  if (dla !== undefined) e.dlaCores = dla;
  if (c.facts !== undefined) {
    attempt(e, () => {
      if (typeof c.facts !== 'object' || c.facts === null || Array.isArray(c.facts))
        throw new CellError('facts', 'facts must be an object');
      const problems = validateFacts(c.facts);
      if (problems.length) throw new CellError('facts', `facts${problems[0]!.replace(/^\/ /, ' ')}`);
      e.facts = mergeFacts(e.facts, c.facts);
    });
  }
  return e;
}

/** Profile facts, then explicit facts; accelerator tokens keep the profile's details for that kind. */
function mergeWithAccelerators(base: DeviceFacts, e: Explicit): DeviceFacts {
  let accs: Accelerator[] | undefined = base.accelerators;
  if (e.accelerators) {
    accs = e.accelerators.map((t) => {
      const fromProfile = base.accelerators?.find((a) => acceleratorMatches(a, t));
      return fromProfile ?? ACCELERATOR_TOKENS[t]!;
    });
  }
  if (e.gpu) {
    const list = accs ? [...accs] : [];
    const i = list.findIndex((a) => a.kind === 'gpu');
    list[i === -1 ? list.length : i] = { ...(i === -1 ? ACCELERATOR_TOKENS.gpu! : list[i]!), ...e.gpu };
    accs = list;
  }
  if (e.dlaCores !== undefined) {
    const list = (accs ?? []).filter((a) => a.kind !== 'dla');
    const prev = accs?.find((a) => a.kind === 'dla');
    if (e.dlaCores > 0) list.push({ ...(prev ?? ACCELERATOR_TOKENS.dla!), count: e.dlaCores });
    accs = list;
  }
  const merged = mergeFacts(base, e.facts);
  return accs === base.accelerators || e.facts.accelerators !== undefined ? merged : { ...merged, accelerators: accs! };
}

/** An unreadable cell makes the fact it states unknown, even where the profile knew it. */
function forget(f: DeviceFacts, field: string): DeviceFacts {
  const runtimes = (drop: (r: Runtimes) => Runtimes): DeviceFacts => ({ ...f, runtimes: drop({ ...f.runtimes }) });
  const without = (r: Runtimes, k: keyof Runtimes): Runtimes => {
    const { [k]: _gone, ...rest } = r;
    return rest;
  };
  switch (field) {
    case 'arch': {
      const { abi: _abi, isa: _isa, ...cpu } = f.cpu ?? {};
      return { ...f, cpu };
    }
    case 'memory_mib': {
      const { memoryMiB: _m, ...rest } = f;
      return rest;
    }
    case 'accelerators':
    case 'compute_capability':
    case 'gpu_model':
    case 'dla_cores': {
      const { accelerators: _a, ...rest } = f;
      return rest;
    }
    case 'onnxruntime':
      return runtimes((r) => without(r, 'onnxruntime'));
    case 'execution_providers': {
      const ort = f.runtimes?.onnxruntime;
      if (!ort) return f;
      const { executionProviders: _e, ...kept } = ort;
      return runtimes((r) => ({ ...r, onnxruntime: kept }));
    }
    case 'tflite':
      return runtimes((r) => without(r, 'tflite'));
    case 'delegates':
    case 'tflite_custom_ops': {
      const t = f.runtimes?.tflite;
      if (!t) return f;
      const { delegates: _d, customOps: _c, ...kept } = t;
      return runtimes((r) => ({ ...r, tflite: kept }));
    }
    case 'tensorrt':
    case 'cuda':
    case 'cudnn':
    case 'libedgetpu':
    case 'hailort':
      return runtimes((r) => without(r, field));
    default:
      return f; // profile, facts, row: the profile's or no facts; the warning says the rest
  }
}

/** Builds (and shares) device kinds: one per distinct profile + fact cells. */
export class KindBuilder {
  private readonly cache = new Map<string, DeviceKind>();

  constructor(private readonly catalog: Catalog) {}

  /** The kind for these cells; `key` (optional) identifies the fact cells, else they are serialized. */
  kind(c: Cells, key?: string, extra: readonly UnreadableFact[] = []): DeviceKind {
    let profile: string | undefined;
    let badProfile: UnreadableFact | undefined;
    try {
      profile = cellText(c.profile, 'profile');
    } catch (e) {
      badProfile = { field: 'profile', message: (e as Error).message };
    }
    const k =
      key ??
      JSON.stringify([
        ...CSV_COLUMNS.map((col) => (IDENTITY_COLUMNS.has(col) ? null : (c[col] ?? null))),
        c.facts ?? null,
        extra,
      ]);
    const cached = this.cache.get(k);
    if (cached) return cached;
    const known = profile !== undefined && this.catalog.has(profile);
    if (profile !== undefined && !known)
      badProfile = { field: 'profile', message: `unknown hardware profile "${profile}"` };
    const base = known ? this.catalog.resolve(profile!).facts : {};
    const e = explicitFacts(c, base);
    let facts = mergeWithAccelerators(base, e);
    const unreadable = [...(badProfile ? [badProfile] : []), ...e.unreadable, ...extra];
    for (const u of unreadable) facts = forget(facts, u.field);
    if (unreadable.length) facts = { ...facts, unreadable };
    const frozen = Object.freeze(facts);
    const kind: DeviceKind = { profile, facts: frozen, factsKey: factsKey(frozen) };
    this.cache.set(k, kind);
    return kind;
  }

  /** A kind for a row whose cells cannot be matched to columns: nothing but the reason is known. */
  unreadableRow(message: string): DeviceKind {
    const k = `\u0000row\u0000${message}`;
    let kind = this.cache.get(k);
    if (!kind) {
      const facts = Object.freeze({ unreadable: [{ field: 'row', message }] });
      kind = { profile: undefined, facts, factsKey: factsKey(facts) };
      this.cache.set(k, kind);
    }
    return kind;
  }
}
