import semver from 'semver';
import { escapeToken } from './pointer.js';
import type { Manifest, ManifestTensor, Metric } from './types.js';
import { compareDotted, rangeWithin } from './version.js';
import { canonicalDomain, isOnnxStandardDomain } from '../formats/index.js';
import type { Unchecked } from '../unchecked.js';
import { isObj, arr, showShape } from './guards.js';
import { showValue } from './diff-view.js';

/** What a change means for the fleet and for users of the model. */
export type Effect =
  /** Consumers of the model must change (I/O, preprocessing). */
  | 'breaking'
  /** Fewer devices qualify (higher opset, more memory, a new accelerator …). */
  | 'tightened'
  /** More devices qualify. */
  | 'loosened'
  | 'improved'
  | 'regressed'
  | 'changed';

export type Section =
  | 'identity'
  | 'framework'
  | 'requirements'
  | 'target'
  | 'artifact'
  | 'inputs'
  | 'outputs'
  | 'metrics'
  | 'license'
  | 'sbom'
  | 'other';

export interface Change {
  section: Section;
  code: string;
  /** Where in the manifest (pointer into the newer one, or the older one for removals). */
  pointer: string;
  effect: Effect;
  message: string;
  before?: unknown;
  after?: unknown;
  /** Numeric difference (after − before) for metrics, sizes and memory. */
  delta?: number;
}

export type VersionBump = 'major' | 'minor' | 'patch' | 'prerelease' | 'none' | 'downgrade' | 'unknown';

export interface ManifestDiff {
  from: { name: string; version: string };
  to: { name: string; version: string };
  versionBump: VersionBump;
  changes: Change[];
  /** Count of changes per effect. */
  summary: Record<Effect, number>;
  /** Reviewer notes, e.g. a breaking change without a major version bump. */
  notes: string[];
}

/** The object at `v`, or an empty one: diff never trusts the input's shape. */
const obj = (v: unknown): Record<string, unknown> => (isObj(v) ? v : {});
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** A value in a change message: lists in brackets, unknown dims as "?", objects field by field (never JSON). */
const show = (v: unknown): string =>
  v === undefined
    ? 'none'
    : Array.isArray(v)
      ? `[${v.map((x) => (x === null ? '?' : show(x))).join(', ')}]`
      : showValue(v);

/** Compares versions numerically ('2.14.0' vs '2.9'); NaN when either is not a version. */
function cmpDotted(a: unknown, b: unknown): number {
  if (typeof a !== 'string' || typeof b !== 'string') return NaN;
  return compareDotted(a, b) ?? NaN;
}

/** Metrics where a lower value is better, by name. */
const LOWER_IS_BETTER =
  /latency|time|duration|\bms\b|wer|cer|error|loss|perplexity|memory|mem\b|size|energy|power|p50|p90|p95|p99/i;

function versionBump(a: unknown, b: unknown): VersionBump {
  if (typeof a !== 'string' || typeof b !== 'string' || !semver.valid(a) || !semver.valid(b)) return 'unknown';
  const c = semver.compare(b, a);
  if (c === 0) return 'none';
  if (c < 0) return 'downgrade';
  const d = semver.diff(a, b);
  if (d === 'major' || d === 'premajor') return 'major';
  if (d === 'minor' || d === 'preminor') return 'minor';
  if (d === 'patch' || d === 'prepatch') return 'patch';
  return 'prerelease';
}

class Collector {
  readonly changes: Change[] = [];
  add(
    section: Section,
    code: string,
    pointer: string,
    effect: Effect,
    message: string,
    extra: Partial<Pick<Change, 'before' | 'after' | 'delta'>> = {},
  ): void {
    this.changes.push({ section, code, pointer, effect, message, ...extra });
  }
}

/** Added/removed members of two lists: adding a required thing tightens, removing loosens (or the reverse). */
function setChange(
  c: Collector,
  section: Section,
  pointer: string,
  label: string,
  before: unknown,
  after: unknown,
  addedIs: Effect,
  removedIs: Effect,
): void {
  const a = new Set(arr<string>(before).map(String));
  const b = new Set(arr<string>(after).map(String));
  for (const x of b) if (!a.has(x)) c.add(section, 'ADDED', pointer, addedIs, `${label}: ${x} added`, { after: x });
  for (const x of a)
    if (!b.has(x)) c.add(section, 'REMOVED', pointer, removedIs, `${label}: ${x} removed`, { before: x });
}

function numberChange(
  c: Collector,
  section: Section,
  pointer: string,
  label: string,
  before: unknown,
  after: unknown,
  higherIs: Effect,
  lowerIs: Effect,
): void {
  if (same(before, after)) return;
  if (typeof before === 'number' && typeof after === 'number') {
    c.add(section, 'CHANGED', pointer, after > before ? higherIs : lowerIs, `${label} ${before} → ${after}`, {
      before,
      after,
      delta: after - before,
    });
  } else if (after !== undefined && before === undefined) {
    c.add(section, 'ADDED', pointer, higherIs, `${label} set to ${show(after)}`, { after });
  } else if (before !== undefined && after === undefined) {
    c.add(section, 'REMOVED', pointer, lowerIs, `${label} ${show(before)} removed`, { before });
  } else c.add(section, 'CHANGED', pointer, 'changed', `${label} ${show(before)} → ${show(after)}`, { before, after });
}

function versionChange(
  c: Collector,
  section: Section,
  pointer: string,
  label: string,
  before: unknown,
  after: unknown,
  exact = false,
): void {
  if (same(before, after)) return;
  const cmp = cmpDotted(after, before);
  const effect: Effect = exact || Number.isNaN(cmp) ? 'changed' : cmp > 0 ? 'tightened' : 'loosened';
  c.add(
    section,
    'CHANGED',
    pointer,
    before === undefined ? (exact ? 'changed' : 'tightened') : after === undefined ? 'loosened' : effect,
    `${label} ${show(before)} → ${show(after)}`,
    { before, after },
  );
}

/** A runtime range change: narrower = tightened, wider = loosened, else changed. */
function rangeChange(c: Collector, pointer: string, name: string, before: unknown, after: unknown): void {
  if (same(before, after)) return;
  if (before === undefined)
    return c.add('requirements', 'ADDED', pointer, 'tightened', `runtime ${name} ${show(after)} now required`, {
      after,
    });
  if (after === undefined)
    return c.add(
      'requirements',
      'REMOVED',
      pointer,
      'loosened',
      `runtime ${name} requirement ${show(before)} dropped`,
      { before },
    );
  let effect: Effect = 'changed';
  if (typeof before === 'string' && typeof after === 'string') {
    if (rangeWithin(after, before)) effect = 'tightened';
    else if (rangeWithin(before, after)) effect = 'loosened';
  }
  c.add('requirements', 'CHANGED', pointer, effect, `runtime ${name} ${show(before)} → ${show(after)}`, {
    before,
    after,
  });
}

function tensorChanges(c: Collector, kind: 'inputs' | 'outputs', before: unknown, after: unknown): void {
  const a = arr<ManifestTensor>(before).filter(isObj);
  const b = arr<ManifestTensor>(after).filter(isObj);
  const one = kind.slice(0, -1);
  const byName = new Map(a.map((t) => [t.name, t]));
  b.forEach((t, i) => {
    const p = `/${kind}/${i}`;
    const old = byName.get(t.name);
    if (!old)
      return c.add(kind, 'ADDED', p, 'breaking', `${one} "${t.name}" added (${t.dtype} ${showShape(t.shape)})`, {
        after: t,
      });
    if (old.dtype !== t.dtype)
      c.add(kind, 'DTYPE_CHANGED', `${p}/dtype`, 'breaking', `${one} "${t.name}" dtype ${old.dtype} → ${t.dtype}`, {
        before: old.dtype,
        after: t.dtype,
      });
    if (!same(old.shape, t.shape)) {
      // Pinning a dynamic dim narrows what callers may send; freeing a fixed one widens it.
      const oa = old.shape ?? [];
      const nb = t.shape ?? [];
      let effect: Effect = 'breaking';
      if (Array.isArray(old.shape) && Array.isArray(t.shape) && oa.length === nb.length) {
        const pinned = nb.some((d, k) => typeof d === 'number' && typeof oa[k] !== 'number');
        const freed = nb.some((d, k) => typeof d !== 'number' && typeof oa[k] === 'number');
        const resized = nb.some((d, k) => typeof d === 'number' && typeof oa[k] === 'number' && d !== oa[k]);
        if (!resized && !pinned && freed) effect = 'loosened';
        else if (!resized && !pinned && !freed) effect = 'changed'; // only symbolic names differ
      }
      c.add(
        kind,
        'SHAPE_CHANGED',
        `${p}/shape`,
        effect,
        `${one} "${t.name}" shape ${showShape(old.shape)} → ${showShape(t.shape)}`,
        { before: old.shape, after: t.shape },
      );
    }
    const strip = (x: unknown) =>
      isObj(x) ? Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'guessed')) : x;
    if (!same(strip(old.preprocessing), strip(t.preprocessing))) {
      const keys = new Set(
        [...Object.keys(old.preprocessing ?? {}), ...Object.keys(t.preprocessing ?? {})].filter((k) => k !== 'guessed'),
      );
      const changed = [...keys].filter(
        (k) =>
          !same(
            (old.preprocessing as Record<string, unknown> | undefined)?.[k],
            (t.preprocessing as Record<string, unknown> | undefined)?.[k],
          ),
      );
      c.add(
        kind,
        'PREPROCESSING_CHANGED',
        `${p}/preprocessing`,
        'breaking',
        `${one} "${t.name}" preprocessing changed: ${changed.map((k) => `${k} ${show((old.preprocessing as Record<string, unknown> | undefined)?.[k])} → ${show((t.preprocessing as Record<string, unknown> | undefined)?.[k])}`).join('; ')}`,
        { before: old.preprocessing, after: t.preprocessing },
      );
    }
    if (!same(old.quantization, t.quantization))
      c.add(
        kind,
        'QUANTIZATION_CHANGED',
        `${p}/quantization`,
        'breaking',
        `${one} "${t.name}" quantization parameters changed`,
        { before: old.quantization, after: t.quantization },
      );
  });
  const names = new Set(b.map((t) => t.name));
  a.forEach((t, i) => {
    if (!names.has(t.name))
      c.add(kind, 'REMOVED', `/${kind}/${i}`, 'breaking', `${one} "${t.name}" removed`, { before: t });
  });
}

function metricKey(m: Metric): string {
  return [m.dataset, m.split, m.hardware].filter(Boolean).join('/');
}

function metricChanges(c: Collector, before: unknown, after: unknown): void {
  const key = (m: Metric) => JSON.stringify([m.name, m.dataset ?? null, m.split ?? null, m.hardware ?? null]);
  // Each older metric with its index there (a removed one is pointed at in the older manifest).
  const a = new Map(
    arr<Metric>(before)
      .map((m, i) => [m, i] as const)
      .filter(([m]) => isObj(m))
      .map(([m, i]) => [key(m), { m, i }]),
  );
  arr<Metric>(after)
    .filter(isObj)
    .forEach((m, i) => {
      const label = `${m.name}${metricKey(m) ? ` [${metricKey(m)}]` : ''}`;
      const old = a.get(key(m))?.m;
      a.delete(key(m));
      if (!old)
        return c.add(
          'metrics',
          'ADDED',
          `/metrics/${i}`,
          'changed',
          `${label} added: ${show(m.value)}${m.unit ? ` ${m.unit}` : ''}`,
          { after: m.value },
        );
      if (same(old.value, m.value)) return;
      if (typeof old.value === 'number' && typeof m.value === 'number') {
        const delta = m.value - old.value;
        const better = LOWER_IS_BETTER.test(m.name) || LOWER_IS_BETTER.test(m.unit ?? '') ? delta < 0 : delta > 0;
        const rel =
          old.value !== 0 ? ` (${delta > 0 ? '+' : ''}${+((delta / Math.abs(old.value)) * 100).toFixed(1)}%)` : '';
        c.add(
          'metrics',
          'CHANGED',
          `/metrics/${i}/value`,
          better ? 'improved' : 'regressed',
          `${label} ${old.value} → ${m.value}${m.unit ? ` ${m.unit}` : ''}, ${delta > 0 ? '+' : ''}${+delta.toPrecision(6)}${rel}`,
          { before: old.value, after: m.value, delta },
        );
      } else
        c.add(
          'metrics',
          'CHANGED',
          `/metrics/${i}/value`,
          'changed',
          `${label} ${show(old.value)} → ${show(m.value)}`,
          { before: old.value, after: m.value },
        );
    });
  for (const { m, i } of a.values())
    c.add(
      'metrics',
      'REMOVED',
      `/metrics/${i}`,
      'changed',
      `${m.name}${metricKey(m) ? ` [${metricKey(m)}]` : ''} removed (was ${show(m.value)})`,
      { before: m.value },
    );
}

const HANDLED = new Set([
  '$schema',
  'schemaVersion',
  'name',
  'version',
  'channel',
  'framework',
  'artifact',
  'inputs',
  'outputs',
  'metrics',
  'target',
  'license',
  'licenseRef',
  'sbom',
  'todo',
]);

/**
 * A semantic diff of two manifests for reviewers: interface changes (breaking), runtime
 * requirements tightened or loosened, metrics moved (with deltas, improved/regressed), license,
 * artifact digests, version bump. Robust to malformed input (unknown shapes are compared as JSON).
 */
export function diffManifests(before: Unchecked<Manifest>, after: Unchecked<Manifest>): ManifestDiff {
  const c = new Collector();
  const a = before as Unchecked<Manifest> & Record<string, unknown>;
  const b = after as Unchecked<Manifest> & Record<string, unknown>;

  if (a.name !== b.name)
    c.add('identity', 'NAME_CHANGED', '/name', 'changed', `name ${show(a.name)} → ${show(b.name)}`, {
      before: a.name,
      after: b.name,
    });
  const bump = versionBump(a.version, b.version);
  if (bump !== 'none')
    c.add(
      'identity',
      'VERSION_CHANGED',
      '/version',
      bump === 'downgrade' ? 'regressed' : 'changed',
      `version ${show(a.version)} → ${show(b.version)} (${bump})`,
      { before: a.version, after: b.version },
    );
  if (a.channel !== b.channel)
    c.add('identity', 'CHANNEL_CHANGED', '/channel', 'changed', `channel ${show(a.channel)} → ${show(b.channel)}`, {
      before: a.channel,
      after: b.channel,
    });
  if (a.schemaVersion !== b.schemaVersion)
    c.add(
      'identity',
      'SCHEMA_CHANGED',
      '/schemaVersion',
      'changed',
      `schemaVersion ${show(a.schemaVersion)} → ${show(b.schemaVersion)}`,
    );

  // Framework and what the runtime needs
  const fa = obj(a.framework);
  const fb = obj(b.framework);
  if (fa.format !== fb.format)
    c.add(
      'framework',
      'FORMAT_CHANGED',
      '/framework/format',
      'breaking',
      `format ${show(fa.format)} → ${show(fb.format)}`,
      { before: fa.format, after: fb.format },
    );
  const oa = obj(fa.onnx);
  const ob = obj(fb.onnx);
  numberChange(
    c,
    'framework',
    '/framework/onnx/irVersion',
    'ONNX IR version',
    oa.irVersion,
    ob.irVersion,
    'tightened',
    'loosened',
  );
  const opsets = (o: Record<string, unknown>) =>
    new Map(
      arr<{ domain: string; version: number }>(o.opsets)
        .filter(isObj)
        .map((x) => [canonicalDomain(x.domain), x.version]),
    );
  const pa = opsets(oa);
  const pb = opsets(ob);
  const usedIn = (o: Record<string, unknown>) =>
    Array.isArray(o.usedDomains) ? new Set(arr<string>(o.usedDomains).map(String).map(canonicalDomain)) : undefined;
  const ua = usedIn(oa);
  const ub = usedIn(ob);
  for (const d of new Set([...pa.keys(), ...pb.keys()])) {
    // An import no node uses in either version is information; a standard domain's version still
    // matters unused (ONNX Runtime refuses an import above the opsets it implements).
    const info = ua !== undefined && ub !== undefined && !ua.has(d) && !ub.has(d) && !isOnnxStandardDomain(d);
    numberChange(
      c,
      'framework',
      '/framework/onnx/opsets',
      `ONNX opset ${d}${info ? ' (imported, no node uses it)' : ''}`,
      pa.get(d),
      pb.get(d),
      info ? 'changed' : 'tightened',
      info ? 'changed' : 'loosened',
    );
  }
  setChange(
    c,
    'framework',
    '/framework/onnx/customDomains',
    'ONNX custom domain',
    oa.customDomains,
    ob.customDomains,
    'tightened',
    'loosened',
  );
  const ta = obj(fa.tflite);
  const tb = obj(fb.tflite);
  versionChange(
    c,
    'framework',
    '/framework/tflite/minRuntimeVersion',
    'TFLite min runtime',
    ta.minRuntimeVersion,
    tb.minRuntimeVersion,
  );
  setChange(
    c,
    'framework',
    '/framework/tflite/customOps',
    'TFLite custom op',
    ta.customOps,
    tb.customOps,
    'tightened',
    'loosened',
  );
  if (Boolean(ta.edgetpu) !== Boolean(tb.edgetpu))
    c.add(
      'framework',
      'CHANGED',
      '/framework/tflite/edgetpu',
      tb.edgetpu ? 'tightened' : 'loosened',
      tb.edgetpu ? 'now compiled for the Edge TPU' : 'no longer compiled for the Edge TPU',
    );
  const ra = obj(fa.tensorrt);
  const rb = obj(fb.tensorrt);
  versionChange(
    c,
    'framework',
    '/framework/tensorrt/version',
    'TensorRT version',
    ra.version,
    rb.version,
    !rb.versionCompatible,
  );
  if (!same(ra.computeCapability, rb.computeCapability))
    c.add(
      'framework',
      'CHANGED',
      '/framework/tensorrt/computeCapability',
      'changed',
      `TensorRT compute capability ${show(ra.computeCapability)} → ${show(rb.computeCapability)}`,
      { before: ra.computeCapability, after: rb.computeCapability },
    );
  if (Boolean(ra.versionCompatible) !== Boolean(rb.versionCompatible))
    c.add(
      'framework',
      'CHANGED',
      '/framework/tensorrt/versionCompatible',
      rb.versionCompatible ? 'loosened' : 'tightened',
      rb.versionCompatible ? 'engine now version-compatible' : 'engine no longer version-compatible',
    );
  if (!same(ra.hardwareCompatibility, rb.hardwareCompatibility))
    c.add(
      'framework',
      'CHANGED',
      '/framework/tensorrt/hardwareCompatibility',
      'changed',
      `TensorRT hardware compatibility ${show(ra.hardwareCompatibility)} → ${show(rb.hardwareCompatibility)}`,
    );
  if (!same(ra.dlaCore, rb.dlaCore))
    c.add(
      'framework',
      'CHANGED',
      '/framework/tensorrt/dlaCore',
      rb.dlaCore === undefined ? 'loosened' : 'tightened',
      `DLA core ${show(ra.dlaCore)} → ${show(rb.dlaCore)}`,
    );
  for (const k of ['precision', 'quantization'] as const) {
    if (!same(fa[k], fb[k]))
      c.add('framework', 'CHANGED', `/framework/${k}`, 'changed', `${k} ${show(fa[k])} → ${show(fb[k])}`, {
        before: fa[k],
        after: fb[k],
      });
  }

  // Target and explicit requirements
  const tga = obj(a.target);
  const tgb = obj(b.target);
  setChange(c, 'target', '/target/profiles', 'target profile', tga.profiles, tgb.profiles, 'loosened', 'tightened');
  const qa = obj(tga.requirements);
  const qb = obj(tgb.requirements);
  numberChange(
    c,
    'requirements',
    '/target/requirements/minMemoryMiB',
    'minimum memory (MiB)',
    qa.minMemoryMiB,
    qb.minMemoryMiB,
    'tightened',
    'loosened',
  );
  versionChange(
    c,
    'requirements',
    '/target/requirements/computeCapability',
    'compute capability',
    qa.computeCapability,
    qb.computeCapability,
  );
  setChange(
    c,
    'requirements',
    '/target/requirements/accelerators',
    'required accelerator',
    qa.accelerators,
    qb.accelerators,
    'tightened',
    'loosened',
  );
  setChange(
    c,
    'requirements',
    '/target/requirements/cpuArch',
    'CPU architecture',
    qa.cpuArch,
    qb.cpuArch,
    'loosened',
    'tightened',
  );
  setChange(
    c,
    'requirements',
    '/target/requirements/executionProviders',
    'execution provider',
    qa.executionProviders,
    qb.executionProviders,
    'tightened',
    'loosened',
  );
  setChange(
    c,
    'requirements',
    '/target/requirements/delegates',
    'delegate',
    qa.delegates,
    qb.delegates,
    'tightened',
    'loosened',
  );
  const rta = obj(qa.runtimes);
  const rtb = obj(qb.runtimes);
  for (const n of new Set([...Object.keys(rta), ...Object.keys(rtb)]))
    rangeChange(c, `/target/requirements/runtimes/${escapeToken(n)}`, n, rta[n], rtb[n]);

  // Artifact
  const fileMap = (m: Record<string, unknown>) =>
    new Map(
      arr<Record<string, unknown>>(isObj(m.artifact) ? m.artifact.files : [])
        .filter(isObj)
        .map((f) => [String(f.path), f]),
    );
  const aa = fileMap(a);
  const ab = fileMap(b);
  for (const [p, f] of ab) {
    const old = aa.get(p);
    if (!old)
      c.add(
        'artifact',
        'ADDED',
        '/artifact/files',
        'changed',
        `file ${p} added (${show(f.role)}, ${show(f.size)} bytes)`,
        { after: f.sha256 },
      );
    else if (old.sha256 !== f.sha256) {
      const delta = typeof f.size === 'number' && typeof old.size === 'number' ? f.size - old.size : undefined;
      c.add(
        'artifact',
        'DIGEST_CHANGED',
        '/artifact/files',
        'changed',
        `file ${p} content changed (sha256 ${String(old.sha256).slice(0, 12)}… → ${String(f.sha256).slice(0, 12)}…${delta ? `, ${delta > 0 ? '+' : ''}${delta} bytes` : ''})`,
        { before: old.sha256, after: f.sha256, ...(delta !== undefined ? { delta } : {}) },
      );
    }
  }
  for (const p of aa.keys())
    if (!ab.has(p)) c.add('artifact', 'REMOVED', '/artifact/files', 'changed', `file ${p} removed`);
  const fileA = isObj(a.artifact) ? a.artifact.file : undefined;
  const fileB = isObj(b.artifact) ? b.artifact.file : undefined;
  if (fileA !== fileB)
    c.add('artifact', 'CHANGED', '/artifact/file', 'changed', `model file ${show(fileA)} → ${show(fileB)}`);

  tensorChanges(c, 'inputs', a.inputs, b.inputs);
  tensorChanges(c, 'outputs', a.outputs, b.outputs);
  metricChanges(c, a.metrics, b.metrics);

  if (a.license !== b.license)
    c.add('license', 'LICENSE_CHANGED', '/license', 'changed', `license ${show(a.license)} → ${show(b.license)}`, {
      before: a.license,
      after: b.license,
    });
  if (!same(a.licenseRef, b.licenseRef))
    c.add(
      'license',
      'LICENSE_REF_CHANGED',
      '/licenseRef',
      'changed',
      'custom license references (licenseRef) changed',
      { before: a.licenseRef, after: b.licenseRef },
    );
  if (!same(a.sbom, b.sbom))
    c.add(
      'sbom',
      'SBOM_CHANGED',
      '/sbom',
      'changed',
      a.sbom === undefined ? 'SBOM attached' : b.sbom === undefined ? 'SBOM removed' : 'SBOM changed',
      { before: a.sbom, after: b.sbom },
    );

  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (HANDLED.has(k) || same(a[k], b[k])) continue;
    c.add('other', 'CHANGED', `/${escapeToken(k)}`, 'changed', `${k} changed`, { before: a[k], after: b[k] });
  }

  const summary = { breaking: 0, tightened: 0, loosened: 0, improved: 0, regressed: 0, changed: 0 } as Record<
    Effect,
    number
  >;
  for (const ch of c.changes) summary[ch.effect]++;
  const notes: string[] = [];
  if (
    summary.breaking &&
    bump !== 'major' &&
    !(typeof b.version === 'string' && semver.valid(b.version) && semver.major(b.version) === 0)
  ) {
    notes.push(`${summary.breaking} breaking change(s) but the version bump is ${bump}: consider a major version.`);
  }
  if (bump === 'none' && c.changes.length) notes.push('The content changed but the version did not.');
  if (bump === 'downgrade') notes.push('The version goes down.');
  return {
    from: { name: String(a.name), version: String(a.version) },
    to: { name: String(b.name), version: String(b.version) },
    versionBump: bump,
    changes: c.changes,
    summary,
    notes,
  };
}
